"""Regenerate ``kerasfix/knowledge/keras_api.json``: what each Keras had, from the real packages.

    python tools/gen_keras_api.py --keras1 Keras-1.2.2.tar.gz \
        --keras2 Keras-2.2.4-py2.py3-none-any.whl --keras2 Keras-2.3.1-py2.py3-none-any.whl

(the archives: ``pip download --no-deps keras==1.2.2 keras==2.2.4 keras==2.3.1``).

- **Keras 3**: the public API of the installed ``keras`` (walked from the module objects), and the
  ``tensorflow.keras`` namespace TensorFlow gives it (``keras._tf_keras.keras``), which keeps some
  legacy classes (``ImageDataGenerator``, ``Tokenizer``).
- **Keras 2**: the public API of the installed ``tf_keras``, and the standalone ``keras`` 2.x
  wheels, read statically (their modules and module-level names, re-exports followed).
- **Keras 1**: the ``keras`` 1.2.2 sources, read statically. Nothing of Keras 1 or 2.x is imported.

From these it writes what Keras 1/2 had that Keras 3 lacks (``legacy``), where a Keras 3 name
is the same object under another module (``moved``: Keras 2's ``keras.models.Input`` is the
``keras.layers.Input`` Keras 3 still has), and the keyword renames Keras 2 applied to Keras 1 calls
(its ``legacy/interfaces.py`` conversions, per class).
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
import sys
import tarfile
import types
import zipfile
from collections.abc import Iterator
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "kerasfix" / "knowledge" / "keras_api.json"


# --- installed packages (Keras 3, tf_keras) -------------------------------------------------


def walk_installed(root: types.ModuleType, prefixes: tuple[str, ...]) -> dict[str, set[str]]:
    """Module path (relative to ``root``, "" for the root) -> its public attribute names."""
    tables: dict[str, set[str]] = {}
    seen: set[int] = set()

    def visit(module: types.ModuleType, path: str) -> None:
        if id(module) in seen:
            return
        seen.add(id(module))
        names = tables.setdefault(path, set())
        for name in dir(module):
            if name.startswith("_"):
                continue
            try:
                value = getattr(module, name)
            except Exception:  # noqa: BLE001 - a lazy attribute that fails is not there
                continue
            names.add(name)
            if isinstance(value, types.ModuleType) and value.__name__.startswith(prefixes):
                if ".src" in value.__name__ or value.__name__.endswith(".src"):
                    continue
                visit(value, f"{path}.{name}" if path else name)

    visit(root, "")
    return tables


# --- archives read statically (Keras 1.2.2, Keras 2.x) --------------------------------------


def read_archive(path: Path) -> dict[str, str]:
    """Relative module path -> source, for the ``keras/`` package in a wheel or sdist."""
    sources: dict[str, str] = {}

    def add(name: str, data: bytes) -> None:
        parts = name.split("/")
        if "keras" not in parts or not name.endswith(".py"):
            return
        parts = parts[parts.index("keras") + 1 :]
        if not parts or "tests" in parts:
            return
        parts[-1] = parts[-1][:-3]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if any(p.startswith("_") for p in parts):
            return
        sources[".".join(parts)] = data.decode("utf-8", "replace")

    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                add(name, archive.read(name))
    else:
        with tarfile.open(path) as archive:
            for member in archive.getmembers():
                if member.isfile():
                    handle = archive.extractfile(member)
                    if handle is not None:
                        add(member.name, handle.read())
    return sources


def _resolve(module: str, is_package: bool, level: int, target: str | None) -> str | None:
    """The keras-relative module an import names, or None if it leaves keras."""
    if level == 0:
        if target is None or not (target == "keras" or target.startswith("keras.")):
            return None
        return target[len("keras") :].lstrip(".")
    parts = module.split(".") if module else []
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)]
    if target:
        parts += target.split(".")
    return ".".join(parts)


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The module's statements, with those inside its top-level ``if``/``try`` blocks
    (Keras 2's backend imports its functions under ``if _BACKEND == "tensorflow":``)."""
    for node in body:
        if isinstance(node, ast.If):
            yield from _module_level(node.body)
            yield from _module_level(node.orelse)
        elif isinstance(node, ast.Try):
            yield from _module_level(node.body)
            for handler in node.handlers:
                yield from _module_level(handler.body)
            yield from _module_level(node.orelse)
        else:
            yield node


def static_tables(sources: dict[str, str]) -> tuple[dict[str, set[str]], dict[str, str]]:
    """Module -> public names, and ``module.name`` -> where it is defined (re-exports followed)."""
    packages = {m.rsplit(".", 1)[0] for m in sources if "." in m} | {""}
    names: dict[str, set[str]] = {m: set() for m in sources}
    origin: dict[str, str] = {}
    stars: dict[str, list[str]] = {}
    for module, text in sources.items():
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        own = names[module]
        for node in _module_level(tree.body):
            if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
                own.add(node.name)
                origin[f"{module}.{node.name}"] = f"{module}.{node.name}"
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        own.add(target.id)
                        qual = f"{module}.{target.id}"
                        if isinstance(node.value, ast.Name):
                            origin[qual] = f"{module}.{node.value.id}"
                        else:
                            origin.setdefault(qual, qual)
            elif isinstance(node, ast.ImportFrom):
                source = _resolve(module, module in packages, node.level, node.module)
                if source is None:
                    continue
                for alias in node.names:
                    if alias.name == "*":
                        stars.setdefault(module, []).append(source)
                        continue
                    bound = alias.asname or alias.name
                    own.add(bound)
                    sub = f"{source}.{alias.name}" if source else alias.name
                    origin[f"{module}.{bound}"] = sub
    for module in sources:  # a package's submodules are its attributes
        if "." in module:
            parent, leaf = module.rsplit(".", 1)
            names.setdefault(parent, set()).add(leaf)
        elif module:
            names.setdefault("", set()).add(module)
    for _ in range(5):  # star imports, to a fixed point
        for module, froms in stars.items():
            for source in froms:
                for name in list(names.get(source, ())):
                    if name not in names[module]:
                        names[module].add(name)
                        origin.setdefault(f"{module}.{name}", f"{source}.{name}")
    public = {m: {n for n in found if not n.startswith("_")} for m, found in names.items()}
    return public, origin


def _final(qual: str, origin: dict[str, str]) -> str:
    for _ in range(10):
        nxt = origin.get(qual)
        if nxt is None or nxt == qual:
            return qual
        qual = nxt
    return qual


