"""TensorFlow calls whose meaning a ``keras.ops`` op has with the arguments arranged otherwise,
as the Keras guide's examples and TensorFlow's own attention tutorials write them:

* ``tf.linalg.band_part(x, -1, 0)`` (the lower triangle: a causal mask) is
  ``keras.ops.tril(x)``, ``band_part(x, 0, -1)`` is ``keras.ops.triu(x)``;
* ``tf.matmul(q, k, transpose_b=True)`` is ``keras.ops.matmul(q, keras.ops.swapaxes(k, -1, -2))``
  (``transpose_a`` likewise on the first; ``False`` is dropped);
* ``tf.einsum(equation, a, b)`` is ``keras.ops.einsum`` (its inputs passed as TensorFlow's);
* ``tf.split(x, 2, axis=-1)`` (a number of equal parts; a list there is of sizes in
  TensorFlow, of indices in Keras) is ``keras.ops.split``;
* ``tf.nn.embedding_lookup(table, ids)`` is ``keras.ops.take(table, ids, axis=0)``;
* ``tf.nn.l2_normalize(x, axis=1)`` (and Keras 2's ``K.l2_normalize``: :mod:`backend_forms`) is
  ``keras.ops.normalize(x, axis=1, epsilon=1e-06)``: TensorFlow bounds the squared norm by its
  epsilon (1e-12), Keras the norm by its own (so the root of TensorFlow's); only with an
  integer axis (Keras's default is the last, TensorFlow's all);
* ``tf.math.squared_difference(x, y)`` is ``keras.ops.square(keras.ops.subtract(x, y))``;
* ``tf.image.extract_patches(images=x, sizes=[1, p, p, 1], strides=[1, s, s, 1],
  rates=[1, 1, 1, 1], padding="VALID")`` (the Vision Transformer's patches) is
  ``keras.ops.image.extract_patches(x, size=(p, p), strides=(s, s), padding="valid")``, which
  lays each patch out as TensorFlow does, on every backend;
* ``tf.nn.conv2d(x, kernel, strides=[1, 2, 2, 1], padding="SAME")`` (``conv1d``'s ``stride``,
  ``conv3d``) is ``keras.ops.conv(x, kernel, strides=(2, 2), padding="same",
  data_format="channels_last")``, with literal strides, padding and dilations only;
* ``tf.nn.max_pool2d(x, 2, 2, "VALID")`` / ``avg_pool2d`` (1-D and 3-D alike) is
  ``keras.ops.max_pool(x, (2, 2), strides=(2, 2), padding="valid",
  data_format="channels_last")`` / ``average_pool``; ``tf.nn.depth_to_space(x, 2)`` and
  ``space_to_depth`` are Keras's (channels last, its default);
  ``tf.image.rgb_to_grayscale(images)`` is ``keras.ops.image.rgb_to_grayscale(images,
  data_format="channels_last")``;
* ``tf.pad(x, paddings, mode="REFLECT")`` is ``keras.ops.pad(x, paddings, mode="reflect")``
  (NumPy's modes are TensorFlow's, spelled in lower case);
* ``tf.constant(value, dtype=…)`` (or of a literal number or list of them, whose type both
  read alike) is ``keras.ops.convert_to_tensor``;
* ``tf.nn.bias_add(x, b)`` (channels last) is ``keras.ops.add(x, b)``;
  ``tf.sequence_mask(lengths, maxlen)`` is ``keras.ops.less(keras.ops.arange(maxlen),
  keras.ops.expand_dims(lengths, -1))`` (a boolean mask; without ``maxlen`` its length is
  data, which JAX cannot trace: reported);
* ``tf.nn.moments(self.kernel, axes)`` of a weight is ``keras.ops.moments`` of
  ``keras.ops.convert_to_tensor(self.kernel)`` (Keras's JAX ``moments`` cannot take the
  variable itself while it traces a layer).

Only those spellings: literal bounds and flags, nothing else passed. The generated
correspondence (``kb.api.tf_op``) answers every other call.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable

from kerasfix import knowledge as kb
from kerasfix.analysis.context import Context
from kerasfix.analysis.syntax import has_star, integer, string
from kerasfix.diagnostic import Edit
from kerasfix.rules.edits import keras_name, ops_rewrite

# `band_part`'s (num_lower, num_upper) -> the op that keeps the same triangle
_TRIANGLES = {(-1, 0): "tril", (0, -1): "triu"}
_TRANSPOSED = {"transpose_a": 0, "transpose_b": 1}
# TensorFlow's convolutions -> (how many spatial axes, their channels-last format)
_CONVOLUTIONS = {"nn.conv1d": (1, "NWC"), "nn.conv2d": (2, "NHWC"), "nn.conv3d": (3, "NDHWC")}
# TensorFlow's pooling -> the Keras op, how many spatial axes, their channels-last format
_POOLS = {
    f"nn.{kind}_pool{rank}d": (op, rank, layout)
    for kind, op in (("max", "max_pool"), ("avg", "average_pool"))
    for rank, layout in ((1, "NWC"), (2, "NHWC"), (3, "NDHWC"))
}


def rearranged(ctx: Context, call: ast.Call, path: str) -> tuple[str, list[Edit]] | None:
    """For ``tf.<path>(…)``, the op and the edits that write the call with it, or None where
    the call is not one of the spellings above."""
    if has_star(call):
        return None
    if path == "linalg.band_part":
        return _band_part(ctx, call)
    if path in ("matmul", "linalg.matmul"):
        return _matmul(ctx, call)
    keywords = {k.arg for k in call.keywords}
    if path in ("einsum", "linalg.einsum") and not keywords:
        return renamed_call(ctx, call, "einsum")
    if (
        path == "split"
        and len(call.args) in (2, 3)
        and (integer(call.args[1]) or 0) > 0
        and keywords <= ({"axis"} if len(call.args) == 2 else set())
    ):
        return renamed_call(ctx, call, "split")
    if path == "nn.embedding_lookup" and len(call.args) == 2 and not keywords:
        return renamed_call(ctx, call, "take", ", axis=0")
    if path in ("nn.l2_normalize", "math.l2_normalize", "linalg.l2_normalize"):
        return l2_normalized(ctx, call)
    if path == "math.squared_difference":
        return _squared_difference(ctx, call)
    if path == "image.extract_patches":
        return _patches(ctx, call)
    if path in _CONVOLUTIONS:
        return _conv(ctx, call, _CONVOLUTIONS[path])
    if path == "nn.moments":
        return _moments_of_weight(ctx, call)
    if path == "pad":
        return _pad(ctx, call)
    if path == "nn.bias_add":
        given = given_arguments(call, ("value", "bias", "data_format"))
        layout = string(given["data_format"]) if given and "data_format" in given else "NHWC"
        if given is not None and len(call.args) == 2 and layout in ("NHWC", "NWC", "NDHWC"):
            return renamed_call(ctx, call, "add") if not call.keywords else None
    if path == "sequence_mask":
        return _sequence_mask(ctx, call)
    if path == "constant":
        given = given_arguments(call, ("value", "dtype"))
        if (
            given is not None
            and "value" in given
            and ("dtype" in given or _numbers(given["value"]))
        ):
            return renamed_call(ctx, call, "convert_to_tensor")
    if path in _POOLS:
        return _pool(ctx, call, *_POOLS[path])
    if path in ("nn.depth_to_space", "nn.space_to_depth"):
        given = given_arguments(call, ("input", "block_size"))
        if given is not None and len(given) == 2 and not call.keywords:
            return renamed_call(ctx, call, path[len("nn.") :])
    if path == "image.rgb_to_grayscale" and len(call.args) == 1 and not call.keywords:
        return renamed_call(ctx, call, "image.rgb_to_grayscale", ', data_format="channels_last"')
    return None


def l2_normalized(ctx: Context, call: ast.Call) -> tuple[str, list[Edit]] | None:
    """``tf.nn.l2_normalize(x, axis, epsilon)`` / ``K.l2_normalize(x, axis)`` with an integer
    axis, written with ``keras.ops.normalize`` (the epsilon's root)."""
    given = given_arguments(call, ("x", "axis", "epsilon"))
    if given is None or "x" not in given or integer(given.get("axis")) is None:
        return None
    epsilon: object = 1e-12
    if "epsilon" in given:
        node = given["epsilon"]
        if not isinstance(node, ast.Constant) or type(node.value) not in (int, float):
            return None
        epsilon = node.value
    if not isinstance(epsilon, (int, float)) or epsilon <= 0:
        return None
    named = keras_name(ctx, "ops.normalize", call)
    if named is None or "#" in ctx.code(call):
        return None
    spelled, edits = named
    x, axis = ctx.code(given["x"]), ctx.code(given["axis"])
    root = repr(math.sqrt(epsilon))
    edits.append(ctx.replace(call, f"{spelled}({x}, axis={axis}, epsilon={root})"))
    return "normalize", edits


def _squared_difference(ctx: Context, call: ast.Call) -> tuple[str, list[Edit]] | None:
    edits = _written(ctx, call, ("x", "y"), lambda o, x, y: f"{o}square({o}subtract({x}, {y}))")
    return ("square(keras.ops.subtract(x, y))", edits) if edits is not None else None


def _written(
    ctx: Context, call: ast.Call, params: tuple[str, ...], write: Callable[..., str]
) -> list[Edit] | None:
    """``call``, given every one of ``params``, written anew as ``write(ops, *arguments)``
    (``ops`` how the module names ``keras.ops.``, the arguments' code in ``params``' order)."""
    given = given_arguments(call, params)
    named = keras_name(ctx, "ops.add", call)
    if given is None or len(given) != len(params) or named is None or "#" in ctx.code(call):
        return None
    spelled, edits = named
    text = write(spelled[: -len("add")], *(ctx.code(given[p]) for p in params))
    return [*edits, ctx.replace(call, text)]


def _patches(ctx: Context, call: ast.Call) -> tuple[str, list[Edit]] | None:
    given = given_arguments(call, ("images", "sizes", "strides", "rates", "padding"))
    if given is None or len(given) != 5:
        return None
    padding = given["padding"]
    mode = padding.value if isinstance(padding, ast.Constant) else None
    if not isinstance(mode, str) or mode.upper() not in ("VALID", "SAME"):
        return None
    windows = [_spatial(given[k]) for k in ("sizes", "strides", "rates")]
    sizes, strides, rates = windows
    if sizes is None or strides is None or rates is None:
        return None
    if any(integer(r) != 1 for r in rates):
        return None  # a dilation: Keras takes it only without strides
    named = keras_name(ctx, "ops.image.extract_patches", call)
    arguments = ctx.arguments(call)
    if named is None or arguments is None:
        return None
    spelled, edits = named
    edits.append(ctx.replace(call.func, spelled))
    pairs = {"sizes": ("size", sizes), "strides": ("strides", strides)}
    items = arguments.items
    params = ("images", "sizes", "strides", "rates", "padding")
    for index, (node, start, end) in enumerate(items):
        keyword = node.arg if isinstance(node, ast.keyword) else None
        param = keyword or params[index]
        if param in pairs:
            name, (a, b) = pairs[param]
            written = f"({ctx.code(a)}, {ctx.code(b)})"
            edits.append(Edit(start, end, f"{name}={written}" if keyword else written))
        elif param == "rates" and not keyword:
            edits.append(Edit(start, end, "1"))
        elif param == "rates":  # dropped with its comma (and kept where a comment is)
            after = index + 1 < len(items)
            dropped = Edit(start, items[index + 1][1], "") if after else None
            dropped = dropped or Edit(items[index - 1][2], end, "")
            if "#" in ctx.text[dropped.start : dropped.end]:
                return None
            edits.append(dropped)
        elif param == "padding":
            edits.append(ctx.replace(padding, f'"{mode.lower()}"'))
    return "image.extract_patches", edits


def _conv(ctx: Context, call: ast.Call, kind: tuple[int, str]) -> tuple[str, list[Edit]] | None:
    rank, layout = kind
    stride = "stride" if rank == 1 else "strides"
    given = given_arguments(
        call, ("input", "filters", stride, "padding", "data_format", "dilations")
    )
    if given is None or not {"input", "filters", stride, "padding"} <= set(given):
        return None
    padding = given["padding"]
    mode = padding.value if isinstance(padding, ast.Constant) else None
    layout_given = given.get("data_format")
    if not isinstance(mode, str) or mode.upper() not in ("SAME", "VALID"):
        return None
    if layout_given is not None and string(layout_given) != layout:
        return None
    strides = _window(ctx, given[stride], rank)
    dilations = given.get("dilations")
    dilation = None if dilations is None or _is_none(dilations) else _window(ctx, dilations, rank)
    if strides is None or (dilation is None and not (dilations is None or _is_none(dilations))):
        return None
    if dilation is not None and strides[1] and dilation[1]:
        return None  # a stride and a dilation together: not on every backend
    named = keras_name(ctx, "ops.conv", call)
    if named is None or "#" in ctx.code(call):
        return None
    spelled, edits = named
    text = f"{spelled}({ctx.code(given['input'])}, {ctx.code(given['filters'])}, "
    text += f'strides={strides[0]}, padding="{mode.lower()}", data_format="channels_last"'
    text += f", dilation_rate={dilation[0]})" if dilation is not None else ")"
    return "conv", [*edits, ctx.replace(call, text)]


def _pad(ctx: Context, call: ast.Call) -> tuple[str, list[Edit]] | None:
    given = given_arguments(call, ("tensor", "paddings", "mode", "constant_values"))
    if given is None or len(call.args) < 2 or "#" in ctx.code(call):
        return None
    mode = string(given["mode"]) if "mode" in given else "CONSTANT"
    if mode is None or mode.upper() not in ("CONSTANT", "REFLECT", "SYMMETRIC"):
        return None
    if mode.upper() != "CONSTANT" and "constant_values" in given:
        return None  # Keras takes a value only to pad with it
    named = keras_name(ctx, "ops.pad", call)
    if named is None:
        return None
    spelled, edits = named
    text = f"{spelled}({ctx.code(given['tensor'])}, {ctx.code(given['paddings'])}"
    text += f', mode="{mode.lower()}"' if "mode" in given else ""
    if "constant_values" in given:
        text += f", constant_values={ctx.code(given['constant_values'])}"
    return "pad", [*edits, ctx.replace(call, text + ")")]


def _numbers(node: ast.expr) -> bool:
    """A literal number (or bool), or a list or tuple of them, nested."""
    if isinstance(node, (ast.List, ast.Tuple)):
        return bool(node.elts) and all(_numbers(e) for e in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return isinstance(node, ast.Constant) and type(node.value) in (int, float, bool)


def _sequence_mask(ctx: Context, call: ast.Call) -> tuple[str, list[Edit]] | None:
    def write(o: str, lengths: str, maxlen: str) -> str:
        return f"{o}less({o}arange({maxlen}), {o}expand_dims({lengths}, -1))"

    edits = _written(ctx, call, ("lengths", "maxlen"), write)
    return ("less(keras.ops.arange(maxlen), …)", edits) if edits is not None else None


def _pool(
    ctx: Context, call: ast.Call, op: str, rank: int, layout: str
) -> tuple[str, list[Edit]] | None:
    given = given_arguments(call, ("input", "ksize", "strides", "padding", "data_format"))
    if given is None or not {"input", "ksize", "strides", "padding"} <= set(given):
        return None
    mode = string(given["padding"])
    if mode is None or mode.upper() not in ("SAME", "VALID"):
        return None
    if "data_format" in given and string(given["data_format"]) != layout:
        return None
    size, strides = _window(ctx, given["ksize"], rank), _window(ctx, given["strides"], rank)
    named = keras_name(ctx, f"ops.{op}", call)
    if size is None or strides is None or named is None or "#" in ctx.code(call):
        return None
    spelled, edits = named
    text = f"{spelled}({ctx.code(given['input'])}, {size[0]}, strides={strides[0]}, "
    text += f'padding="{mode.lower()}", data_format="channels_last")'
    return op, [*edits, ctx.replace(call, text)]


def _moments_of_weight(ctx: Context, call: ast.Call) -> tuple[str, list[Edit]] | None:
    """``tf.nn.moments(self.kernel, …)`` of a layer's weight: ``keras.ops.moments`` of it as a
    tensor (Keras's JAX ``moments`` cannot take a variable while it traces the layer, as
    its other ops do); None for anything else, which the generated table answers."""
    x = call.args[0] if call.args else None
    if not isinstance(x, ast.Attribute) or not ctx.inference.holds_weight(x):
        return None
    op, spelled, edits = ops_rewrite(ctx, call, kb.api.tf_op("nn.moments"), add_import=True)
    if not edits:
        return None
    start, end = ctx.span(x)
    convert = spelled[: -len(op)] + "convert_to_tensor"
    return op, [*edits, Edit(start, start, f"{convert}("), Edit(end, end, ")")]


def _window(ctx: Context, node: ast.expr, rank: int) -> tuple[str, bool] | None:
    """TensorFlow's strides or dilations (an integer, ``[s, s]``, or ``[1, s, s, 1]``) as
    Keras writes them, and whether any is not 1; None unless literal integers."""
    if integer(node) is not None:
        value = integer(node) or 0
        return (ctx.code(node), value != 1) if value > 0 else None
    if not isinstance(node, (ast.List, ast.Tuple)):
        return None
    values = [integer(e) for e in node.elts]
    if any(v is None or v <= 0 for v in values):
        return None
    if len(values) == rank + 2 and values[0] == values[-1] == 1:
        values = values[1:-1]
    if len(values) != rank:
        return None
    written = f"({values[0]},)" if rank == 1 else f"({', '.join(map(str, values))})"
    return written, any(v != 1 for v in values)


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _spatial(window: ast.expr) -> tuple[ast.expr, ast.expr] | None:
    """The two middle entries of TensorFlow's ``[1, rows, cols, 1]``."""
    if not isinstance(window, (ast.List, ast.Tuple)) or len(window.elts) != 4:
        return None
    first, rows, cols, last = window.elts
    if integer(first) != 1 or integer(last) != 1:
        return None
    if any(isinstance(e, ast.Starred) for e in (rows, cols)):
        return None
    return rows, cols


def given_arguments(call: ast.Call, params: tuple[str, ...]) -> dict[str, ast.expr] | None:
    """The arguments of ``call`` by the function's parameter names ``params``; None where it
    passes another (or one twice, or a star)."""
    if has_star(call) or len(call.args) > len(params):
        return None
    given = dict(zip(params, call.args))
    for keyword in call.keywords:
        if keyword.arg not in params or keyword.arg in given:
            return None
        given[keyword.arg] = keyword.value
    return given


def renamed_call(
    ctx: Context, call: ast.Call, op: str, added: str = ""
) -> tuple[str, list[Edit]] | None:
    """The call of ``op`` with the same arguments (and ``added`` after them)."""
    arguments = ctx.arguments(call)
    named = keras_name(ctx, f"ops.{op}", call)
    if arguments is None or named is None or not arguments.items:
        return None
    spelled, edits = named
    edits.append(ctx.replace(call.func, spelled))
    if added:
        end = arguments.items[-1][2]
        edits.append(Edit(end, end, added))
    return op, edits


def _band_part(ctx: Context, call: ast.Call) -> tuple[str, list[Edit]] | None:
    if len(call.args) != 3 or call.keywords:
        return None
    op = _TRIANGLES.get((integer(call.args[1]), integer(call.args[2])))
    arguments = ctx.arguments(call)
    named = keras_name(ctx, f"ops.{op}", call) if op else None
    if op is None or arguments is None or named is None:
        return None
    spelled, edits = named
    (_, _, first_end), _, (_, _, last_end) = arguments.items
    edits += [ctx.replace(call.func, spelled), Edit(first_end, last_end, "")]
    return op, edits


def _matmul(ctx: Context, call: ast.Call) -> tuple[str, list[Edit]] | None:
    flags = {k.arg: k.value for k in call.keywords}
    if len(call.args) != 2 or not flags or not set(flags) <= set(_TRANSPOSED):
        return None
    if any(not isinstance(v, ast.Constant) or type(v.value) is not bool for v in flags.values()):
        return None
    arguments = ctx.arguments(call)
    named = keras_name(ctx, "ops.matmul", call)
    if arguments is None or named is None:
        return None
    spelled, edits = named
    swapaxes = spelled[: -len("matmul")] + "swapaxes"
    edits.append(ctx.replace(call.func, spelled))
    items = arguments.items
    for index, (node, _, end) in enumerate(items):
        if not isinstance(node, ast.keyword):
            continue
        edits.append(Edit(items[index - 1][2], end, ""))  # the flag, with its comma
        if node.value.value:
            operand = items[_TRANSPOSED[node.arg or ""]]
            edits.append(Edit(operand[1], operand[1], f"{swapaxes}("))
            edits.append(Edit(operand[2], operand[2], ", -1, -2)"))
    return "matmul", edits
