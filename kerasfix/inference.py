"""Model inference: what an expression refers to, and what a model ends in.

Rules ask this module questions ("is this receiver a Keras model? what is its
output head? what loss did this compile call receive?"); they never walk
assignments themselves. The answers come from a small abstract interpreter
over the scopes and bindings of :mod:`kerasfix.scopes`:

* a name resolves to the assignment that reaches the use (straight-line code;
  an assignment in a branch or loop that may or may not have run makes the
  answer unknown),
* ``self.attr`` resolves through the assignments to that attribute in the
  enclosing class,
* calls to functions and methods defined in the same module are evaluated
  with their parameters bound to the call's arguments,
* ``Sequential`` models fold their layer list and the ``.add()`` calls that
  run before the use; functional models follow the tensors from ``Input``.

Whenever a step is not certain the answer is ``UNKNOWN``: precision first.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import libcst as cst

from kerasfix import knowledge as kb
from kerasfix.scopes import BUILTIN_NAMES, Access, Binding, Scope
from kerasfix.tree import TreeIndex

# ---------------------------------------------------------------------------
# Abstract values


class Value:
    """What an expression evaluates to, as far as can be told statically."""


@dataclass(frozen=True)
class _Unknown(Value):
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Value = _Unknown()


@dataclass(frozen=True)
class Const(Value):
    value: object


@dataclass(frozen=True)
class Ref(Value):
    """An imported module or attribute, by fully qualified name."""

    qualname: str

    @property
    def keras(self) -> str | None:
        return kb.keras_path(self.qualname)


@dataclass(frozen=True)
class Seq(Value):
    items: tuple[Value, ...]


@dataclass(frozen=True, eq=False)
class Function(Value):
    node: cst.FunctionDef = field(repr=False)
    bound_self: Value | None = None  # for methods looked up on self


@dataclass(frozen=True, eq=False)
class ClassRef(Value):
    node: cst.ClassDef = field(repr=False)


@dataclass(frozen=True)
class NonKeras(Value):
    """Known not to be a Keras model (scikit-learn object, local class ...)."""

    what: str


@dataclass(frozen=True, eq=False)
class Head:
    """The last layer of a model: how many units, which activation."""

    units: int | None  # None: not known
    activation: str | None  # canonical name ("softmax", "linear" ...); None: not known
    layer: cst.Call | None = field(repr=False)  # the call that fixes the units
    activation_arg: cst.Arg | None = field(default=None, repr=False)  # activation=
    activation_layer: cst.Call | None = field(default=None, repr=False)  # later layer
    rank2: bool = False  # the output is known to be (batch, units)

    def same(self, other: Head | None) -> bool:
        return (
            other is not None
            and self.units == other.units
            and self.activation == other.activation
            and self.layer is other.layer
            and self.activation_layer is other.activation_layer
        )


@dataclass(frozen=True, eq=False)
class Layer(Value):
    """A constructed layer (not yet applied to a tensor)."""

    kind: str  # "units", "activation", "pass", "wrapper", "flatten", "other"
    name: str  # layer class name
    node: cst.Call = field(repr=False)
    units: int | None = None
    activation: str | None = None
    activation_arg: cst.Arg | None = field(default=None, repr=False)
    inner: Value | None = None  # wrapped layer


@dataclass(frozen=True, eq=False)
class Tensor(Value):
    head: Head | None
    rank2: bool = False


@dataclass(frozen=True, eq=False)
class Model(Value):
    """A Keras model. ``heads`` is None when its layers cannot be seen."""

    node: cst.CSTNode = field(repr=False)
    heads: tuple[Head | None, ...] | None
    sequential: bool = False  # layers may still be added with .add()

    @property
    def head(self) -> Head | None:
        """The single output head, or None (unknown or several outputs)."""
        if self.heads is None or len(self.heads) != 1:
            return None
        return self.heads[0]


@dataclass(frozen=True, eq=False)
class LossSpec:
    """A loss as given to ``compile``: which loss, and what it assumes."""

    info: kb.LossInfo
    form: str  # "string", "function" or "class"
    node: cst.BaseExpression = field(repr=False)  # where it is written
    from_logits: bool  # the value in force (the default when not given)
    from_logits_arg: cst.Arg | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        if self.form == "string":
            return repr(_string(self.node))
        if self.form == "function":
            return self.info.function
        return f"{self.info.cls}(from_logits={self.from_logits})"


def _string(node: cst.BaseExpression) -> str:
    value = _const(node)
    return value.value if isinstance(value, Const) and isinstance(value.value, str) else ""


# ---------------------------------------------------------------------------
# Helpers on the tree


Env = dict[tuple[int, str], tuple[cst.BaseExpression, "Env"]]
_MAX_DEPTH = 40
# A global read in a function must agree with every binding of the name;
# past this many, the answer is unknown (and the cost stays linear).
_MAX_FREE_BINDINGS = 16
_LOOPS = (cst.For, cst.While)
_BRANCHES = (cst.If, cst.For, cst.While, cst.Try, cst.Match, cst.TryStar)
_SCOPE_NODES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
# Calls that may receive a model without changing its layers.
_HARMLESS_CONSUMERS = frozenset({"print", "len", "id", "type", "repr", "str", "isinstance"})


def arg(call: cst.Call, position: int | None, *keywords: str) -> cst.BaseExpression | None:
    """The expression passed to a parameter, by position or keyword."""
    for a in call.args:
        if a.keyword is not None and a.keyword.value in keywords:
            return a.value
    if position is None:
        return None
    index = 0
    for a in call.args:
        if a.star:
            return None  # *args: positions are unknowable past it
        if a.keyword is not None:
            break
        if index == position:
            return a.value
        index += 1
    return None


def arg_node(call: cst.Call, position: int | None, *keywords: str) -> cst.Arg | None:
    value = arg(call, position, *keywords)
    if value is None:
        return None
    for a in call.args:
        if a.value is value:
            return a
    return None


def _const(node: cst.BaseExpression) -> Value:
    if isinstance(node, cst.Integer):
        try:
            return Const(int(node.value.replace("_", ""), 0))
        except ValueError:
            return UNKNOWN
    if isinstance(node, cst.SimpleString):
        try:
            return Const(node.evaluated_value)
        except Exception:  # noqa: BLE001 - odd prefixes
            return UNKNOWN
    if isinstance(node, cst.Name) and node.value in ("None", "True", "False"):
        return Const({"None": None, "True": True, "False": False}[node.value])
    return UNKNOWN


# ---------------------------------------------------------------------------
# The interpreter


@dataclass
class _ClassInfo:
    node: cst.ClassDef
    methods: dict[str, cst.FunctionDef] = field(default_factory=dict)
    # self.<attr> = value, in the method that assigns it
    attr_assigns: dict[str, list[tuple[cst.BaseExpression, cst.FunctionDef, cst.CSTNode]]] = field(
        default_factory=dict
    )
    # self.<attr>.add(layer) calls, with their method
    attr_adds: dict[str, list[tuple[cst.Call, cst.FunctionDef]]] = field(default_factory=dict)
    # self.<attr> passed to a call or otherwise mutated (pop)
    attr_tainted: set[str] = field(default_factory=set)


class ModelInference:
    """Answers questions about one module. Build once per file; cheap queries."""

    def __init__(self, module: cst.Module, tree: TreeIndex | None = None) -> None:
        self.module = module
        self.tree = tree or TreeIndex(module)
        self.scopes = self.tree.scopes
        self.parents = self.tree.parents
        self._orders: dict[int, list[int]] = {}
        self._nested: dict[tuple[int, str], list[Access]] = {}
        self._quals: dict[tuple[int, str], frozenset[str | None] | None] = {}
        self._imports_among: dict[int, bool] = {}
        self._return_orders: list[int] | None = None
        self._imports: list[tuple[str, str]] | None = None
        self._classes: dict[int, _ClassInfo] = {}
        self._memo: dict[tuple[int, int], Value] = {}
        self._active: set[tuple[int, int]] = set()

    # -- public questions ---------------------------------------------------

    def value_of(self, expr: cst.BaseExpression) -> Value:
        """What ``expr`` evaluates to at its place in the module."""
        return self._eval(expr, {}, 0)

    def model_of(self, expr: cst.BaseExpression) -> Value:
        """A Model, NonKeras, or UNKNOWN for a method-call receiver."""
        value = self.value_of(expr)
        if isinstance(value, (Model, NonKeras)):
            return value
        if isinstance(value, (Ref, Const, Seq, Layer, Tensor, Function, ClassRef)):
            return NonKeras(type(value).__name__)
        return UNKNOWN

    def defines_method(self, receiver: cst.BaseExpression, method: str) -> bool:
        """True for ``self.method(…)`` / ``super().method(…)`` inside a class of
        this module that defines ``method`` itself (or in a local base)."""
        if isinstance(receiver, cst.Call):
            if not (isinstance(receiver.func, cst.Name) and receiver.func.value == "super"):
                return False
        elif not (isinstance(receiver, cst.Name) and self._is_self(receiver)):
            return False
        cls = self.enclosing_class(receiver)
        return cls is not None and self._class_defines(cls, method, deep=True)

    def module_defines_method(self, method: str) -> bool:
        """True if a class in this module, other than a Keras model subclass,
        defines ``method``."""
        for node in self._all_classes():
            if method in self._class_info(node).methods and not self._class_is_keras_model(node):
                return True
        return False

    def _all_classes(self) -> list[cst.ClassDef]:
        return self.tree.classes

    def enclosing_class(self, node: cst.CSTNode) -> cst.ClassDef | None:
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, cst.ClassDef):
                return ancestor
        return None

    def enclosing_function(self, node: cst.CSTNode) -> cst.FunctionDef | None:
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, cst.FunctionDef):
                return ancestor
        return None

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        parents = self.parents
        while node in parents:
            node = parents[node]
            yield node

    def _start(self, node: cst.CSTNode) -> int:
        """Where ``node`` starts, as its rank in source order."""
        return self.tree.order[node]

    def _end(self, node: cst.CSTNode) -> int:
        """The rank of the last node inside ``node``."""
        return self.tree.last[node]

    def scope_of(self, node: cst.CSTNode) -> Scope | None:
        return self.tree.scope_of(node)

    def name_is_free(self, node: cst.CSTNode, name: str) -> bool:
        """True if ``name`` is bound nowhere that ``node`` can see."""
        scope = self.tree.scope_of(node)
        return scope is not None and not scope.bound_anywhere_visible(name)

    def resolves_to_import(self, node: cst.CSTNode, name: str, qualname: str) -> bool:
        """True if ``name`` at ``node`` is only ever the import of ``qualname``."""
        scope = self.tree.scope_of(node)
        if scope is None:
            return False
        return self._import_quals(scope.visible(name), name) == {qualname}

    def keras_spelling(self, api_path: str, at: cst.CSTNode) -> str | None:
        """How this module can name the Keras API object ``api_path``
        (``losses.CategoricalCrossentropy``) with the imports it has, seen
        from ``at``: ``tf.keras.losses.CategoricalCrossentropy``,
        ``keras.losses.…``, ``losses.…``."""
        namespace, _, leaf = api_path.rpartition(".")
        candidates: list[tuple[int, str]] = []
        for bound, qual in self._top_level_imports():
            if not self.resolves_to_import(at, bound, qual):
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

    def _top_level_imports(self) -> list[tuple[str, str]]:
        """(bound name, qualified name) of each distinct module-level import."""
        if self._imports is not None:
            return self._imports
        found: dict[tuple[str, str], None] = {}
        for stmt in self.module.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if not isinstance(small, (cst.Import, cst.ImportFrom)) or isinstance(
                    small.names, cst.ImportStar
                ):
                    continue
                for alias in small.names:
                    bound = alias.evaluated_alias or alias.evaluated_name
                    if isinstance(small, cst.Import) and alias.asname is None:
                        bound = alias.evaluated_name.split(".", 1)[0]
                        qual = bound
                    elif isinstance(small, cst.Import):
                        qual = alias.evaluated_name
                    else:
                        if small.relative or small.module is None:
                            continue
                        module = cst.helpers.get_full_name_for_node(small.module)
                        qual = f"{module}.{alias.evaluated_name}"
                    found[(bound, qual)] = None
        self._imports = list(found)
        return self._imports

    def _import_quals(self, bindings: list[Binding], name: str) -> frozenset[str | None] | None:
        """The qualified names these bindings import as ``name``; None unless
        every one of them is an import."""
        key = (id(bindings), name)
        if key not in self._quals:
            quals = None
            if bindings and all(b.is_import for b in bindings):
                quals = frozenset(_import_qualname(b.node, name) for b in bindings)
            self._quals[key] = quals
        return self._quals[key]

    def _any_import(self, bindings: list[Binding]) -> bool:
        """Whether any of these bindings is an import (asked per use of a
        name, so answered once per binding list)."""
        key = id(bindings)
        found = self._imports_among.get(key)
        if found is None:
            found = self._imports_among[key] = any(b.is_import for b in bindings)
        return found

    def origin(self, expr: cst.BaseExpression, depth: int = 0) -> cst.BaseExpression | None:
        """The expression a name stands for, following the assignment that
        reaches it (``loss = "mse"; compile(loss=loss)`` → ``"mse"``). None
        when that cannot be known."""
        if depth > _MAX_DEPTH:
            return None
        if not isinstance(expr, cst.Name) or expr.value in ("None", "True", "False"):
            return expr
        found = self.scopes.referents(expr)
        if found is None:
            return None
        access, referents = found
        if referents and all(r.is_import for r in referents):
            return expr
        if not referents or self._any_import(referents):
            return None
        if referents[0].scope is not access.scope:
            if len(referents) != 1:
                return None
            assignment: Binding | None = referents[0]
        else:
            assignment = self._reaching(expr, referents)
        if assignment is None or assignment.kind != "name":
            return None
        target = self.parents.get(assignment.node)
        assign = self.parents.get(target) if target is not None else None
        if isinstance(target, cst.AssignTarget) and isinstance(assign, cst.Assign):
            return self.origin(assign.value, depth + 1)
        return None

    def loss_of(self, expr: cst.BaseExpression) -> LossSpec | None:
        """The Keras loss ``expr`` names, or None if it is not one or not known."""
        node = self.origin(expr)
        if node is None:
            return None
        if isinstance(node, cst.SimpleString):
            name = _string(node)
            info = kb.LOSS_BY_STRING.get(name)
            return LossSpec(info, "string", node, False) if info is not None else None
        if isinstance(node, cst.Call):
            func = self.value_of(node.func)
            path = func.keras if isinstance(func, Ref) else None
            if path is None or not path.startswith("losses."):
                return None
            info = kb.LOSS_BY_CLASS.get(path.split(".", 1)[1])
            if info is None:
                return None
            if info.from_logits_position is None:
                return LossSpec(info, "class", node, False)
            if any(a.star for a in node.args):
                return None
            given = arg_node(node, info.from_logits_position, "from_logits")
            if given is None:
                return LossSpec(info, "class", node, False)
            value = self.value_of(given.value)
            if not (isinstance(value, Const) and isinstance(value.value, bool)):
                return None
            return LossSpec(info, "class", node, value.value, given)
        value = self.value_of(node)
        if isinstance(value, Ref):
            path = value.keras
            if path is not None and path.startswith("losses."):
                info = kb.LOSS_BY_FUNCTION.get(path.split(".", 1)[1])
                if info is not None:
                    return LossSpec(info, "function", node, False)
        return None

    def compiled_outputs(self, compile_call: cst.Call) -> list[tuple[Head, LossSpec]]:
        """For ``model.compile(...)``: each output head with the loss it is
        trained with, where both are known."""
        func = compile_call.func
        if not isinstance(func, cst.Attribute):
            return []
        model = self.model_of(func.value)
        if not isinstance(model, Model) or model.heads is None:
            return []
        if any(a.star for a in compile_call.args):
            return []
        loss_expr = arg(compile_call, 1, "loss")
        if loss_expr is None:
            return []
        heads = model.heads
        node = self.origin(loss_expr)
        if node is None:
            return []
        pairs: list[tuple[Head | None, cst.BaseExpression]] = []
        if isinstance(node, (cst.List, cst.Tuple)):
            if len(node.elements) != len(heads):
                return []
            pairs = [(h, e.value) for h, e in zip(heads, node.elements)]
        elif isinstance(node, cst.Dict):
            names = {self._output_name(h): h for h in heads if h is not None}
            for element in node.elements:
                if not isinstance(element, cst.DictElement):
                    return []
                key = _const(element.key)
                if isinstance(key, Const) and key.value in names:
                    pairs.append((names[key.value], element.value))  # type: ignore[index]
        else:
            pairs = [(h, node) for h in heads]  # one loss for every output
        result = []
        for head, expr in pairs:
            if head is None:
                continue
            loss = self.loss_of(expr)
            if loss is not None:
                result.append((head, loss))
        return result

    def _output_name(self, head: Head) -> str | None:
        layer = head.activation_layer or head.layer
        if layer is None:
            return None
        name = arg(layer, None, "name")
        value = _const(name) if name is not None else UNKNOWN
        return value.value if isinstance(value, Const) and isinstance(value.value, str) else None

    # -- evaluation -----------------------------------------------------------

    def _eval(self, expr: cst.BaseExpression, env: Env, depth: int) -> Value:
        if depth > _MAX_DEPTH:
            return UNKNOWN
        key = (id(expr), id(env) if env else 0)
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            return UNKNOWN
        self._active.add(key)
        try:
            value = self._eval_uncached(expr, env, depth + 1)
        finally:
            self._active.discard(key)
        if not env:
            self._memo[key] = value
        return value

    def _eval_uncached(self, expr: cst.BaseExpression, env: Env, depth: int) -> Value:
        if isinstance(expr, (cst.Integer, cst.SimpleString)):
            return _const(expr)
        if isinstance(expr, cst.Name):
            if expr.value in ("None", "True", "False"):
                return _const(expr)
            return self._eval_name(expr, env, depth)
        if isinstance(expr, cst.Attribute):
            return self._eval_attribute(expr, env, depth)
        if isinstance(expr, (cst.List, cst.Tuple)):
            items: list[Value] = []
            for element in expr.elements:
                if isinstance(element, cst.StarredElement):
                    return UNKNOWN
                items.append(self._eval(element.value, env, depth))
            return Seq(tuple(items))
        if isinstance(expr, cst.Call):
            return self._eval_call(expr, env, depth)
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
            inner = self._eval(expr.expression, env, depth)
            if isinstance(inner, Const) and isinstance(inner.value, int):
                return Const(-inner.value)
        return UNKNOWN

    # names ------------------------------------------------------------------

    def _eval_name(self, name: cst.Name, env: Env, depth: int) -> Value:
        found = self.scopes.referents(name)
        if found is None:
            return UNKNOWN
        access, referents = found
        if not referents:
            return Ref(f"builtins.{name.value}") if name.value in BUILTIN_NAMES else UNKNOWN
        quals = self._import_quals(referents, name.value)
        if quals is not None:
            if len(quals) == 1 and None not in quals:
                return Ref(next(iter(quals)))  # type: ignore[arg-type]
            return UNKNOWN
        if self._any_import(referents):
            return UNKNOWN
        if self._is_self(name):
            cls = self.enclosing_class(name)
            return self._instantiate(cls) if cls is not None else UNKNOWN
        if referents[0].scope is not access.scope:
            # a free variable (a global read in a function): it may be read at
            # any time, so every assignment must give the same answer
            if len(referents) > _MAX_FREE_BINDINGS:
                return UNKNOWN
            values = [self._eval_assignment(r, name, env, depth) for r in referents]
            return _merge(values)
        assignment = self._reaching(name, referents)
        if assignment is None:
            return UNKNOWN
        return self._eval_assignment(assignment, name, env, depth)

    def _reaching(self, use: cst.CSTNode, bindings: list[Binding]) -> Binding | None:
        """The one binding (of ``bindings``, all in the use's scope, in source
        order) that reaches ``use``, or None if not certain."""
        if len(bindings) == 1 and not self._after(bindings[0].node, use):
            return bindings[0]
        orders = self._binding_orders(bindings)
        use_start = self._start(use)
        loops = [a for a in self.ancestors(use) if isinstance(a, _LOOPS)]
        if loops:
            # a binding later in an enclosing loop may come from an earlier
            # iteration
            outermost = max(self._end(loop) for loop in loops)
            if bisect_right(orders, outermost) > bisect_right(orders, use_start):
                return None
        found: Binding | None = None
        for index in range(bisect_right(orders, use_start) - 1, -1, -1):
            binding = bindings[index]
            stmt = self._statement(binding.node)
            if stmt is None:
                return None
            if self._end(stmt) < use_start:
                found = binding
                break
            # the statement holds the use: ``x = f(x)`` reads an older
            # binding, but the body of ``for x in …``/``with … as x`` and a
            # parameter's function see this one
            if self._end(binding.node) < use_start and not isinstance(
                stmt, cst.SimpleStatementLine
            ):
                return None
            if loops and any(self._inside(stmt, loop) for loop in loops):
                return None
        if found is None:
            return None
        stmt = self._statement(found.node)
        block = self.parents.get(stmt) if stmt is not None else None
        use_ancestors = set(map(id, self.ancestors(use)))
        # a `with` body always runs: look through it to the enclosing block
        while isinstance(block, cst.IndentedBlock) and id(block) not in use_ancestors:
            owner = self.parents.get(block)
            if not isinstance(owner, cst.With):
                break
            block = self.parents.get(owner)
        if block is None or id(block) not in use_ancestors:
            return None  # assigned in a branch that may not have run
        return found

    def _after(self, node: cst.CSTNode, use: cst.CSTNode) -> bool:
        if isinstance(node, cst.Param):
            return False  # bound before the body runs
        stmt = self._statement(node)
        if stmt is None:
            return True
        if any(a is stmt for a in self.ancestors(use)):
            return True  # x = f(x): the use reads an older binding
        return self._start(stmt) > self._start(use)

    def _statement(self, node: cst.CSTNode) -> cst.CSTNode | None:
        """The statement (simple line or compound) that contains ``node``."""
        current: cst.CSTNode | None = node
        while current is not None:
            if isinstance(current, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                return current
            current = self.parents.get(current)
        return None

    def _inside(self, node: cst.CSTNode, container: cst.CSTNode) -> bool:
        return any(a is container for a in self.ancestors(node))

    def _eval_assignment(
        self, assignment: Binding, use: cst.CSTNode, env: Env, depth: int
    ) -> Value:
        node = assignment.node
        if isinstance(node, cst.FunctionDef):
            return Function(node)
        if isinstance(node, cst.ClassDef):
            return ClassRef(node)
        if isinstance(node, cst.Param):
            return self._eval_param(node, env, depth)
        if not isinstance(node, cst.Name):
            return UNKNOWN
        parent = self.parents.get(node)
        if isinstance(parent, cst.Element):
            return self._eval_unpacked(node, parent, env, depth)
        if isinstance(parent, cst.AssignTarget):
            assign = self.parents.get(parent)
            if not isinstance(assign, cst.Assign):
                return UNKNOWN
            value = self._eval(assign.value, env, depth)
        elif isinstance(parent, cst.AnnAssign) and parent.value is not None:
            value = self._eval(parent.value, env, depth)
        else:
            return UNKNOWN  # for-loop targets, unpacking, augmented ...
        if isinstance(value, Model) and value.sequential and value.heads is not None:
            value = self._with_adds(value, assignment, use, env, depth)
        return value

    def _eval_unpacked(self, node: cst.Name, element: cst.Element, env: Env, depth: int) -> Value:
        """``a, b = 1, 2``: the value at the same index of a literal tuple."""
        target = self.parents.get(element)
        holder = self.parents.get(target) if target is not None else None
        assign = self.parents.get(holder) if holder is not None else None
        if not (
            isinstance(target, (cst.Tuple, cst.List))
            and isinstance(holder, cst.AssignTarget)
            and isinstance(assign, cst.Assign)
            and isinstance(assign.value, (cst.Tuple, cst.List))
        ):
            return UNKNOWN
        targets = target.elements
        values = assign.value.elements
        if len(targets) != len(values) or any(
            isinstance(e, cst.StarredElement) for e in (*targets, *values)
        ):
            return UNKNOWN
        index = next(i for i, e in enumerate(targets) if e is element)
        return self._eval(values[index].value, env, depth)

    def _eval_param(self, param: cst.Param, env: Env, depth: int) -> Value:
        function = next(
            (a for a in self.ancestors(param) if isinstance(a, (cst.FunctionDef, cst.Lambda))),
            None,
        )
        if function is None:
            return UNKNOWN
        bound = env.get((id(function), param.name.value))
        if bound is not None:
            expr, outer = bound
            return self._eval(expr, outer, depth)
        if env and param.default is not None and (id(function), "") in env:
            return self._eval(param.default, env, depth)
        return UNKNOWN

    # attributes -------------------------------------------------------------

    def _eval_attribute(self, expr: cst.Attribute, env: Env, depth: int) -> Value:
        attr = expr.attr.value
        if isinstance(expr.value, cst.Name) and self._is_self(expr.value):
            return self._eval_self_attribute(expr, env, depth)
        base = self._eval(expr.value, env, depth)
        if isinstance(base, Ref):
            return Ref(f"{base.qualname}.{attr}")
        if isinstance(base, Model) and attr in ("output", "outputs"):
            if attr == "output" and base.head is not None:
                return Tensor(base.head)
            return Tensor(None)
        return UNKNOWN

    def _is_self(self, name: cst.Name) -> bool:
        """True if ``name`` is the first parameter of an enclosing method."""
        found = self.scopes.referents(name)
        if found is None:
            return False
        referents = found[1]
        if len(referents) != 1 or referents[0].kind != "param":
            return False
        param = referents[0].node
        if not isinstance(param, cst.Param):
            return False
        function = self.parents.get(self.parents.get(param))  # Param -> Parameters -> Def
        if not isinstance(function, cst.FunctionDef):
            return False
        params = function.params.params or function.params.posonly_params
        if not params or params[0] is not param:
            return False
        if any(
            isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod"
            for d in function.decorators
        ):
            return False
        owner = self.parents.get(self.parents.get(function))  # Def -> IndentedBlock -> Class
        return isinstance(owner, cst.ClassDef)

    def _class_info(self, cls: cst.ClassDef) -> _ClassInfo:
        info = self._classes.get(id(cls))
        if info is not None:
            return info
        info = _ClassInfo(cls)
        self._classes[id(cls)] = info
        body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ()
        for stmt in body:
            if isinstance(stmt, cst.FunctionDef):
                info.methods[stmt.name.value] = stmt
        collector = _SelfAttributeCollector(self, info)
        for method in info.methods.values():
            collector.method = method
            method.visit(collector)
        return info

    def _class_defines(self, cls: cst.ClassDef, method: str, deep: bool) -> bool:
        if method in self._class_info(cls).methods:
            return True
        if not deep:
            return False
        for base in cls.bases:
            value = self._eval(base.value, {}, 0)
            if isinstance(value, ClassRef) and value.node is not cls:
                if self._class_defines(value.node, method, deep=True):
                    return True
        return False

    def _eval_self_attribute(self, expr: cst.Attribute, env: Env, depth: int) -> Value:
        cls = self.enclosing_class(expr)
        if cls is None:
            return UNKNOWN
        info = self._class_info(cls)
        attr = expr.attr.value
        if attr in info.methods and attr not in info.attr_assigns:
            return Function(info.methods[attr], bound_self=Const(None))
        assigns = info.attr_assigns.get(attr, [])
        if not assigns:
            if self._class_is_keras_model(cls) and attr in ("output", "outputs"):
                return Tensor(None)
            return UNKNOWN
        values = []
        use_method = self.enclosing_function(expr)
        for value_expr, method, stmt in assigns:
            if method is use_method and self._start(stmt) > self._start(expr):
                continue  # assigned after this use in the same method
            value = self._eval(value_expr, env, depth)
            if isinstance(value, Model) and value.sequential and value.heads is not None:
                value = self._with_attr_adds(value, info, attr, method, stmt, expr, env, depth)
            values.append(value)
        return _merge(values)

    # calls -----------------------------------------------------------------

    def _eval_call(self, call: cst.Call, env: Env, depth: int) -> Value:
        func = self._eval(call.func, env, depth)
        if isinstance(func, Ref):
            return self._call_ref(func, call, env, depth)
        if isinstance(func, Layer):
            return self._apply_layer(func, call, env, depth)
        if isinstance(func, Model):
            source = arg(call, 0, "inputs", "x")
            if func.head is not None:
                return Tensor(func.head)
            return Tensor(None) if source is not None else UNKNOWN
        if isinstance(func, Function):
            return self._call_function(func, call, env, depth)
        if isinstance(func, ClassRef):
            return self._instantiate(func.node)
        return UNKNOWN

    def _call_ref(self, func: Ref, call: cst.Call, env: Env, depth: int) -> Value:
        path = func.keras
        if path is None:
            if kb.is_non_keras(func.qualname):
                return NonKeras(func.qualname)
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
            return Tensor(None)
        if path.startswith("layers."):
            return self._layer(path.split(".")[-1], call, env, depth)
        return UNKNOWN

    def _call_function(self, func: Function, call: cst.Call, env: Env, depth: int) -> Value:
        node = func.node
        new_env: Env = {(id(node), ""): (call, env)}
        params = list(node.params.posonly_params) + list(node.params.params)
        if func.bound_self is not None and params:
            params = params[1:]
        positional = [a for a in call.args if a.keyword is None]
        if any(a.star for a in call.args):
            return UNKNOWN
        for param, a in zip(params, positional):
            new_env[(id(node), param.name.value)] = (a.value, env)
        for a in call.args:
            if a.keyword is not None:
                new_env[(id(node), a.keyword.value)] = (a.value, env)
        returns = self._returns(node)
        if not returns:
            return UNKNOWN
        values = [self._eval(r, new_env, depth) for r in returns]
        return _merge(values)

    def _returns(self, function: cst.FunctionDef) -> list[cst.BaseExpression]:
        """The values of the function's own return statements (not those of
        functions or classes nested in it)."""
        if self._return_orders is None:
            self._return_orders = [self._start(r) for r in self.tree.returns]
        orders = self._return_orders
        # the module's returns are in source order: the function's own lie in
        # one slice of them
        first = bisect_right(orders, self._start(function))
        last = bisect_right(orders, self._end(function))
        found = []
        for statement in self.tree.returns[first:last]:
            if statement.value is None:
                continue
            owner = next(
                (a for a in self.ancestors(statement) if isinstance(a, _SCOPE_NODES)), None
            )
            if owner is function:
                found.append(statement.value)
        return found

    def _inside_range(self, node: cst.CSTNode, container: cst.CSTNode) -> bool:
        """True if ``node`` lies within ``container``'s subtree (by source order)."""
        return self._start(container) < self._start(node) <= self._end(container)

    def _instantiate(self, cls: cst.ClassDef) -> Value:
        if self._class_is_keras_model(cls):
            for method in kb.REMOVED_MODEL_METHODS:
                if self._class_defines(cls, method, deep=True):
                    return NonKeras(f"class {cls.name.value}")
            return Model(cls, None)
        if self._class_bases_known(cls):
            return NonKeras(f"class {cls.name.value}")
        return UNKNOWN

    def _class_is_keras_model(self, cls: cst.ClassDef) -> bool:
        for base in cls.bases:
            value = self._eval(base.value, {}, 0)
            if isinstance(value, Ref) and value.keras in (kb.SEQUENTIAL, *kb.FUNCTIONAL):
                return True
            if isinstance(value, ClassRef) and value.node is not cls:
                if self._class_is_keras_model(value.node):
                    return True
        return False

    def _class_bases_known(self, cls: cst.ClassDef) -> bool:
        """True if every base is ``object``, a local class with known bases,
        or a non-Keras library class: instances are then not Keras models."""
        for base in cls.bases:
            if base.keyword is not None:
                continue
            value = self._eval(base.value, {}, 0)
            if isinstance(value, Ref) and (
                value.qualname == "builtins.object" or kb.is_non_keras(value.qualname)
            ):
                continue
            if isinstance(value, ClassRef) and value.node is not cls:
                if self._class_bases_known(value.node):
                    continue
            return False
        return True

    # layers and models -------------------------------------------------------

    def _layer(self, name: str, call: cst.Call, env: Env, depth: int) -> Value:
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
        if name in (
            "Flatten",
            "GlobalAveragePooling1D",
            "GlobalAveragePooling2D",
            "GlobalAveragePooling3D",
            "GlobalMaxPooling1D",
            "GlobalMaxPooling2D",
            "GlobalMaxPooling3D",
            "GlobalAvgPool2D",
            "GlobalMaxPool2D",
        ):
            return Layer("flatten", name, call)
        return Layer("other", name, call)

    def _int(self, expr: cst.BaseExpression | None, env: Env, depth: int) -> int | None:
        if expr is None:
            return None
        value = self._eval(expr, env, depth)
        if isinstance(value, Const) and type(value.value) is int:
            return value.value
        return None

    def _activation(self, expr: cst.BaseExpression | None, env: Env, depth: int) -> str | None:
        if expr is None:
            return None
        value = self._eval(expr, env, depth)
        if isinstance(value, Const):
            if value.value is None:
                return "linear"
            if isinstance(value.value, str):
                return value.value.lower()
            return None
        if isinstance(value, Ref):
            return kb.activation_name(value.qualname)
        return None

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
                    rank2=rank2 and layer.name == "Dense",
                ),
                rank2 and layer.name == "Dense",
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

    def _sequential(self, call: cst.Call, env: Env, depth: int) -> Value:
        layers_expr = arg(call, 0, "layers")
        if layers_expr is None:
            return Model(call, (None,), sequential=True)  # layers come from .add()
        layers = self._eval(layers_expr, env, depth)
        if not isinstance(layers, Seq):
            return Model(call, None)
        return Model(call, (self._fold_all(layers.items),), sequential=True)

    def _fold_all(self, layers: Sequence[Value], conditional: Sequence[bool] = ()) -> Head | None:
        head: Head | None = None
        rank2 = _starts_rank2(layers[0]) if layers else False
        for index, layer in enumerate(layers):
            new_head, new_rank2 = self._fold(head, layer, rank2)
            if conditional and conditional[index]:
                if not (new_head is head or (new_head is not None and new_head.same(head))):
                    new_head = None  # may or may not have been added
                new_rank2 = rank2 and new_rank2
            head, rank2 = new_head, new_rank2
        return head

    def _functional(self, call: cst.Call, env: Env, depth: int) -> Value:
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

    def _apply_layer(self, layer: Layer, call: cst.Call, env: Env, depth: int) -> Value:
        source = arg(call, 0, "inputs")
        if source is None:
            return UNKNOWN
        value = self._eval(source, env, depth)
        if not isinstance(value, Tensor):
            value = Tensor(None)
        head, rank2 = self._fold(value.head, layer, value.rank2)
        return Tensor(head, rank2)

    # Sequential.add() -------------------------------------------------------

    def _with_adds(
        self, model: Model, assignment: Binding, use: cst.CSTNode, env: Env, depth: int
    ) -> Model:
        """Fold the ``.add(layer)`` calls made on this binding before ``use``."""
        if not isinstance(model.node, cst.Call):
            return model
        owner = assignment.scope
        same_scope = self.tree.scope_of(use) is owner
        use_start = self._start(use)
        adds: list[tuple[cst.Call, bool]] = []
        for access in self._references(assignment):
            node = access.node
            parent = self.parents.get(node)
            if isinstance(parent, cst.Attribute) and parent.value is node:
                call = self.parents.get(parent)
                attr = parent.attr.value
                if attr == "add" and isinstance(call, cst.Call) and call.func is parent:
                    if access.scope is not owner:
                        return Model(model.node, None)  # added inside another function
                    if same_scope and not self._start(call) < use_start:
                        continue
                    adds.append((call, self._conditional(call, owner)))
                elif attr in ("pop", "layers", "_layers"):
                    return Model(model.node, None)
            elif isinstance(parent, cst.Arg) and not self._harmless_consumer(parent):
                return Model(model.node, None)  # handed to code that may add layers
        if not adds:
            return model
        adds.sort(key=lambda item: self._start(item[0]))
        return self._model_plus(model, adds, env, depth)

    def _references(self, binding: Binding) -> Iterator[Access]:
        """The reads that may see ``binding``: those of its scope from the
        binding up to the next unconditional rebinding (all of them when it
        sits in a loop), and every read from a nested scope."""
        owner = binding.scope
        own = owner.accesses.get(binding.name, [])
        first, stop = 0, len(own)
        stmt = self._statement(binding.node)
        in_loop = stmt is None or any(
            isinstance(a, _LOOPS) for a in self._ancestors_within(stmt, owner.node)
        )
        if not in_loop and stmt is not None:
            orders = self._access_orders(own)
            first = bisect_right(orders, binding.order)
            blocks = {id(a) for a in self._ancestors_within(stmt, owner.node)}
            blocks.add(id(owner.node))
            bindings = owner.bindings[binding.name]
            later = bisect_right(self._binding_orders(bindings), binding.order)
            for rebinding in bindings[later:]:
                if rebinding.kind == "param":
                    continue
                other = self._statement(rebinding.node)
                if other is not None and id(self.parents.get(other)) in blocks:
                    # ``model = wrap(model)`` still reads this binding
                    if isinstance(other, cst.SimpleStatementLine):
                        end = self._end(other)
                    else:
                        end = self._end(rebinding.node)
                    stop = bisect_right(orders, end)
                    break
        yield from own[first:stop]
        yield from self._nested_accesses(owner, binding.name)

    def _binding_orders(self, bindings: list[Binding]) -> list[int]:
        orders = self._orders.get(id(bindings))
        if orders is None:
            orders = self._orders[id(bindings)] = [b.order for b in bindings]
        return orders

    def _access_orders(self, accesses: list[Access]) -> list[int]:
        orders = self._orders.get(id(accesses))
        if orders is None:
            orders = self._orders[id(accesses)] = [self._start(a.node) for a in accesses]
        return orders

    def _nested_accesses(self, owner: Scope, name: str) -> list[Access]:
        key = (id(owner), name)
        found = self._nested.get(key)
        if found is None:
            found = [a for a in self.scopes.accesses_of(owner, name) if a.scope is not owner]
            self._nested[key] = found
        return found

    def _ancestors_within(self, node: cst.CSTNode, owner: cst.CSTNode) -> Iterator[cst.CSTNode]:
        for ancestor in self.ancestors(node):
            if ancestor is owner:
                return
            yield ancestor

    def _with_attr_adds(
        self,
        model: Model,
        info: _ClassInfo,
        attr: str,
        method: cst.FunctionDef,
        assign_stmt: cst.CSTNode,
        use: cst.CSTNode,
        env: Env,
        depth: int,
    ) -> Model:
        if attr in info.attr_tainted:
            return Model(model.node, None)
        same_method = self.enclosing_function(use) is method
        use_start = self._start(use)
        adds: list[tuple[cst.Call, bool]] = []
        for call, add_method in info.attr_adds.get(attr, []):
            if add_method is not method:
                return Model(model.node, None)
            if self._start(call) < self._start(assign_stmt):
                continue
            if same_method and not self._start(call) < use_start:
                continue
            adds.append((call, self._conditional(call, method)))
        if not adds:
            return model
        adds.sort(key=lambda item: self._start(item[0]))
        return self._model_plus(model, adds, env, depth)

    def _model_plus(
        self, model: Model, adds: Sequence[tuple[cst.Call, bool]], env: Env, depth: int
    ) -> Model:
        assert isinstance(model.node, cst.Call)
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

    def _conditional(self, node: cst.CSTNode, scope_owner: object) -> bool:
        """True if ``node`` sits in a branch, loop or try inside its scope."""
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, _BRANCHES):
                return True
            if isinstance(ancestor, (*_SCOPE_NODES, cst.Module)):
                return False
        return False

    def _harmless_consumer(self, arg_node_: cst.Arg) -> bool:
        """True if the call that receives a model cannot add layers to it."""
        call = self.parents.get(arg_node_)
        if not isinstance(call, cst.Call):
            return False
        value = self._eval(call.func, {}, 0)
        if isinstance(value, Ref):
            # builtins and library APIs (keras.utils.plot_model, sklearn ...)
            # do not add layers; helpers from unknown modules might
            root = value.qualname.split(".", 1)[0]
            return (
                root == "builtins"
                or value.keras is not None
                or kb.is_non_keras(value.qualname)
                or root in ("tensorflow", "numpy", "matplotlib")
            )
        if isinstance(value, Function):
            return not any(
                self._inside_range(call, value.node)
                for method in ("add", "pop")
                for call in self.tree.calls_by_attr.get(method, ())
            )
        return False