def legacy_conversions(sources: dict[str, str]) -> dict[str, dict[str, object]]:
    """Class -> {"keywords": {old: new}, "values": {new: {old value: new value}}} from Keras 2's
    ``legacy/interfaces.py`` and the ``@interfaces.legacy_*_support`` decorators on ``__init__``."""
    text = sources.get("legacy.interfaces")
    if text is None:
        return {}
    interfaces: dict[str, dict[str, object]] = {}
    for node in ast.parse(text).body:
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
            continue
        target = node.targets[0]
        if not isinstance(target, ast.Name):
            continue
        spec: dict[str, object] = {"keywords": {}, "values": {}}
        for keyword in node.value.keywords:
            try:
                value = ast.literal_eval(keyword.value)
            except ValueError:
                continue
            if keyword.arg == "conversions":
                spec["keywords"] = dict(value)
            elif keyword.arg == "value_conversions":
                spec["values"] = value
        interfaces[target.id] = spec
    classes: dict[str, dict[str, object]] = {}
    bases: dict[str, str] = {}  # a class without its own __init__ -> its first base
    aliases: dict[str, str] = {}  # Convolution2D = Conv2D
    for source in sources.values():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        aliases[target.id] = node.value.id
            if not isinstance(node, ast.ClassDef):
                continue
            inits = [
                i for i in node.body if isinstance(i, ast.FunctionDef) and i.name == "__init__"
            ]
            if not inits and node.bases and isinstance(node.bases[0], ast.Name):
                bases[node.name] = node.bases[0].id
            for item in inits:
                for deco in item.decorator_list:
                    if isinstance(deco, ast.Attribute) and deco.attr in interfaces:
                        classes[node.name] = interfaces[deco.attr]
    for _ in range(5):
        for name, base in [*bases.items(), *aliases.items()]:
            if name not in classes and base in classes:
                classes[name] = classes[base]
    return classes


def keras3_accepts(cls: object, keyword: str) -> bool:
    """Whether Keras 3's constructor of ``cls`` names ``keyword`` (its own or a base's)."""
    import inspect

    for klass in getattr(cls, "__mro__", ()):
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        try:
            if keyword in inspect.signature(init).parameters:
                return True
        except (TypeError, ValueError):
            continue
    return False


def check_conversions(
    conversions: dict[str, dict[str, object]],
) -> dict[str, dict[str, object]]:
    """Keep the classes Keras 3 has, and only the renames whose new keyword its constructor
    takes; ``Network`` (Keras 2's base of Model) answers for ``Model``."""
    import keras

    checked: dict[str, dict[str, object]] = {}
    for name, spec in conversions.items():
        target = "Model" if name == "Network" else name
        cls = getattr(keras.layers, target, None) or getattr(keras, target, None)
        if cls is None or name.startswith("_"):
            continue
        keywords = {
            old: new
            for old, new in spec["keywords"].items()  # type: ignore[attr-defined]
            if target == "Model" or keras3_accepts(cls, new)
        }
        values = {k: v for k, v in spec["values"].items() if k in keywords}  # type: ignore[attr-defined]
        if keywords:
            checked[target] = {"keywords": keywords, "values": values}
    return checked


def required_now() -> dict[str, dict[str, str]]:
    """Layer arguments that had a default in Keras 2 (tf_keras) and have none in Keras 3:
    ``AveragePooling2D()`` took ``pool_size=(2, 2)``; in Keras 3 it must be given."""
    import inspect

    import keras
    import tf_keras

    found: dict[str, dict[str, str]] = {}
    for name in sorted(dir(keras.layers)):
        new, old = getattr(keras.layers, name), getattr(tf_keras.layers, name, None)
        if not (isinstance(new, type) and isinstance(old, type)):
            continue
        try:
            new_params = inspect.signature(new.__init__).parameters
            old_params = inspect.signature(old.__init__).parameters
        except (TypeError, ValueError):
            continue
        for param, p in new_params.items():
            before = old_params.get(param)
            if p.default is inspect.Parameter.empty and p.kind is p.POSITIONAL_OR_KEYWORD:
                if before is not None and before.default is not inspect.Parameter.empty:
                    found.setdefault(name, {})[param] = repr(before.default)
    return found


def tf_namespace_missing(
    k2: dict[str, set[str]], k3: dict[str, set[str]], tf3: dict[str, set[str]]
) -> dict[str, str]:
    """Names Keras 2's ``tf.keras`` had that Keras 3 keeps in ``keras`` but TensorFlow's
    ``tf.keras`` namespace over Keras 3 lacks (``tf.keras.losses.mean_squared_error``), each with
    the name the same object has in that namespace (``mse``), or "" when it has none there."""
    import keras
    import keras._tf_keras.keras as tf_namespace
    import tensorflow as tf

    def get(root: object, module: str, name: str) -> object:
        for part in module.split(".") if module else []:
            root = getattr(root, part, None)
        return getattr(root, name, None)

    found: dict[str, str] = {}
    for module, names in sorted(k2.items()):
        if module not in tf3:
            continue
        for name in sorted(names - tf3[module]):
            if name not in k3.get(module, set()) or name == "src":
                continue
            if get(tf.keras, module, name) is not None:
                continue  # TensorFlow provides it lazily (``tf.keras.saving``)
            obj = get(keras, module, name)
            same = sorted(
                (a for a in tf3[module] if obj is not None and get(tf_namespace, module, a) is obj),
                key=lambda a: (not a.islower(), len(a), a),
            )
            found[f"{module}.{name}" if module else name] = same[0] if same else ""
    return found


# The Keras classes whose methods are compared: Keras 3's and tf_keras's of the same path.
COMPARED_CLASSES = ("Model", "Sequential", "layers.Layer", "metrics.Metric", "optimizers.Optimizer")


def _class(root: object, path: str) -> type:
    for part in path.split("."):
        root = getattr(root, part)
    assert isinstance(root, type)
    return root


def _forwarded(function: object) -> str | None:
    """The method a Keras 2 ``def m(self, *args, **kwargs): return self.other(*args, **kwargs)``
    forwards to (``add_variable`` -> ``add_weight``), or None."""
    import inspect
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))  # type: ignore[arg-type]
    except (OSError, TypeError, SyntaxError):
        return None
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Return)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and isinstance(node.value.func.value, ast.Name)
            and node.value.func.value.id == "self"
            and any(isinstance(a, ast.Starred) for a in node.value.args)
        ):
            return node.value.func.attr
    return None


