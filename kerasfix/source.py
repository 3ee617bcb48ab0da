"""Reading and writing source files without losing a byte.

A file is decoded the way Python itself would decode it (UTF-8 BOM, PEP 263
coding cookie), and written back with the same encoding and BOM. Line endings
are never translated: the text the rules see is the text on disk.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import tokenize
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate

_NEWLINE = re.compile(r"\r\n|\r|\n")


class SourceError(Exception):
    """The file cannot be read as Python source (decoding, I/O)."""

    def __init__(self, message: str, row: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.row = row
        self.column = column


@dataclass(frozen=True)
class DecodedSource:
    text: str
    encoding: str
    bom: bool

    def encode(self, text: str) -> bytes:
        data = text.encode(self.encoding)
        return codecs.BOM_UTF8 + data if self.bom else data


def decode(data: bytes) -> DecodedSource:
    """Decode bytes as Python does (BOM and coding cookie)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        if "invalid or missing encoding declaration" not in str(exc):
            raise SourceError(f"cannot determine encoding: {exc}") from None
        encoding = "utf-8"  # no cookie and not UTF-8: decoding below says where
    bom = encoding == "utf-8-sig"
    if bom:
        encoding = "utf-8"
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        row = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise SourceError(f"bytes are not valid {encoding} ({exc.reason})", row, column) from None
    except LookupError:
        raise SourceError(f"unknown encoding {encoding!r}") from None
    if "\x00" in text:
        raise SourceError("source contains a null byte (binary file?)")
    return DecodedSource(text, encoding, bom)


def read_source(path: str) -> DecodedSource:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise SourceError(f"cannot read file: {exc.strerror or exc}") from None
    return decode(data)


def write_atomic(path: str, data: bytes) -> None:
    """Replace ``path`` with ``data``: temp file in the same folder, fsync, rename.

    The file keeps its mode. Readers see either the whole old or the whole new
    file, even if the process is killed half-way.
    """
    directory = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode & 0o7777
    import tempfile  # only a run that writes pays for it

    fd, tmp = tempfile.mkstemp(prefix=".kerasfix-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class LineIndex:
    """Convert between string offsets and 1-based (row, column) positions.

    Lines end at ``\\r\\n``, ``\\r`` or ``\\n``, as in Python's tokenizer;
    columns count code points.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        if "\r" in text:
            self.starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]
        else:  # each line's start, summed from the lengths of the lines before it
            starts = list(accumulate(map((1).__add__, map(len, text.split("\n"))), initial=0))
            starts.pop()
            self.starts = starts

    def offset(self, row: int, column0: int) -> int:
        """Offset of a 1-based row and a 0-based column."""
        return self.starts[row - 1] + column0

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (row, column) of an offset."""
        row = bisect_right(self.starts, offset)
        return row, offset - self.starts[row - 1] + 1

    def line(self, row: int) -> str:
        start = self.starts[row - 1]
        end = self.starts[row] if row < len(self.starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")
