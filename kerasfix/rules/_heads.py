"""Shared pieces for the rules about a model's output head and its loss."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from kerasfix import knowledge as kb
from kerasfix.context import Context
from kerasfix.diagnostic import Edit
from kerasfix.inference import Head, LossSpec
from kerasfix.quick import QuickFacts
from kerasfix.rules._text import has_word
from kerasfix.syntax import arg, has_star, string

# Rules about a compiled model's head and loss (KF003, KF006) can only fire
# where a model is compiled with a probability loss and ends in a units layer.
# a compile( call, not jit_compile=…
COMPILE_CALL = (re.compile(r"compile[\s\\]*\("),)
COMPILED_HEAD_TRIGGERS = (
    ("compile",),
    COMPILE_CALL,
    # short aliases ("bce") must be whole words: they hide inside others
    tuple(m for m in kb.PROBABILITY_LOSS_MARKERS if len(m) > 4)
    + tuple(has_word(m) for m in kb.PROBABILITY_LOSS_MARKERS if len(m) <= 4),
    kb.KERAS_MARKERS,
)


def compiled_heads(ctx: Context) -> Iterator[tuple[Head, LossSpec]]:
    """Every (output head, loss) pair of every compile() call in the module."""
    for call in ctx.method_calls("compile"):
        yield from ctx.inference.compiled_outputs(call)


def compiled_head_may_fire(facts: QuickFacts) -> bool:
    return (
        facts.compile_loss_maybe_probability
        and facts.builds_models
        and facts.mentions(kb.PROBABILITY_LOSS_MARKERS)
        and facts.mentions(tuple(kb.UNITS_LAYERS))
    )


def layer_name(ctx: Context, call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return ctx.code(func)


def describe(ctx: Context, head: Head) -> str:
    """``Dense(10)``, ``Dense(n_classes, activation='softmax')`` …, as written."""
    assert head.layer is not None
    name = layer_name(ctx, head.layer)
    units = arg(head.layer, 0, "units", "output_dim")
    shown = ctx.code(units) if units is not None else "?"
    if len(shown) > 30 or "\n" in shown:
        shown = "…"
    if head.activation_layer is not None:
        return f"{name}({shown}) + {layer_name(ctx, head.activation_layer)}({head.activation!r})"
    if head.activation_arg is not None and head.activation not in (None, "linear"):
        return f"{name}({shown}, activation={head.activation!r})"
    return f"{name}({shown})"


def activation_edit(ctx: Context, head: Head, activation: str) -> Edit | None:
    """Give the head's layer ``activation``: replace its activation argument,
    or add one. None where that cannot be done exactly."""
    layer = head.layer
    if layer is None or has_star(layer):
        return None
    literal = ctx.string_literal(activation)
    if head.activation_layer is not None:
        value = arg(head.activation_layer, 0, "activation")
        if string(value) is None:
            return None
        return ctx.replace(value, literal)
    if head.activation_arg is not None:
        return ctx.replace(head.activation_arg.value, literal)
    return append_argument(ctx, layer, f"activation={literal}", empty=False)


def append_argument(ctx: Context, call: ast.Call, argument: str, empty: bool = True) -> Edit | None:
    """Add ``argument`` after the call's last argument (into its empty
    parentheses only with ``empty``). None where the arguments cannot be
    read exactly."""
    arguments = ctx.arguments(call)
    if arguments is None:
        return None
    if not arguments.items:
        if not empty:
            return None
        return Edit(arguments.close_paren, arguments.close_paren, argument)
    _, _, end = arguments.items[-1]
    return Edit(end, end, f", {argument}")


def from_logits_edit(ctx: Context, loss: LossSpec, value: bool, at: ast.AST) -> Edit | None:
    """Make the loss's from_logits ``value``: set the argument, or turn a
    string/function loss into its class. None when the module cannot name
    the class with the imports it has."""
    text = "True" if value else "False"
    if loss.form == "class":
        assert isinstance(loss.node, ast.Call)
        if loss.from_logits_arg is not None:
            return ctx.replace(loss.from_logits_arg.value, text)
        return append_argument(ctx, loss.node, f"from_logits={text}")
    if loss.info.cls is None or loss.info.from_logits_position is None:
        return None
    spelled = ctx.inference.keras_spelling(f"losses.{loss.info.cls}", at)
    if spelled is None:
        return None
    return ctx.replace(loss.node, f"{spelled}(from_logits={text})")


def probability_kind(head: Head) -> str | None:
    """ "categorical", "binary", or None for a head that is not a probability."""
    if head.activation is None:
        return None
    return kb.PROBABILITY_ACTIVATIONS.get(head.activation)


def is_logits(head: Head) -> bool:
    return head.activation in kb.LOGIT_ACTIVATIONS