def method_changes() -> tuple[dict[str, list[str]], dict[str, dict[str, object]]]:
    """Compare the methods of Keras 3's classes with tf_keras's (the Keras 2 of ``tf.keras``):

    - ``lost``: class -> the methods Keras 2 had that Keras 3's class lacks;
    - ``keras2_positionals``: ``class.method`` -> Keras 2's positional parameters, for the
      methods Keras 3 kept whose positional parameters it reordered or made keyword-only
      (``Layer.add_weight``: Keras 2 took ``name`` first, Keras 3 ``shape``)."""
    import inspect

    import keras
    import tf_keras

    lost: dict[str, list[str]] = {}
    positionals: dict[str, dict[str, object]] = {}

    def params(function: object) -> list[inspect.Parameter] | None:
        try:
            return list(inspect.signature(function).parameters.values())[1:]  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None

    for path in COMPARED_CLASSES:
        new, old = _class(keras, path), _class(tf_keras, path)
        label = path.rsplit(".", 1)[-1]
        gone = sorted(
            name
            for name, value in inspect.getmembers(old)
            if not name.startswith("_")
            and callable(value)
            and not isinstance(value, type)
            and not hasattr(new, name)
        )
        if gone:
            lost[label] = gone
        for name, value in inspect.getmembers(old):
            if name.startswith("_") or not callable(value) or not hasattr(new, name):
                continue
            before = params(value)
            if before is not None and [p.kind for p in before] == [
                inspect.Parameter.VAR_POSITIONAL,
                inspect.Parameter.VAR_KEYWORD,
            ]:
                target = _forwarded(value)
                before = params(getattr(old, target)) if target else None
            after = params(getattr(new, name))
            if before is None or after is None:
                continue
            positional = (
                inspect.Parameter.POSITIONAL_ONLY,
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
            )
            old_names = [p.name for p in before if p.kind in positional]
            new_names = [p.name for p in after if p.kind in positional]
            accepted = {p.name for p in after}
            moved = [
                n for n in old_names if n in new_names and new_names.index(n) != old_names.index(n)
            ]
            if moved or (
                old_names and not new_names and after and after[0].kind == after[0].VAR_POSITIONAL
            ):
                # from the first place the two disagree, a positional means something else;
                # only the names Keras 3 still accepts can be given by keyword
                start = next(
                    i for i, n in enumerate(old_names) if i >= len(new_names) or new_names[i] != n
                )
                names = [n if n in accepted else "" for n in old_names]
                if not any(names[start:]):
                    continue  # nothing Keras 3 takes by name (`call`, `add_metric`)
                positionals[f"{label}.{name}"] = {
                    "from": start,
                    "names": names,
                }
    return lost, positionals


def call_training_positions() -> dict[str, int]:
    """Layer -> the position of ``training`` among its ``call``'s parameters, where Keras 3 and
    tf_keras agree (``SimpleRNNCell``: 2, after the inputs and states). Keras 3 takes only
    tensors by position when a layer is called, so a ``training`` flag given there stops it."""
    import inspect

    import keras
    import tf_keras
    from keras.src.models.functional import Functional
    from tf_keras.src.engine.functional import Functional as Keras2Functional

    found: dict[str, int] = {}
    # the models a layer holds (`self.head = Sequential([...])`), called as layers are; `Model`
    # for what `Model(inputs, outputs)` makes
    pairs = [
        ("Sequential", keras.Sequential, tf_keras.Sequential),
        ("Model", Functional, Keras2Functional),
    ]
    pairs += [
        (n, getattr(keras.layers, n), getattr(tf_keras.layers, n, None)) for n in dir(keras.layers)
    ]
    for name, new, old in sorted(pairs, key=lambda pair: pair[0]):
        if not (isinstance(new, type) and isinstance(old, type)):
            continue
        positions = []
        for cls in (new, old):
            try:
                params = list(inspect.signature(cls.call).parameters)[1:]
            except (TypeError, ValueError, AttributeError):
                params = []
            positions.append(params.index("training") if "training" in params else -1)
        if positions[0] == positions[1] and positions[0] > 0:
            found[name] = positions[0]
    return found


def dropout_cells() -> dict[str, dict[str, str]]:
    """Recurrent cell -> its dropout keywords, each with the method that forgets its mask, where
    Keras 3 and tf_keras both have it. Keras 3's cell keeps the mask it made until that method
    runs (its ``RNN`` layer calls it); tf_keras kept one for each graph."""
    import inspect

    import keras
    import tf_keras
    from keras.src.layers.rnn.dropout_rnn_cell import DropoutRNNCell

    found: dict[str, dict[str, str]] = {}
    for name in sorted(dir(keras.layers)):
        new, old = getattr(keras.layers, name), getattr(tf_keras.layers, name, None)
        if not (isinstance(new, type) and issubclass(new, DropoutRNNCell) and old is not None):
            continue
        params = inspect.signature(new).parameters
        resets = {
            keyword: f"reset_{keyword}_mask"
            for keyword in ("dropout", "recurrent_dropout")
            if keyword in params
            and hasattr(new, f"reset_{keyword}_mask")
            and hasattr(old, f"reset_{keyword}_mask")
        }
        if resets:
            found[name] = resets
    return found


# TensorFlow functions often applied to a functional model's tensors, by their Keras 3 op: the
# same name, or the name the Keras migration guide gives (keras-io guides/migrate_to_keras_3.py).
# Each pair is kept only where the signatures agree (below) and tests/test_knowledge.py computes
# both on the same tensors.
TF_OPS_BY_NAME = (
    "abs add cast exp expand_dims matmul maximum minimum multiply one_hot ones_like reshape "
    "sigmoid sqrt square squeeze stack subtract tanh tile transpose unstack where zeros_like "
    "math.exp math.log math.sigmoid math.sqrt math.square math.tanh math.softplus "
    "nn.relu nn.relu6 nn.sigmoid nn.softmax math.softmax nn.softplus nn.tanh nn.elu nn.selu "
    "nn.silu equal not_equal less less_equal greater greater_equal logical_and logical_or "
    "logical_not sign floor math.ceil round sin cos size zeros ones argmax argmin "
    "math.erf math.rsqrt math.log1p math.expm1 math.reciprocal math.divide_no_nan "
    "math.cumsum math.cumprod tensordot nn.log_softmax "
    "stop_gradient broadcast_to repeat sort linspace math.negative math.log_sigmoid "
    "nn.softsign nn.gelu math.tan math.sinh math.cosh cond math.top_k convert_to_tensor"
).split()
TF_OPS_RENAMED = {
    "concat": "concatenate",
    "reduce_sum": "sum",
    "reduce_mean": "mean",
    "reduce_max": "max",
    "reduce_min": "min",
    "reduce_prod": "prod",
    "math.reduce_sum": "sum",
    "math.reduce_mean": "mean",
    "math.reduce_max": "max",
    "math.reduce_min": "min",
    "math.reduce_std": "std",
    "math.reduce_variance": "var",
    "clip_by_value": "clip",
    "pow": "power",
    "math.pow": "power",
    "math.divide": "divide",
    "nn.leaky_relu": "leaky_relu",
    "range": "arange",
    "truediv": "true_divide",
    "math.truediv": "true_divide",
    "gather": "take",
    "scatter_nd": "scatter",
    "reduce_logsumexp": "logsumexp",
    "math.reduce_logsumexp": "logsumexp",
    "reduce_any": "any",
    "reduce_all": "all",
    "math.reduce_any": "any",
    "math.reduce_all": "all",
    "image.resize": "image.resize",
    "reverse": "flip",
    "nn.moments": "moments",
    "math.floormod": "mod",
    "math.floordiv": "floor_divide",
    "math.atan2": "arctan2",
    "math.atan": "arctan",
    "math.asin": "arcsin",
    "math.acos": "arccos",
    "math.asinh": "arcsinh",
    "math.atanh": "arctanh",
    "math.is_nan": "isnan",
    "math.is_inf": "isinf",
    "math.is_finite": "isfinite",
    "math.logical_xor": "logical_xor",
    "norm": "norm",
    "nn.sigmoid_cross_entropy_with_logits": "binary_crossentropy",
    "nn.softmax_cross_entropy_with_logits": "categorical_crossentropy",
    "nn.sparse_softmax_cross_entropy_with_logits": "sparse_categorical_crossentropy",
}
# Arguments the op is given besides the call's own: TensorFlow's cross-entropies of logits
# are Keras's with `from_logits=True` (per example, as TensorFlow's: no reduction).
TF_EXTRA = {
    path: {"from_logits": "True"}
    for path in (
        "nn.sigmoid_cross_entropy_with_logits",
        "nn.softmax_cross_entropy_with_logits",
        "nn.sparse_softmax_cross_entropy_with_logits",
    )
}
# The values a parameter may be given for the call to be rewritten (what Keras's op takes,
# and computes alike on every backend: tests/test_knowledge.py).
TF_VALUES = {("image.resize", "method"): ["bilinear", "nearest", "bicubic"], ("norm", "ord"): []}


