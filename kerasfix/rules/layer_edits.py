"""Edits that give a layer state of its own: a statement run in its ``__init__``, and the
``SeedGenerator`` a random draw of its ``call()`` takes on every backend — written into a
layer, or into a layer made of a function given to ``Lambda`` (which has no state to hold a
generator); and the ``InputLayer`` a Sequential model's first layer stood for. Used by the
rules through :mod:`kerasfix.rules.base`."""

from __future__ import annotations

import ast
import re
from typing import Any

from kerasfix import knowledge as kb
from kerasfix.analysis.context import Context
from kerasfix.analysis.syntax import has_star, keyword_arg
from kerasfix.diagnostic import Edit
from kerasfix.rules.edits import (
    append_argument,
    argument_deletions,
    argument_removal,
    keras_name,
    ops_rewrite,
)

# the generator a layer's draws take (`keras.random.normal(shape, seed=self.seed_generator)`)
GENERATOR = "seed_generator"
# a draw's float types, by name
_FLOAT_DTYPES = frozenset({"float16", "float32", "float64", "bfloat16"})
# what a Lambda call may pass besides its function, kept on the layer made of it (its output
# shape Keras infers by running the layer)
_LAMBDA_KEPT = frozenset({"name", "dtype", "trainable"})
_LAMBDA_DROPPED = frozenset({"output_shape"})


def random_draw_edits(
    ctx: Context, call: ast.Call, found: dict[str, Any]
) -> tuple[str, list[Edit]] | None:
    """For a draw from TensorFlow's generator (``found``: its ``keras.random`` function): where
    its generator goes ("layer": the layer whose ``call()`` it is in; "lambda": a layer made of
    the function given to ``Lambda`` it is in) and the edits; None where neither is exact."""
    draw = _draw_edits(ctx, call, found)
    if draw is None:
        return None
    edits, seed = draw
    layer = layer_calling(ctx, call)
    if layer is not None:
        made = _generator_made(ctx, layer)
        if made is None:
            return None
        if not made:
            named = keras_name(ctx, "random.SeedGenerator", call, True)
            if named is None:
                return None
            init = init_statement(ctx, layer, f"self.{GENERATOR} = {named[0]}({seed})")
            if init is None:
                return None
            edits += [*named[1], init]
        return "layer", list(dict.fromkeys(edits))
    made_layer = _lambda_layer_edits(ctx, call, seed, edits)
    if made_layer is None:
        return None
    return "lambda", list(dict.fromkeys(made_layer))


def _draw_edits(
    ctx: Context, call: ast.Call, found: dict[str, Any]
) -> tuple[list[Edit], str] | None:
    """The draw itself as ``keras.random``'s, taking ``self.seed_generator``, and the seed it
    gave (the generator's); None for a draw of integers, or a seed by position or computed."""
    dtype = keyword_arg(call, "dtype")
    dtype_value = dtype.value if dtype is not None else call.args[3] if len(call.args) > 3 else None
    if dtype_value is not None and not _float_dtype(ctx, dtype_value):
        return None
    seed = keyword_arg(call, "seed")
    literal = seed is not None and isinstance(seed.value, ast.Constant)
    if len(call.args) > 4 or (seed is not None and not literal):
        return None
    value = seed.value.value if seed is not None else None  # type: ignore[union-attr]
    if type(value) not in (int, type(None)):
        return None
    _, _, edits = ops_rewrite(ctx, call, found, add_import=True, namespace="random")
    if not edits:
        return None
    if seed is not None:
        edits.append(ctx.replace(seed.value, f"self.{GENERATOR}"))
    else:
        added = append_argument(ctx, call, f"seed=self.{GENERATOR}", empty=False)
        if added is None:
            return None
        edits.append(added)
    return edits, "" if value is None else str(value)


