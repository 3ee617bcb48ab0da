from __future__ import annotations

import ast
from collections.abc import Iterator

from kerasfix import knowledge as kb
from kerasfix.diagnostic import Applicability, Diagnostic, Edit
from kerasfix.rules.base import (
    KERAS,
    OUTSIDE_KERAS,
    Context,
    Mention,
    Rule,
    backend_rearranged,
    backend_unsafe,
    draws,
    fix,
    has_star,
    integer,
    keras_name,
    ops_rewrite,
    random_draw_edits,
    rearranged,
)

# TensorFlow's and Keras 2's shape of a tensor, as a tensor
_SHAPES = frozenset({"tf.shape", "backend.shape"})
# TensorFlow Probability (its JAX build is another package, with other names)
_PROBABILITY = "tensorflow_probability."
# a layer's keywords that take a function it calls on the backend
_ACTIVATIONS = frozenset({"activation", "recurrent_activation"})
# What to say of an op that computes otherwise with the arguments the call gives
_WHEN_NOT_ALIKE = {
    "where": (
        " with both values (of the condition alone it gives NumPy's `nonzero`, a tuple of index "
        "arrays; TensorFlow's is `keras.ops.stack(keras.ops.nonzero(c), axis=1)`, in int32)"
    )
}
# TensorFlow's dtypes, which Keras takes as their names on every backend
_DTYPES = frozenset(
    {"float16", "float32", "float64", "bfloat16", "int8", "int16", "int32", "int64"}
    | {"uint8", "uint16", "uint32", "uint64", "bool", "complex64", "complex128", "string"}
)