# Defaults spelled differently that mean the same: TensorFlow's axis=None is the last axis.
# (one_hot's float32 is Keras's default float type.)
TF_DEFAULTS_ALIKE = {
    ("nn.softmax", "axis"),
    ("math.softmax", "axis"),
    ("one_hot", "axis"),
    ("one_hot", "dtype"),
    ("zeros", "dtype"),
    ("ones", "dtype"),
    ("nn.log_softmax", "axis"),
    ("norm", "ord"),  # "euclidean": the 2-norm of a vector, of the flattened tensor otherwise
    ("norm", "keepdims"),  # None: False
}


# Defaults spelled alike that mean otherwise: TensorFlow's axis=None is axis 0 for these,
# Keras's the flattened tensor (a call is rewritten only where it gives the axis).
TF_DEFAULTS_UNLIKE = {("argmax", "axis"), ("argmin", "axis"), ("gather", "axis")}
TF_DEFAULTS_UNLIKE |= {("math.cumsum", "axis"), ("math.cumprod", "axis")}
# `tf.where(condition)` alone gives the indices as one [N, rank] tensor, `keras.ops.where` a
# tuple of index arrays (NumPy's `nonzero`): rewritten only where both values are passed.
TF_DEFAULTS_UNLIKE |= {("where", "x"), ("where", "y")}
# What such a None meant, given to the op for a call that leaves it out (TensorFlow's docs:
# argmax/argmin "defaults to 0", gather's axis "defaults to the first non-batch dimension").
TF_DEFAULT_MEANS = {("argmax", "axis"): 0, ("argmin", "axis"): 0, ("gather", "axis"): 0}


# A parameter that means the op's of another name at the same place, where a required one
# stands beside one with a default (`K.permute_dimensions(x, pattern)`: `transpose(x, axes)`).
PARAMS_PAIRED = {("permute_dimensions", "pattern"): "axes"}
# A parameter with no counterpart, though one of the op's stands at its place with a default of
# the same kind (`tf.convert_to_tensor`'s `dtype_hint` is no `sparse=`): a call passing it stays.
PARAMS_UNPAIRED = {("convert_to_tensor", "dtype_hint")}
for _path in TF_EXTRA:
    PARAMS_PAIRED.update({(_path, "labels"): "target", (_path, "logits"): "output"})


def _same_kind(old: object, new: object) -> bool:
    """Whether two parameters at the same place can mean the same: both required, or both
    defaulting to values of one type, or to None beside a value that is not a flag (not
    TensorFlow's ``output_type=tf.int64`` beside Keras's ``keepdims=False``, nor
    ``exclusive=False`` beside ``dtype=None``)."""
    import inspect

    empty = inspect.Parameter.empty
    if (old is empty) != (new is empty):
        return False
    if old is None or new is None:  # None beside a number (`delta=1`, `step=None`), not a flag
        return type(old if new is None else new) is not bool
    return old is empty or type(old) is type(new)


def _op_table(
    root: object,
    pairs: dict[str, str],
    alike: set[tuple[str, str]],
    target: object = None,
    means: dict[tuple[str, str], object] | None = None,
) -> dict[str, dict[str, object]]:
    """``path`` (under ``root``) -> {"op": its ``keras.ops`` name, "params": the function's
    parameter names -> the op's, "positional": how many leading parameters mean the same by
    position, "differs": the parameters a call must pass, "defaults": those of them the op can
    be given instead, as the function's literal defaults}. A parameter pairs with the op's of
    the same name, else with the op's at the same place while the two lists line up. A pair
    whose defaults differ (``tf.nn.gelu`` approximates by default, ``ops.gelu`` does not), or
    that the op requires and the function did not, is "differs": a call is rewritten only if
    it passes it. ``name`` (and any parameter without a counterpart) is left out: a call that
    passes one is not rewritten. ``target``: the namespace of the ops (``keras.ops``);
    ``means``: what a function's default of None meant, where the op is to be given it."""
    import inspect

    import keras

    target = keras.ops if target is None else target
    found: dict[str, dict[str, object]] = {}
    for path, op in sorted(pairs.items()):
        function = root
        for part in path.split("."):
            function = getattr(function, part)
        try:
            before = list(inspect.signature(function).parameters.values())
            resolved = target
            for part in op.split("."):  # `image.resize`: keras.ops.image.resize
                resolved = getattr(resolved, part)
            after = list(inspect.signature(resolved).parameters.values())
        except (TypeError, ValueError, AttributeError):
            continue
        if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in before + after):
            continue
        new_by_name = {p.name: p for p in after}
        old_names = {p.name for p in before}
        params: dict[str, str] = {}
        differs: list[str] = []
        positional = 0
        for index, old in enumerate(before):
            new = new_by_name.get(PARAMS_PAIRED.get((path, old.name), old.name))
            if (
                new is None
                and (path, old.name) not in PARAMS_UNPAIRED
                and index < len(after)
                and after[index].name not in old_names
                and _same_kind(old.default, after[index].default)
            ):
                new = after[index]
            if new is None or old.name == "name":
                continue
            if index == positional and index < len(after) and after[index] is new:
                positional += 1
            params[old.name] = new.name
            both = old.default is not old.empty and new.default is not new.empty
            alike_ = old.default == new.default or (path, old.name) in alike
            if (path, old.name) in TF_DEFAULTS_UNLIKE:
                alike_ = False
            if (both and not alike_) or (old.default is not old.empty and not both):
                differs.append(old.name)
        if any(
            p.default is p.empty and p.name not in params.values() for p in after
        ):  # the op needs an argument the function never took
            continue
        found[path] = {"op": op, "params": params, "positional": positional, "differs": differs}
        # a differing default the function spelled as a literal: a call that leaves it out
        # means it, and the op is given it (`K.concatenate(xs)`: `concatenate(xs, axis=-1)`)
        meant = {
            name: (means or {}).get((path, name), default)
            for name in differs
            for default in [next(p.default for p in before if p.name == name)]
        }
        defaults = {k: repr(v) for k, v in meant.items() if type(v) in (bool, int, float, str)}
        if defaults:
            found[path]["defaults"] = defaults
        if path in TF_EXTRA:
            found[path]["extra"] = TF_EXTRA[path]
        values = {k: v for (where, k), v in TF_VALUES.items() if where == path and k in params}
        if values:
            found[path]["values"] = values
    return found