def _import_qualname(node: cst.CSTNode, bound: str) -> str | None:
    """The qualified name an import statement binds to ``bound``:
    ``import a.b`` binds ``a``; ``import a.b as c`` binds ``c`` to ``a.b``;
    ``from a.b import c as d`` binds ``d`` to ``a.b.c``. None for relative
    imports and star imports."""
    if isinstance(node, cst.Import):
        for alias in node.names:
            full = cst.helpers.get_full_name_for_node(alias.name) or ""
            if alias.asname is not None:
                if alias.evaluated_alias == bound:
                    return full
            elif full.split(".", 1)[0] == bound:
                return bound
        return None
    if isinstance(node, cst.ImportFrom):
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return None
        module = cst.helpers.get_full_name_for_node(node.module)
        for alias in node.names:
            if (alias.evaluated_alias or alias.evaluated_name) == bound:
                return f"{module}.{alias.evaluated_name}"
    return None


def _starts_rank2(first: Value) -> bool:
    """True if the first layer declares a one-dimensional input shape."""
    if not isinstance(first, Layer):
        return False
    if arg(first.node, None, "input_dim") is not None:
        return True
    shape = arg(first.node, None, "input_shape")
    return isinstance(shape, cst.Tuple) and len(shape.elements) == 1


def _merge(values: Sequence[Value]) -> Value:
    """One value for several possible ones: they must agree."""
    if not values:
        return UNKNOWN
    first = values[0]
    if all(v is first for v in values):
        return first
    if all(isinstance(v, Model) for v in values):
        models = [v for v in values if isinstance(v, Model)]
        heads = models[0].heads
        same = heads is not None and all(
            m.heads is not None
            and len(m.heads) == len(heads)
            and all(
                (a is None and b is None) or (a is not None and a.same(b))
                for a, b in zip(m.heads, heads)
            )
            for m in models
        )
        return Model(models[0].node, heads if same else None)
    if all(isinstance(v, NonKeras) for v in values):
        return first
    if all(isinstance(v, Const) and v == first for v in values):
        return first
    return UNKNOWN