class TfOpInBackendCode(Rule):
    """KF202 tf-op-in-backend-code: a TensorFlow op where Keras runs the backend's.

    What it does
        Inside what Keras runs on its backend — a `call()`, `build()`, `compute_mask()` or
        `compute_output_shape()` of a layer or model, a custom loss, metric, regularizer or
        constraint, a function given as `loss=`/`metrics=` (per output too) or among
        `load_model`'s `custom_objects` or registered by name (`get_custom_objects()`,
        `@register_keras_serializable()`; an initializer is left alone), to `Lambda` or
        `Activation`, or to a layer as its `activation=`, regularizer or constraint
        (`Dense(64, activation=swish)`), a function of Keras's `(y_true, y_pred)` convention
        (a project's `losses.py`, whose losses another module compiles), and the module's
        functions and the class's methods that only such code calls (an attention layer's
        helper, a decoder's `get_causal_attention_mask`) — finds TensorFlow
        functions (`tf.reduce_sum`, `tf.concat`, `tf.nn.relu`, `tf.math.log` …) and Keras 2's
        backend functions (`K.mean`, `K.std` …), and rewrites those that have a `keras.ops`
        function with the same meaning to it (`ops.sum`, `ops.concatenate`, `ops.relu`,
        `ops.std`), TensorFlow's cross-entropies of logits to Keras's with `from_logits=True`,
        TensorFlow's dtypes (`tf.float32`) to their names (`"float32"`), and `tf.shape(x)[0]`
        (or a shape variable read only by dimensions) to `keras.ops.shape(x)[0]`; calls whose
        op takes the arguments arranged otherwise are rearranged (`tf.linalg.band_part` as
        `tril`/`triu`, `tf.matmul(…, transpose_b=True)`, `K.dot(x, self.kernel)` of a
        matrix kernel as `matmul`, `tf.nn.l2_normalize` as `normalize` with the root of its
        epsilon, `tf.math.squared_difference`, `tf.image.extract_patches`, `tf.nn.conv2d`,
        `tf.nn.max_pool2d`, `tf.nn.depth_to_space`, `tf.pad`, `tf.nn.bias_add`,
        `tf.sequence_mask`, Keras 2's
        `K.flatten`, `K.reverse` as `flip`, `K.repeat` as `RepeatVector`'s `repeat`).
        The
        correspondence is generated from the installed packages: names, the Keras guide's
        renames, signatures compared argument by argument, and checked on numbers. Also finds
        TensorFlow's own initializers given to a layer or made in one
        (`kernel_initializer=tf.random_normal_initializer()` → Keras's `RandomNormal`) and
        random draws (`tf.random.normal`, `K.random_normal`, `tf.nn.dropout`,
        `K.dropout`). Opt-in (backend-neutral
        Keras, `--extend-select KF2`).

    Why is this bad?
        On JAX or PyTorch (`KERAS_BACKEND=jax`) Keras hands a layer the backend's arrays; a
        TensorFlow op cannot take them, or turns them into TensorFlow tensors the rest of the
        model cannot use, and the model stops (or silently leaves the backend).

    Example
        class Norm(keras.layers.Layer):
            def call(self, x):
                return x / tf.sqrt(tf.reduce_sum(tf.square(x), axis=-1))

    Use instead
        class Norm(keras.layers.Layer):
            def call(self, x):
                return x / keras.ops.sqrt(keras.ops.sum(keras.ops.square(x), axis=-1))

    Fix safety
        Safe: each op computes what the TensorFlow function did, on the same arguments (their
        keywords renamed); `K.sqrt` becomes `keras.ops.sqrt` of `keras.ops.maximum(x, 0.0)`
        (Keras 2 clipped negatives to 0), of `x` itself where it is never negative; `import
        keras` is added where needed. A TensorFlow function with no such op (`tf.py_function`,
        `K.batch_dot`), or a call passing an argument the op lacks (`name=`) or leaving a
        default that differs (`tf.argmax` without its axis), is reported with what to write.
        Unsafe: a random draw in a layer's `call()` becomes `keras.random`'s with a
        `SeedGenerator` the layer makes in `__init__` — Keras draws other numbers, and the
        layer carries the generator's state; a function given to one `Lambda` that draws
        becomes a layer class (its body the layer's `call()`), and the `Lambda` an instance of
        it (a model saved with it is loaded with the class given, `custom_objects=`). A draw
        elsewhere is reported: a generator outside a layer repeats its numbers at every step
        on JAX.
    """

    code = "KF202"
    name = "tf-op-in-backend-code"
    summary = "a TensorFlow op inside a layer's `call()`, a loss or a metric (TensorFlow only)"
    finds = "`tf.reduce_sum(x, axis=-1)` in a `keras.layers.Layer`'s `call()`"
    fix_summary = "safe: the `keras.ops` function with the same meaning"
    looks_at = (
        OUTSIDE_KERAS,
        KERAS,
        Mention(("tf", "tensorflow", "backend", "tfp", "tensorflow_probability")),
    )

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        if kb.inside_keras_or_tensorflow(ctx.path):
            return
        for call, _ in ctx.inference.keras_calls(ctx.class_call_names):
            for keyword in call.keywords:
                if keyword.arg in _ACTIVATIONS:
                    yield from cls._activation(ctx, keyword.value)
                elif keyword.arg and keyword.arg.endswith("initializer"):
                    yield from cls._initializer(ctx, keyword.value)
        for call in ctx.method_calls("add_weight"):
            for keyword in call.keywords:
                if keyword.arg == "initializer":
                    yield from cls._initializer(ctx, keyword.value)
        for node in ctx.tree.classes:  # `w_init = tf.random_normal_initializer()` in a layer
            if ctx.inference.keras3_base(node) is not None:
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Call):
                        yield from cls._initializer(ctx, inner)
        seen: set[int] = set()
        for scope in ctx.inference.backend_code:
            for node in ast.walk(scope):
                if id(node) in seen:
                    continue
                seen.add(id(node))
                if isinstance(node, ast.Call):
                    yield from cls._call(ctx, node)
                elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                    name = ctx.inference.tf_path(node)
                    if name in _DTYPES:
                        edit = ctx.replace(node, ctx.string_literal(name))
                        yield ctx.diagnostic(
                            cls,
                            node,
                            f"`tf.{name}` is TensorFlow's dtype: Keras takes its name on "
                            f'every backend, `"{name}"`',
                            fix(Applicability.SAFE, f'Use "{name}"', edit),
                        )
                    elif name == "newaxis":  # `x[:, tf.newaxis]`: Python's None
                        yield ctx.diagnostic(
                            cls,
                            node,
                            "`tf.newaxis` is `None`: indexing with it needs no TensorFlow",
                            fix(Applicability.SAFE, "Use `None`", ctx.replace(node, "None")),
                        )

    @classmethod
    def _activation(cls, ctx: Context, value: ast.expr) -> Iterator[Diagnostic]:
        """``Dense(200, activation=tf.nn.relu)``: a TensorFlow function a layer calls."""
        path = ctx.inference.tf_path(value)
        if path is None:
            return
        found = kb.api.tf_op(path)
        message = f"`tf.{path}` as a layer's activation works only on TensorFlow"
        if found is None or found["differs"] or found["positional"] < 1:
            yield ctx.diagnostic(cls, value, message + "; give Keras's own activation")
            return
        named = keras_name(ctx, f"ops.{found['op']}", value)
        if named is None:
            yield ctx.diagnostic(cls, value, message + f": use `keras.ops.{found['op']}`")
            return
        spelled, edits = named
        edits.append(ctx.replace(value, spelled))
        yield ctx.diagnostic(
            cls,
            value,
            message + f": use `{spelled}`",
            fix(Applicability.SAFE, f"Use `{spelled}`", *edits),
        )

    @classmethod
    def _initializer(cls, ctx: Context, value: ast.expr) -> Iterator[Diagnostic]:
        """``Conv2D(…, kernel_initializer=tf.random_normal_initializer())``: TensorFlow makes
        the weights."""
        if not isinstance(value, ast.Call) or has_star(value):
            return
        path = ctx.inference.tf_path(value.func)
        if path is None:
            return
        target = kb.api.tf_initializer(path)
        if target is None:
            return
        message = (
            f"`tf.{path}` makes a layer's weights with TensorFlow, which other backends cannot use"
        )
        named = keras_name(ctx, f"initializers.{target}", value, True)
        if named is None:
            yield ctx.diagnostic(cls, value, message + f": use `keras.initializers.{target}`")
            return
        spelled, edits = named
        edits.append(ctx.replace(value.func, spelled))
        # a seed draws other numbers from Keras's generator than from TensorFlow's
        seeded = len(value.args) > 2 or any(k.arg == "seed" for k in value.keywords)
        yield ctx.diagnostic(
            cls,
            value,
            message + f": use `{spelled}`",
            fix(
                Applicability.UNSAFE if seeded else Applicability.SAFE,
                f"Use `{spelled}`",
                *edits,
            ),
        )

    @classmethod
    def _random(cls, ctx: Context, call: ast.Call, key: str) -> Diagnostic | None:
        """``tf.random.normal(shape)`` / ``K.random_normal(shape)``: a draw from TensorFlow's
        generator. In a layer's ``call()`` it becomes ``keras.random.normal(shape,
        seed=self.seed_generator)`` with a ``SeedGenerator`` made in ``__init__`` (the layer
        then carries the generator's state, and its numbers are Keras's: unsafe)."""
        found = kb.api.random_op(key)
        if found is None:
            return None
        op = found["op"]
        message = (
            f"`{ast.unparse(call.func)}` draws from TensorFlow's generator, which Keras cannot "
            "trace on other backends"
        )
        drawn = random_draw_edits(ctx, call, found)
        if drawn is None:
            return ctx.diagnostic(
                cls,
                call,
                message + f": draw with `keras.random.{op}` and a `keras.random.SeedGenerator` "
                "made in a layer's `__init__` (`seed=self.seed_generator`)",
            )
        where, edits = drawn
        held = "the layer" if where == "layer" else "a layer made of the function given to `Lambda`"
        return ctx.diagnostic(
            cls,
            call,
            message + f": use `keras.random.{op}` with a `SeedGenerator` of {held}",
            fix(
                Applicability.UNSAFE, f"Use `keras.random.{op}` with `self.seed_generator`", *edits
            ),
        )

    @classmethod
    def _shape(cls, ctx: Context, call: ast.Call, key: str) -> Diagnostic | None:
        """``tf.shape(x)[0]`` (or ``K.shape``), or ``tf.shape(x)`` given as a draw's shape:
        ``keras.ops.shape(x)`` answers the same there (a tuple, not a tensor)."""
        if key not in _SHAPES or len(call.args) != 1 or call.keywords or has_star(call):
            return None
        parent = ctx.tree.parents.get(call)
        indexed = _dimension(parent, call) or (
            isinstance(parent, ast.Assign) and _dimensions_only(ctx, parent, call)
        )
        drawn = (isinstance(parent, ast.keyword) and parent.arg == "shape") or (
            isinstance(parent, ast.Call) and parent.args[:1] == [call] and draws(ctx, parent)
        )
        if not (indexed or drawn):
            return None
        named = keras_name(ctx, "ops.shape", call, True)
        if named is None:
            return None
        spelled, edits = named
        edits.append(ctx.replace(call.func, spelled))
        return ctx.diagnostic(
            cls,
            call,
            f"`{ast.unparse(call.func)}` works only on TensorFlow: `keras.ops.shape` gives the "
            "same dimensions here",
            fix(Applicability.SAFE, f"Use `{spelled}`", *edits),
        )

    @classmethod
    def _backend_function(cls, ctx: Context, call: ast.Call, name: str) -> Iterator[Diagnostic]:
        """``K.std(x)``: Keras 2's backend function, which Keras 3 keeps only in TensorFlow's
        ``tf.keras.backend`` (written in TensorFlow)."""
        if kb.api.exists(f"backend.{name}") or name in kb.BACKEND_NEUTRAL_FUNCTIONS:
            return  # Keras 3's own backend function, or one that runs on every backend
        message = (
            f"`{ast.unparse(call.func)}` is Keras 2's backend function, which Keras 3 keeps "
            f"only under TensorFlow"
        )
        if name == "sqrt" and len(call.args) == 1 and not call.keywords and not has_star(call):
            yield cls._sqrt(ctx, call, message)
            return
        written = backend_rearranged(ctx, call, name)  # `K.dot(x, self.kernel)`: `matmul`
        if written is not None:
            yield cls._rearranged(ctx, call, message, written)
            return
        instead = kb.BACKEND_INSTEAD.get(name)
        advice = f"; write it with {instead}" if instead else "; write it with `keras.ops`"
        close = backend_unsafe(ctx, call, name)  # the same but at the edges
        if close is not None:
            title = f"Use `keras.ops.{close[0]}`"
            yield ctx.diagnostic(
                cls, call, message + advice, fix(Applicability.UNSAFE, title, *close[1])
            )
            return
        yield cls._as_op(ctx, call, message, kb.api.backend_op(name), advice)

    @classmethod
    def _sqrt(cls, ctx: Context, call: ast.Call, message: str) -> Diagnostic:
        """``K.sqrt(x)``: Keras 2's clipped ``x`` at 0 first (a root of a negative number was 0,
        not NaN): ``keras.ops.sqrt`` where ``x`` is never negative (a square, a sum of squares,
        ``K.maximum(…, K.epsilon())``), else of ``keras.ops.maximum(x, 0.0)``."""
        named = keras_name(ctx, "ops.sqrt", call, True)
        if named is None:
            return ctx.diagnostic(cls, call, message + ": use `keras.ops.sqrt`")
        spelled, edits = named
        argument = call.args[0]
        edits.append(ctx.replace(call.func, spelled))
        title = f"Use `{spelled}`"
        if not _never_negative(ctx, argument):
            maximum = spelled[: -len("sqrt")] + "maximum"
            start, end = ctx.span(argument)
            edits += [Edit(start, start, f"{maximum}("), Edit(end, end, ", 0.0)")]
            title += f" of `{maximum}(x, 0.0)`, as Keras 2 computed it"
        return ctx.diagnostic(
            cls,
            call,
            message + ": use `keras.ops.sqrt` (of `maximum(x, 0.0)` where `x` may be negative)",
            fix(Applicability.SAFE, title, *edits),
        )

    @classmethod
    def _as_op(
        cls, ctx: Context, call: ast.Call, message: str, found: dict | None, advice: str
    ) -> Diagnostic:
        """The finding for a call whose ``keras.ops`` correspondence is ``found``: fixed where
        the call can be written with the op exactly, else the op named, else ``advice``."""
        op, spelled, edits = ops_rewrite(ctx, call, found, add_import=True)
        if not op:
            return ctx.diagnostic(cls, call, message + advice)
        if not edits:
            hint = _WHEN_NOT_ALIKE.get(op, "")
            return ctx.diagnostic(cls, call, message + f": use `keras.ops.{op}`{hint}")
        return ctx.diagnostic(
            cls,
            call,
            message + f": use `keras.ops.{op}`",
            fix(Applicability.SAFE, f"Use `{spelled}`", *edits),
        )

    @classmethod
    def _rearranged(
        cls, ctx: Context, call: ast.Call, message: str, written: tuple[str, list[Edit]]
    ) -> Diagnostic:
        """The finding for a call written with a ``keras.ops`` op whose arguments are arranged
        otherwise (``op_forms``)."""
        op, edits = written
        title = f"Use `keras.ops.{op}`"
        return ctx.diagnostic(
            cls, call, message + f": use `keras.ops.{op}`", fix(Applicability.SAFE, title, *edits)
        )

    @classmethod
    def _call(cls, ctx: Context, call: ast.Call) -> Iterator[Diagnostic]:
        qualname = ctx.inference.qualified_name(call.func)
        if not qualname:
            return
        backend = kb.keras_path(qualname) or ""
        if backend.startswith("backend.") and backend.count(".") == 1:
            key = backend  # Keras 2's backend function
        elif qualname.startswith(kb.TF_OPS):
            key = "tf." + qualname[len(kb.TF_OPS) :]
        elif qualname.startswith(_PROBABILITY):
            yield ctx.diagnostic(
                cls,
                call,
                f"`{ast.unparse(call.func)}` is TensorFlow Probability, which runs only on "
                "TensorFlow: draw with `keras.random` and compute with `keras.ops`, or keep "
                "this model on TensorFlow",
            )
            return
        else:
            return
        drawn = cls._random(ctx, call, key) or cls._shape(ctx, call, key)
        if drawn is not None:
            yield drawn
            return
        if key == backend:
            yield from cls._backend_function(ctx, call, backend[len("backend.") :])
            return
        path = key[len("tf.") :]
        if path.split(".", 1)[0] in ("keras", "function") or path in _DTYPES:
            return
        if kb.api.tf_initializer(path):
            return  # given to Keras as an initializer: ``_initializer``
        if ctx.inference.given_keras_tensor(call):
            return  # `compute_mask` given its inputs: KF112's, on every backend (Keras 3 raises)
        if path == "Variable":
            method = ctx.inference.enclosing_method(call)
            if method is not None and method.name in ("__init__", "build"):
                return  # a layer's state: KF111 makes it a `keras.Variable`
        message = f"`tf.{path}` in code Keras runs on its backend works only on TensorFlow"
        written = rearranged(ctx, call, path)  # `band_part(x, -1, 0)`: `tril(x)`
        if written is not None:
            yield cls._rearranged(ctx, call, message, written)
            return
        yield cls._as_op(ctx, call, message, kb.api.tf_op(path), _instead(path))