def tf_ops() -> dict[str, dict[str, object]]:
    """``tf`` path -> its ``keras.ops`` correspondence (``_op_table``), under TensorFlow's
    other names too."""
    import tensorflow as tf

    pairs = {**{name: name.rsplit(".", 1)[-1] for name in TF_OPS_BY_NAME}, **TF_OPS_RENAMED}
    found = _op_table(tf, pairs, TF_DEFAULTS_ALIKE, means=TF_DEFAULT_MEANS)
    # the same functions under TensorFlow's other names (`tf.math.maximum` is `tf.maximum`)
    by_object = {}
    for path in found:
        function = tf
        for part in path.split("."):
            function = getattr(function, part)
        by_object[id(function)] = path
    for namespace in ("", "math", "nn", "linalg"):
        module = getattr(tf, namespace) if namespace else tf
        for name in dir(module):
            alias = f"{namespace}.{name}" if namespace else name
            source = by_object.get(id(getattr(module, name, None)))
            if source is not None and alias not in found and not name.startswith("_"):
                found[alias] = found[source]
    return dict(sorted(found.items()))


# Keras 2's backend functions (`K.sum`, `K.softmax` …) with a `keras.ops` function of the same
# name and meaning, and Keras 2's `K.pow` (`ops.power`); tests/test_knowledge.py computes both
# (on negative numbers too: `K.sqrt` clipped them to 0, `K.hard_sigmoid` had another slope, so
# neither is here — KF202 writes `K.sqrt` as `sqrt(maximum(x, 0.0))` itself — nor `K.repeat`,
# which was RepeatVector, nor `K.dot`, `K.gather`; nor `K.binary_crossentropy`, which added the
# epsilon inside its logarithms after clipping: log 2 apart at outputs of exactly 0 or 1).
BACKEND_OPS_BY_NAME = (
    "abs all any argmax argmin cast clip concatenate cos cumprod cumsum elu equal exp "
    "expand_dims greater greater_equal less less_equal log max maximum mean min minimum ndim "
    "not_equal one_hot ones_like prod relu reshape round sigmoid sign sin softmax softplus "
    "softsign square squeeze stack std stop_gradient sum tanh tile transpose var zeros_like "
    "categorical_crossentropy sparse_categorical_crossentropy"
).split()


def backend_ops() -> dict[str, dict[str, object]]:
    """Keras 2's ``backend`` function -> its ``keras.ops`` correspondence (``_op_table``)."""
    import tf_keras

    pairs = {name: name for name in BACKEND_OPS_BY_NAME}
    pairs["pow"] = "power"
    pairs["permute_dimensions"] = "transpose"
    pairs["repeat_elements"] = "repeat"
    return dict(sorted(_op_table(tf_keras.backend, pairs, set()).items()))


# TensorFlow's and Keras 2's random draws -> `keras.random`'s (which takes a SeedGenerator).
# TensorFlow's dtype=float32 is Keras's default float type; tf.random.uniform's maxval=None
# is 1 for a float draw (an integer one passes a dtype, which the rule then reads).
TF_RANDOM = {
    "random.normal": "normal",
    "random.uniform": "uniform",
    "random.truncated_normal": "truncated_normal",
    "nn.dropout": "dropout",
}
BACKEND_RANDOM = {
    "random_normal": "normal",
    "random_uniform": "uniform",
    "truncated_normal": "truncated_normal",
    "dropout": "dropout",
}


def random_ops() -> dict[str, dict[str, object]]:
    """``tf.random.normal``/``backend.random_normal`` … -> its ``keras.random`` correspondence."""
    import keras
    import tensorflow as tf
    import tf_keras

    found: dict[str, dict[str, object]] = {}
    sources = ((tf, "tf.", TF_RANDOM), (tf_keras.backend, "backend.", BACKEND_RANDOM))
    for root, prefix, pairs in sources:
        alike = {(path, "dtype") for path in pairs} | {("random.uniform", "maxval")}
        table = _op_table(root, pairs, alike, keras.random)
        found.update({prefix + path: spec for path, spec in table.items()})
    return dict(sorted(found.items()))


# TensorFlow's own initializer classes -> Keras's of the same meaning, kept where the two
# constructors take the same parameters with the same defaults (a layer given TensorFlow's
# makes its weights with TensorFlow, which other backends cannot use).
TF_INITIALIZERS = {
    "constant_initializer": "Constant",
    "ones_initializer": "Ones",
    "random_normal_initializer": "RandomNormal",
    "random_uniform_initializer": "RandomUniform",
    "zeros_initializer": "Zeros",
}


def tf_initializers() -> dict[str, str]:
    import inspect

    import keras
    import tensorflow as tf

    found = {}
    for name, target in sorted(TF_INITIALIZERS.items()):
        ours = inspect.signature(getattr(tf, name)).parameters
        theirs = inspect.signature(getattr(keras.initializers, target)).parameters
        same = [(p.name, p.default) for p in ours.values()] == [
            (p.name, p.default) for p in theirs.values()
        ]
        if same:
            found[name] = target
    return found


# What a constructor that rejects the keywords left in its **kwargs says (Keras 3's Layer, Keras
# 2's generic_utils.validate_kwargs and TensorBoard's _validate_kwargs).
_KWARGS_CHECKED = (
    "Unrecognized keyword",
    "validate_kwargs",
    "not understood",
    "Unrecognized arg",
    "not recognized",
)


# A constructor passing what is left of its **kwargs on to its base's.
_FORWARDS_KWARGS = re.compile(r"\.__init__\(([^()]|\([^()]*\))*\*\*kwargs", re.S)


