"""Settings shared by the engine and the CLI (filled from flags and config)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    select: frozenset[str] | None = None  # None: every rule
    ignore: frozenset[str] = frozenset()
    unsafe_fixes: bool = False
    argmax_axis: int = -1
    # KF003: "activation" adds the probability activation to the last layer;
    # "from-logits" sets from_logits=True on the loss instead.
    kf003_fix: str = "activation"
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    extend_exclude: tuple[str, ...] = ()
    prefilter: bool = True

    def enabled(self, code: str) -> bool:
        if code == "KF000":
            return True
        if self.select is not None and not any(code.startswith(s) for s in self.select):
            return False
        return not any(code.startswith(i) for i in self.ignore)

    def cache_key(self) -> str:
        return repr(
            (
                sorted(self.select) if self.select is not None else None,
                sorted(self.ignore),
                self.unsafe_fixes,
                self.argmax_axis,
                self.kf003_fix,
                self.prefilter,
            )
        )