def _dimension(node: ast.AST | None, value: ast.expr) -> bool:
    """``value[1]`` or ``value[-1]``: one dimension of a shape, by a whole-number index."""
    if not (isinstance(node, ast.Subscript) and node.value is value):
        return False
    return integer(node.slice) is not None  # `tf.shape(x)[-1]`: the last, from either end


def _dimensions_only(ctx: Context, assign: ast.Assign, call: ast.Call) -> bool:
    """``shape = tf.shape(x)`` in a function that reads ``shape`` only by dimensions
    (``shape[0]``, ``shape[-1]``) and binds it nowhere else."""
    target = assign.targets[0] if len(assign.targets) == 1 else None
    function = next(
        (a for a in ctx.tree.ancestors(call) if isinstance(a, (ast.FunctionDef, ast.Lambda))),
        None,
    )
    if assign.value is not call or not isinstance(target, ast.Name) or function is None:
        return False
    uses = [n for n in ast.walk(function) if isinstance(n, ast.Name) and n.id == target.id]
    reads = [n for n in uses if isinstance(n.ctx, ast.Load)]
    return (
        len(uses) - len(reads) == 1
        and bool(reads)
        and all(_dimension(ctx.tree.parents.get(n), n) for n in reads)
    )


# what is never negative: a square, an absolute value, an exponential …
_NON_NEGATIVE = frozenset({"square", "abs", "absolute", "exp", "softplus", "sigmoid"})
# … and a sum, mean or maximum of what is never negative
_OF_NON_NEGATIVE = frozenset({"sum", "mean", "max", "reduce_sum", "reduce_mean", "reduce_max"})


