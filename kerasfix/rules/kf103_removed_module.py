from __future__ import annotations

import ast
from collections.abc import Iterator

from kerasfix import knowledge as kb
from kerasfix.diagnostic import Applicability, Diagnostic, Edit
from kerasfix.rules.base import (
    KERAS,
    REMOVED_MODULE_IMPORT,
    Context,
    Rule,
    fix,
    import_module_span,
    string,
)


class RemovedModule(Rule):
    """KF103 removed-module: imports from Keras modules that no longer exist.

    What it does
        Rewrites imports from removed modules (`keras.layers.core`,
        `keras.layers.convolutional`, `keras.utils.np_utils`,
        `keras.preprocessing.sequence`, `keras.engine…`, the same under
        `tensorflow.keras` and `tensorflow.python.keras`) to the public module
        that still has the names (`keras.layers`, `keras.utils`,
        `keras.models`).

    Why is this bad?
        The modules are gone: `ModuleNotFoundError: No module named
        'keras.layers.core'`. `tensorflow.python.keras` is TensorFlow's private
        copy of Keras 2, whose layers do not mix with Keras 3 models.

    Example
        from keras.layers.core import Dense, Dropout
        from keras.utils import np_utils
        y = np_utils.to_categorical(labels)

    Use instead
        from keras.layers import Dense, Dropout
        from keras import utils as np_utils

    Fix safety
        Safe where every imported name exists in the public module (checked
        against a table of Keras 3's public names); the spelling family is
        kept (`tensorflow.keras…` stays `tensorflow.keras…`). A name that
        no longer exists (`Merge`, `ImageDataGenerator`, `Tokenizer` …) is
        reported with no fix.
    """

    code = "KF103"
    name = "removed-module"
    summary = "import from a Keras module that no longer exists"
    finds = (
        "`from keras.layers.core import …`, `import keras.layers.core as core`, "
        "`keras.utils.np_utils`, `keras.engine…` (also under `tensorflow.keras`, "
        "`tensorflow.python.keras`)"
    )
    fix_summary = "safe where every name exists in the public module"
    looks_at = (KERAS, REMOVED_MODULE_IMPORT)

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        for node in ctx.tree.imports:
            if isinstance(node, ast.Import):
                yield from cls._plain_import(ctx, node)
                continue
            if node.level or node.module is None:
                continue
            module = node.module
            split = kb.split_family(module)
            if module in kb.MODULE_FAMILIES and kb.MODULE_FAMILIES[module] != module:
                split = (module, "")  # from tensorflow.python.keras import layers
            if split is None:
                continue
            family, rest = split
            if kb.inside_package(ctx.path, family):
                continue  # the package's own code importing its own modules
            new_family = kb.MODULE_FAMILIES[family]
            if rest in kb.REMOVED_MODULES:
                yield from cls._from_removed(ctx, node, module, new_family, rest)
            elif node.names[0].name != "*":
                if family != new_family and not any(
                    f"{rest}.{a.name}" in kb.REMOVED_MODULES for a in node.names
                ):
                    yield from cls._private_copy(ctx, node, module, new_family, rest)
                    continue
                yield from cls._submodule_alias(ctx, node, module, new_family, rest)

    @classmethod
    def _from_removed(
        cls, ctx: Context, node: ast.ImportFrom, module: str, new_family: str, rest: str
    ) -> Iterator[Diagnostic]:
        target = kb.REMOVED_MODULES[rest]
        where = import_module_span(ctx, node)
        if node.names[0].name == "*":
            message = f"`{module}` no longer exists: import from `{new_family}.{target}`"
            yield ctx.diagnostic(
                cls,
                node,
                message + " (a star import from it brings in more names)",
                fix(
                    Applicability.UNSAFE,
                    f"Import from `{new_family}.{target}`",
                    Edit(*where, f"{new_family}.{target}"),
                )
                if where is not None
                else None,
            )
            return
        names = [alias.name for alias in node.names]
        if rest.startswith("engine"):
            targets = {"models" if n in kb.MODEL_MODULE_NAMES else "layers" for n in names}
            if len(targets) != 1:
                yield ctx.diagnostic(
                    cls,
                    node,
                    f"`{module}` no longer exists: import "
                    f"{', '.join(n for n in names if n in kb.MODEL_MODULE_NAMES)} from "
                    f"`{new_family}.models` and the rest from `{new_family}.layers`",
                )
                return
            target = targets.pop()
        missing = [n for n in names if n not in kb.PUBLIC_NAMES[target]]
        new_module = f"{new_family}.{target}"
        if missing:
            yield ctx.diagnostic(
                cls,
                node,
                f"`{module}` no longer exists, and Keras 3 has no {', '.join(missing)}"
                f" in `{new_module}`: see `kerasfix rule KF107` for replacements",
            )
            return
        message = f"`{module}` no longer exists: import from `{new_module}`"
        yield ctx.diagnostic(
            cls,
            node,
            message,
            fix(Applicability.SAFE, f"Import from `{new_module}`", Edit(*where, new_module))
            if where is not None
            else None,
        )

    @classmethod
    def _private_copy(
        cls, ctx: Context, node: ast.ImportFrom, module: str, new_family: str, rest: str
    ) -> Iterator[Diagnostic]:
        """``from tensorflow.python.keras.layers import Dense``: TensorFlow's frozen Keras 2
        copy, whose objects crash inside a Keras 3 ``fit``; the public namespace has them."""
        if kb.inside_package(ctx.path, "tensorflow"):
            return  # TensorFlow's own code
        new_module = f"{new_family}.{rest}" if rest else new_family
        missing = [
            a.name
            for a in node.names
            if not kb.api.exists(f"{rest}.{a.name}" if rest else a.name, kb.api.TF_FAMILY)
        ]
        message = (
            f"`{module}` is TensorFlow's private copy of Keras 2, whose layers and models do "
            f"not mix with Keras 3's: import from `{new_module}`"
        )
        where = import_module_span(ctx, node)
        if missing or where is None:
            detail = f" (Keras 3 has no {', '.join(missing)} there)" if missing else ""
            yield ctx.diagnostic(cls, node, message + detail)
            return
        yield ctx.diagnostic(
            cls,
            node,
            message,
            fix(Applicability.SAFE, f"Import from `{new_module}`", Edit(*where, new_module)),
        )

    @classmethod
    def _submodule_alias(
        cls, ctx: Context, node: ast.ImportFrom, module: str, new_family: str, rest: str
    ) -> Iterator[Diagnostic]:
        """``from keras.utils import np_utils``: the submodule is gone, but its
        names live on in ``keras.utils``; rebind the name to that module."""
        for alias in node.names:
            sub = f"{rest}.{alias.name}"
            if sub not in kb.REMOVED_MODULES:
                continue
            target = kb.REMOVED_MODULES[sub]
            bound = alias.asname or alias.name
            used = ctx.inference.attributes_used(node, bound)
            if sub == kb.KERAS1_MERGE_MODULE and used is None:
                merged = cls._keras1_merge(ctx, node, alias, module)
                if merged is not None:
                    yield merged
                    continue
            message = f"`{module}.{alias.name}` no longer exists"
            missing = sorted(n for n in used or () if n not in kb.PUBLIC_NAMES[target])
            if used is None or missing or len(node.names) != 1:
                detail = f" (Keras 3 has no {', '.join(missing)})" if missing else ""
                yield ctx.diagnostic(cls, node, f"{message}: use `{new_family}.{target}`{detail}")
                continue
            parent, _, leaf = f"{new_family}.{target}".rpartition(".")
            replacement = f"from {parent} import {leaf} as {bound}"
            edit = ctx.replace(node, replacement)
            yield ctx.diagnostic(
                cls,
                node,
                f"{message}: its names are in `{new_family}.{target}`",
                fix(Applicability.SAFE, f"Import `{new_family}.{target}` as `{bound}`", edit),
            )

    @classmethod
    def _keras1_merge(
        cls, ctx: Context, node: ast.ImportFrom, alias: ast.alias, module: str
    ) -> Diagnostic | None:
        """Keras 1's ``merge([a, b], mode="concat", concat_axis=1)`` (the function that
        ``from keras.layers import merge`` bound then) -> ``concatenate([a, b], axis=1)``,
        and the other modes to ``add``/``multiply``/``average``/``maximum``/``dot``."""
        bound = alias.asname or alias.name
        calls = ctx.inference.calls_of(node, bound)
        if not calls:
            return None  # read otherwise than called
        edits: list[Edit] = []
        functions: list[str] = []
        for call in calls:
            if len(call.args) != 1 or any(k.arg is None for k in call.keywords):
                return None
            given = {k.arg: k.value for k in call.keywords}
            mode = string(given.pop("mode")) if "mode" in given else "sum"
            if mode not in kb.KERAS1_MERGE_MODES:
                return None
            function, axis_keyword, extra = kb.KERAS1_MERGE_MODES[mode]
            parts = [ctx.code(call.args[0])]
            axis = given.pop("concat_axis" if function == "concatenate" else "dot_axes", None)
            given.pop("dot_axes" if function == "concatenate" else "concat_axis", None)
            if axis_keyword:
                parts.append(f"{axis_keyword}={ctx.code(axis) if axis is not None else '-1'}")
            parts += [extra] if extra else []
            name = given.pop("name", None)
            if given:
                return None  # output_shape=, node_indices= …: no plain counterpart
            if name is not None:
                parts.append(f"name={ctx.code(name)}")
            if function not in functions:
                if not ctx.inference.name_is_free(node, function):
                    return None
                functions.append(function)
            edits.append(ctx.replace(call, f"{function}({', '.join(parts)})"))
        edits.append(ctx.replace(alias, ", ".join(functions)))
        return ctx.diagnostic(
            cls,
            node,
            f"`{module}.{alias.name}` (Keras 1's `merge(…, mode=…)`) no longer exists: "
            f"use the merge layers' functions ({', '.join(functions)})",
            fix(Applicability.SAFE, f"Use {', '.join(functions)}", *edits),
        )

    @classmethod
    def _plain_import(cls, ctx: Context, node: ast.Import) -> Iterator[Diagnostic]:
        """``import keras.layers.core as core`` (rebound to the public module
        when every attribute used exists there) and ``import
        keras.utils.np_utils`` (reported: its uses name the old path)."""
        for alias in node.names:
            split = kb.split_family(alias.name)
            if split is None or split[1] not in kb.REMOVED_MODULES:
                continue
            family, rest = split
            if kb.inside_package(ctx.path, family):
                continue
            target = kb.REMOVED_MODULES[rest]
            if rest.startswith("engine"):
                target = "models"
            new_module = f"{kb.MODULE_FAMILIES[family]}.{target}"
            message = f"`{alias.name}` no longer exists: import `{new_module}`"
            if alias.asname is None:
                yield ctx.diagnostic(
                    cls, node, f"{message} and use its names there (`{new_module}.…`)"
                )
                continue
            used = ctx.inference.attributes_used(node, alias.asname)
            missing = sorted(n for n in used or () if n not in kb.PUBLIC_NAMES[target])
            if used is None or missing or rest.startswith("engine"):
                detail = f" (Keras 3 has no {', '.join(missing)} there)" if missing else ""
                yield ctx.diagnostic(cls, node, message + detail)
                continue
            edit = ctx.replace(alias, f"{new_module} as {alias.asname}")
            yield ctx.diagnostic(
                cls,
                node,
                message,
                fix(Applicability.SAFE, f"Import `{new_module}` as `{alias.asname}`", edit),
            )
