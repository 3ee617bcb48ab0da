"""Shared pieces for the Keras 3 migration rules (KF101-KF107)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from kerasfix import knowledge as kb
from kerasfix.context import Context
from kerasfix.inference import Ref
from kerasfix.rules._text import keras_family_at

_KERAS_WORD = re.compile(r"keras(?!\w)")


_IMPORT = re.compile(
    r"(?:^|;)[ \t]*(?:from[ \t\\]+([\w. \t\\]+?)[ \t\\]+import\b|import[ \t\\]+([\w. \t,\\]+))",
    re.MULTILINE,
)


def imports_keras3(text: str, path: str = "") -> bool:
    """The text test before parsing for rules that skip Keras 2's own code:
    an import that can lead to Keras 3 (`tensorflow`, `keras…`,
    `tensorflow.keras…`; not only tf_keras or TensorFlow's legacy copy)."""
    for match in _IMPORT.finditer(text):
        spelled = match.group(1) or match.group(2) or ""
        for name in spelled.split(","):
            name = re.sub(r"[\s\\]", "", name.split(" as ")[0] if " as " in name else name)
            if kb.may_lead_to_keras(name, keras2=False):
                return True
    return False


def mentions_keras3(text: str, path: str = "") -> bool:
    """The text test before parsing for rules that skip Keras 2's own code:
    some `keras` that is not `tf_keras`, `tensorflow.python.keras` or
    `tensorflow.compat.v1.keras` (every way to reach Keras 3 spells it)."""
    for match in _KERAS_WORD.finditer(text):
        start = match.start()
        if start and (text[start - 1].isalnum() or text[start - 1] == "_"):
            continue  # tf_keras, my_keras ...
        if keras_family_at(text, start) not in kb.KERAS2_PREFIXES:
            return True
    return False


def keras_calls(
    ctx: Context, names: frozenset[str] | set[str], skip_keras2: bool = False
) -> Iterator[tuple[ast.Call, str]]:
    """Calls to Keras API objects whose last name is in ``names``, with the
    object's canonical path (``optimizers.Adam``), in source order. With
    ``skip_keras2``, calls into Keras 2 itself (tf_keras, TensorFlow's legacy
    copy), where Keras 2 APIs still exist, are left out."""
    calls = [
        call
        for name in names
        for call in (*ctx.tree.calls_by_name.get(name, ()), *ctx.tree.calls_by_attr.get(name, ()))
    ]
    calls.sort(key=lambda c: ctx.tree.order[c])
    for call in calls:
        value = ctx.inference.value_of(call.func)
        if isinstance(value, Ref) and not value.qualname.startswith("tensorflow.compat.v1."):
            if skip_keras2 and value.qualname.startswith(kb.KERAS2_PACKAGES):
                continue
            path = value.keras
            if path is not None:
                yield call, path


def split_family(module: str) -> tuple[str, str] | None:
    """``tensorflow.keras.layers.core`` -> (``tensorflow.keras``, ``layers.core``)."""
    for prefix in sorted(kb.MODULE_FAMILIES, key=len, reverse=True):
        if module.startswith(prefix + "."):
            return prefix, module[len(prefix) + 1 :]
    return None


def import_module_span(ctx: Context, node: ast.ImportFrom) -> tuple[int, int] | None:
    """Offsets of the module path in ``from a.b import c``, as written
    (``a . b`` and line continuations included)."""
    start, end = ctx.span(node)
    segment = ctx.text[start:end]
    match = _FROM_MODULE.match(segment)
    if match is None:
        return None
    return start + match.start(1), start + match.end(1)


# `from`, then the dotted path up to the `import` keyword (blanks: spaces,
# tabs, form feeds and backslash continuations)
_BLANK = r"(?:[ \t\f]|\\(?:\r\n|\r|\n))"
_FROM_MODULE = re.compile(rf"from{_BLANK}+(\w+(?:{_BLANK}*\.{_BLANK}*\w+)*){_BLANK}+import\b")