def _never_negative(ctx: Context, node: ast.expr) -> bool:
    """Whether ``node`` is certainly never negative: ``K.square(x)``, ``K.sum(K.square(x))``,
    ``K.maximum(x, K.epsilon())``, ``a * a`` of such, a number ≥ 0."""
    if isinstance(node, ast.Constant):
        return type(node.value) in (int, float) and node.value >= 0
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mult)):
        return _never_negative(ctx, node.left) and _never_negative(ctx, node.right)
    if not isinstance(node, ast.Call) or not node.args or has_star(node):
        return isinstance(node, ast.Call) and _function_leaf(ctx, node) == "epsilon"
    leaf = _function_leaf(ctx, node)
    if leaf in _NON_NEGATIVE:
        return True
    if leaf in _OF_NON_NEGATIVE:
        return _never_negative(ctx, node.args[0])
    if leaf == "maximum" and len(node.args) == 2:
        return any(_never_negative(ctx, a) for a in node.args)
    return False


def _function_leaf(ctx: Context, call: ast.Call) -> str:
    """The last name of the Keras, Keras 2 backend or TensorFlow function ``call`` calls."""
    api = ctx.inference.api_path(call.func) or ""
    if api.startswith(("backend.", "ops.")):
        return api.rsplit(".", 1)[-1]
    tf = ctx.inference.tf_path(call.func)
    return tf.rsplit(".", 1)[-1] if tf else ""


def _instead(path: str) -> str:
    """What to write instead of a TensorFlow function no ``keras.ops`` function matches."""
    if path.startswith("random."):
        return (
            ": draw with `keras.random` and a `keras.random.SeedGenerator` made in `__init__` "
            "(`keras.random.normal(shape, seed=self.seed_generator)`)"
        )
    if path == "Variable":
        return ": make it a `keras.Variable` (state: `self.add_weight` in `build()`)"
    if path == "TensorShape":
        return "; Keras 3 takes a shape as a tuple"
    if path in ("py_function", "numpy_function") or path.startswith(("strings.", "io.")):
        return "; it has no backend-neutral form: keep it outside the model (in the data pipeline)"
    return "; write it with `keras.ops` (no op has its meaning)"