def _kwargs_reads(tree: ast.AST) -> dict[str, bool]:
    """Keyword -> whether the code only warns about it: every read of ``kwargs["k"]``,
    ``kwargs.get("k")``, ``kwargs.pop("k")`` or ``"k" in kwargs`` is the test of an ``if`` whose
    body only logs (``if kwargs.get("write_grads"): logging.warning("... will be ignored")``)."""

    def key(node: ast.AST) -> str | None:
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("get", "pop")
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "kwargs"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            return str(node.args[0].value)
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            if node.value.id == "kwargs" and isinstance(node.slice, ast.Constant):
                return str(node.slice.value)
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Constant):
            if any(isinstance(c, ast.Name) and c.id == "kwargs" for c in node.comparators):
                return str(node.left.value)
        return None

    def only_logs(body: list[ast.stmt]) -> bool:
        return all(
            isinstance(st, ast.Expr)
            and isinstance(st.value, ast.Call)
            and isinstance(st.value.func, ast.Attribute)
            and st.value.func.attr in ("warning", "warn", "info")
            for st in body
        )

    warned: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and only_logs(node.body) and not node.orelse:
            warned |= {id(n) for n in ast.walk(node.test)}
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            warned.add(id(node.value))  # `kwargs.pop("cloning", None)`: taken and dropped
    found: dict[str, bool] = {}
    for node in ast.walk(tree):
        name = key(node)
        if name is not None:
            found[name] = found.get(name, True) and id(node) in warned
    return found


