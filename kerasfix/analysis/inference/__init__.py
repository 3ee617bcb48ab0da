"""Model inference: what rules may ask of a module.

Rules ask questions ("is this receiver a Keras model? what is its output
head? what loss did this compile call receive?"); they never walk assignments
themselves. This facade is all they import; behind it the inference is in
layers, each reading only the one below and :mod:`kerasfix.knowledge`:

* :mod:`~kerasfix.analysis.inference.bindings` — imports as qualified names, the
  assignment that reaches a use, the reads a binding may reach;
* :mod:`~kerasfix.analysis.inference.evaluation` — an abstract interpreter over
  values, the module's own functions and classes (knows nothing of Keras);
* :mod:`~kerasfix.analysis.inference.keras_models` — layers, heads, ``Sequential`` and
  its ``.add()`` calls, functional graphs, Keras model classes;
* :mod:`~kerasfix.analysis.inference.compile` — losses and the outputs they train;
* :mod:`~kerasfix.analysis.inference.values` — the values they all speak.

Whenever a step is not certain the answer is ``UNKNOWN``: precision first.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass

from kerasfix import knowledge as kb
from kerasfix.analysis.inference.across import ProjectModels
from kerasfix.analysis.inference.backend import backend_code, function_sites, mask_inputs_given
from kerasfix.analysis.inference.bindings import Bindings
from kerasfix.analysis.inference.built import build_as_writer, built_before
from kerasfix.analysis.inference.classes import made_by_add_weight, weight_shape_rank
from kerasfix.analysis.inference.compile import Compiles
from kerasfix.analysis.inference.keras_models import KerasModels
from kerasfix.analysis.inference.modules import ProjectModules, files_naming
from kerasfix.analysis.inference.values import (
    UNKNOWN,
    ClassRef,
    Const,
    Function,
    Head,
    Layer,
    LossSpec,
    Model,
    NonKeras,
    Ref,
    Seq,
    Tensor,
    Value,
)
from kerasfix.analysis.tree import TreeIndex

__all__ = [
    "UNKNOWN",
    "ClassRef",
    "Const",
    "Function",
    "Head",
    "Layer",
    "LossSpec",
    "Model",
    "ModelInference",
    "NonKeras",
    "Receiver",
    "Ref",
    "Seq",
    "Tensor",
    "Value",
]


@dataclass(frozen=True)
class Receiver:
    """What ``receiver.method(…)`` is called on, as a rule needs to know it.

    ``kind`` is ``"keras"`` (a Keras model: ``model`` says what is known of
    it), ``"unknown"`` (may be a Keras model: report, never fix as if it were),
    or ``"other"`` (not a Keras model, or a class of the module that defines
    ``method`` itself: say nothing)."""

    kind: str
    model: Model | None = None

    @property
    def head(self) -> Head | None:
        return self.model.head if self.model is not None else None


class ModelInference:
    """Answers questions about one module. Build once per file; cheap queries."""

    def __init__(
        self, module: ast.Module, tree: TreeIndex | None = None, path: str | None = None
    ) -> None:
        """With ``path`` (the module's file), names imported from the other
        modules of its project are followed into them."""
        self.module = module
        self.tree = tree or TreeIndex(module)
        self.bindings = Bindings(self.tree)
        self.path = path
        project = ProjectModules(path) if path is not None else None
        self.models: KerasModels = ProjectModels(self.bindings, project)
        self.compiles = Compiles(self.bindings, self.models)

    # -- values and models ------------------------------------------------------

    def value_of(self, expr: ast.expr) -> Value:
        """What ``expr`` evaluates to at its place in the module."""
        return self.models.value_of(expr)

    def model_of(self, expr: ast.expr) -> Value:
        """A Model, NonKeras, or UNKNOWN for a method-call receiver."""
        return self.models.model_of(expr)

    def receiver(self, receiver: ast.expr, method: str) -> Receiver:
        """Whether ``receiver.method(…)`` is a call on a Keras model."""
        if self.defines_method(receiver, method):
            return Receiver("other")
        value = self.model_of(receiver)
        if isinstance(value, NonKeras):
            return Receiver("other")
        if isinstance(value, Model):
            return Receiver("keras", value)
        if self.module_defines_method(method):
            return Receiver("other")  # the module has its own class with the method
        models = self.models
        if isinstance(models, ProjectModels) and models.imported_classes_define(method):
            return Receiver("other")  # so has a project module it imports
        return Receiver("unknown")

    def defines_method(self, receiver: ast.expr, method: str) -> bool:
        """True for ``self.method(…)`` / ``super().method(…)`` inside a class of
        this module that defines ``method`` itself (or in a local base)."""
        if isinstance(receiver, ast.Call):
            if not (isinstance(receiver.func, ast.Name) and receiver.func.id == "super"):
                return False
            cls = self.bindings.enclosing_class(receiver)
        else:
            cls = self.self_class(receiver)
        return cls is not None and self.models.class_defines(cls, method, deep=True)

    def keras3_base(self, cls: ast.ClassDef) -> str | None:
        """The canonical path (``layers.Layer``, ``models.Model``, ``metrics.Mean``) of the Keras 3
        class ``cls`` derives from, through the module's own classes; None when no base is
        certainly Keras 3's (tf_keras's and TensorFlow's private copy are Keras 2)."""
        seen: set[int] = set()
        todo = [cls]
        while todo:
            node = todo.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            for base in node.bases:
                value = self.value_of(base)
                if isinstance(value, ClassRef) and value.owner is None:
                    todo.append(value.node)
                elif isinstance(value, Ref) and kb.api.split_spelling(value.qualname):
                    path = kb.keras_path(value.qualname)
                    if path:
                        return path
        return None

    def files_naming(self, name: str) -> tuple[str, ...]:
        """The project's other files (scripts beside this one, importable modules) that name the
        file ``name`` too: a rename of it here alone would leave them on the old name."""
        return files_naming(self.path, name) if self.path is not None else ()

    def given_keras_tensor(self, call: ast.Call) -> bool:
        """Whether ``call`` is given a model's tensor while a functional model is built (a
        KerasTensor, alone or in a list), not data. Inside a class only a layer's inputs in its
        ``compute_mask`` are (a layer's or a subclassed model's ``call()`` gets real tensors)."""
        if self.bindings.enclosing_class(call) is not None:
            return mask_inputs_given(self.bindings, self.tree, call, self.keras3_base)
        return self.models.symbolic(call, {}, 0)

    def keras_tensor(self, expr: ast.expr) -> bool:
        """Whether ``expr`` is (or holds) a model's symbolic tensor, outside a class."""
        return self.bindings.enclosing_class(expr) is None and self.models.symbolic([expr], {}, 0)

    def bound_once(self, name: ast.Name) -> bool:
        """Whether ``name`` sees one binding at most (an import, a constant assigned once, a
        builtin)."""
        found = self.bindings.referents(name)
        return found is not None and len(found[1]) <= 1

    def layer_class(self, expr: ast.expr) -> str | None:
        """The Keras layer class (``SimpleRNNCell``) of the layer ``expr`` certainly holds."""
        value = self.value_of(expr)
        return value.name if isinstance(value, Layer) and value.name else None

    @functools.cached_property
    def backend_code(self) -> list[ast.AST]:
        """What of the module Keras runs on its backend (:mod:`.backend`)."""
        classes = [c for c in self.tree.classes if self.keras3_base(c) is not None]
        calls = self.keras_calls(function_sites(self.tree))
        of = self.function_of
        return backend_code(self.tree, self.bindings, classes, calls, of, self.tf_path)

    def built_before(self, expr: ast.expr, writer: ast.expr) -> bool:
        """Whether the model ``expr`` holds is certainly built there (it holds its variables):
        the model ``writer`` holds, a functional model, a Sequential made with its input, or
        one built before (:mod:`~kerasfix.analysis.inference.built`)."""
        return built_before(self.bindings, self.models, self.tree, self.api_path, expr, writer)

    def build_as_writer(self, expr: ast.expr, writer: ast.expr, save: ast.AST) -> ast.Call | None:
        """The ``writer.build(…)`` that builds ``expr``'s model as the writer was."""
        return build_as_writer(self.bindings, self.tree, expr, writer, save)

    def model_class(self, expr: ast.expr) -> str | None:
        """``Sequential`` or ``Model`` for a model ``expr`` certainly holds that a call of one of
        them made (not an instance of a subclass, whose ``call`` is its own)."""
        value = self.value_of(expr)
        if not isinstance(value, Model) or not isinstance(value.node, ast.Call):
            return None
        return "Sequential" if value.sequential else "Model"

    def model_layer(self, expr: ast.expr) -> str | None:
        """What ``expr`` certainly is when it is a Keras model's layer: its class
        (``Dense``) where the layer is known; ``"Layer"`` for one of a ``Sequential``'s layers
        (never an ``InputLayer``) and ``""`` for another known model's, whose class is not seen
        (``model.layers[-1]``, ``model.get_layer("dense")``, the variable of ``for layer in
        model.layers``); None otherwise."""
        known = self.layer_class(expr)
        if known is not None:
            return known
        if isinstance(expr, ast.Name):  # the variable of a loop over the layers
            found = self.bindings.referents(expr)
            target = found[1][0].node if found is not None and len(found[1]) == 1 else None
            loop = self.tree.parents.get(target) if target is not None else None
            if not isinstance(loop, (ast.For, ast.comprehension)) or loop.target is not target:
                return None
            expr = loop.iter
        elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
            if expr.func.attr != "get_layer":
                return None
            expr = ast.Attribute(expr.func.value, "layers")
        while isinstance(expr, ast.Subscript):  # model.layers[-1], model.layers[1:]
            expr = expr.value
        if not (isinstance(expr, ast.Attribute) and expr.attr == "layers"):
            return None
        model = self.model_of(expr.value)
        if not isinstance(model, Model):
            return None
        # a Sequential's layers never include its InputLayer
        made = self.qualified_name(model.node.func) if isinstance(model.node, ast.Call) else None
        return "Layer" if made and kb.keras_path(made) == kb.SEQUENTIAL else ""

    def function_of(self, expr: ast.expr) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The function of this module ``expr`` certainly holds (``loss=my_loss``)."""
        value = self.value_of(expr)
        return value.node if isinstance(value, Function) and value.owner is None else None

    def layer_made(self, expr: ast.expr) -> ast.Call | None:
        """The call that made the layer ``expr`` certainly holds (``SimpleRNNCell(64, …)``)."""
        value = self.value_of(expr)
        return value.node if isinstance(value, Layer) else None

    def holds_keras_metric(self, attribute: ast.Attribute) -> bool:
        """Whether every value the class gives ``self.<name>`` is a Keras 3 metric object."""
        values = self._self_assigned(attribute)
        for value in values:
            qualname = self.qualified_name(value.func) if isinstance(value, ast.Call) else None
            if not (qualname and kb.api.split_spelling(qualname)):
                return False
            if not (kb.keras_path(qualname) or "").startswith("metrics."):
                return False
        return bool(values)

    def weight_rank(self, attribute: ast.Attribute) -> int | None:
        """The dimensions of the weights (literal shapes) the class gives ``self.<name>``."""
        ranks = {weight_shape_rank(self.bindings, v) for v in self._self_assigned(attribute)}
        return ranks.pop() if len(ranks) == 1 else None

    def holds_weight(self, attribute: ast.Attribute) -> bool:
        """Whether ``self.<name>`` is only ever assigned a weight the layer adds."""
        values = self._self_assigned(attribute)
        return bool(values) and all(made_by_add_weight(self.bindings, v) for v in values)

    def _self_assigned(self, attribute: ast.Attribute) -> list[ast.expr]:
        """The values the class assigns to ``self.<name>`` (none where it is not ``self``)."""
        cls = self.self_class(attribute.value)
        assigned = self.models.class_info(cls).attr_assigns.get(attribute.attr, []) if cls else []
        return [value for value, _, _ in assigned]

    def enclosing_method(self, node: ast.AST) -> ast.FunctionDef | None:
        """The function ``node`` is in, when that function is a method of a class."""
        function = self.bindings.enclosing_function(node)
        if function is None or not isinstance(self.tree.parents.get(function), ast.ClassDef):
            return None
        return function

    def self_class(self, name: ast.expr) -> ast.ClassDef | None:
        """The class whose method ``name`` (``self``) is the first parameter of, or None."""
        if not (isinstance(name, ast.Name) and self.bindings.is_self(name)):
            return None
        return self.bindings.enclosing_class(name)

    def module_defines_method(self, method: str) -> bool:
        """True if a class in this module, other than a Keras model subclass,
        defines ``method``."""
        models = self.models
        for node in self.tree.classes:
            if method in models.class_info(node).methods and not models.class_is_keras_model(node):
                return True
        return False

    def qualified_name(self, expr: ast.expr) -> str | None:
        """The fully qualified name ``expr`` certainly stands for (``keras.layers.Dense``
        for ``layers.Dense`` after ``from keras import layers``), or None."""
        value = self.value_of(expr)
        return value.qualname if isinstance(value, Ref) else None

    def api_path(self, expr: ast.expr) -> str | None:
        """The Keras API path ``expr`` certainly stands for (``layers.Lambda``), or None."""
        qualname = self.qualified_name(expr)
        return kb.keras_path(qualname) if qualname else None

    def tf_path(self, expr: ast.expr) -> str | None:
        """The path below ``tensorflow`` of what ``expr`` certainly stands for (``reduce_sum``
        for ``tf.reduce_sum``, ``nn.relu``), or None."""
        qualname = self.qualified_name(expr)
        if qualname is None or not qualname.startswith(kb.TF_OPS):
            return None
        return qualname[len(kb.TF_OPS) :]

    def keras_calls(
        self, names: frozenset[str] | set[str], skip_keras2: bool = False
    ) -> list[tuple[ast.Call, str]]:
        """Calls of Keras API objects whose last name is in ``names``, with the
        object's canonical path (``optimizers.Adam``), in source order. With
        ``skip_keras2``, calls into Keras 2 itself (tf_keras, TensorFlow's
        legacy copy), where Keras 2 APIs still exist, are left out."""
        tree = self.tree
        calls = [
            call
            for name in names
            for call in (*tree.calls_by_name.get(name, ()), *tree.calls_by_attr.get(name, ()))
        ]
        calls.sort(key=lambda c: tree.order[c])
        found = []
        for call in calls:
            value = self.value_of(call.func)
            if isinstance(value, Ref) and not value.qualname.startswith(kb.COMPAT_V1_PREFIX):
                if skip_keras2 and value.qualname.startswith(kb.KERAS2_PACKAGES):
                    continue
                path = value.keras
                if path is not None:
                    found.append((call, path))
        return found

    # -- training -----------------------------------------------------------------

    def trained_model(self, expr: ast.expr) -> Model | None:
        """The Keras model whose ``fit()`` returned ``expr`` (a History, or its
        ``.history`` dict), or None if that is not certain."""
        bindings = self.bindings
        node = bindings.origin(expr)
        if isinstance(node, ast.Attribute) and node.attr == kb.HISTORY_ATTRIBUTE:
            node = bindings.origin(node.value)
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in kb.FIT_METHODS
        ):
            return None
        model = self.model_of(node.func.value)
        return model if isinstance(model, Model) else None

    def compile_calls(self, model: Model) -> list[ast.Call]:
        """The ``compile(…)`` calls made on ``model`` (the same construction),
        in source order."""
        found = []
        for call in self.tree.calls_by_attr.get(kb.COMPILE_METHOD, ()):
            assert isinstance(call.func, ast.Attribute)
            other = self.model_of(call.func.value)
            if isinstance(other, Model) and other.node is model.node:
                found.append(call)
        return found

    # -- compile ----------------------------------------------------------------

    def loss_of(self, expr: ast.expr) -> LossSpec | None:
        """The Keras loss ``expr`` names, or None if it is not one or not known."""
        return self.compiles.loss_of(expr)

    def compiled_outputs(self, compile_call: ast.Call) -> list[tuple[Head, LossSpec]]:
        """For ``model.compile(...)``: each output head with the loss it is
        trained with, where both are known."""
        return self.compiles.compiled_outputs(compile_call)

    def compiled_heads(self) -> list[tuple[Head, LossSpec]]:
        """Every (output head, loss) pair of every ``compile(…)`` call in the
        module, in source order."""
        return [
            pair
            for call in self.tree.calls_by_attr.get(kb.COMPILE_METHOD, ())
            for pair in self.compiled_outputs(call)
        ]

    # -- names ------------------------------------------------------------------

    def origin(self, expr: ast.expr) -> ast.expr | None:
        """The expression a name stands for, following the assignment that
        reaches it (``loss = "mse"; compile(loss=loss)`` → ``"mse"``)."""
        return self.bindings.origin(expr)

    def attributes_used(self, node: ast.AST, bound: str) -> set[str] | None:
        """The attributes read from the name an import binds (``core.Dense``
        → ``{"Dense"}``), or None if the name is used any other way."""
        return self.bindings.attributes_used(node, bound)

    def chains_used(self, node: ast.AST, bound: str) -> list[ast.Attribute] | None:
        """The whole attribute chains read from the name an import binds (``keras.layers.Dense``),
        or None if the name is used any other way."""
        return self.bindings.chains_used(node, bound)

    def attributes_named(self, name: str) -> list[ast.Attribute]:
        """Every ``….name`` attribute in the module, read or written, in source order."""
        return self._attributes.get(name, [])

    @functools.cached_property
    def _attributes(self) -> dict[str, list[ast.Attribute]]:
        # the tree index numbered every node in source order: read the attributes off it
        found: dict[str, list[ast.Attribute]] = {}
        attribute = ast.Attribute
        for node in self.tree.order:
            if type(node) is attribute:
                found.setdefault(node.attr, []).append(node)
        return found

    def chain_aliases(self, roots: set[str]) -> set[str]:
        """``roots`` with the names a plain ``name = root.attr…`` binds to a chain read from
        one of them (``backend = keras.backend``), followed twice."""
        found = set(roots)
        pairs = self._chain_assignments
        for _ in range(2):
            for target, root in pairs:
                if root in found:
                    found.add(target)
        return found

    @functools.cached_property
    def _chain_assignments(self) -> list[tuple[str, str]]:
        pairs = []
        for node in self.tree.block:  # every statement of every block
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
                while isinstance(value, ast.Attribute):
                    value = value.value
                if isinstance(target, ast.Name) and isinstance(value, ast.Name):
                    pairs.append((target.id, value.id))
        return pairs

    def parameters_of(self, expr: ast.expr) -> list[str] | None:
        """The parameter names of the plain function ``expr`` names (``create_model``), or
        None when it is not one (a class, a lambda, an unknown callable, ``*args``)."""
        from kerasfix.analysis.inference.values import Function

        value = self.value_of(expr)
        if not isinstance(value, Function) or value.bound_self is not None:
            return None
        args = value.node.args
        if args.vararg is not None:
            return None
        return [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]

    def calls_of(self, node: ast.AST, bound: str) -> list[ast.Call] | None:
        """The calls of the name an import binds, or None if it is used otherwise."""
        return self.bindings.calls_of(node, bound)

    def name_is_free(self, node: ast.AST, name: str) -> bool:
        """True if ``name`` is bound nowhere that ``node`` can see."""
        return self.bindings.name_is_free(node, name)

    def resolves_to_import(self, node: ast.AST, name: str, qualname: str) -> bool:
        """True if ``name`` at ``node`` is only ever the import of ``qualname``."""
        return self.bindings.resolves_to_import(node, name, qualname)

    def keras_spelling(self, api_path: str, at: ast.AST) -> str | None:
        """How this module can name the Keras API object ``api_path``
        (``losses.CategoricalCrossentropy``) with the imports it has, seen
        from ``at``: ``tf.keras.losses.CategoricalCrossentropy``,
        ``keras.losses.…``, ``losses.…``."""
        namespace, _, leaf = api_path.rpartition(".")
        candidates: list[tuple[int, str]] = []
        for bound, qual in self.bindings.top_level_imports():
            if not self.bindings.resolves_to_import(at, bound, qual):
                continue
            if qual in ("tensorflow",):
                candidates.append((1, f"{bound}.keras.{api_path}"))
                continue
            path = kb.keras_path(qual)
            if path is None:
                continue
            if path == "":
                candidates.append((2, f"{bound}.{api_path}"))
            elif path == namespace:
                candidates.append((3, f"{bound}.{leaf}"))
        if not candidates:
            return None
        return max(candidates)[1]
