"""What each Keras had, read from the tables ``tools/gen_keras_api.py`` generates from the real
packages (``keras_api.json``): Keras 3's public API as installed, the ``tensorflow.keras``
namespace TensorFlow gives it, what Keras 1/2 had that Keras 3 lacks, the names that moved, and
Keras 2's renames of Keras 1 keywords. The tables load on first use, which is only when a checked
file refers to Keras. Read through :mod:`kerasfix.knowledge` (``kb.api.exists(...)``).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from kerasfix.knowledge import api_index

_TABLE = Path(__file__).with_name("keras_api.json")
# The family a spelling belongs to: plain Keras 3, or TensorFlow's namespace over it (which
# keeps some legacy classes).
TF_FAMILY = "tensorflow.keras"


@cache
def _tables() -> dict[str, Any]:
    data = json.loads(_TABLE.read_text(encoding="utf-8"))
    data["keras3"] = {m: frozenset(v.split()) for m, v in data["keras3"].items()}
    data["tf_keras3_only"] = {m: frozenset(v.split()) for m, v in data["tf_keras3_only"].items()}
    by_module: dict[str, set[str]] = {}
    for qual in data["tf_namespace_missing"]:
        module, _, name = qual.rpartition(".")
        by_module.setdefault(module, set()).add(name)
    data["tf_missing_by_module"] = {m: frozenset(v) for m, v in by_module.items()}
    return data


def generated_from() -> dict[str, Any]:
    return _tables()["generated_from"]


def modules(family: str = "keras") -> frozenset[str]:
    """Keras 3's public modules, relative to the package ("" the root)."""
    tables = _tables()
    if family == TF_FAMILY:
        return frozenset(tables["keras3"]) | frozenset(tables["tf_keras3_only"])
    return frozenset(tables["keras3"])


def names(module: str, family: str = "keras") -> frozenset[str]:
    """The public names of a Keras 3 module under a spelling family."""
    tables = _tables()
    found = tables["keras3"].get(module, frozenset())
    if family == TF_FAMILY:
        found = found | tables["tf_keras3_only"].get(module, frozenset())
        found = found - tables["tf_missing_by_module"].get(module, frozenset())
    return found


def exists(path: str, family: str = "keras") -> bool:
    """Whether ``layers.Dense`` (a module, or a name in one) exists in Keras 3."""
    if path == "":
        return True
    module, _, name = path.rpartition(".")
    tables = _tables()
    if family == TF_FAMILY and path in tables["tf_namespace_missing"]:
        return False
    if path in tables["keras3"] or (family == TF_FAMILY and path in tables["tf_keras3_only"]):
        return True
    return name in names(module, family)


def only_in_tensorflow(path: str) -> bool:
    """Whether a name exists in Keras 3 only under ``tensorflow.keras`` (``preprocessing.image.
    ImageDataGenerator``: TensorFlow's namespace keeps Keras 2's legacy implementation)."""
    return not exists(path) and exists(path, TF_FAMILY)


def tf_namespace_missing(path: str) -> str | None:
    """For a name Keras 2's ``tf.keras`` had and TensorFlow's ``tf.keras`` over Keras 3 lacks
    though ``keras`` keeps it (``losses.mean_squared_error``): the name the same object has in
    that namespace (``mse``), or "" when it has none there; None for any other path."""
    return _tables()["tf_namespace_missing"].get(path)


def legacy(path: str) -> str | None:
    """The Keras versions ("1", "2", "1 2") that had ``path``, which Keras 3 lacks; None when
    Keras 3 has it or no Keras had it."""
    return _tables()["legacy"].get(path)


def moved(path: str) -> str | None:
    """Where Keras 3 keeps the same object as the Keras 1/2 ``path`` (``models.Input`` ->
    ``layers.Input``), or None."""
    return _tables()["moved"].get(path)


def legacy_keywords(cls: str) -> dict[str, str]:
    """Keras 2's renames of a class's Keras 1 keywords whose new name Keras 3 takes."""
    spec = _tables()["legacy_keywords"].get(cls)
    return spec["keywords"] if spec else {}


def legacy_values(cls: str, keyword: str) -> dict[str, Any]:
    """Keras 2's conversion of a Keras 1 keyword's values (``dim_ordering="th"`` ->
    ``"channels_first"``)."""
    spec = _tables()["legacy_keywords"].get(cls)
    return spec["values"].get(keyword, {}) if spec else {}


def required_now(cls: str) -> dict[str, str]:
    """Arguments of a layer that Keras 2 defaulted and Keras 3 requires, with Keras 2's default
    as source text (``AveragePooling2D``: ``pool_size`` -> ``(2, 2)``)."""
    return _tables()["required_now"].get(cls, {})


def did_you_mean(path: str, family: str = "keras") -> str | None:
    """For a path no Keras ever had, used as a namespace (``layser.Dense``), the closest Keras 3
    module name for its first unknown part (``layers``), or None if nothing is close. A last
    part alone is never guessed at: a name newer than the tables must not read as a typo."""
    import difflib

    parts = path.split(".")
    module = ""
    for index, part in enumerate(parts):
        child = f"{module}.{part}" if module else part
        if exists(child, family) or legacy(child) is not None:
            module = child
            continue
        if index == len(parts) - 1:
            return None
        known = modules(family)
        candidates = sorted(
            n for n in names(module, family) if (f"{module}.{n}" if module else n) in known
        )
        close = difflib.get_close_matches(part, candidates, n=1, cutoff=0.8)
        return close[0] if close else None
    return None


