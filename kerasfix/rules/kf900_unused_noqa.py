from __future__ import annotations

from kerasfix.rules.base import Rule


class UnusedNoqa(Rule):
    """KF900 unused-noqa: a `# noqa` code that suppresses nothing, or names no rule.

    What it does
        Reports kerasfix codes in `# noqa: …` comments that suppress no
        finding on their line (`# noqa: KF001` where no KF001 is found) and
        codes that name no kerasfix rule (`# noqa: KF999`), as Ruff's RUF100
        does for its own codes.

    Why is this bad?
        A suppression outlives the code it was written for: once the call is
        fixed, the comment hides the next real finding on that line. An
        unknown code is a typo that suppresses nothing.

    Example
        labels = np.argmax(model.predict(x), axis=-1)  # noqa: KF001

    Use instead
        labels = np.argmax(model.predict(x), axis=-1)

    Fix safety
        Safe: it removes only the unused codes (the whole comment when it was
        nothing but the directive). Codes of other tools (`# noqa: E501`), bare
        `# noqa` comments and codes of rules not enabled for the file are left
        alone, since kerasfix cannot know whether they are used.
    """

    code = "KF900"
    name = "unused-noqa"
    summary = "`# noqa` code that suppresses nothing, or that names no rule"
    finds = "`# noqa: KF…` that suppresses nothing, or names no rule (as Ruff's RUF100)"
    fix_summary = "safe: remove the code (or the comment)"
    looks_at = ()
    meta = True
