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
        argument, and rewrites them to `scikeras.wrappers` and `model=`. The
        build function's own arguments, given to the wrapper or tuned by a
        `GridSearchCV`/`RandomizedSearchCV` over it, become `model__<name>`
        (scikeras passes the function only those), in the call and in the grid.

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
        Unsafe: it adds a dependency (`pip install scikeras`), and a search's
        `best_params_` keys read `model__name` afterwards. The routing is left
        out when a grid is not a literal `dict(…)`/`{…}` or the build function
        also takes `epochs`/`batch_size` (Keras 2 passed those to both). See the
        scikeras migration guide: https://adriangb.com/scikeras/stable/migration.html
    """

    code = "KF105"
    name = "sklearn-wrapper"
    summary = "`keras.wrappers.scikit_learn` was removed: use scikeras"
    finds = "`keras.wrappers.scikit_learn`, `build_fn=`"
    fix_summary = "unsafe: `scikeras.wrappers`, `model=`, build-function arguments as `model__…`"
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
        wrappers: list[ast.Call] = []
        for call, path in ctx.inference.keras_calls(kb.SKLEARN_WRAPPERS):
            if not path.startswith(kb.SKLEARN_WRAPPER_MODULE + "."):
                continue
            build_fn = keyword_arg(call, "build_fn")
            if build_fn is None:
                continue
            wrappers.append(call)
            message = f"scikeras wrappers take `model=` instead of `build_fn=` {guide}"
            edits = [ctx.rename(build_fn, "model"), *cls._routed(ctx, call, build_fn.value)]
            if edits[1:]:
                message += (
                    "; the build function's own arguments are routed as `model__<name>` "
                    "(in the constructor and in the search grids over it)"
                )
            yield ctx.diagnostic(
                cls, build_fn, message, fix(Applicability.UNSAFE, "Use `model=`", *edits)
            )

    @classmethod
    def _routed(cls, ctx: Context, wrapper: ast.Call, build_fn: ast.expr) -> list[Edit]:
        """scikeras passes the build function only the arguments named ``model__<name>``
        (Keras 2's wrapper matched them by the function's signature): rename them in the
        wrapper's call and in the grids of the searches over it (GridSearchCV …), or leave
        everything as it is when a grid cannot be read."""
        parameters = ctx.inference.parameters_of(build_fn)
        if not parameters:
            return []
        if set(parameters) & kb.SCIKERAS_FIT_PARAMETERS:
            return []  # Keras 2 gave these to both the function and fit: no one spelling
        own = set(parameters) - kb.SCIKERAS_INJECTED
        edits = [
            ctx.rename(k, f"{kb.SCIKERAS_ROUTE}{k.arg}") for k in wrapper.keywords if k.arg in own
        ]
        for name in kb.SKLEARN_SEARCHES:
            tree = ctx.tree
            for search in (*tree.calls_by_name.get(name, ()), *tree.calls_by_attr.get(name, ())):
                estimator = search.args[0] if search.args else None
                given = keyword_arg(search, "estimator")
                estimator = given.value if given is not None else estimator
                if estimator is None:
                    continue
                if (ctx.inference.origin(estimator) or estimator) is not wrapper:
                    continue
                grid = search.args[1] if len(search.args) > 1 else None
                for keyword in kb.SKLEARN_GRID_KEYWORDS:
                    found = keyword_arg(search, keyword)
                    grid = found.value if found is not None else grid
                grid = ctx.inference.origin(grid) or grid if grid is not None else None
                renamed = cls._grid(ctx, grid, own)
                if renamed is None:
                    return []
                edits.extend(renamed)
        return edits

    @staticmethod
    def _grid(ctx: Context, grid: ast.expr | None, own: set[str]) -> list[Edit] | None:
        """``dict(lr=[…])`` or ``{"lr": […]}``: its keys that are build-function arguments,
        renamed ``model__lr``; None if the grid is not one such literal."""
        edits: list[Edit] = []
        func = grid.func if isinstance(grid, ast.Call) else None
        if isinstance(func, ast.Name) and func.id == "dict":
            assert isinstance(grid, ast.Call)
            if grid.args or any(k.arg is None for k in grid.keywords):
                return None
            for k in grid.keywords:
                if k.arg in own:
                    edits.append(ctx.rename(k, f"{kb.SCIKERAS_ROUTE}{k.arg}"))
            return edits
        if isinstance(grid, ast.Dict):
            for key in grid.keys:
                if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                    return None
                if key.value in own:
                    edits.append(
                        ctx.replace(key, ctx.string_literal(f"{kb.SCIKERAS_ROUTE}{key.value}"))
                    )
            return edits
        return None
