from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from kerasfix import knowledge as kb
from kerasfix.diagnostic import Applicability, Diagnostic, Edit
from kerasfix.rules.base import (
    KERAS,
    OPTIMIZER_LR,
    OUTSIDE_KERAS,
    AnyOf,
    Context,
    Mention,
    MethodCall,
    Rule,
    append_parameter,
    fix,
)

_DIM_ORDERING_LEAVES = tuple(sorted({p.rsplit(".", 1)[1] for p in kb.DIM_ORDERING_FUNCTIONS}))


class Keras1Api(Rule):
    """KF109 keras1-api: Keras 1/2 functions whose Keras 3 spelling is known.

    What it does
        Rewrites the Keras 1 and 2 calls that have a same-behaviour Keras 3
        form:
        - `from keras import initializations` and its calls
          (`initializations.normal(shape, scale=0.01, name=name)` →
          `initializers.RandomNormal(stddev=0.01)(shape)`; `uniform`, `zero`,
          `one`, `orthogonal`, `identity` alike); a function returning one (the
          Keras 1 custom initializer) also takes the `dtype=` Keras 3 passes;
        - `K.image_dim_ordering() == "th"` → `K.image_data_format() ==
          "channels_first"`, `K.set_image_dim_ordering("tf")` →
          `K.set_image_data_format("channels_last")`;
        - `datagen.flow(x, y).next()` → `next(datagen.flow(x, y))`;
        - `K.set_learning_phase(0)` (a statement) is removed: inference is what
          Keras 3 does unless a call passes `training=True`;
        - `model.optimizer.lr` → `model.optimizer.learning_rate` (Keras 2's other
          name of it; safe on models shown to be Keras, unsafe on unknown ones);
        - `K.set_value(variable, value)` → `variable.assign(value)`;
        - `K.get_value(model.optimizer.learning_rate)` (or `.lr`, `.iterations`) →
          `model.optimizer.learning_rate.numpy()`: TensorFlow's backend
          reads only TensorFlow tensors, and hands a Keras 3 variable back as itself — a
          printed rate shows `<Variable …>`, and a rate kept as "the old value" changes
          when the variable is assigned.

    Why is this bad?
        `ImportError` / `AttributeError` under Keras 3 (`keras.initializations`
        went in Keras 2; the iterators' `.next()` in Keras 3); a custom
        initializer without `dtype` fails with `TypeError` when Keras 3 calls it.

    Example
        from keras import initializations
        def my_init(shape, name=None):
            return initializations.normal(shape, scale=0.01, name=name)
        if K.image_dim_ordering() == "th":
            ...

    Use instead
        from keras import initializers
        def my_init(shape, name=None, dtype=None):
            return initializers.RandomNormal(stddev=0.01)(shape)
        if K.image_data_format() == "channels_first":
            ...

    Fix safety
        Safe: each rewrite draws from the same distribution or reads the same
        setting (the random values themselves differ, as between any two runs).
        An initializer passed rather than called, a call with other
        arguments, `image_dim_ordering()` kept in a variable, or
        `set_learning_phase(1)` (training mode everywhere: pass `training=True`
        where the model is called) is reported with the replacement and no fix.
    """

    code = "KF109"
    name = "keras1-api"
    summary = (
        "Keras 1/2 functions with a known Keras 3 form (initializations, dim ordering, .next())"
    )
    finds = (
        "`keras.initializations`, `K.image_dim_ordering()`, `K.set_image_dim_ordering()`, "
        "`ImageDataGenerator` iterators' `.next()`, `K.set_learning_phase(0)`, "
        "`model.optimizer.lr`, `K.set_value`, `K.get_value(model.optimizer.lr)`"
    )
    fix_summary = "safe rewrites; the rest reported"
    looks_at = (
        OUTSIDE_KERAS,
        KERAS,
        AnyOf(
            Mention(
                (
                    kb.KERAS1_INITIALIZERS_MODULE,
                    kb.LEARNING_PHASE.rsplit(".", 1)[1],
                    kb.SET_VALUE.rsplit(".", 1)[1],
                    kb.GET_VALUE.rsplit(".", 1)[1],
                    *_DIM_ORDERING_LEAVES,
                )
            ),
            MethodCall((kb.ITERATOR_NEXT,)),
            OPTIMIZER_LR,
        ),
    )

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        if kb.inside_keras_or_tensorflow(ctx.path):
            return
        for node in ctx.tree.imports:
            if not isinstance(node, ast.ImportFrom) or node.level or node.module is None:
                continue
            split = kb.api.split_spelling(node.module)
            if split is None or split[1]:
                continue
            names = [a.name for a in node.names]
            if kb.KERAS1_INITIALIZERS_MODULE not in names:
                continue
            if names == [kb.KERAS1_INITIALIZERS_MODULE]:
                yield from cls._initializations(ctx, node, split[0])
            else:
                yield ctx.diagnostic(
                    cls,
                    node,
                    f"`{split[0]}.{kb.KERAS1_INITIALIZERS_MODULE}` was Keras 1's: use "
                    f"`{split[0]}.{kb.INITIALIZERS_MODULE}`",
                )
        for leaf in _DIM_ORDERING_LEAVES:
            for call in ctx.tree.calls_by_attr.get(leaf, ()):
                qualname = ctx.inference.qualified_name(call.func)
                split = kb.api.split_spelling(qualname) if qualname else None
                if split is not None and split[1] in kb.DIM_ORDERING_FUNCTIONS:
                    yield from cls._dim_ordering(ctx, call, split[0], split[1])
        for call in ctx.method_calls(kb.ITERATOR_NEXT):
            yield from cls._iterator_next(ctx, call)
        if kb.OLD_RATE_ATTRIBUTE in ctx.text:
            yield from cls._optimizer_lr(ctx)
        for call in ctx.tree.calls_by_attr.get(kb.GET_VALUE.rsplit(".", 1)[1], ()):
            diagnostic = cls._get_value(ctx, call)
            if diagnostic is not None:
                yield diagnostic
        for path in (kb.LEARNING_PHASE, kb.SET_VALUE):
            for call in ctx.tree.calls_by_attr.get(path.rsplit(".", 1)[1], ()):
                qualname = ctx.inference.qualified_name(call.func)
                split = kb.api.split_spelling(qualname) if qualname else None
                if split is None or split[1] != path:
                    continue
                if path == kb.SET_VALUE:
                    yield cls._set_value(ctx, call, split[0])
                else:
                    yield cls._learning_phase(ctx, call, split[0])

    @classmethod
    def _set_value(cls, ctx: Context, call: ast.Call, family: str) -> Diagnostic:
        """``K.set_value(var, value)`` -> ``var.assign(value)``, which every variable has
        (Keras 3's backend has no ``set_value``)."""
        message = f"`{family}.{kb.SET_VALUE}` is gone in Keras 3: use `variable.assign(value)`"
        if (
            len(call.args) != 2
            or call.keywords
            or any(isinstance(a, ast.Starred) for a in call.args)
        ):
            return ctx.diagnostic(cls, call, message)
        variable, value = call.args
        text = ctx.code(variable)
        if not isinstance(variable, (ast.Name, ast.Attribute, ast.Subscript)):
            text = f"({text})"
        edit = ctx.replace(call, f"{text}.assign({ctx.code(value)})")
        return ctx.diagnostic(cls, call, message, fix(Applicability.SAFE, "Use `.assign(…)`", edit))

    @classmethod
    def _get_value(cls, ctx: Context, call: ast.Call) -> Diagnostic | None:
        """``K.get_value(model.optimizer.lr)``: the variable itself under Keras 3, not its
        value; the variable's ``.numpy()`` reads it on every backend (and needs no import)."""
        qualname = ctx.inference.qualified_name(call.func)
        split = kb.api.split_spelling(qualname) if qualname else None
        variable = call.args[0] if len(call.args) == 1 and not call.keywords else None
        if split is None or split[1] != kb.GET_VALUE or not isinstance(variable, ast.Attribute):
            return None
        owner = variable.value
        if variable.attr not in kb.OPTIMIZER_VARIABLES or not (
            isinstance(owner, ast.Attribute) and owner.attr == kb.OPTIMIZER_ATTRIBUTE
        ):
            return None
        kind = ctx.inference.receiver(owner.value, kb.OPTIMIZER_ATTRIBUTE).kind
        if kind == "other":
            return None
        attribute = kb.RATE_ATTRIBUTE if variable.attr == kb.OLD_RATE_ATTRIBUTE else variable.attr
        edit = ctx.replace(call, f"{ctx.code(owner)}.{attribute}.numpy()")
        applicability = Applicability.SAFE if kind == "keras" else Applicability.UNSAFE
        return ctx.diagnostic(
            cls,
            call,
            f"`{split[0]}.{kb.GET_VALUE}` of an optimizer's variable: Keras 3's backend has no "
            "`get_value`, and TensorFlow's gives a Keras 3 variable back as itself, not its "
            "value: use the variable's `.numpy()`",
            fix(applicability, "Use `.numpy()`", edit),
        )

    @classmethod
    def _optimizer_lr(cls, ctx: Context) -> Iterator[Diagnostic]:
        """``K.set_value(model.optimizer.lr, 1e-4)``: Keras 2's optimizers had ``lr`` as
        another name of ``learning_rate``; Keras 3's have only ``learning_rate``."""
        for node in ctx.inference.attributes_named(kb.OLD_RATE_ATTRIBUTE):
            owner = node.value
            if not (isinstance(owner, ast.Attribute) and owner.attr == kb.OPTIMIZER_ATTRIBUTE):
                continue
            kind = ctx.inference.receiver(owner.value, kb.OPTIMIZER_ATTRIBUTE).kind
            if kind == "other":
                continue
            applicability = Applicability.SAFE if kind == "keras" else Applicability.UNSAFE
            yield ctx.diagnostic(
                cls,
                node,
                "`optimizer.lr` is gone in Keras 3 (AttributeError): use `optimizer.learning_rate`",
                fix(applicability, "Use `learning_rate`", ctx.rename(node, kb.RATE_ATTRIBUTE)),
            )

    @classmethod
    def _learning_phase(cls, ctx: Context, call: ast.Call, family: str) -> Diagnostic:
        """``K.set_learning_phase(0)`` as a statement: inference is what Keras 3 does unless
        told ``training=True`` (and ``fit`` tells it), so the line goes; any other use is
        reported (pass ``training=`` where the model is called)."""
        message = (
            f"`{family}.{kb.LEARNING_PHASE}` is gone in Keras 3: "
            f"{kb.REMOVED_APIS[kb.LEARNING_PHASE]}"
        )
        statement = ctx.tree.parents.get(call)
        value = call.args[0] if len(call.args) == 1 and not call.keywords else None
        place = ctx.tree.block.get(statement) if statement is not None else None
        if not (
            isinstance(statement, ast.Expr)
            and isinstance(value, ast.Constant)
            and value.value in (0, False)
            and place is not None
        ):
            return ctx.diagnostic(cls, call, message)
        parent, field = place
        siblings = getattr(parent, field)
        start, end = ctx.span(statement)
        line_start = ctx.text.rfind("\n", 0, start) + 1
        line_end = ctx.text.find("\n", end)
        line_end = len(ctx.text) if line_end < 0 else line_end + 1
        rest = ctx.text[end:line_end].strip()
        if ctx.text[line_start:start].strip() or (rest and not rest.startswith("#")):
            return ctx.diagnostic(cls, call, message)  # shares its line
        if len(siblings) == 1:
            edit = ctx.replace(statement, "pass")
        elif rest:  # a comment after it stays, where the call was
            edit = Edit(start, ctx.text.index("#", end), "")
        else:
            edit = Edit(line_start, line_end, "")
        return ctx.diagnostic(
            cls,
            call,
            message + " (inference, the value given, is Keras 3's default)",
            fix(Applicability.SAFE, "Remove the call", edit),
        )

    @classmethod
    def _initializations(
        cls, ctx: Context, node: ast.ImportFrom, family: str
    ) -> Iterator[Diagnostic]:
        """``from keras import initializations`` and its Keras 1 calls
        ``initializations.normal(shape, scale=0.01, name=name)`` ->
        ``initializers.RandomNormal(stddev=0.01)(shape)``; a function that returns one
        (a Keras 1 custom initializer) also takes the ``dtype=`` Keras 3 passes."""
        alias = node.names[0]
        bound = alias.asname or alias.name
        bound_module = kb.KERAS1_INITIALIZERS_MODULE
        message = (
            f"`{family}.{kb.KERAS1_INITIALIZERS_MODULE}` was Keras 1's: use "
            f"`{family}.{kb.INITIALIZERS_MODULE}` ({kb.REMOVED_APIS[bound_module]})"
        )
        edits = cls._initializer_edits(ctx, node, bound)
        if edits is None:
            yield ctx.diagnostic(cls, node, message)
            return
        new = kb.INITIALIZERS_MODULE
        yield ctx.diagnostic(
            cls,
            node,
            message,
            fix(Applicability.SAFE, f"Use `{family}.{new}`", *edits),
        )

    @classmethod
    def _initializer_edits(cls, ctx: Context, node: ast.ImportFrom, bound: str) -> list | None:
        used = ctx.inference.attributes_used(node, bound)
        if not used or not used <= kb.KERAS1_INITIALIZERS.keys():
            return None
        new = kb.INITIALIZERS_MODULE
        if bound != new and not ctx.inference.name_is_free(node, new):
            return None
        calls = [
            call
            for name in sorted(used)
            for call in ctx.tree.calls_by_attr.get(name, ())
            if isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id == bound
        ]
        if len(calls) != ctx.text.count(f"{bound}."):
            return None  # read otherwise than called (passed as a function, say)
        edits = [ctx.replace(node, f"from {node.module} import {new}")]
        functions: dict[int, ast.AST] = {}
        for call in calls:
            replacement = cls._initializer_call(ctx, call, new)
            if replacement is None:
                return None
            edits.append(ctx.replace(call, replacement))
            function = ctx.tree.parents.get(call)
            while function is not None and not isinstance(function, ast.FunctionDef):
                function = ctx.tree.parents.get(function)
            if function is not None:
                functions[id(function)] = function
        for function in functions.values():
            assert isinstance(function, ast.FunctionDef)
            edit = append_parameter(ctx, function, "dtype", "dtype=None")
            if edit is not None:
                edits.append(edit)
        return edits

    @staticmethod
    def _initializer_call(ctx: Context, call: ast.Call, module: str) -> str | None:
        assert isinstance(call.func, ast.Attribute)
        cls_name, form, default = kb.KERAS1_INITIALIZERS[call.func.attr]
        if len(call.args) not in (1, 2, 3) or any(isinstance(a, ast.Starred) for a in call.args):
            return None
        shape = ctx.code(call.args[0])
        scale = ctx.code(call.args[1]) if len(call.args) > 1 else None
        for keyword in call.keywords:
            if keyword.arg == "scale" and scale is None:
                scale = ctx.code(keyword.value)
            elif keyword.arg not in ("name", "dim_ordering"):
                return None
        scale = scale or default
        if scale is not None and not re.fullmatch(r"[\w.]+", scale):
            scale = f"({scale})"
        arguments = form.format(scale, scale) if form else ""
        return f"{module}.{cls_name}({arguments})({shape})"

    @classmethod
    def _iterator_next(cls, ctx: Context, call: ast.Call) -> Iterator[Diagnostic]:
        """``datagen.flow(x, y).next()``: Keras 2's iterators had a ``next()`` method, Keras 3's
        (and Python 3's) spell it ``next(iterator)``."""
        if call.args or call.keywords:
            return
        assert isinstance(call.func, ast.Attribute)
        receiver = call.func.value
        made = ctx.inference.origin(receiver) if isinstance(receiver, ast.Name) else receiver
        if not (
            isinstance(made, ast.Call)
            and isinstance(made.func, ast.Attribute)
            and made.func.attr in kb.ITERATOR_FACTORIES
        ):
            return
        generator = made.func.value
        if isinstance(generator, ast.Name):
            generator = ctx.inference.origin(generator) or generator
        if not isinstance(generator, ast.Call):
            return
        qualname = ctx.inference.qualified_name(generator.func) or ""
        if (
            not qualname.endswith("." + kb.ITERATOR_SOURCE)
            or kb.api.split_spelling(qualname) is None
        ):
            return
        edit = ctx.replace(call, f"next({ctx.code(receiver)})")
        yield ctx.diagnostic(
            cls,
            call,
            f"`.{kb.ITERATOR_NEXT}()` of an `{kb.ITERATOR_SOURCE}` iterator is gone in Keras 3: "
            "use `next(iterator)`",
            fix(Applicability.SAFE, "Use `next(…)`", edit),
        )

    @classmethod
    def _dim_ordering(
        cls, ctx: Context, call: ast.Call, family: str, path: str
    ) -> Iterator[Diagnostic]:
        """``K.image_dim_ordering() == "th"`` -> ``K.image_data_format() == "channels_first"``;
        ``K.set_image_dim_ordering("tf")`` -> ``K.set_image_data_format("channels_last")``."""
        new = kb.DIM_ORDERING_FUNCTIONS[path]
        message = f"`{path}` was removed in Keras 3: use `backend.{new}`"
        func = call.func
        literal: ast.expr | None = None
        if path.endswith("set_image_dim_ordering"):
            if len(call.args) == 1 and not call.keywords:
                literal = call.args[0]
        else:
            compare = ctx.tree.parents.get(call)
            if isinstance(compare, ast.Compare) and len(compare.ops) == 1:
                other = compare.comparators[0] if compare.left is call else compare.left
                literal = other
        value = literal.value if isinstance(literal, ast.Constant) else None
        if (
            not isinstance(func, ast.Attribute)
            or literal is None
            or value not in kb.DIM_ORDERING
            or call.args
            and literal is not call.args[0]
        ):
            yield ctx.diagnostic(cls, call, message + ' (and `"channels_first"`/`"channels_last"`)')
            return
        converted = kb.DIM_ORDERING[value]
        edits = (ctx.rename(func, new), ctx.replace(literal, ctx.string_literal(converted)))
        yield ctx.diagnostic(
            cls,
            call,
            message,
            fix(Applicability.SAFE, f'Use `{new}` and "{converted}"', *edits),
        )
