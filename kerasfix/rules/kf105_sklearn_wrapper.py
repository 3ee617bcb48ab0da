from __future__ import annotations

import ast
from collections.abc import Iterator

from kerasfix import knowledge as kb
from kerasfix.diagnostic import Applicability, Diagnostic, Edit
from kerasfix.rules.base import KERAS, Context, Mention, Rule, fix, import_module_span, keyword_arg


class SklearnWrapper(Rule):
    """KF105 sklearn-wrapper: `keras.wrappers.scikit_learn` is gone; scikeras replaces it.

    What it does
        Finds imports of `KerasClassifier`/`KerasRegressor` from
        `keras.wrappers.scikit_learn` (or `tf.keras.…`) and their `build_fn=`
        argument, and rewrites them to `scikeras.wrappers` and `model=`.

    Why is this bad?
        The module was removed from TensorFlow 2.12 / Keras 3
        (`ModuleNotFoundError`). scikeras is its maintained successor.

    Example
        from keras.wrappers.scikit_learn import KerasClassifier
        clf = KerasClassifier(build_fn=create_model, epochs=10)

    Use instead
        from scikeras.wrappers import KerasClassifier
        clf = KerasClassifier(model=create_model, epochs=10)

    Fix safety
        Unsafe: it adds a dependency (`pip install scikeras`) and scikeras routes
        parameters differently (arguments of the build function are passed as
        `model__name=`); see the scikeras migration guide:
        https://adriangb.com/scikeras/stable/migration.html
    """

    code = "KF105"
    name = "sklearn-wrapper"
    summary = "`keras.wrappers.scikit_learn` was removed: use scikeras"
    finds = "`keras.wrappers.scikit_learn`, `build_fn=`"
    fix_summary = "unsafe: `scikeras.wrappers`, `model=`"
    looks_at = (KERAS, Mention(("scikit_learn",)))

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        guide = f"(a new dependency; see {kb.SCIKERAS_GUIDE})"
        for node in ctx.tree.imports:
            if not isinstance(node, ast.ImportFrom) or node.module is None or node.level:
                continue
            split = kb.split_family(node.module)
            if split is None or split[1] != kb.SKLEARN_WRAPPER_MODULE:
                continue
            message = f"`{node.module}` was removed: use `{kb.SCIKERAS_MODULE}` {guide}"
            where = import_module_span(ctx, node)
            edit = Edit(*where, kb.SCIKERAS_MODULE) if where is not None else None
            yield ctx.diagnostic(
                cls,
                node,
                message,
                fix(Applicability.UNSAFE, "Import from scikeras", edit) if edit else None,
            )
        for call, path in ctx.inference.keras_calls(kb.SKLEARN_WRAPPERS):
            if not path.startswith(kb.SKLEARN_WRAPPER_MODULE + "."):
                continue
            build_fn = keyword_arg(call, "build_fn")
            if build_fn is None:
                continue
            message = f"scikeras wrappers take `model=` instead of `build_fn=` {guide}"
            edit = ctx.rename(build_fn, "model")
            yield ctx.diagnostic(
                cls, build_fn, message, fix(Applicability.UNSAFE, "Use `model=`", edit)
            )
