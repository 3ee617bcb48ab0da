"""The rules' base: the shape of a rule, and all a rule module needs beside
the inference facade, the knowledge and the diagnostics.

A rule is one small class: its code (``KF001``) and name, a docstring that is
its user documentation (What it does / Why is this bad? / Example / Use
instead / Fix safety), ``looks_at`` — the sites it reads, declared once
(:mod:`kerasfix.analysis.sites`): the engine derives from them both the text test
before parsing and the test on the parsed tree — and ``check``, which reads
the shared :class:`Context` and yields diagnostics with their fixes.

A rule module imports only this module, :mod:`kerasfix.analysis.inference` (the
facade), :mod:`kerasfix.knowledge` and :mod:`kerasfix.diagnostic`
(``tests/test_architecture.py`` holds it to that).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from kerasfix.analysis.context import Context, fix
from kerasfix.analysis.sites import (
    BUILDS_MODELS,
    CONV_KERNEL_POSITIONALS,
    DEFAULT_POOL,
    FROM_LOGITS_TRUE,
    KERAS,
    KERAS0_UNITS_POSITIONALS,
    KERAS3_IMPORT,
    KERAS_NAMES,
    LITERAL_FILE,
    ONE_UNIT_SOFTMAX,
    OPTIMIZER_LR,
    OUTSIDE_KERAS,
    PROBABILITY_LOSS_COMPILE,
    REMOVED_MODULE_IMPORT,
    AnyOf,
    ApiCall,
    Keyword,
    LayerKeyword,
    Mention,
    MethodCall,
    Pattern,
    Requirement,
    StringLiteral,
)
from kerasfix.analysis.syntax import arg, has_star, integer, keyword_arg, receiver_of, string
from kerasfix.diagnostic import Diagnostic
from kerasfix.rules.backend_forms import backend_rearranged, backend_unsafe
from kerasfix.rules.edits import (
    activation_edit,
    append_argument,
    append_parameter,
    argument_deletions,
    argument_removal,
    built_first,
    describe,
    folder_made_first,
    from_logits_edit,
    import_module_span,
    import_statements,
    keras_name,
    layer_name,
    module_bound,
    newest_weights_file,
    ops_rewrite,
    renamed_call_text,
    renamed_file,
    statement_before,
    statement_removal,
    tf_checkpoint_edits,
)
from kerasfix.rules.layer_edits import (
    draws,
    init_statement,
    input_layer_first,
    random_draw_edits,
)
from kerasfix.rules.op_forms import rearranged

__all__ = [
    "BUILDS_MODELS",
    "CONV_KERNEL_POSITIONALS",
    "FROM_LOGITS_TRUE",
    "KERAS",
    "KERAS0_UNITS_POSITIONALS",
    "KERAS3_IMPORT",
    "DEFAULT_POOL",
    "KERAS_NAMES",
    "LITERAL_FILE",
    "ONE_UNIT_SOFTMAX",
    "OPTIMIZER_LR",
    "OUTSIDE_KERAS",
    "PROBABILITY_LOSS_COMPILE",
    "REMOVED_MODULE_IMPORT",
    "AnyOf",
    "ApiCall",
    "Context",
    "Keyword",
    "LayerKeyword",
    "Mention",
    "MethodCall",
    "Pattern",
    "Rule",
    "StringLiteral",
    "activation_edit",
    "append_argument",
    "append_parameter",
    "arg",
    "argument_deletions",
    "argument_removal",
    "describe",
    "draws",
    "fix",
    "built_first",
    "folder_made_first",
    "from_logits_edit",
    "has_star",
    "import_module_span",
    "import_statements",
    "init_statement",
    "input_layer_first",
    "integer",
    "keras_name",
    "keyword_arg",
    "layer_name",
    "module_bound",
    "newest_weights_file",
    "ops_rewrite",
    "random_draw_edits",
    "backend_rearranged",
    "backend_unsafe",
    "rearranged",
    "receiver_of",
    "renamed_call_text",
    "renamed_file",
    "statement_before",
    "statement_removal",
    "tf_checkpoint_edits",
    "string",
]


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    # What the rule reads, once: every site must be in a file for the rule
    # to possibly fire. Never narrower than what ``check`` flags.
    looks_at: ClassVar[tuple[Requirement, ...]]
    # Reported by the engine from the other rules' results (KF900), not by
    # ``check``: it looks at nothing and is left out of the rule passes.
    meta: ClassVar[bool] = False

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        """Yield this rule's diagnostics for one file (each rule overrides it)."""
        return iter(())
