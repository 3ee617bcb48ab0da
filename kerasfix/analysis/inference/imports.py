"""What an import statement binds: each bound name and the qualified name it stands for,
spelled publicly (``tensorflow_core.python.keras`` is ``tensorflow.python.keras``)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from kerasfix import knowledge as kb


def imported(node: ast.Import | ast.ImportFrom) -> Iterator[tuple[str, str | None]]:
    """(bound name, qualified name) for each name an import statement binds:
    ``import a.b`` binds ``a`` to ``a``; ``import a.b as c`` binds ``c`` to
    ``a.b``; ``from a.b import c as d`` binds ``d`` to ``a.b.c``. The
    qualified name is None for a relative import; star imports bind nothing
    that can be named."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname is not None:
                yield alias.asname, kb.api.public_qualname(alias.name)
            else:
                first = alias.name.split(".", 1)[0]
                yield first, kb.api.public_qualname(first)
        return
    for alias in node.names:
        if alias.name == "*":
            continue
        qual = None if node.level or node.module is None else f"{node.module}.{alias.name}"
        yield alias.asname or alias.name, qual and kb.api.public_qualname(qual)


def import_qualname(node: ast.AST, bound: str) -> str | None:
    """The qualified name an import statement binds to ``bound`` (None for
    a relative import, or if it binds no such name)."""
    if not isinstance(node, (ast.Import, ast.ImportFrom)):
        return None
    for name, qual in imported(node):
        if name == bound:
            return qual
    return None
