"""Parsing, the engine's third stage: CPython's syntax tree of a text, or the
KF000 that says why it has none.
"""

from __future__ import annotations

import ast
import warnings

from kerasfix.diagnostic import Diagnostic
from kerasfix.rules import PARSE_ERROR_CODE, PARSE_ERROR_NAME


def error_diagnostic(
    path: str, message: str, row: int = 1, column: int = 1, internal: bool = False
) -> Diagnostic:
    return Diagnostic(
        code=PARSE_ERROR_CODE,
        name=PARSE_ERROR_NAME,
        message=message,
        path=path,
        row=row,
        column=column,
        end_row=row,
        end_column=column,
        internal=internal,
    )


def python_syntax_error(text: str, path: str) -> Diagnostic | None:
    """KF000 if CPython's parser rejects the text, else None.

    CPython's symbol table is the cheapest whole check it offers: it parses the text (into
    the C tree, never into Python objects) and stops before compiling it, a quarter cheaper
    than ``compile()`` and twice as cheap as ``ast.parse``; whatever it accepts parses. Only
    a text it refuses (which includes valid syntax such as a notebook's top-level ``await``
    or a module-level ``nonlocal``) is parsed to decide and to say why.
    """
    import symtable

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            symtable.symtable(text, path, "exec")
        return None
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        pass
    return parse_python(text, path)[1]


def parse_python(text: str, path: str) -> tuple[object | None, Diagnostic | None]:
    """CPython's syntax tree, or the KF000 that says why it has none.

    Its messages and positions are precise, and it refuses nesting too deep
    to analyse with an exception, not a crash.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = compile(text, path, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:
        row = error.lineno or 1
        column = max(error.offset or 1, 1)
        return None, error_diagnostic(path, f"syntax error: {error.msg}", row, column)
    except (RecursionError, MemoryError):
        return None, error_diagnostic(path, "cannot parse: nesting too deep for the parser")
    except ValueError as error:
        return None, error_diagnostic(path, f"cannot parse: {error}")
    return tree, None