def _lambda_layer_edits(
    ctx: Context, call: ast.Call, seed: str, draw: list[Edit]
) -> list[Edit] | None:
    """``def sampling(args): … K.random_normal(…) …`` given to ``Lambda(sampling, …)`` once:
    the function becomes a layer class (its body, with the ``draw`` edits, the layer's
    ``call()``; a ``SeedGenerator`` made in ``__init__``) and the ``Lambda`` an instance of it
    (Keras infers the output shape by running the layer). None unless the function is a plain
    module-level ``def`` of one parameter that nothing else reads, with no string over lines
    (its value would change with the indentation)."""
    function = next(
        (a for a in ctx.tree.ancestors(call) if isinstance(a, (ast.FunctionDef, ast.Lambda))), None
    )
    if not isinstance(function, ast.FunctionDef) or not isinstance(
        ctx.tree.parents.get(function), ast.Module
    ):
        return None
    args = function.args
    if function.decorator_list or len(args.args) != 1 or args.vararg or args.kwarg:
        return None
    if args.posonlyargs or args.kwonlyargs or args.defaults:
        return None
    lambda_call = _only_given_to_lambda(ctx, function)
    arguments = ctx.arguments(lambda_call) if lambda_call is not None else None
    name = "".join(part[:1].upper() + part[1:] for part in function.name.split("_") if part)
    if arguments is None or not name.isidentifier() or re.search(rf"\b{name}\b", ctx.text):
        return None
    if any(
        isinstance(n, (ast.Constant, ast.JoinedStr)) and n.end_lineno != n.lineno
        for n in ast.walk(function)
    ):
        return None
    base = keras_name(ctx, "layers.Layer", call, True)
    generator = keras_name(ctx, "random.SeedGenerator", call, True)
    if base is None or generator is None:
        return None
    start, end = ctx.span(function)
    inside = sorted(e for e in draw if start <= e.start and e.end <= end)
    text = ctx.text[start:end]
    for edit in reversed(inside):
        text = text[: edit.start - start] + edit.content + text[edit.end - start :]
    text = re.sub(rf"^def\s+{function.name}\s*\(", "def call(self, ", text)
    method = "".join(
        ("    " + line if line.strip() else line) for line in text.splitlines(keepends=True)
    )
    made = (
        f"class {name}({base[0]}):\n    def __init__(self, **kwargs):\n"
        f"        super().__init__(**kwargs)\n"
        f"        self.{GENERATOR} = {generator[0]}({seed})\n\n{method}"
    )
    kept = [
        i
        for i, (node, _, _) in enumerate(arguments.items)
        if isinstance(node, ast.keyword) and node.arg in _LAMBDA_KEPT
    ]
    return [
        *(e for e in draw if e not in inside),
        *base[1],
        *generator[1],
        Edit(start, end, made),
        ctx.replace(lambda_call.func, name),  # type: ignore[union-attr]
        *argument_deletions(ctx.text, arguments, kept),
    ]


def _only_given_to_lambda(ctx: Context, function: ast.FunctionDef) -> ast.Call | None:
    """The ``Lambda(function, …)`` call that is the only read of the function's name, where it
    passes nothing but what a layer made of the function keeps (or Keras infers)."""
    reads = [n for n in ctx.tree.order if type(n) is ast.Name and n.id == function.name]
    found = ctx.tree.parents.get(reads[0]) if len(reads) == 1 else None
    if not (
        isinstance(found, ast.Call)
        and found.args == reads
        and ctx.inference.api_path(found.func) == "layers.Lambda"
        and not has_star(found)
        and all(k.arg in _LAMBDA_KEPT | _LAMBDA_DROPPED for k in found.keywords)
    ):
        return None
    return found


def init_statement(ctx: Context, cls: ast.ClassDef, made: str) -> Edit | None:
    """The edit that runs the statement ``made`` in the layer's ``__init__``: after its
    ``super().__init__(…)``, or in an ``__init__`` added for it before the first method. None
    where that cannot be written exactly."""
    init = next(
        (f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None
    )
    if init is not None:
        first = next(
            (
                st
                for st in init.body
                if isinstance(st, ast.Expr)
                and isinstance(st.value, ast.Call)
                and isinstance(st.value.func, ast.Attribute)
                and st.value.func.attr == "__init__"
                and isinstance(st.value.func.value, ast.Call)
                and ctx.code(st.value.func.value.func) == "super"
            ),
            None,
        )
        indent = ctx.indent(first) if first is not None else None
        if first is None or indent is None:
            return None
        return ctx.insert_after(first, f"\n{indent}{made}")
    method = next((f for f in cls.body if isinstance(f, ast.FunctionDef)), None)
    indent = ctx.indent(method) if method is not None and not method.decorator_list else None
    if method is None or indent is None:
        return None
    return ctx.insert_before(
        method,
        f"def __init__(self, **kwargs):\n{indent}    super().__init__(**kwargs)\n"
        f"{indent}    {made}\n\n{indent}",
    )


def draws(ctx: Context, call: ast.Call) -> bool:
    """A random draw, TensorFlow's, Keras 2's or Keras 3's (its first argument is a shape)."""
    tf_path = ctx.inference.tf_path(call.func)
    if tf_path is not None and kb.api.random_op("tf." + tf_path):
        return True
    path = ctx.inference.api_path(call.func) or ""
    return path.startswith("random.") or kb.api.random_op(path) is not None


def layer_calling(ctx: Context, call: ast.Call) -> ast.ClassDef | None:
    """The Keras layer (or model) class whose ``call()`` holds ``call``."""
    method = None
    for node in ctx.tree.ancestors(call):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) and method is None:
            method = node
        elif isinstance(node, ast.ClassDef):
            keras = ctx.inference.keras3_base(node) is not None
            return node if keras and getattr(method, "name", "") == "call" else None
    return None


