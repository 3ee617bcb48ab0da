from __future__ import annotations

import ast
from collections.abc import Iterator

from kerasfix import knowledge as kb
from kerasfix.diagnostic import Applicability, Diagnostic
from kerasfix.rules.base import (
    KERAS,
    KERAS_NAMES,
    Context,
    Rule,
    fix,
    import_statements,
)


class RemovedApi(Rule):
    """KF107 removed-api: names that Keras 1 or 2 had and Keras 3 does not.

    What it does
        Reports every qualified Keras name that Keras 1 or Keras 2 had and
        Keras 3 lacks, where it is imported or called: `from keras import
        initializations`, `from keras.models import Input`,
        `from keras.preprocessing.image import ImageDataGenerator`,
        `K.image_dim_ordering()`, `keras.layers.CuDNNLSTM(…)`,
        `multi_gpu_model`, `K.set_session`, `merge(…)` … The names come from
        tables generated from the real packages (Keras 3 as installed, tf-keras
        and the Keras 2.x wheels, the Keras 1.2.2 sources). It also reports a
        name no Keras ever had when one Keras 3 has is close
        (`tf.keras.layser.Dense`: "did you mean `layers`?").

    Why is this bad?
        `ImportError` or `AttributeError` under Keras 3; the misspelt names fail
        under every Keras.

    Example
        from keras.models import Model, Input
        from keras.preprocessing.image import ImageDataGenerator
        if K.image_dim_ordering() == "th":
            ...

    Use instead
        from keras.models import Model
        from keras.layers import Input
        from tensorflow.keras.preprocessing.image import ImageDataGenerator
        if K.image_data_format() == "channels_first":
            ...

    Fix safety
        Safe where Keras 3 has the same object under another module (Keras 2's
        `keras.models.Input` is `keras.layers.Input`), where TensorFlow's
        `tensorflow.keras` namespace keeps Keras 2's implementation
        (`ImageDataGenerator`, `Tokenizer`, `TimeseriesGenerator`), and for
        `image_dim_ordering()` compared with `"th"`/`"tf"` and
        `set_image_dim_ordering("th"|"tf")` (the same setting, by its Keras 2
        name). Everything else is reported with the replacement, and no fix:
        it changes how the code is written (`merge` → merge layers,
        `ImageDataGenerator` → preprocessing layers in the long run,
        `multi_gpu_model` → `tf.distribute`).
    """

    code = "KF107"
    name = "removed-api"
    summary = "a name Keras 1/2 had and Keras 3 lacks (or no Keras had)"
    finds = (
        "`from keras.models import Input`, `ImageDataGenerator`, `Tokenizer`, `K.sum` on "
        "`keras.backend`, `CuDNNLSTM`, `multi_gpu_model`, `tf.keras.layser` …"
    )
    fix_summary = "safe where Keras 3 has the same object elsewhere; else reported"
    looks_at = (KERAS, KERAS_NAMES)

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        if kb.inside_keras_or_tensorflow(ctx.path):
            return  # Keras's own code, of whichever version
        handled: set[str] = set()  # names of modules whose attributes an import answers for
        for node in ctx.tree.imports:
            if isinstance(node, ast.ImportFrom):
                if node.level == 0 and node.module is not None:
                    yield from cls._import_from(ctx, node, handled)
            else:
                yield from cls._import(ctx, node, handled)
        imported = cls._roots(ctx)
        for calls in ctx.tree.calls_by_attr.values():
            for call in calls:
                root = call.func
                while isinstance(root, ast.Attribute):
                    root = root.value
                # a chain from an imported name (what the text triage reads, too)
                if not isinstance(root, ast.Name) or root.id not in imported:
                    continue
                func = call.func
                if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                    if func.value.id in handled:
                        continue
                yield from cls._call(ctx, call)

    @staticmethod
    def _roots(ctx: Context) -> set[str]:
        """The names a chain is read from: those an import binds, and those a plain
        ``name = root.chain`` binds to one (what the text triage follows, too)."""
        imported = {
            alias.asname or alias.name.split(".", 1)[0]
            for node in ctx.tree.imports
            for alias in node.names
        }
        return ctx.inference.chain_aliases(imported)

    # -- what a path is ---------------------------------------------------------------

    @staticmethod
    def _missing(family: str, path: str) -> str | None:
        """The part of ``path`` Keras 3 lacks, unless another rule answers for it
        (removed modules: KF103; the scikit-learn wrappers: KF105)."""
        missing = kb.api.first_missing(path, family)
        if missing is None or missing in kb.KERAS1_REWRITES:
            return None  # KF109 rewrites these
        for module in (missing, missing.rsplit(".", 1)[0]):
            if module in kb.REMOVED_MODULES or module.startswith(kb.SKLEARN_WRAPPER_MODULE):
                return None
        return missing

    @staticmethod
    def _message(family: str, missing: str, path: str = "") -> str | None:
        """What to say of a missing path, or None when it is not known to be wrong (a name
        newer than the tables)."""
        spelled = f"{family}.{missing}" if missing else family
        if kb.api.legacy(missing) is None:
            close = kb.api.did_you_mean(path or missing, family)
            if close is None:
                return None
            wrong = missing.rsplit(".", 1)[-1]
            return (
                f"`{spelled}` does not exist in any Keras: did you mean `{close}`, not `{wrong}`?"
            )
        versions = kb.api.legacy(missing)
        was = "Keras 1" if versions == "1" else "Keras 2" if versions == "2" else "Keras 1 and 2"
        message = f"`{spelled}` was in {was}; Keras 3 has no such name"
        moved = kb.api.moved(missing)
        if moved is not None:
            return f"{message}: it is `{family}.{moved}`"
        if family == "keras" and kb.api.only_in_tensorflow(missing):
            return f"{message}: TensorFlow's `tensorflow.keras.{missing}` keeps it"
        advice = kb.REMOVED_APIS.get(missing)
        return f"{message}: {advice}" if advice else message

    # -- imports ----------------------------------------------------------------------

    @classmethod
    def _module_attributes(
        cls, ctx: Context, node: ast.stmt, family: str, path: str, bound: str, handled: set[str]
    ) -> tuple[list[str], bool] | None:
        """For an import that binds the Keras 3 module ``path`` to ``bound``: the messages for
        the attributes the module reads from it that Keras 3 lacks, and whether TensorFlow's
        namespace has every one (``K.sum`` after ``from keras import backend as K``). None
        when the name is used otherwise than by its attributes (each call answers then)."""
        used = ctx.inference.attributes_used(node, bound)
        if used is None:
            return None
        handled.add(bound)
        lost: list[str] = []
        advice: list[str] = []
        for attribute in sorted(used):
            full = f"{path}.{attribute}" if path else attribute
            if cls._missing(family, full) != full:
                continue
            if kb.api.legacy(full) is None:
                continue  # newer than the tables, or misspelt: not known to be wrong
            lost.append(attribute)
            if full in kb.REMOVED_APIS:
                advice.append(f"`{attribute}`: {kb.REMOVED_APIS[full]}")
        if not lost:
            return [], False
        movable = (
            family == "keras"
            and all(kb.api.only_in_tensorflow(f"{path}.{a}" if path else a) for a in lost)
            and not used & kb.TF_BACKEND_VARIABLE_FUNCTIONS
        )
        shown = ", ".join(f"`{a}`" for a in lost[:6]) + (" …" if len(lost) > 6 else "")
        message = f"`{family}.{path}` has no {shown} in Keras 3 (Keras 1/2 names)"
        if movable:
            message += f": TensorFlow's `{kb.api.TF_FAMILY}.{path}` keeps them"
        elif advice:
            message += ": " + "; ".join(advice)
        return [message], movable

    @staticmethod
    def _summary(messages: list[str]) -> str:
        return "; ".join(dict.fromkeys(messages))

    @classmethod
    def _import(cls, ctx: Context, node: ast.Import, handled: set[str]) -> Iterator[Diagnostic]:
        for alias in node.names:
            split = kb.api.split_spelling(alias.name)
            if split is None:
                continue
            family, path = split
            missing = cls._missing(family, path)
            if missing is not None:
                message = cls._message(family, missing)
                if message:
                    yield ctx.diagnostic(cls, node, message)
                continue
            if alias.asname is None or path not in kb.api.modules(family) or not path:
                continue
            found = cls._module_attributes(ctx, node, family, path, alias.asname, handled)
            if not found or not found[0]:
                continue
            messages, movable = found
            message = cls._summary(messages)
            if not movable:
                yield ctx.diagnostic(cls, node, message)
                continue
            edit = ctx.replace(alias, f"{kb.api.TF_FAMILY}.{path} as {alias.asname}")
            yield ctx.diagnostic(
                cls,
                node,
                message,
                fix(Applicability.SAFE, f"Import `{kb.api.TF_FAMILY}.{path}`", edit),
            )

    @classmethod
    def _import_from(
        cls, ctx: Context, node: ast.ImportFrom, handled: set[str]
    ) -> Iterator[Diagnostic]:
        assert node.module is not None
        split = kb.api.split_spelling(node.module)
        if split is None:
            return
        family, module = split
        missing = cls._missing(family, module)
        if missing is not None:  # the module itself is gone
            message = cls._message(family, missing)
            if not message:
                return
            groups: dict[str, list[str]] = {}
            for alias in node.names:
                target = None
                if alias.name != "*":
                    target = cls._target(family, f"{module}.{alias.name}", alias)
                if target is None:
                    yield ctx.diagnostic(cls, node, message)
                    return
                groups.setdefault(target[0], []).append(target[1])
            edit = import_statements(ctx, node, groups)
            yield ctx.diagnostic(
                cls,
                node,
                message,
                fix(Applicability.SAFE, "Import each name from where Keras 3 has it", edit)
                if edit is not None
                else None,
            )
            return
        if module and module not in kb.api.modules(family):
            return
        groups: dict[str, list[str]] = {node.module: []}  # where each name comes from now
        reports: list[str] = []
        fixable = True
        for alias in node.names:
            if alias.name == "*":
                return
            path = f"{module}.{alias.name}" if module else alias.name
            spelled = alias.name if alias.asname is None else f"{alias.name} as {alias.asname}"
            lost = cls._missing(family, path)
            if lost is None and path in kb.api.modules(family):
                bound = alias.asname or alias.name
                found = cls._module_attributes(ctx, node, family, path, bound, handled)
                if found and found[0]:
                    reports.extend(found[0])
                    if found[1]:
                        groups.setdefault(f"{kb.api.TF_FAMILY}.{module}".rstrip("."), []).append(
                            spelled
                        )
                        continue
                    fixable = False
                groups.setdefault(node.module, []).append(spelled)
                continue
            if lost is None:
                groups.setdefault(node.module, []).append(spelled)
                continue
            message = cls._message(family, lost)
            if message is None:
                groups.setdefault(node.module, []).append(spelled)
                continue
            reports.append(message)
            target = cls._target(family, path, alias) or cls._module_target(
                ctx, node, family, path, alias
            )
            if target is None:
                fixable = False
            else:
                groups.setdefault(target[0], []).append(target[1])
        if not reports:
            return
        message = cls._summary(reports)
        edit = import_statements(ctx, node, groups) if fixable else None
        if edit is None:
            yield ctx.diagnostic(cls, node, message)
            return
        yield ctx.diagnostic(
            cls,
            node,
            message,
            fix(
                cls._applicability(ctx, node, module),
                "Import each name from where Keras 3 has it",
                edit,
            ),
        )

    @staticmethod
    def _applicability(ctx: Context, node: ast.ImportFrom, module: str) -> Applicability:
        """A CuDNN layer is the plain layer with the same weights, laid out otherwise: where
        the module loads saved weights, the rename may not read them."""
        prefix = f"{module}." if module else ""
        if any(f"{prefix}{a.name}" in kb.SAME_OBJECTS for a in node.names) and (
            ctx.method_calls("load_weights") or "load_model" in ctx.text
        ):
            return Applicability.UNSAFE
        return Applicability.SAFE

    @staticmethod
    def _target(family: str, path: str, alias: ast.alias) -> tuple[str, str] | None:
        """Where to import ``path``'s object from instead, when Keras 3 has the same object, and
        how to spell the imported name (``Adam as adam`` keeps the name the module uses)."""
        name = path.rsplit(".", 1)[-1]
        bound = alias.asname or alias.name
        moved = kb.api.moved(path) or kb.SAME_OBJECTS.get(path)
        if moved is not None:
            parent, _, leaf = moved.rpartition(".")
            spelled = leaf if leaf == bound else f"{leaf} as {bound}"
            return (f"{family}.{parent}" if parent else family), spelled
        if family == "keras" and kb.api.only_in_tensorflow(path):
            spelled = name if name == bound else f"{name} as {bound}"
            return f"{kb.api.TF_FAMILY}.{path.rpartition('.')[0]}", spelled
        return None

    # -- calls --------------------------------------------------------------------------

    @staticmethod
    def _module_target(
        ctx: Context, node: ast.ImportFrom, family: str, path: str, alias: ast.alias
    ) -> tuple[str, str] | None:
        """``from keras import objectives``: a module Keras 3 lacks, every attribute of which
        the module reads lives on in one Keras 3 module (``losses``), by the same names."""
        bound = alias.asname or alias.name
        used = ctx.inference.attributes_used(node, bound)
        if not used:
            return None
        targets = {kb.api.moved(f"{path}.{a}") for a in used}
        if len(targets) != len(used) or None in targets:
            return None
        parents = {t.rpartition(".")[0] for t in targets if t is not None}
        leaves_kept = all(t is not None and t.rpartition(".")[2] in used for t in targets)
        if len(parents) != 1 or not leaves_kept:
            return None
        parent, _, leaf = parents.pop().rpartition(".")
        return (f"{family}.{parent}" if parent else family), f"{leaf} as {bound}"

    @classmethod
    def _call(cls, ctx: Context, call: ast.Call) -> Iterator[Diagnostic]:
        qualname = ctx.inference.qualified_name(call.func)
        if qualname is None:
            return
        split = kb.api.split_spelling(qualname)
        if split is None:
            return
        family, path = split
        gone = kb.api.first_missing(path, family)
        if gone in kb.REMOVED_MODULES and path.count(".") == gone.count(".") + 1:
            yield from cls._through_removed_module(ctx, call, family, gone)
            return
        missing = cls._missing(family, path)
        if missing is None:
            return
        if missing != path and not cls._spelled_here(call.func, missing):
            return  # a missing module bound by an import is reported at the import
        message = cls._message(family, missing, path)
        if not message:
            return
        moved = kb.api.moved(missing)
        func = call.func
        if (
            moved is not None
            and missing == path
            and isinstance(func, ast.Attribute)
            and moved.rpartition(".")[0] == path.rpartition(".")[0]
        ):  # keras.optimizers.rmsprop(…): the same object by its Keras 3 name
            leaf = moved.rpartition(".")[2]
            edit = ctx.rename(func, leaf)
            yield ctx.diagnostic(cls, call, message, fix(Applicability.SAFE, f"Use `{leaf}`", edit))
            return
        yield ctx.diagnostic(cls, call, message)

    @classmethod
    def _through_removed_module(
        cls, ctx: Context, call: ast.Call, family: str, gone: str
    ) -> Iterator[Diagnostic]:
        """``keras.utils.np_utils.to_categorical(y)``: the module is gone (KF103 rewrites its
        imports), its names live on one level up: ``keras.utils.to_categorical(y)``."""
        func = call.func
        inner = func.value if isinstance(func, ast.Attribute) else None
        target = kb.REMOVED_MODULES[gone]
        if not (
            isinstance(func, ast.Attribute)
            and isinstance(inner, ast.Attribute)
            and inner.attr == gone.rsplit(".", 1)[-1]
            and target == gone.rpartition(".")[0]
            and kb.api.exists(f"{target}.{func.attr}", family)
        ):
            return  # reported at its import, or left to KF103
        message = f"`{family}.{gone}` no longer exists: `{func.attr}` is in `{family}.{target}`"
        edit = ctx.replace(inner, ctx.code(inner.value))
        yield ctx.diagnostic(
            cls, call, message, fix(Applicability.SAFE, f"Use `{target}.{func.attr}`", edit)
        )

    @staticmethod
    def _spelled_here(func: ast.expr, missing: str) -> bool:
        """Whether the missing part is an attribute written in this expression
        (``tf.keras.layser.Dense``), not a name an import bound."""
        leaf = missing.rsplit(".", 1)[-1]
        node = func
        while isinstance(node, ast.Attribute):
            if node.attr == leaf:
                return True
            node = node.value
        return False
