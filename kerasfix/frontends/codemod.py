"""kerasfix's fixes as a LibCST codemod, for teams that run LibCST's tool.

    python -m libcst.tool codemod -x kerasfix.frontends.codemod.KerasFix --no-format src/
    python -m libcst.tool codemod -x kerasfix.frontends.codemod.KerasFix --no-format \\
        src/ --unsafe-fixes --select KF001,KF1

The command hands each module's text to kerasfix's own engine (the same
rules, fixes and verification as ``kerasfix check --fix``, with the
configuration that applies to the file) and gives LibCST the result: there
is no second implementation of any fix. A file with nothing to fix is
skipped, so LibCST leaves it byte for byte as it was.
"""

from __future__ import annotations

import argparse
import os

import libcst as cst
from libcst.codemod import CodemodCommand, CodemodContext, SkipFile

from kerasfix.engine.config import ConfigError
from kerasfix.engine.fixing import FixVerificationError
from kerasfix.engine.pipeline import fix_text


class KerasFix(CodemodCommand):
    DESCRIPTION = "Apply kerasfix's fixes (safe ones; unsafe ones with --unsafe-fixes)."

    @staticmethod
    def add_args(arg_parser: argparse.ArgumentParser) -> None:
        arg_parser.add_argument(
            "--unsafe-fixes",
            dest="unsafe_fixes",
            action="store_true",
            default=None,
            help="Also apply fixes that change behaviour.",
        )
        arg_parser.add_argument(
            "--select", dest="select", default=None, help="Rule codes or prefixes to fix."
        )
        arg_parser.add_argument(
            "--ignore", dest="ignore", default=None, help="Rule codes or prefixes not to fix."
        )
        arg_parser.add_argument(
            "--isolated",
            dest="isolated",
            action="store_true",
            default=False,
            help="Ignore kerasfix's configuration files.",
        )

    def __init__(
        self,
        context: CodemodContext,
        unsafe_fixes: bool | None = None,
        select: str | None = None,
        ignore: str | None = None,
        isolated: bool = False,
    ) -> None:
        super().__init__(context)
        from kerasfix.frontends.cli import make_resolver

        try:
            self.resolver = make_resolver(
                [],
                isolated,
                [select] if select else [],
                [ignore] if ignore else [],
                [],
                unsafe_fixes,
                None,
                None,
            )
        except ConfigError as exc:
            raise ValueError(f"kerasfix: {exc}") from None

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        path = self.context.filename or os.path.join(os.getcwd(), "<codemod>.py")
        try:
            settings = self.resolver.settings_for(path)
        except ConfigError as exc:
            raise SkipFile(f"kerasfix: {exc}") from None
        source = tree.code
        try:
            fixed, codes, _, _ = fix_text(source, path, settings)
        except FixVerificationError as exc:
            raise SkipFile(f"kerasfix: {exc}") from None
        if not codes or fixed == source:
            raise SkipFile("kerasfix: nothing to fix")
        config = cst.PartialParserConfig(encoding=tree.encoding)
        return cst.parse_module(fixed, config=config)
