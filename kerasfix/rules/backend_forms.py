"""Keras 2's backend functions (``K.dot``, ``K.flatten`` …) whose ``keras.ops`` op takes the
arguments arranged otherwise, as Keras 2 layers, metrics and losses wrote them:

* Keras 2's ``K.dot(x, self.kernel)``, where the kernel is a weight of two dimensions, is
  ``keras.ops.matmul(x, self.kernel)``: both contract ``x``'s last axis with the kernel's
  first (of a kernel of more dimensions ``K.dot`` contracts the second to last, which
  ``matmul`` does not: left as it is);
* Keras 2's ``K.flatten(x)`` is ``keras.ops.reshape(x, (-1,))``, ``K.batch_flatten(x)`` (of a
  name) ``keras.ops.reshape(x, (keras.ops.shape(x)[0], -1))``: the reshapes they were;
* Keras 2's ``K.binary_crossentropy(target, output)`` is ``keras.ops.binary_crossentropy`` but
  where an output is exactly 0 or 1 (Keras 2 added its epsilon inside the logarithms after
  clipping: log 2 apart there): an unsafe fix (``backend_unsafe``);
* ``K.constant(value)`` is ``keras.ops.convert_to_tensor(value, dtype=keras.config.floatx())``
  (Keras 2 made every constant of the float type, integers too);
* ``K.reverse(x, axes)`` (TensorFlow's ``tf.reverse``, an axis or a list of them) is
  ``keras.ops.flip(x, axis=…)``, where the axes are whole numbers written out;
* ``K.repeat(x, n)`` (``RepeatVector``'s, of a batch of vectors) is
  ``keras.ops.repeat(keras.ops.expand_dims(x, 1), n, axis=1)``.

The generated correspondence (``kb.api.backend_op``) answers every other call.
"""

from __future__ import annotations

import ast

from kerasfix.analysis.context import Context
from kerasfix.analysis.syntax import has_star, integer
from kerasfix.diagnostic import Edit
from kerasfix.rules.edits import keras_name
from kerasfix.rules.op_forms import given_arguments, l2_normalized, renamed_call


def backend_dot(ctx: Context, call: ast.Call) -> tuple[str, list[Edit]] | None:
    """``K.dot(x, self.kernel)`` with a kernel of two dimensions: ``keras.ops.matmul``."""
    if has_star(call) or len(call.args) != 2 or call.keywords:
        return None
    kernel = call.args[1]
    if not isinstance(kernel, ast.Attribute) or ctx.inference.weight_rank(kernel) != 2:
        return None
    return renamed_call(ctx, call, "matmul")


def backend_flatten(ctx: Context, call: ast.Call) -> tuple[str, list[Edit]] | None:
    """``K.flatten(x)`` / ``K.batch_flatten(x)`` as the ``keras.ops.reshape`` they were."""
    if has_star(call) or len(call.args) != 1 or call.keywords:
        return None
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "batch_flatten":
        x = call.args[0]
        named = keras_name(ctx, "ops.shape", call)
        if not isinstance(x, ast.Name) or named is None:
            return None
        shape, edits = named
        written = renamed_call(ctx, call, "reshape", f", ({shape}({x.id})[0], -1)")
        if written is None:
            return None
        return written[0], edits + [e for e in written[1] if e not in edits]
    return renamed_call(ctx, call, "reshape", ", (-1,)")


def backend_constant(ctx: Context, call: ast.Call) -> tuple[str, list[Edit]] | None:
    """``K.constant(value[, dtype])`` as ``keras.ops.convert_to_tensor`` of that dtype."""
    given = given_arguments(call, ("value", "dtype"))
    named = keras_name(ctx, "ops.convert_to_tensor", call)
    if given is None or "value" not in given or named is None or "#" in ctx.code(call):
        return None
    spelled, edits = named
    if "dtype" in given:
        dtype = ctx.code(given["dtype"])
    else:
        floatx = keras_name(ctx, "config.floatx", call)
        if floatx is None:
            return None
        dtype = f"{floatx[0]}()"
        edits += [e for e in floatx[1] if e not in edits]
    text = f"{spelled}({ctx.code(given['value'])}, dtype={dtype})"
    return "convert_to_tensor", [*edits, ctx.replace(call, text)]


def backend_reverse(ctx: Context, call: ast.Call) -> tuple[str, list[Edit]] | None:
    """``K.reverse(x, 1)``, ``K.reverse(x, [1, 2])``: ``keras.ops.flip(x, axis=…)`` (a tuple of
    several axes); axes held by a name are left reported."""
    given = given_arguments(call, ("x", "axes"))
    named = keras_name(ctx, "ops.flip", call)
    if given is None or set(given) != {"x", "axes"} or named is None or "#" in ctx.code(call):
        return None
    axes = given["axes"]
    if integer(axes) is not None:
        axis = ctx.code(axes)
    elif isinstance(axes, (ast.List, ast.Tuple)) and axes.elts:
        if not all(integer(e) is not None for e in axes.elts):
            return None
        axis = "(" + ", ".join(ctx.code(e) for e in axes.elts) + ("," * (len(axes.elts) == 1)) + ")"
    else:
        return None
    spelled, edits = named
    return "flip", [*edits, ctx.replace(call, f"{spelled}({ctx.code(given['x'])}, axis={axis})")]


def backend_repeat(ctx: Context, call: ast.Call) -> tuple[str, list[Edit]] | None:
    """``K.repeat(x, n)`` (``RepeatVector``'s: a batch of vectors, each ``n`` times) as
    ``keras.ops.repeat(keras.ops.expand_dims(x, 1), n, axis=1)``."""
    given = given_arguments(call, ("x", "n"))
    named = keras_name(ctx, "ops.repeat", call)
    if given is None or set(given) != {"x", "n"} or named is None or "#" in ctx.code(call):
        return None
    spelled, edits = named
    ops = spelled[: -len("repeat")]
    x, n = ctx.code(given["x"]), ctx.code(given["n"])
    text = f"{spelled}({ops}expand_dims({x}, 1), {n}, axis=1)"
    return "repeat(keras.ops.expand_dims(x, 1), n, axis=1)", [*edits, ctx.replace(call, text)]


# Keras 2's backend functions written here (``K.dot(x, self.kernel)``: ``matmul``)
_BACKEND_FORMS = {
    "dot": backend_dot,
    "l2_normalize": l2_normalized,
    "flatten": backend_flatten,
    "batch_flatten": backend_flatten,
    "constant": backend_constant,
    "reverse": backend_reverse,
    "repeat": backend_repeat,
}


def backend_rearranged(ctx: Context, call: ast.Call, name: str) -> tuple[str, list[Edit]] | None:
    """For Keras 2's ``K.<name>(…)``, the op and the edits that write the call with it, or None
    where it is not one of the spellings above."""
    form = _BACKEND_FORMS.get(name)
    return form(ctx, call) if form is not None else None


def backend_unsafe(ctx: Context, call: ast.Call, name: str) -> tuple[str, list[Edit]] | None:
    """For Keras 2's ``K.<name>(…)``, the Keras op that computes the same but at the edges
    (``K.binary_crossentropy``), with the edits, or None."""
    if name != "binary_crossentropy":
        return None
    given = given_arguments(call, ("target", "output", "from_logits"))
    if given is None or not {"target", "output"} <= set(given):
        return None
    return renamed_call(ctx, call, "binary_crossentropy")