# The spellings of Keras 3 a qualified name can start with, longest first; tf_keras,
# ``tensorflow.python.keras`` and ``tensorflow.compat.v1.keras`` are Keras 2 (KF103 and the
# Keras 2 packages themselves answer for them), ``keras.src`` is Keras 3's private tree.
_FAMILIES: tuple[tuple[str, str], ...] = (
    ("tensorflow.compat.v1.keras", ""),
    ("tensorflow.compat.v2.keras", TF_FAMILY),
    ("tensorflow.python.keras", ""),
    ("tensorflow.keras", TF_FAMILY),
    ("keras.src", ""),
    ("keras", "keras"),
)


def split_spelling(qualname: str) -> tuple[str, str] | None:
    """``tensorflow.keras.layers.Dense`` -> (``tensorflow.keras``, ``layers.Dense``): the
    Keras 3 family a qualified name is spelled in and its path there; None outside Keras 3."""
    for prefix, family in _FAMILIES:
        if qualname == prefix or qualname.startswith(prefix + "."):
            if not family:
                return None
            return family, qualname[len(prefix) + 1 :]
    return None


def first_missing(path: str, family: str = "keras") -> str | None:
    """The shortest prefix of ``path`` that Keras 3 lacks, when everything before it is a Keras 3
    module (``initializations.normal`` -> ``initializations``); None when Keras 3 has the path
    or it goes on past a name that is not a module (``layers.Dense.from_config``)."""
    module = ""
    known = modules(family)
    for part in path.split("."):
        child = f"{module}.{part}" if module else part
        if not exists(child, family):
            return child
        if child not in known:
            return None
        module = child
    return None


def lost_methods(cls: str) -> frozenset[str]:
    """The methods Keras 2's (tf_keras's) ``cls`` had that Keras 3's lacks (``Model``:
    ``reset_states``, ``get_input_at`` …; ``Metric``: ``reset_states``)."""
    return frozenset(_tables()["lost_methods"].get(cls, ()))


def keras2_positionals(method: str) -> tuple[int, list[str]] | None:
    """For ``Layer.add_weight`` (a method whose positional parameters Keras 3 reordered): the
    first position whose meaning changed, and Keras 2's parameter names by position ("" for one
    Keras 3 does not take by name); None for a method whose positionals mean what they did."""
    spec = _tables()["keras2_positionals"].get(method)
    return (spec["from"], spec["names"]) if spec else None


def call_training_position(layer: str) -> int | None:
    """Where ``training`` stands among a Keras layer's ``call`` parameters (``SimpleRNNCell``:
    2), in Keras 2 and 3 alike; None when it takes none by position."""
    return _tables()["call_training"].get(layer)


def dropout_resets(cell: str) -> dict[str, str]:
    """A recurrent cell's dropout keywords, each with the method that forgets the mask it made
    (``dropout`` -> ``reset_dropout_mask``), in Keras 2 and 3 alike; {} for another layer."""
    return dict(_tables()["dropout_cells"].get(cell, {}))


def same_in_keras(path: str) -> bool:
    """Whether ``tf.keras.<path>`` (TensorFlow's namespace over Keras 3) is the very object
    ``keras.<path>`` is: Keras 3 has the path, and TensorFlow does not give its own."""
    return first_missing(path, "keras") is None and path not in _tables()["tf_keras_differs"]


def tf_op(path: str) -> dict[str, Any] | None:
    """For a TensorFlow function (``reduce_mean``, ``nn.relu``) that Keras 3 has as an op with
    the same meaning: ``op`` (``mean``), ``params`` (TensorFlow's parameter names -> the op's),
    ``positional`` (how many leading arguments may be given by position) and ``differs`` (the
    parameters whose defaults differ, which a call must pass); None otherwise."""
    return _tables()["tf_ops"].get(path)


def backend_op(name: str) -> dict[str, Any] | None:
    """The same for a Keras 2 backend function (``K.sum`` -> ``sum``), checked on numbers."""
    return _tables()["backend_ops"].get(name)


def random_op(path: str) -> dict[str, Any] | None:
    """The same for a random draw, ``tf.random.normal`` or ``backend.random_normal``, as the
    ``keras.random`` function (``normal``) that takes a ``SeedGenerator``."""
    return _tables()["random_ops"].get(path)


def tf_initializer(name: str) -> str | None:
    """For TensorFlow's own initializer (``random_normal_initializer``): the Keras initializer
    with the same parameters and defaults (``RandomNormal``); None otherwise."""
    return _tables()["tf_initializers"].get(name)


def keywords_gone(cls: str) -> dict[str, Any] | None:
    """For a Keras class (``callbacks.ModelCheckpoint``): ``gone`` (the keywords tf_keras's
    constructor took that Keras 3's rejects, each "used" or "ignored" by Keras 2), ``swallowed``
    (whether Keras 2 took any keyword at all, doing nothing with an unknown one) and
    ``accepted`` (Keras 3's keywords, for such a class); None for a class with no such change."""
    return _tables()["keywords_gone"].get(cls)


def public_qualname(qualname: str) -> str:
    """The public name of an import spelled through a private path of the API's trees:
    ``tensorflow_core.python.keras.layers.Dense`` (TensorFlow 2.0/2.1) is
    ``tensorflow.python.keras.layers.Dense``, ``keras.api._v2.keras.layers`` is
    ``keras.layers`` (generated: ``PRIVATE_API_ROOTS``)."""
    for old, new in api_index.PRIVATE_API_ROOTS:
        if qualname.startswith(old) and (len(qualname) == len(old) or qualname[len(old)] == "."):
            qualname = new + qualname[len(old) :]
    return qualname