def _keywords(cls: type) -> tuple[set[str], dict[str, bool], bool]:
    """What a class's constructor takes by keyword, following ``**kwargs`` up its bases: the
    named parameters, the keywords its code reads out of ``**kwargs`` (each with whether it is
    only warned about), and whether it swallows any other keyword (no constructor on the way
    rejects what is left)."""
    import inspect
    import textwrap

    named: set[str] = set()
    read: dict[str, bool] = {}
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or klass is object:
            continue
        try:
            params = inspect.signature(init).parameters.values()
            sources = [inspect.getsource(init)] + [
                inspect.getsource(f)
                for n, f in vars(klass).items()
                if "validate_kwargs" in n and callable(f)
            ]
        except (TypeError, ValueError, OSError):
            return named, read, False
        named |= {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        for source in sources:
            for name, warned in _kwargs_reads(ast.parse(textwrap.dedent(source))).items():
                read[name] = read.get(name, True) and warned
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            return named - {"self"}, read, False
        if any(marker in source for source in sources for marker in _KWARGS_CHECKED):
            return named - {"self"}, read, False  # it rejects what is left
        if not _FORWARDS_KWARGS.search(sources[0]):
            return named - {"self"}, read, True  # what is left goes nowhere
    return named - {"self"}, read, True


def _literal_defaults(cls: type, names: set[str]) -> dict[str, object]:
    """The defaults (plain literals only) Keras 2's constructors give ``names``: passing one of
    those asks for nothing the class would not have done anyway."""
    import inspect

    found: dict[str, object] = {}
    for klass in reversed(cls.__mro__):
        init = klass.__dict__.get("__init__")
        try:
            params = inspect.signature(init).parameters.values() if init else ()
        except (TypeError, ValueError):
            continue
        for p in params:
            if p.name in names and isinstance(p.default, (bool, int, float, str, type(None))):
                found[p.name] = p.default
    return dict(sorted(found.items()))


KEYWORD_NAMESPACES = ("callbacks", "layers")
# The model methods whose keywords are compared (what they pass their **kwargs on to included).
KEYWORD_METHODS = ("compile", "fit", "evaluate", "predict", "train_on_batch", "test_on_batch")
# the layer methods a custom layer calls on itself (`self.add_loss(loss, inputs=inputs)`)
LAYER_KEYWORD_METHODS = ("add_loss", "add_weight")


def method_keywords_gone() -> dict[str, dict[str, object]]:
    """``Model.fit`` -> {"gone": {keyword: "used"/"ignored"}, "defaults": {...}}: the keywords
    tf_keras's model methods took that Keras 3's reject (``workers=``, and
    ``compile(experimental_run_tf_function=)`` that Keras 2 took and dropped)."""
    import inspect
    import textwrap

    import keras
    import tf_keras

    found: dict[str, dict[str, object]] = {}
    for path, name in [
        *(("models.Model", m) for m in KEYWORD_METHODS),
        *(("layers.Layer", m) for m in LAYER_KEYWORD_METHODS),
    ]:
        owner = tf_keras.Model if path == "models.Model" else tf_keras.layers.Layer
        new = getattr(keras.Model if path == "models.Model" else keras.layers.Layer, name)
        old = getattr(owner, name)
        new_params = inspect.signature(new).parameters.values()
        accepted = {p.name for p in new_params}
        if any(p.kind == p.VAR_KEYWORD for p in new_params):
            new_source = textwrap.dedent(inspect.getsource(new))
            if not any(marker in new_source for marker in _KWARGS_CHECKED):
                continue  # Keras 3 takes anything here
            accepted |= set(_kwargs_reads(ast.parse(new_source)))
        old_params = inspect.signature(old).parameters.values()
        named = {p.name for p in old_params if p.kind == p.POSITIONAL_OR_KEYWORD} - {"self"}
        source = textwrap.dedent(inspect.getsource(old))
        # and the methods it hands its **kwargs to (compile: _validate_compile)
        for callee in re.findall(r"self\.(\w+)\([^()]*\*\*kwargs", source):
            source += textwrap.dedent(inspect.getsource(getattr(owner, callee)))
        read = _kwargs_reads(ast.parse(source))
        gone = {
            k: "ignored" if read.get(k) and k not in named else "used"
            for k in (named | set(read)) - accepted
        }
        defaults = {
            p.name: p.default
            for p in old_params
            if p.name in gone and isinstance(p.default, (bool, int, float, str, type(None)))
        }
        if gone:
            found[f"{path}.{name}"] = {
                "gone": dict(sorted(gone.items())),
                "defaults": dict(sorted(defaults.items())),
                "swallowed": False,
                "accepted": [],
            }
    return found


def keywords_gone() -> dict[str, dict[str, object]]:
    """Class (``callbacks.ModelCheckpoint``, ``layers.LSTM``) -> {"gone": {keyword: "used" or
    "ignored"}, "swallowed": bool, "accepted": [...]}: the keywords tf_keras's constructor took
    that Keras 3's rejects, and whether Keras 2 acted on each ("used") or only warned about it
    ("ignored"); "swallowed" when Keras 2 took any keyword at all (a misspelt one did nothing),
    with the keywords Keras 3 accepts, for naming the closest."""
    import keras
    import tf_keras

    found: dict[str, dict[str, object]] = {}
    for namespace in KEYWORD_NAMESPACES:
        for name in sorted(dir(getattr(keras, namespace))):
            new = getattr(getattr(keras, namespace), name)
            old = getattr(getattr(tf_keras, namespace), name, None)
            if not (isinstance(new, type) and isinstance(old, type)):
                continue
            new_named, new_read, new_swallows = _keywords(new)
            if new_swallows:
                continue  # Keras 3 takes anything here
            old_named, old_read, old_swallows = _keywords(old)
            accepted = new_named | set(new_read)
            gone = {
                k: "ignored" if old_read.get(k) and k not in old_named else "used"
                for k in (old_named | set(old_read)) - accepted
                if not k.startswith("_")
            }
            if gone or old_swallows:
                found[f"{namespace}.{name}"] = {
                    "gone": dict(sorted(gone.items())),
                    "defaults": _literal_defaults(old, set(gone)),
                    "swallowed": old_swallows,
                    "accepted": sorted(accepted) if old_swallows else [],
                }
    return found


# --- putting it together -----------------------------------------------------------------


# TensorFlow 2.0 and 2.1 installed their code as the package ``tensorflow_core`` and made
# ``tensorflow`` a virtual package forwarding to it (their ``tensorflow/__init__.py``), so
# scripts of that time import ``tensorflow_core.python.keras…``; no later wheel has it to read.
_RENAMED_PACKAGES = {"tensorflow_core": "tensorflow"}


def private_api_roots() -> dict[str, str]:
    """Private paths of the public API trees, read from the installed packages: TensorFlow
    builds its public modules as ``tensorflow._api.v2.*`` and tf-keras (Keras 2.15, renamed
    ``keras`` -> ``tf_keras``) as ``tf_keras.api._v2.keras.*``, and code written against
    them imports those paths (``from keras.api._v2.keras import layers``)."""
    import tensorflow
    import tf_keras

    roots = dict(_RENAMED_PACKAGES)
    for package, inner, public in (
        (tensorflow, ("_api", "v2"), "tensorflow"),
        (tf_keras, ("api", "_v2", "keras"), "tf_keras"),
    ):
        folder = Path(package.__file__).parent.joinpath(*inner)
        if (folder / "__init__.py").is_file():
            roots[".".join((public, *inner))] = public
            if public == "tf_keras":  # the same tree in the keras 2.x wheels it was cut from
                roots[".".join(("keras", *inner))] = "keras"
    roots["tensorflow.python.keras.api._v2.keras"] = "tensorflow.keras"  # TF 2.0-2.5's tf.keras
    return dict(sorted(roots.items()))


def tf_keras_differs() -> list[str]:
    """The paths ``tf.keras`` (TensorFlow's namespace over Keras 3) and ``keras`` both have but
    for different objects: there ``tf.keras.X`` is not ``keras.X`` (KF201 leaves them)."""
    import types

    import keras
    import keras._tf_keras.keras as tf_namespace

    found: list[str] = []

    def walk(ours: object, theirs: object, prefix: str, depth: int) -> None:
        for name in dir(theirs):
            if name.startswith("_") or not hasattr(ours, name) or depth > 4:
                continue
            mine, other = getattr(ours, name), getattr(theirs, name)
            if isinstance(other, types.ModuleType):
                walk(mine, other, f"{prefix}{name}.", depth + 1)
            elif mine is not other:
                found.append(prefix + name)

    walk(tf_namespace, keras, "", 0)
    return sorted(found)


def generate(keras1: list[Path], keras2: list[Path]) -> dict[str, object]:
    import keras  # Keras 3
    import tf_keras

    k3 = walk_installed(keras, ("keras.",))
    import keras._tf_keras.keras as tf_namespace

    tf3 = walk_installed(tf_namespace, ("keras.",))
    k2_installed = walk_installed(tf_keras, ("tf_keras.",))

    def has3(qual: str, tables: dict[str, set[str]]) -> bool:
        module, _, name = qual.rpartition(".")
        return name in tables.get(module, ()) or qual in tables

    legacy: dict[str, str] = {}  # qualified name -> "1" / "2" / "1 2"
    moved: dict[str, str] = {}
    conversions: dict[str, dict[str, object]] = {}

    def note(version: str, tables: dict[str, set[str]], origin: dict[str, str]) -> None:
        by_root = ranked(tables, origin)
        for module, found in tables.items():
            for name in found:
                qual = f"{module}.{name}" if module else name
                if has3(qual, k3):
                    continue
                legacy[qual] = " ".join(sorted({*legacy.get(qual, "").split(), version}))
                root = _final(qual, origin)
                for other_qual in by_root.get(root, ()):
                    if other_qual != qual:
                        moved.setdefault(qual, other_qual)
                        break

    def ranked(tables: dict[str, set[str]], origin: dict[str, str]) -> dict[str, list[str]]:
        """Where each object is, under the names Keras 3 still has: the same name first, then
        the shallowest module (``optimizers.adam`` is the ``optimizers.Adam`` object)."""
        found: dict[str, list[str]] = {}
        for module, names in tables.items():
            for name in names:
                qual = f"{module}.{name}" if module else name
                if has3(qual, k3):
                    found.setdefault(_final(qual, origin), []).append(qual)
        for root, quals in found.items():
            leaf = root.rsplit(".", 1)[-1]
            quals.sort(
                key=lambda q: (
                    q.rsplit(".", 1)[-1] != leaf,
                    q.count(".") + ("." not in q) * 9,
                    q,
                )
            )
        return found

    for path in keras1:
        tables, origin = static_tables(read_archive(path))
        note("1", tables, origin)
    for path in keras2:
        sources = read_archive(path)
        tables, origin = static_tables(sources)
        note("2", tables, origin)
        for cls, spec in legacy_conversions(sources).items():
            conversions.setdefault(cls, spec)
    note("2", k2_installed, {})
    lost_methods, keras2_positionals = method_changes()
    tf_only = {
        module: sorted(found - k3.get(module, set()))
        for module, found in tf3.items()
        if found - k3.get(module, set())
    }
    return {
        "generated_from": {
            "keras": keras.__version__,
            "tf_keras": tf_keras.__version__,
            "archives": sorted(p.name for p in [*keras1, *keras2]),
        },
        "keras3": {module: " ".join(sorted(found)) for module, found in sorted(k3.items())},
        "tf_keras3_only": {module: " ".join(found) for module, found in sorted(tf_only.items())},
        "legacy": dict(sorted(legacy.items())),
        "moved": dict(sorted(moved.items())),
        "legacy_keywords": dict(sorted(check_conversions(conversions).items())),
        "required_now": required_now(),
        "tf_namespace_missing": tf_namespace_missing(k2_installed, k3, tf3),
        "lost_methods": lost_methods,
        "keras2_positionals": keras2_positionals,
        "call_training": call_training_positions(),
        "dropout_cells": dropout_cells(),
        "tf_ops": tf_ops(),
        "backend_ops": backend_ops(),
        "random_ops": random_ops(),
        "tf_initializers": tf_initializers(),
        "keywords_gone": {**keywords_gone(), **method_keywords_gone()},
        "private_api_roots": private_api_roots(),
        "tf_keras_differs": tf_keras_differs(),
    }


def write_index(data: dict[str, object], path: Path) -> None:
    """The few words the rules' triage looks for, as a small module that loads at start-up
    (the tables themselves load only for a file that refers to Keras)."""
    keywords: dict[str, set[str]] = {}
    for cls, spec in data["legacy_keywords"].items():  # type: ignore[attr-defined]
        for old in spec["keywords"]:
            keywords.setdefault(old, set()).add(cls)
    lines = [
        '"""Generated by tools/gen_keras_api.py from the tables beside it: do not edit.',
        "",
        "The words the rules' triage looks for; the tables load only for files that refer to",
        'Keras (kerasfix/knowledge/api.py)."""',
        "",
        "from __future__ import annotations",
        "",
        "# Keras 1 keyword -> the Keras 3 classes Keras 2 renamed it on.",
        "LEGACY_KEYWORD_CLASSES: dict[str, frozenset[str]] = {",
    ]
    for old in sorted(keywords):
        classes = ", ".join(f'"{c}"' for c in sorted(keywords[old]))
        lines.append(f'    "{old}": frozenset({{{classes}}}),')
    lines.append("}")
    lines.append("# Layers with an argument Keras 2 defaulted and Keras 3 requires.")
    required = ", ".join(f'"{c}"' for c in sorted(data["required_now"]))  # type: ignore[arg-type]
    lines.append(f"REQUIRED_NOW_LAYERS: tuple[str, ...] = ({required},)")
    lines.append("# Last names of what Keras 2's tf.keras had and tf.keras over Keras 3 lacks.")
    missing = sorted({q.rsplit(".", 1)[-1] for q in data["tf_namespace_missing"]})  # type: ignore[attr-defined]
    lines.append(
        "TF_NAMESPACE_MISSING_NAMES: tuple[str, ...] = ("
        + ", ".join(f'"{n}"' for n in missing)
        + ",)"
    )
    lines.append("# Recurrent cells that keep a dropout mask until it is reset.")
    lines.append(
        "DROPOUT_CELLS: tuple[str, ...] = ("
        + ", ".join(f'"{n}"' for n in sorted(data["dropout_cells"]))  # type: ignore[attr-defined]
        + ",)"
    )
    lines.append("# Layers whose call takes `training` by position in Keras 2 and 3 alike.")
    lines.append(
        "CALL_TRAINING_LAYERS: tuple[str, ...] = ("
        + ", ".join(f'"{n}"' for n in sorted(data["call_training"]))  # type: ignore[attr-defined]
        + ",)"
    )
    aliases = sorted(
        {
            old.rsplit(".", 1)[-1]
            for old, new in data["moved"].items()  # type: ignore[attr-defined]
            if old.startswith("optimizers.")
            and new.startswith("optimizers.")
            and old.rsplit(".", 1)[-1] != new.rsplit(".", 1)[-1]
        }
    )
    lines.append("# Keras 1/2 spellings of the optimizer classes (optimizers.adam is Adam).")
    lines.append(
        "OPTIMIZER_ALIASES: tuple[str, ...] = (" + ", ".join(f'"{a}"' for a in aliases) + ",)"
    )
    gone = data["keywords_gone"]  # type: ignore[index]
    # (not `batch_size`, which every fit() spells and no layer is given in practice, nor the
    # keywords KF104 and KF108 rewrite: the triage would let every training script through)
    methods = {
        c: spec
        for c, spec in gone.items()  # type: ignore[union-attr]
        if c.startswith(("models.Model.", "layers.Layer.add_"))
    }
    gone = {c: spec for c, spec in gone.items() if c not in methods}  # type: ignore[union-attr]
    words = sorted(
        {k for spec in gone.values() for k in spec["gone"]}  # type: ignore[union-attr]
        - {"batch_size", "batch_input_shape", "input_dim", "input_length", "input_shape"}
    )
    # (not `inputs` or `losses`, which every functional model spells: add_loss is looked for)
    method_words = sorted(
        {k for spec in methods.values() for k in spec["gone"]} - {"inputs", "losses"}  # type: ignore[union-attr]
    )
    lines.append("# Keywords tf_keras's model methods (fit, compile …) took that Keras 3's reject.")
    lines.append(
        "METHOD_KEYWORDS_GONE: tuple[str, ...] = ("
        + ", ".join(f'"{w}"' for w in method_words)
        + ",)"
    )
    lines.append("# Keywords tf_keras's constructors took that Keras 3's reject -> those classes.")
    lines.append("_KEYWORDS_GONE: dict[str, str] = {")
    for word in words:
        classes = sorted(
            {c.rsplit(".", 1)[-1] for c, spec in gone.items() if word in spec["gone"]}  # type: ignore[union-attr]
        )
        lines.append(f'    "{word}": "{" ".join(classes)}",')
    lines.append("}")
    lines.append(
        "KEYWORDS_GONE: dict[str, frozenset[str]] = "
        "{k: frozenset(v.split()) for k, v in _KEYWORDS_GONE.items()}"
    )
    swallowing = sorted(c.rsplit(".", 1)[-1] for c, spec in gone.items() if spec["swallowed"])  # type: ignore[union-attr]
    lines.append("# Classes whose tf_keras constructor took any keyword, and did nothing with it.")
    lines.append(
        "SWALLOWING_CLASSES: tuple[str, ...] = (" + ", ".join(f'"{c}"' for c in swallowing) + ",)"
    )
    lines.append("# Private paths of the public API trees (longest first) -> the public path.")
    lines.append("PRIVATE_API_ROOTS: tuple[tuple[str, str], ...] = (")
    roots = data["private_api_roots"]  # type: ignore[index]
    for old in sorted(roots, key=len, reverse=True):  # type: ignore[arg-type]
        lines.append(f'    ("{old}", "{roots[old]}"),')  # type: ignore[index]
    lines.append(")")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "ruff", "format", "-q", str(path)], check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--keras1", action="append", type=Path, default=[])
    parser.add_argument("--keras2", action="append", type=Path, default=[])
    parser.add_argument("--out", type=Path, default=OUT)
    options = parser.parse_args()
    data = generate(options.keras1, options.keras2)
    text = json.dumps(data, indent=0, sort_keys=False)
    options.out.write_text(text + "\n", encoding="utf-8")
    write_index(data, options.out.with_name("api_index.py"))
    print(f"wrote {options.out} ({len(text) // 1024} KiB, {len(data['legacy'])} legacy names)")


if __name__ == "__main__":
    main()
