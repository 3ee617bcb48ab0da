"""kerasfix: find and fix removed and misused Keras APIs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kerasfix._version import __version__

__all__ = ["__version__", "check_source", "fix_source"]

if TYPE_CHECKING:
    from kerasfix.diagnostic import Diagnostic
    from kerasfix.settings import Settings


def check_source(
    source: str, path: str = "<string>", settings: Settings | None = None
) -> list[Diagnostic]:
    """Diagnostics for ``source`` (a module's text)."""
    from kerasfix.engine.pipeline import check_source as _check

    return _check(source, path, settings)


def fix_source(source: str, path: str = "<string>", settings: Settings | None = None) -> str:
    """``source`` with every safe fix applied (unsafe ones too if settings say so)."""
    from kerasfix.engine.pipeline import fix_source as _fix

    return _fix(source, path, settings)
