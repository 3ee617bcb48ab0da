"""Keras models: what a call of a Keras API builds, and what a model ends in.

The third layer of the inference. It fills in the evaluator's hooks with
what :mod:`kerasfix.knowledge` says of Keras (and only that): a ``Sequential``
folds its layer list and the ``.add()`` calls that run before the use; a
functional ``Model`` follows the tensors from ``Input`` to its outputs; a
layer is its units and activation; a class is a Keras model when its bases
reach one; an application or ``load_model`` is a model whose head is not seen.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from kerasfix import knowledge as kb
from kerasfix.analysis.inference.classes import ClassInfo
from kerasfix.analysis.inference.evaluation import Env, Evaluator, owner_of
from kerasfix.analysis.inference.values import (
    UNKNOWN,
    ClassRef,
    Const,
    Function,
    Head,
    Layer,
    Model,
    NonKeras,
    Ref,
    Seq,
    Tensor,
    Value,
)
from kerasfix.analysis.scopes import Binding
from kerasfix.analysis.syntax import arg, arg_node


class KerasModels(Evaluator):
    """The evaluator, knowing Keras's models and layers."""

    def model_of(self, expr: ast.expr) -> Value:
        """A Model, NonKeras, or UNKNOWN for a method-call receiver."""
        value = self.value_of(expr)
        if isinstance(value, (Model, NonKeras)):
            return value
        if isinstance(value, (Ref, Const, Seq, Layer, Tensor, Function, ClassRef)):
            return NonKeras(type(value).__name__)
        return UNKNOWN

    # -- the evaluator's hooks -------------------------------------------------

    def call(self, func: Value, call: ast.Call, env: Env, depth: int) -> Value:
        if isinstance(func, Ref):
            return self._call_ref(func, call, env, depth)
        if isinstance(func, Layer):
            return self._apply_layer(func, call, env, depth)
        if isinstance(func, Model):
            source = arg(call, 0, "inputs", "x")
            if source is None and func.head is None:
                return UNKNOWN
            return Tensor(func.head, symbolic=self.symbolic([source] if source else [], env, depth))
        return UNKNOWN

    def attribute(self, base: Value, attr: str) -> Value:
        if isinstance(base, Model) and attr in kb.MODEL_OUTPUT_ATTRIBUTES:
            head = base.head if attr == "output" else None
            return Tensor(head, symbolic=True)
        return UNKNOWN

    def unassigned_self_attribute(self, cls: ast.ClassDef, attr: str) -> Value:
        if self.class_is_keras_model(cls) and attr in kb.MODEL_OUTPUT_ATTRIBUTES:
            return Tensor(None, symbolic=True)
        if attr == kb.CALLBACK_MODEL_ATTRIBUTE and self.class_is_callback(cls):
            trained = self._trained_with(cls)
            # the model being trained: the one fit it is given to, or one not seen
            return trained if trained is not None else Model(cls, None)
        return UNKNOWN

    def _trained_with(self, cls: ast.ClassDef) -> Model | None:
        """The model of the only ``fit(…, callbacks=[…, cls(…), …])`` of the module that
        gives this callback class, when its head is known; None otherwise."""
        cache: dict[int, Model | None] = self.__dict__.setdefault("_trained", {})
        if id(cls) in cache:
            return cache[id(cls)]
        cache[id(cls)] = None  # a callback reached again while resolving: not known
        found: list[Model] = []
        tree = self.bindings.tree
        for method in kb.FIT_METHODS:
            for call in tree.calls_by_attr.get(method, ()):
                given = next((k.value for k in call.keywords if k.arg == "callbacks"), None)
                given = self.bindings.origin(given) if given is not None else None
                if not isinstance(given, (ast.List, ast.Tuple)):
                    continue
                for item in given.elts:
                    made = self.bindings.origin(item) if isinstance(item, ast.Name) else item
                    if not isinstance(made, ast.Call) or not isinstance(call.func, ast.Attribute):
                        continue
                    made_of = self.value_of(made.func)
                    if isinstance(made_of, ClassRef) and made_of.node is cls:
                        found.append(self.model_of(call.func.value))
        model = found[0] if len(found) == 1 else None
        if not isinstance(model, Model) or model.head is None:
            model = None
        cache[id(cls)] = model
        return model

    def annotated(self, param: ast.arg, annotation: Value) -> Value:
        """``clf: keras.Model``: a Keras model whose head is not seen."""
        if isinstance(annotation, Ref) and annotation.keras in (kb.SEQUENTIAL, *kb.FUNCTIONAL):
            return Model(param, None)
        return UNKNOWN

    def exported(self, value: Value) -> Value:
        """A model crosses into another module as what it is (its heads'
        widths and activations), never as the calls that build it here."""
        if isinstance(value, Model):
            if value.heads is None:
                return value
            heads = tuple(
                Head(h.units, h.activation, None, rank2=h.rank2) if h is not None else None
                for h in value.heads
            )
            return Model(value.node, heads, value.sequential, foreign=True)
        return super().exported(value)

    def refine_binding(
        self, value: Value, assignment: Binding, use: ast.AST, env: Env, depth: int
    ) -> Value:
        """Fold the ``.add(layer)`` calls made on this binding before ``use``."""
        if not (isinstance(value, Model) and value.sequential and value.heads is not None):
            return value
        model = value
        if not isinstance(model.node, ast.Call):
            return model
        owner = assignment.scope
        same_scope = self.bindings.tree.scope_of(use) is owner
        use_start = self.bindings.start(use)
        adds: list[tuple[ast.Call, bool]] = []
        for access in self.bindings.references(assignment):
            node = access.node
            parent = self.bindings.parents.get(node)
            if isinstance(parent, ast.Attribute) and parent.value is node:
                call = self.bindings.parents.get(parent)
                attr = parent.attr
                if attr == kb.ADD_LAYER and isinstance(call, ast.Call) and call.func is parent:
                    if access.scope is not owner:
                        return Model(model.node, None)  # added inside another function
                    if same_scope and not self.bindings.start(call) < use_start:
                        continue
                    adds.append((call, self.bindings.conditional(call, owner)))
                elif attr in kb.LAYER_CHANGING_ATTRIBUTES:
                    return Model(model.node, None)
            else:
                receiver = self.bindings.call_receiving(node)
                if receiver is not None and not self._harmless_consumer(receiver):
                    return Model(model.node, None)  # handed to code that may add layers
        if not adds:
            return model
        adds.sort(key=lambda item: self.bindings.start(item[0]))
        return self._model_plus(model, adds, env, depth)

    def surely_held(self, value: Value) -> bool:
        return isinstance(value, Model)

    def refine_self_attribute(
        self,
        value: Value,
        info: ClassInfo,
        attr: str,
        method: ast.FunctionDef | ast.AsyncFunctionDef,
        assign_stmt: ast.AST,
        use: ast.AST,
        env: Env,
        depth: int,
    ) -> Value:
        if not (isinstance(value, Model) and value.sequential and value.heads is not None):
            return value
        model = value
        if attr in info.attr_tainted:
            return Model(model.node, None)
        same_method = self.bindings.enclosing_function(use) is method
        use_start = self.bindings.start(use)
        adds: list[tuple[ast.Call, bool]] = []
        for call, add_method in info.attr_adds.get(attr, []):
            if add_method is not method:
                return Model(model.node, None)
            if self.bindings.start(call) < self.bindings.start(assign_stmt):
                continue
            if same_method and not self.bindings.start(call) < use_start:
                continue
            adds.append((call, self.bindings.conditional(call, method)))
        if not adds:
            return model
        adds.sort(key=lambda item: self.bindings.start(item[0]))
        return self._model_plus(model, adds, env, depth)

    # -- Keras APIs, classes, layers and models ---------------------------------

    def _call_ref(self, func: Ref, call: ast.Call, env: Env, depth: int) -> Value:
        path = func.keras
        if path is None:
            if kb.is_non_keras(func.qualname):
                return NonKeras(func.qualname)
            if func.qualname.startswith(kb.TF_OPS) and self.symbolic(call, env, depth):
                return Tensor(None, symbolic=True)  # Keras 2 made a layer of it (TFOpLambda)
            return UNKNOWN
        if kb.is_non_keras(func.qualname):
            return NonKeras(func.qualname)
        if path == kb.SEQUENTIAL:
            return self._sequential(call, env, depth)
        if path in kb.FUNCTIONAL:
            return self._functional(call, env, depth)
        if path in kb.MODEL_FACTORIES or path.startswith(kb.APPLICATIONS_NAMESPACE + "."):
            return Model(call, None)
        if path in kb.INPUT:
            return Tensor(None, symbolic=True)
        if path.startswith("layers."):
            return self._layer(path.split(".")[-1], call, env, depth)
        return UNKNOWN

    def instantiate(self, cls: ast.ClassDef) -> Value:
        if self.class_is_keras_model(cls):
            for method in kb.REMOVED_MODEL_METHODS:
                if self.class_defines(cls, method, deep=True):
                    return NonKeras(f"class {cls.name}")
            return Model(cls, None)
        if self._class_bases_known(cls):
            return NonKeras(f"class {cls.name}")
        return UNKNOWN

    def instantiate_call(self, cls: ast.ClassDef, call: ast.Call, env: Env, depth: int) -> Value:
        value = self.instantiate(cls)
        if isinstance(value, Model) and value.heads is None:
            head = self._subclass_head(cls, call, env, depth)
            if head is not None:
                return Model(cls, (head,))
        if value is UNKNOWN and self._bases_reach(cls, (kb.LAYERS_NAMESPACE,)):
            return Layer("other", cls.name, call)  # the module's own layer: what it does, unseen
        return value

    def _subclass_head(
        self, cls: ast.ClassDef, call: ast.Call, env: Env, depth: int
    ) -> Head | None:
        """A model subclass whose ``call`` returns ``self.out(…)`` on every
        path, ``self.out`` being one units layer made in ``__init__``: that
        layer is its head (its arguments read with the constructor's)."""
        info = self.class_info(cls)
        method = info.methods.get(kb.SUBCLASS_CALL_METHOD)
        returns = self.bindings.returns(method) if method is not None else []
        new_env = self.constructor_env(cls, call, env)
        if not returns or new_env is None:
            return None
        heads: list[Head] = []
        for returned in returns:
            returned = self.bindings.origin(returned) or returned  # `x = self.out(x)`; `return x`
            func = returned.func if isinstance(returned, ast.Call) else None
            if not (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and self.bindings.is_self(func.value)
            ):
                return None
            assigns = info.attr_assigns.get(func.attr, [])
            if len(assigns) != 1 or assigns[0][1] is not info.methods.get("__init__"):
                return None
            if func.attr in info.attr_tainted:
                return None
            layer = self._eval(assigns[0][0], new_env, depth)
            head, _ = self._fold(None, layer, False)
            if head is None or not isinstance(layer, Layer) or layer.kind != "units":
                return None
            heads.append(head)
        first = heads[0]
        if any((h.units, h.activation) != (first.units, first.activation) for h in heads):
            return None
        return first

    def class_is_keras_model(self, cls: ast.ClassDef) -> bool:
        return self._bases_reach(cls, (kb.SEQUENTIAL, *kb.FUNCTIONAL))

    def class_is_callback(self, cls: ast.ClassDef) -> bool:
        """Whether the bases of ``cls`` reach ``keras.callbacks.Callback``."""
        return self._bases_reach(cls, (kb.CALLBACK,))

    def _bases_reach(self, cls: ast.ClassDef, paths: tuple[str, ...]) -> bool:
        """Whether a base of ``cls``, through the project's classes, is a Keras class in
        ``paths`` (a path ending in ``.``: any class of that namespace)."""
        namespaces = tuple(p for p in paths if p.endswith("."))
        for base in cls.bases:
            value = self._eval(base, {}, 0)
            if isinstance(value, Ref) and value.keras is not None:
                if value.keras in paths or value.keras.startswith(namespaces):
                    return True
            if isinstance(value, ClassRef) and value.node is not cls:
                if owner_of(value, self)._bases_reach(value.node, paths):  # type: ignore[attr-defined]
                    return True
        return False

    def symbolic(self, given: ast.Call | list[ast.expr], env: Env, depth: int) -> bool:
        """Whether an argument of a call (or one of the expressions ``given``) is or holds
        (``[a, b]``, ``x * 0.1``, ``f(x)``) a model's symbolic tensor (a KerasTensor)."""
        call = isinstance(given, ast.Call)
        todo: list[ast.AST] = [*given.args, *given.keywords] if call else list(given)
        while todo:
            node = todo.pop()
            if isinstance(node, (ast.Name, ast.Call, ast.Attribute, ast.Subscript)):
                value = self._eval(node, env, depth + 1)  # type: ignore[arg-type]
                if isinstance(value, Tensor) and value.symbolic:
                    return True
            if not isinstance(node, ast.Lambda):
                todo.extend(ast.iter_child_nodes(node))
        return False

    def _class_bases_known(self, cls: ast.ClassDef) -> bool:
        """True if every base is ``object``, a local class with known bases,
        or a non-Keras library class: instances are then not Keras models."""
        for base in cls.bases:
            value = self._eval(base, {}, 0)
            if isinstance(value, Ref) and (
                value.qualname == "builtins.object" or kb.is_non_keras(value.qualname)
            ):
                continue
            if isinstance(value, ClassRef) and value.node is not cls:
                if owner_of(value, self)._class_bases_known(value.node):  # type: ignore[attr-defined]
                    continue
            return False
        return True

    # layers and models -------------------------------------------------------

    def _layer(self, name: str, call: ast.Call, env: Env, depth: int) -> Value:
        if name in kb.UNITS_LAYERS:
            spec = kb.UNITS_LAYERS[name]
            units_expr = arg(call, 0, *spec.units_keywords)
            units = self._int(units_expr, env, depth)
            act_arg = arg_node(call, spec.activation_position, "activation")
            if act_arg is None:
                activation: str | None = spec.default_activation
            else:
                activation = self._activation(act_arg.value, env, depth)
            return Layer("units", name, call, units, activation, act_arg)
        if name in kb.ACTIVATION_LAYERS:
            activation = kb.ACTIVATION_LAYERS[name]
            if activation is None:
                expr = arg(call, 0, "activation")
                activation = self._activation(expr, env, depth) if expr is not None else None
            return Layer("activation", name, call, activation=activation)
        if name in kb.PASS_THROUGH_LAYERS:
            return Layer("pass", name, call)
        if name in kb.WRAPPER_LAYERS:
            inner = arg(call, 0, "layer")
            value = self._eval(inner, env, depth) if inner is not None else UNKNOWN
            return Layer("wrapper", name, call, inner=value)
        if name in kb.FLATTENING_LAYERS:
            return Layer("flatten", name, call)
        return Layer("other", name, call)

    def _int(self, expr: ast.expr | None, env: Env, depth: int) -> int | None:
        value = self._eval(expr, env, depth) if expr is not None else UNKNOWN
        return value.value if isinstance(value, Const) and type(value.value) is int else None

    def _activation(self, expr: ast.expr | None, env: Env, depth: int) -> str | None:
        value = self._eval(expr, env, depth) if expr is not None else UNKNOWN
        if isinstance(value, Const) and (value.value is None or isinstance(value.value, str)):
            return "linear" if value.value is None else value.value.lower()
        return kb.activation_name(value.qualname) if isinstance(value, Ref) else None

    def _fold(self, head: Head | None, layer: Value, rank2: bool) -> tuple[Head | None, bool]:
        """The head after ``layer`` is applied to a value whose head is ``head``."""
        if isinstance(layer, Model):
            return layer.head, False
        if not isinstance(layer, Layer):
            return None, False
        if layer.kind == "units":
            return (
                Head(
                    layer.units,
                    layer.activation,
                    layer.node,
                    layer.activation_arg,
                    rank2=rank2 and layer.name in kb.RANK2_UNITS_LAYERS,
                ),
                rank2 and layer.name in kb.RANK2_UNITS_LAYERS,
            )
        if layer.kind == "activation":
            units = head.units if head is not None else None
            base = head.layer if head is not None else None
            return (
                Head(
                    units,
                    layer.activation,
                    base,
                    None,
                    layer.node,
                    rank2=head.rank2 if head is not None else False,
                ),
                rank2,
            )
        if layer.kind == "pass":
            return head, rank2
        if layer.kind == "wrapper" and layer.inner is not None:
            inner_head, _ = self._fold(head, layer.inner, False)
            return inner_head, False
        if layer.kind == "flatten":
            return None, True
        return None, False

    def _sequential(self, call: ast.Call, env: Env, depth: int) -> Value:
        layers_expr = arg(call, 0, "layers")
        if layers_expr is None:
            return Model(call, (None,), sequential=True)  # layers come from .add()
        layers = self._eval(layers_expr, env, depth)
        if not isinstance(layers, Seq):
            return Model(call, None)
        return Model(call, (self._fold_all(layers.items),), sequential=True)

    def _fold_all(self, layers: Sequence[Value], conditional: Sequence[bool] = ()) -> Head | None:
        head: Head | None = None
        rank2 = isinstance(layers[0], Layer) and layers[0].starts_rank2 if layers else False
        for index, layer in enumerate(layers):
            new_head, new_rank2 = self._fold(head, layer, rank2)
            if conditional and conditional[index]:
                if not (new_head is head or (new_head is not None and new_head.same(head))):
                    new_head = None  # may or may not have been added
                new_rank2 = rank2 and new_rank2
            head, rank2 = new_head, new_rank2
        return head

    def _functional(self, call: ast.Call, env: Env, depth: int) -> Value:
        outputs_expr = arg(call, 1, "outputs")
        if outputs_expr is None:
            # Model() with no outputs: a subclass-style call; nothing to see
            return Model(call, None)
        outputs = self._eval(outputs_expr, env, depth)
        if isinstance(outputs, Tensor):
            return Model(call, (outputs.head,))
        if isinstance(outputs, Seq):
            heads = tuple(o.head if isinstance(o, Tensor) else None for o in outputs.items)
            # a list of one output is still a list: predict() may return a list
            return Model(call, heads if len(heads) != 1 else heads + (None,))
        return Model(call, None)

    def _apply_layer(self, layer: Layer, call: ast.Call, env: Env, depth: int) -> Value:
        source = arg(call, 0, "inputs")
        if source is None:
            return UNKNOWN
        value = self._eval(source, env, depth)
        if not isinstance(value, Tensor):
            value = Tensor(None)
        head, rank2 = self._fold(value.head, layer, value.rank2)
        return Tensor(head, rank2, value.symbolic)

    # Sequential.add() -------------------------------------------------------

    def _model_plus(
        self, model: Model, adds: Sequence[tuple[ast.Call, bool]], env: Env, depth: int
    ) -> Model:
        assert isinstance(model.node, ast.Call)
        if model.foreign:
            return Model(model.node, None)  # its layers are another module's text
        layers: list[Value] = []
        conditional: list[bool] = []
        initial = arg(model.node, 0, "layers")
        if initial is not None:
            seq = self._eval(initial, env, depth)
            if not isinstance(seq, Seq):
                return Model(model.node, None)
            layers.extend(seq.items)
            conditional.extend([False] * len(seq.items))
        for call, is_conditional in adds:
            layer_expr = arg(call, 0, "layer")
            if layer_expr is None:
                return Model(model.node, None)
            layers.append(self._eval(layer_expr, env, depth))
            conditional.append(is_conditional)
        return Model(model.node, (self._fold_all(layers, conditional),))

    def _harmless_consumer(self, call: ast.Call) -> bool:
        """True if ``call``, which receives a model, cannot add layers to it."""
        value = self._eval(call.func, {}, 0)
        if isinstance(value, Ref):
            # builtins and library APIs (keras.utils.plot_model, sklearn ...)
            # do not add layers; helpers from unknown modules might
            root = value.qualname.split(".", 1)[0]
            return (
                root == "builtins"
                or value.keras is not None
                or kb.is_non_keras(value.qualname)
                or root in kb.LAYER_NEUTRAL_LIBRARIES
            )
        if isinstance(value, Function):
            bindings = owner_of(value, self).bindings  # the module that defines it
            return not any(
                bindings.inside(inner, value.node)
                for method in (kb.ADD_LAYER, kb.REMOVE_LAYER)
                for inner in bindings.tree.calls_by_attr.get(method, ())
            )
        return False