def _generator_made(ctx: Context, layer: ast.ClassDef) -> bool | None:
    """Whether the layer makes its generator already (an earlier fix: True) or not yet (False);
    None where the name holds something else."""
    made = mentioned = False
    for node in ast.walk(layer):
        if not (isinstance(node, ast.Attribute) and node.attr == GENERATOR):
            continue
        mentioned = True
        holder = ctx.tree.parents.get(node)
        if isinstance(holder, ast.Assign) and node in holder.targets:
            value = holder.value
            func = value.func if isinstance(value, ast.Call) else value
            if ctx.inference.api_path(func) != "random.SeedGenerator":
                return None
            made = True
    return made if made or not mentioned else None


def _float_dtype(ctx: Context, value: ast.expr) -> bool:
    name = value.value if isinstance(value, ast.Constant) else ctx.inference.tf_path(value)
    return isinstance(name, str) and name in _FLOAT_DTYPES


def input_layer_first(ctx: Context, call: ast.Call, keyword: ast.keyword) -> list[Edit]:
    """``model = Sequential()`` then ``model.add(LSTM(…, batch_input_shape=(50, 20, 1)))``:
    Keras 2 made that the input layer; Keras 3 takes ``InputLayer(batch_shape=…)`` added
    first, spelled as the layer is (imported beside it, or through the same module)."""
    add = ctx.tree.parents.get(call)
    statement = ctx.tree.parents.get(add) if add is not None else None
    if not (
        isinstance(add, ast.Call)
        and isinstance(add.func, ast.Attribute)
        and add.func.attr == "add"
        and add.args == [call]
        and isinstance(add.func.value, ast.Name)
        and isinstance(statement, ast.Expr)
    ):
        return []
    made = ctx.tree.previous_statement(statement)
    model = add.func.value.id
    if not (
        isinstance(made, ast.Assign)
        and [t.id for t in made.targets if isinstance(t, ast.Name)] == [model]
        and isinstance(made.value, ast.Call)
        and not made.value.args
        and not made.value.keywords
        and ctx.inference.api_path(made.value.func) == kb.SEQUENTIAL
    ):
        return []  # not certainly the model's first layer
    edits: list[Edit] = []
    func = call.func
    if isinstance(func, ast.Attribute):
        spelled = f"{ctx.code(func.value)}.{kb.INPUT_LAYER}"
    elif isinstance(func, ast.Name) and ctx.inference.name_is_free(call, kb.INPUT_LAYER):
        source = next(
            (
                node
                for node in ctx.tree.imports
                if isinstance(node, ast.ImportFrom)
                and any((a.asname or a.name) == func.id for a in node.names)
            ),
            None,
        )
        if source is None or ctx.text[slice(*ctx.span(source))].count("\n"):
            return []
        edits.append(ctx.insert_after(source.names[-1], f", {kb.INPUT_LAYER}"))
        spelled = kb.INPUT_LAYER
    else:
        return []
    arguments = ctx.arguments(call)
    if arguments is None:
        return []
    edits += argument_removal(ctx, arguments, keyword)
    indent = ctx.indent(statement)
    if indent is None:
        return []
    shape = ctx.code(keyword.value)
    edits.append(
        ctx.insert_before(statement, f"{model}.add({spelled}(batch_shape={shape}))\n{indent}")
    )
    return edits