class _SelfAttributeCollector(cst.CSTVisitor):
    """Records ``self.x = …``, ``self.x.add(…)`` and ``f(self.x)`` in a class."""

    def __init__(self, inference: ModelInference, info: _ClassInfo) -> None:
        self.inference = inference
        self.info = info
        self.method: cst.FunctionDef | None = None

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def _self_attr(self, node: cst.BaseExpression) -> str | None:
        if (
            isinstance(node, cst.Attribute)
            and isinstance(node.value, cst.Name)
            and self.inference._is_self(node.value)
        ):
            return node.attr.value
        return None

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            attr = self._self_attr(target.target)
            if attr is not None and self.method is not None:
                stmt = self.inference._statement(node) or node
                self.info.attr_assigns.setdefault(attr, []).append((node.value, self.method, stmt))
            elif isinstance(target.target, (cst.Tuple, cst.List)):
                for element in target.target.elements:
                    attr = self._self_attr(element.value)
                    if attr is not None:
                        self.info.attr_tainted.add(attr)
                        self.info.attr_assigns.setdefault(attr, []).append(
                            (cst.Name("__unknown__"), self.method, node)  # type: ignore[arg-type]
                        )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute):
            attr = self._self_attr(func.value)
            if attr is not None:
                if func.attr.value == "add" and self.method is not None:
                    self.info.attr_adds.setdefault(attr, []).append((node, self.method))
                elif func.attr.value == "pop":
                    self.info.attr_tainted.add(attr)
        for a in node.args:
            attr = self._self_attr(a.value)
            if attr is not None:
                callee = node.func
                if not (isinstance(callee, cst.Name) and callee.value in _HARMLESS_CONSUMERS):
                    self.info.attr_tainted.add(attr)
