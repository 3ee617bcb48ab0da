"""Text scanners: the raw-text side of the sites rules look at.

Each function tests a file's text, before it is parsed, for the shape of a
site (a call of a name, a keyword argument, an import of a removed module…);
:mod:`kerasfix.analysis.sites` pairs each with its test on the parsed tree. A scanner
answers a superset of what the analysis flags: anything it cannot read simply
(a string or comment where it matters) counts as a possible match.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator

from kerasfix import knowledge as kb

TextTest = Callable[[str, str], bool]
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


# every byte but an ASCII word character becomes a blank, so that the words split apart
_WORD_BYTES = bytes(c if chr(c) in _WORD_CHARS else 32 for c in range(256))
_words_cache: tuple[str, frozenset[bytes]] = ("", frozenset())


def words(text: str) -> frozenset[bytes]:
    """The text's words (maximal runs of ASCII word characters, as UTF-8 bytes), read once per
    text: a name that must stand as a whole word for a site (a call ``name(``, a keyword
    ``name=``) is in it exactly when the text holds it so, at the cost of one pass for all the
    sites (a byte translation and a split: twice the speed of a regular expression)."""
    global _words_cache
    if _words_cache[0] is not text:
        encoded = text.encode("utf-8", "surrogatepass")
        _words_cache = (text, frozenset(encoded.translate(_WORD_BYTES).split()))
    return _words_cache[1]


_FEW = 12  # past this many names one pass over the text's words is cheaper


def words_in(text: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """Which of ``names`` (words) the text holds as whole words, or may: a few are searched for
    one by one, many looked up in the text's words (read once for every site)."""
    if len(names) <= _FEW:
        return tuple(n for n in names if n in text)
    found = words(text)
    return tuple(n for n, b in zip(names, _encoded(names)) if b in found)


def holds_word(text: str, names: tuple[str, ...]) -> bool:
    """Whether the text holds one of ``names`` (words) as a whole word, looked up in its words
    (read once for every site)."""
    found = words(text)
    return any(b in found for b in _encoded(names))


@functools.cache
def _encoded(names: tuple[str, ...]) -> tuple[bytes, ...]:
    return tuple(n.encode() for n in names)


def _whole_word(text: str, start: int, end: int) -> bool:
    return (start == 0 or text[start - 1] not in _WORD_CHARS) and (
        end >= len(text) or text[end] not in _WORD_CHARS
    )


_DOTTED_BEFORE = re.compile(r"(?:\w+[ \t]*\.[ \t]*)*$")


def keras_family_at(text: str, start: int) -> str:
    """The dotted path a `keras` at ``start`` ends: `tensorflow.python.keras`
    for `from tensorflow . python.keras…`, `keras` when nothing precedes."""
    before = _DOTTED_BEFORE.search(text, max(0, start - 64), start)
    return re.sub(r"[\s\\]", "", before.group(0) if before else "") + "keras"


@functools.cache
def has_word(word: str) -> TextTest:
    """``word`` as a whole word (``bce``, not ``abce``)."""

    def test(text: str, path: str = "") -> bool:
        index = text.find(word)
        while index != -1:
            if _whole_word(text, index, index + len(word)):
                return True
            index = text.find(word, index + 1)
        return False

    return test


# short names must be whole words in the text ("bce" hides inside "abce")
_WHOLE_WORD_BELOW = 5


@functools.cache
def mention_test(name: str) -> TextTest:
    """What a text that holds ``name`` must also pass for the name to be mentioned: a short
    name must stand as a whole word; for a longer one the substring was enough."""
    if len(name) < _WHOLE_WORD_BELOW:
        return has_word(name)
    return lambda text, path: True


@functools.cache
def regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


# between a called name and its `(`: blanks, line continuations, and (in
# brackets) comments and newlines
_TO_PAREN = r"(?:[ \t\f\\\r\n]|#[^\r\n]*[\r\n])*\("


@functools.cache
def calls(names: tuple[str, ...]) -> TextTest:
    """A call of one of ``names`` (``name(``), not its definition."""
    patterns = [re.compile(re.escape(name) + _TO_PAREN) for name in sorted(names)]

    def test(text: str, path: str = "") -> bool:
        for pattern in patterns:
            for match in pattern.finditer(text):
                start = match.start()
                if start and text[start - 1] in _WORD_CHARS:
                    continue
                before = text[max(0, start - 12) : start].rstrip()
                if before.endswith(("def", "class")) and _whole_word(
                    before, len(before) - (3 if before.endswith("def") else 5), len(before)
                ):
                    continue
                return True
        return False

    return test


def used_not_called(names: Iterable[str]) -> TextTest:
    """One of ``names`` used as a value (``Dense as D``, ``layer = Dense``,
    ``make(Dense)``) rather than called or plainly imported: the analysis
    may then meet it under another name."""
    wanted = sorted(names)

    def test(text: str, path: str = "") -> bool:
        for name in wanted:
            index = text.find(name)
            while index != -1:
                end = index + len(name)
                if _whole_word(text, index, end):
                    rest = text[end : end + 80].lstrip(" \t\\")
                    line_start = text.rfind("\n", 0, index) + 1
                    line = text[line_start : text.find("\n", end) if "\n" in text[end:] else None]
                    plain_import = "import" in line and " as " not in line
                    if not rest.startswith("(") and not plain_import:
                        return True
                index = text.find(name, end)
        return False

    return test


@functools.cache
def keyword_argument(name: str) -> TextTest:
    """``name=`` where a keyword argument can be: after ``(`` or ``,``."""
    pattern = re.compile(re.escape(name) + r"[ \t\\\r\n]*=(?!=)")

    def test(text: str, path: str = "") -> bool:
        if name not in text:
            return False  # the usual answer, at the speed of a substring search
        for match in pattern.finditer(text):
            start = match.start()
            if start and text[start - 1] in _WORD_CHARS:
                continue
            if _after_open_or_comma(text, start):
                return True
        return False

    return test


def _after_open_or_comma(text: str, index: int) -> bool:
    i = index - 1
    while i >= 0:
        char = text[i]
        if char in " \t\\\r\f":
            i -= 1
        elif char == "\n":
            line_start = text.rfind("\n", 0, i) + 1
            if "#" in text[line_start:i]:
                return True  # a comment (or a string with #) ends the line: cannot tell
            i -= 1
        else:
            return char in "(,"
    return False


def _string_end(text: str, index: int) -> int:
    """The offset after the string literal starting at ``index``, or -1."""
    quote = text[index]
    if text.startswith(quote * 3, index):
        end = text.find(quote * 3, index + 3)
        while end > 0 and text[end - 1] == "\\":
            end = text.find(quote * 3, end + 1)
        return end + 3 if end >= 0 else -1
    index += 1
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == quote:
            return index + 1
        if char == "\n":
            return -1
        index += 1
    return -1


def has_call_with_positionals(text: str, name: str, more_than: int) -> bool:
    """True unless no ``name(…)`` in ``text`` can have more than
    ``more_than`` positional arguments (arguments at the call's own bracket
    depth with no ``=`` of their own). Anything it cannot read simply (a
    string, a comment, a star) counts as a possible match."""
    start = text.find(name)
    while start != -1:
        index = start + len(name)
        while index < len(text) and text[index] in " \t\\\r\n":
            index += 1
        if index < len(text) and text[index] == "(":
            depth, positionals, keyword, empty = 0, 0, False, True
            index += 1
            while index < len(text):
                char = text[index]
                if char in "\"'":
                    index = _string_end(text, index)
                    if index < 0:
                        return True  # unterminated: cannot tell
                    empty = False
                    continue
                if char == "#":
                    index = text.find("\n", index)
                    if index < 0:
                        return True
                    continue
                if char == "*" and empty:
                    return True  # *args: any number of positionals
                if char in "([{":
                    depth += 1
                elif char in ")]}" and depth > 0:
                    depth -= 1
                elif depth == 0 and char in ",)":
                    if not keyword and not empty:
                        positionals += 1
                    if positionals > more_than:
                        return True
                    if char == ")":
                        break
                    keyword, empty = False, True
                    index += 1
                    continue
                elif depth == 0 and char == "=":
                    previous, following = text[index - 1], text[index + 1 : index + 2]
                    if previous not in "=<>!:" and following != "=":
                        keyword = True
                if not char.isspace() and char != "\\":
                    empty = False
                index += 1
        start = text.find(name, start + 1)
    return False


# -- Keras imports ------------------------------------------------------------

_KERAS_WORD = re.compile(r"keras(?!\w)")
_IMPORT = re.compile(
    r"(?:^|;)[ \t]*(?:from[ \t\\]+([\w. \t\\]+?)[ \t\\]+import\b|import[ \t\\]+([\w. \t,\\]+))",
    re.MULTILINE,
)


def lines_spelling(
    text: str, words: tuple[str, ...], carriage: bool = True
) -> Iterator[tuple[int, int]]:
    """The (start, end) of each line that spells one of ``words``, once: word by word, each in
    text order. A line ends at a newline (its end is the newline's offset, or the text's
    length) and starts after the last newline before the word, or carriage return with
    ``carriage``. A pattern matched only
    on these lines, not tried at every character of the text, is what keeps the import
    scanners cheap."""
    seen: set[int] = set()
    for word in words:
        start = text.find(word)
        while start >= 0:
            line_start = text.rfind("\n", 0, start)
            if carriage:
                line_start = max(line_start, text.rfind("\r", 0, start))
            line_start += 1
            line_end = text.find("\n", start)
            if line_end < 0:
                line_end = len(text)
            if line_start not in seen:
                seen.add(line_start)
                yield line_start, line_end
            start = text.find(word, line_end)


def _imported_modules(text: str) -> Iterator[str]:
    """The module paths the text's import lines name, as written (without
    blanks; relative ones keep their leading dots). An import lies on one line (lines as
    the pattern's ``^`` reads them: after a newline)."""
    for line_start, line_end in lines_spelling(text, ("import",), carriage=False):
        for match in _IMPORT.finditer(text, line_start, line_end):
            spelled = match.group(1) or match.group(2) or ""
            for name in spelled.split(","):
                yield re.sub(r"[\s\\]", "", name.split(" as ")[0] if " as " in name else name)


def imports_keras3(text: str, path: str = "") -> bool:
    """An import that can lead to Keras 3 (`tensorflow`, `keras…`,
    `tensorflow.keras…`; not only tf_keras or TensorFlow's legacy copy)."""
    return any(kb.may_lead_to_keras(name, keras2=False) for name in _imported_modules(text))


def imports_from_project(text: str, path: str = "") -> bool:
    """An import that may lead into the project's own modules: relative, or
    of a top-level name that is not the standard library or a known package."""
    return any(
        name.startswith(".") or (name and not kb.is_external(name.split(".", 1)[0]))
        for name in _imported_modules(text)
    )


def mentions_keras3(text: str, path: str = "") -> bool:
    """Some `keras` that is not `tf_keras`, `tensorflow.python.keras` or
    `tensorflow.compat.v1.keras` (every way to reach Keras 3 spells it)."""
    for match in _KERAS_WORD.finditer(text):
        start = match.start()
        if start and (text[start - 1].isalnum() or text[start - 1] == "_"):
            continue  # tf_keras, my_keras ...
        if keras_family_at(text, start) not in kb.KERAS2_PREFIXES:
            return True
    return False


# `keras.a.b` as written (every module family ends in `keras`), and the
# names a `from … import` after it brings in.
_KERAS_PATH = re.compile(r"keras(?!\w)((?:[ \t]*(?:\\\r?\n[ \t]*)?\.[ \t]*(?:\\\r?\n[ \t]*)?\w+)*)")
_IMPORTED = re.compile(
    r"[ \t]*(?:\\\r?\n[ \t]*)*import[ \t]*(?:\\\r?\n[ \t]*)*"
    r"(\((?:[^)#]|#[^\n]*)*\)|(?:[^\r\n;\\]|\\\r?\n)*)"
)
_WORD = re.compile(r"\w+")
_NAMESPACES = frozenset(m.rpartition(".")[0] for m in kb.REMOVED_MODULES)


def mentions_removed_module(text: str, file: str) -> bool:
    """Some `keras…` path, or a name imported from one, is a removed module
    (a superset of what KF103 flags), in a file that is not part of that
    Keras itself."""
    for match in _KERAS_PATH.finditer(text):
        path = match.group(1)
        if " " in path or "\t" in path or "\\" in path:
            path = re.sub(r"[\s\\]", "", path)
        path = path.lstrip(".")
        if path not in kb.REMOVED_MODULES:
            if path not in _NAMESPACES:
                continue
            names = _IMPORTED.match(text, match.end())
            prefix = f"{path}." if path else ""
            if names is None or not any(
                prefix + name in kb.REMOVED_MODULES for name in _WORD.findall(names.group(1))
            ):
                continue
        family = keras_family_at(text, match.start())
        if family in kb.MODULE_FAMILIES and kb.inside_package(file, family):
            continue  # the package's own code importing its own modules
        return True
    return False


# -- layers -------------------------------------------------------------------


def conv_kernel_positionals(text: str, path: str = "") -> bool:
    """`Convolution2D(32, 3, 3)`: a kernel given as separate positionals."""
    return any(
        has_call_with_positionals(text, name, dims)
        for name, dims in kb.KERAS1_CONV_KERNEL_POSITIONALS.items()
    )


# a units layer whose first argument is 1 or not a number literal
_UNITS_MAYBE_ONE = tuple(
    re.compile(re.escape(name) + r"[\s\\]*\([\s\\]*(?:1\b|[^0-9\s\\])") for name in kb.UNITS_LAYERS
)
_UNITS_USED = used_not_called(kb.UNITS_LAYERS)


def units_maybe_one(text: str, path: str = "") -> bool:
    """A units layer called with 1 or something other than a number as its
    width, or used as a value (an alias the analysis follows)."""
    return any(p.search(text) for p in _UNITS_MAYBE_ONE) or _UNITS_USED(text, path)
