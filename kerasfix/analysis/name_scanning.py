"""The raw-text side of KF107's site: a Keras name Keras 3 lacks, spelled through the
module's own imports (``from keras.models import Input``, ``K.sum`` after ``from keras import
backend as K``, ``backend = keras.backend``), found without parsing the text (the site and the
other text scanners: :mod:`kerasfix.analysis.scanning`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator

from kerasfix import knowledge as kb
from kerasfix.analysis.scanning import lines_spelling

_FROM_IMPORT = re.compile(
    r"(?:^|;)[ \t]*from[ \t\\]+([\w. \t\\]+?)[ \t\\]+import[ \t\\]*"
    r"(\((?:[^)#]|#[^\n]*)*\)|(?:[^\r\n;#\\]|\\\r?\n)*)",
    re.MULTILINE,
)
_PLAIN_IMPORT = re.compile(r"(?:^|;)[ \t]*import[ \t\\]+([\w. \t,\\]+)", re.MULTILINE)
_BLANKS = re.compile(r"[\s\\]+")


def _import_bindings(text: str) -> Iterator[tuple[str, str]]:
    """(bound name, qualified name) for each absolute import of Keras or TensorFlow that the
    text's import lines make (``from keras import backend as K`` -> ("K", "keras.backend"))."""
    for line_start, line_end in lines_spelling(text, ("keras", "tensorflow")):
        line = text[line_start:line_end]
        if "import" not in line:
            continue
        if ";" in line:
            yield from _bindings(_FROM_IMPORT.finditer(line), _PLAIN_IMPORT.finditer(line))
            continue
        yield from _bindings(
            filter(None, [_FROM_IMPORT.match(text, line_start)]),
            filter(None, [_PLAIN_IMPORT.match(text, line_start)]),
        )


def _bindings(
    froms: Iterable[re.Match[str]], plains: Iterable[re.Match[str]]
) -> Iterator[tuple[str, str]]:
    for match in froms:
        module = _BLANKS.sub("", match.group(1))
        if module.startswith("."):
            continue
        names = re.sub(r"#[^\n]*", "", match.group(2)).strip("()")
        for item in names.split(","):
            parts = item.split()
            if not parts or parts[0] == "*":
                continue
            bound = parts[2] if len(parts) == 3 and parts[1] == "as" else parts[0]
            yield bound, f"{module}.{parts[0]}"
    for match in plains:
        for item in match.group(1).split(","):
            parts = item.split()
            if not parts:
                continue
            qualified = _BLANKS.sub("", parts[0])
            if len(parts) == 3 and parts[1] == "as":
                yield parts[2], qualified
            else:
                yield qualified.split(".", 1)[0], qualified.split(".", 1)[0]


def mentions_keras_names(text: str, file: str = "") -> bool:
    """A Keras name Keras 3 lacks, or may lack, spelled through the module's imports: imported
    (``from keras.models import Input``) or read from an imported name (``K.sum``,
    ``tf.keras.layser.Dense``), outside Keras's own code. A superset of what KF107 reports:
    it reads the same imports, and only attribute chains rooted at an imported name."""
    if kb.inside_keras_or_tensorflow(file):
        return False
    roots: dict[str, str] = {}
    for bound, qualified in _import_bindings(text):
        if _may_be_reported(qualified):
            return True
        if qualified == "tensorflow" or qualified.startswith(("tensorflow.", "keras")):
            roots[bound] = qualified
    for _ in range(3):  # the imported names, then the names bound to chains from them
        if not roots:
            return False
        aliases: dict[str, str] = {}
        reads = _reads(text, roots)
        # `K.sum`, `tf . keras.layers`: a chain read from an imported name; one inside a longer
        # name or chain (`OK.x`, `a.K.x`) is passed over, and the search goes on inside it
        position = 0
        for start, bound in reads:
            if start < position:
                continue
            tail = _CHAIN_TAIL.match(text, start + len(bound))
            if tail is None:
                continue
            if start and text[start - 1] in _CHAINED:
                position = start + 1
                continue
            position = tail.end()
            qualified = roots[bound] + _BLANKS.sub("", tail.group())
            if _may_be_reported(qualified):
                return True
            _alias(text, start, position, qualified, aliases)
        # `backend = K`: a name bound to an imported name itself
        for start, bound in reads:
            before = start
            while before and text[before - 1] in " \t":
                before -= 1
            if before and text[before - 1] == "=":
                _alias(text, start, start + len(bound), roots[bound], aliases)
        roots = {k: v for k, v in aliases.items() if k not in roots}
    return False


def _reads(text: str, roots: dict[str, str]) -> list[tuple[int, str]]:
    """Where each of the names ``roots`` holds is spelled in the text, in text order (a
    longer name first where two start alike): one substring search per name, where one
    regular expression of them all had to be compiled for every file's own imports."""
    found = []
    for bound in roots:
        start = text.find(bound)
        while start >= 0:
            found.append((start, -len(bound), bound))
            start = text.find(bound, start + 1)
    found.sort()
    return [(start, bound) for start, _, bound in found]


_CHAIN_TAIL = re.compile(r"(?:\s*\.\s*\w+)+")


def _alias(text: str, start: int, end: int, qualified: str, aliases: dict[str, str]) -> None:
    """``backend = keras.backend``: the read from ``start`` to ``end`` is the whole right-hand
    side of a plain assignment, whose target then names ``qualified`` too."""
    line_start = text.rfind("\n", 0, start) + 1
    target = _ASSIGNED.fullmatch(text, line_start, start)
    if target is not None and _LINE_REST.match(text, end):
        aliases.setdefault(target.group(1), qualified)


_CHAINED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.")
_ASSIGNED = re.compile(r"[ \t]*(\w+)[ \t]*=[ \t]*")
_LINE_REST = re.compile(r"[ \t]*(?:#[^\n]*)?(?:\r?\n|$)")


@functools.lru_cache(maxsize=4096)
def _may_be_reported(qualified: str) -> bool:
    """Keras 3 lacks the name, and KF107 may say so: Keras 1/2 had it, or it is a namespace
    no Keras had (``layser.Dense``); not a last name it cannot know (``keras.io`` in a
    link, a name newer than the tables)."""
    split = kb.api.split_spelling(qualified)
    if split is None:
        return False
    missing = kb.api.first_missing(split[1], split[0])
    return missing is not None and (kb.api.legacy(missing) is not None or missing != split[1])
