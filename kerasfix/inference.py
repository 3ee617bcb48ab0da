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

import ast
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from kerasfix import knowledge as kb
from kerasfix.scopes import BUILTIN_NAMES, Access, Binding, Scope
from kerasfix.syntax import (
    BRANCHES,
    COMPOUND,
    FUNCTIONS,
    LOOPS,
    SCOPE_NODES,
    WITHS,
    Arg,
    arg,
    arg_node,
    has_star,
    literal,
    parameter_default,
    string,
)
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
    node: ast.FunctionDef = field(repr=False)
    bound_self: Value | None = None  # for methods looked up on self


@dataclass(frozen=True, eq=False)
class ClassRef(Value):
    node: ast.ClassDef = field(repr=False)


@dataclass(frozen=True)
class NonKeras(Value):
    """Known not to be a Keras model (scikit-learn object, local class ...)."""

    what: str


@dataclass(frozen=True, eq=False)
class Head:
    """The last layer of a model: how many units, which activation."""

    units: int | None  # None: not known
    activation: str | None  # canonical name ("softmax", "linear" ...); None: not known
    layer: ast.Call | None = field(repr=False)  # the call that fixes the units
    activation_arg: Arg | None = field(default=None, repr=False)  # activation=
    activation_layer: ast.Call | None = field(default=None, repr=False)  # later layer
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
    node: ast.Call = field(repr=False)
    units: int | None = None
    activation: str | None = None
    activation_arg: Arg | None = field(default=None, repr=False)
    inner: Value | None = None  # wrapped layer


@dataclass(frozen=True, eq=False)
class Tensor(Value):
    head: Head | None
    rank2: bool = False


@dataclass(frozen=True, eq=False)
class Model(Value):
    """A Keras model. ``heads`` is None when its layers cannot be seen."""

    node: ast.AST = field(repr=False)
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
    node: ast.expr = field(repr=False)  # where it is written
    from_logits: bool  # the value in force (the default when not given)
    from_logits_arg: Arg | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        if self.form == "string":
            return repr(_string(self.node))
        if self.form == "function":
            return self.info.function
        return f"{self.info.cls}(from_logits={self.from_logits})"


def _string(node: ast.expr) -> str:
    return string(node) or ""


# ---------------------------------------------------------------------------
# Helpers on the tree


Env = dict[tuple[int, str], tuple[ast.expr, "Env"]]
_MAX_DEPTH = 40
# A global read in a function must agree with every binding of the name;
# past this many, the answer is unknown (and the cost stays linear).
_MAX_FREE_BINDINGS = 16
# Calls that may receive a model without changing its layers.
_HARMLESS_CONSUMERS = frozenset({"print", "len", "id", "type", "repr", "str", "isinstance"})


def _const(node: ast.AST | None) -> Value:
    known, value = literal(node)
    return Const(value) if known else UNKNOWN


# ---------------------------------------------------------------------------
# The interpreter


@dataclass
class _ClassInfo:
    node: ast.ClassDef
    methods: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    # self.<attr> = value, in the method that assigns it
    attr_assigns: dict[str, list[tuple[ast.expr, ast.FunctionDef, ast.AST]]] = field(
        default_factory=dict
    )
    # self.<attr>.add(layer) calls, with their method
    attr_adds: dict[str, list[tuple[ast.Call, ast.FunctionDef]]] = field(default_factory=dict)
    # self.<attr> passed to a call or otherwise mutated (pop)
    attr_tainted: set[str] = field(default_factory=set)


class ModelInference:
    """Answers questions about one module. Build once per file; cheap queries."""

    def __init__(self, module: ast.Module, tree: TreeIndex | None = None) -> None:
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

    def value_of(self, expr: ast.expr) -> Value:
        """What ``expr`` evaluates to at its place in the module."""
        return self._eval(expr, {}, 0)

    def model_of(self, expr: ast.expr) -> Value:
        """A Model, NonKeras, or UNKNOWN for a method-call receiver."""
        value = self.value_of(expr)
        if isinstance(value, (Model, NonKeras)):
            return value
        if isinstance(value, (Ref, Const, Seq, Layer, Tensor, Function, ClassRef)):
            return NonKeras(type(value).__name__)
        return UNKNOWN

    def defines_method(self, receiver: ast.expr, method: str) -> bool:
        """True for ``self.method(…)`` / ``super().method(…)`` inside a class of
        this module that defines ``method`` itself (or in a local base)."""
        if isinstance(receiver, ast.Call):
            if not (isinstance(receiver.func, ast.Name) and receiver.func.id == "super"):
                return False
        elif not (isinstance(receiver, ast.Name) and self._is_self(receiver)):
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

    def _all_classes(self) -> list[ast.ClassDef]:
        return self.tree.classes

    def enclosing_class(self, node: ast.AST) -> ast.ClassDef | None:
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, ast.ClassDef):
                return ancestor
        return None

    def enclosing_function(self, node: ast.AST) -> ast.FunctionDef | None:
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, ast.FunctionDef):
                return ancestor
        return None

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        parents = self.parents
        while node in parents:
            node = parents[node]
            yield node

    def _start(self, node: ast.AST) -> int:
        """Where ``node`` starts, as its rank in source order."""
        return self.tree.order[node]

    def _end(self, node: ast.AST) -> int:
        """The rank of the last node inside ``node``."""
        return self.tree.last[node]

    def scope_of(self, node: ast.AST) -> Scope | None:
        return self.tree.scope_of(node)

    def name_is_free(self, node: ast.AST, name: str) -> bool:
        """True if ``name`` is bound nowhere that ``node`` can see."""
        scope = self.tree.scope_of(node)
        return scope is not None and not scope.bound_anywhere_visible(name)

    def resolves_to_import(self, node: ast.AST, name: str, qualname: str) -> bool:
        """True if ``name`` at ``node`` is only ever the import of ``qualname``."""
        scope = self.tree.scope_of(node)
        if scope is None:
            return False
        return self._import_quals(scope.visible(name), name) == {qualname}

    def keras_spelling(self, api_path: str, at: ast.AST) -> str | None:
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
            if not isinstance(stmt, (ast.Import, ast.ImportFrom)):
                continue
            for alias in stmt.names:
                if alias.name == "*":
                    continue
                bound = alias.asname or alias.name
                if isinstance(stmt, ast.Import) and alias.asname is None:
                    bound = alias.name.split(".", 1)[0]
                    qual = bound
                elif isinstance(stmt, ast.Import):
                    qual = alias.name
                else:
                    if stmt.level or stmt.module is None:
                        continue
                    qual = f"{stmt.module}.{alias.name}"
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

    def origin(self, expr: ast.expr, depth: int = 0) -> ast.expr | None:
        """The expression a name stands for, following the assignment that
        reaches it (``loss = "mse"; compile(loss=loss)`` → ``"mse"``). None
        when that cannot be known."""
        if depth > _MAX_DEPTH:
            return None
        if not isinstance(expr, ast.Name):
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
        assign = self.parents.get(assignment.node)
        if isinstance(assign, ast.Assign):
            return self.origin(assign.value, depth + 1)
        return None

    def loss_of(self, expr: ast.expr) -> LossSpec | None:
        """The Keras loss ``expr`` names, or None if it is not one or not known."""
        node = self.origin(expr)
        if node is None:
            return None
        if string(node) is not None:
            name = _string(node)
            info = kb.LOSS_BY_STRING.get(name)
            return LossSpec(info, "string", node, False) if info is not None else None
        if isinstance(node, ast.Call):
            func = self.value_of(node.func)
            path = func.keras if isinstance(func, Ref) else None
            if path is None or not path.startswith("losses."):
                return None
            info = kb.LOSS_BY_CLASS.get(path.split(".", 1)[1])
            if info is None:
                return None
            if info.from_logits_position is None:
                return LossSpec(info, "class", node, False)
            if has_star(node):
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

    def compiled_outputs(self, compile_call: ast.Call) -> list[tuple[Head, LossSpec]]:
        """For ``model.compile(...)``: each output head with the loss it is
        trained with, where both are known."""
        func = compile_call.func
        if not isinstance(func, ast.Attribute):
            return []
        model = self.model_of(func.value)
        if not isinstance(model, Model) or model.heads is None:
            return []
        if has_star(compile_call):
            return []
        loss_expr = arg(compile_call, 1, "loss")
        if loss_expr is None:
            return []
        heads = model.heads
        node = self.origin(loss_expr)
        if node is None:
            return []
        pairs: list[tuple[Head | None, ast.expr]] = []
        if isinstance(node, (ast.List, ast.Tuple)):
            if len(node.elts) != len(heads):
                return []
            pairs = list(zip(heads, node.elts))
        elif isinstance(node, ast.Dict):
            names = {self._output_name(h): h for h in heads if h is not None}
            for key_node, value_node in zip(node.keys, node.values):
                if key_node is None:
                    return []  # **other
                key = _const(key_node)
                if isinstance(key, Const) and key.value in names:
                    pairs.append((names[key.value], value_node))  # type: ignore[index]
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

    def _eval(self, expr: ast.expr, env: Env, depth: int) -> Value:
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

    def _eval_uncached(self, expr: ast.expr, env: Env, depth: int) -> Value:
        cls = type(expr)
        if cls is ast.Constant:
            return _const(expr)
        if cls is ast.Name:
            return self._eval_name(expr, env, depth)
        if isinstance(expr, ast.Attribute):
            return self._eval_attribute(expr, env, depth)
        if cls is ast.List or cls is ast.Tuple:
            items: list[Value] = []
            for element in expr.elts:
                if type(element) is ast.Starred:
                    return UNKNOWN
                items.append(self._eval(element, env, depth))
            return Seq(tuple(items))
        if cls is ast.Call:
            return self._eval_call(expr, env, depth)
        if cls is ast.UnaryOp and type(expr.op) is ast.USub:
            inner = self._eval(expr.operand, env, depth)
            if isinstance(inner, Const) and type(inner.value) is int:
                return Const(-inner.value)
        return UNKNOWN

    # names ------------------------------------------------------------------

    def _eval_name(self, name: ast.Name, env: Env, depth: int) -> Value:
        found = self.scopes.referents(name)
        if found is None:
            return UNKNOWN
        access, referents = found
        if not referents:
            return Ref(f"builtins.{name.id}") if name.id in BUILTIN_NAMES else UNKNOWN
        quals = self._import_quals(referents, name.id)
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

    def _reaching(self, use: ast.AST, bindings: list[Binding]) -> Binding | None:
        """The one binding (of ``bindings``, all in the use's scope, in source
        order) that reaches ``use``, or None if not certain."""
        if len(bindings) == 1 and not self._after(bindings[0].node, use):
            return bindings[0]
        orders = self._binding_orders(bindings)
        use_start = self._start(use)
        loops = [a for a in self.ancestors(use) if isinstance(a, LOOPS)]
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
            if self._end(binding.node) < use_start and isinstance(stmt, COMPOUND):
                return None
            if loops and any(self._inside(stmt, loop) for loop in loops):
                return None
        if found is None:
            return None
        stmt = self._statement(found.node)
        blocks = self.tree.block
        block = blocks.get(stmt) if stmt is not None else None
        # the blocks (statement lists) the use sits in, at every depth
        use_blocks = {blocks[a] for a in self.ancestors(use) if a in blocks}
        # a `with` body always runs: look through it to the enclosing block
        while block is not None and block not in use_blocks:
            owner = block[0]
            if not isinstance(owner, WITHS):
                break
            block = blocks.get(owner)
        if block is None or block not in use_blocks:
            return None  # assigned in a branch that may not have run
        return found

    def _after(self, node: ast.AST, use: ast.AST) -> bool:
        if isinstance(node, ast.arg):
            return False  # bound before the body runs
        stmt = self._statement(node)
        if stmt is None:
            return True
        if any(a is stmt for a in self.ancestors(use)):
            return True  # x = f(x): the use reads an older binding
        return self._start(stmt) > self._start(use)

    def _statement(self, node: ast.AST) -> ast.stmt | None:
        """The innermost statement that contains ``node`` (or is it)."""
        current: ast.AST | None = node
        while current is not None:
            if isinstance(current, ast.stmt):
                return current
            current = self.parents.get(current)
        return None

    def _inside(self, node: ast.AST, container: ast.AST) -> bool:
        """True if ``node`` lies within ``container``'s subtree (by source order)."""
        return node is not container and self.tree.contains(container, node)

    def _eval_assignment(self, assignment: Binding, use: ast.AST, env: Env, depth: int) -> Value:
        node = assignment.node
        if isinstance(node, FUNCTIONS):
            return Function(node)
        if isinstance(node, ast.ClassDef):
            return ClassRef(node)
        if isinstance(node, ast.arg):
            return self._eval_param(node, env, depth)
        if not isinstance(node, ast.Name):
            return UNKNOWN
        parent = self.parents.get(node)
        if isinstance(parent, (ast.Tuple, ast.List)):
            return self._eval_unpacked(node, parent, env, depth)
        if isinstance(parent, ast.Assign):
            value = self._eval(parent.value, env, depth)
        elif isinstance(parent, ast.AnnAssign) and parent.value is not None:
            value = self._eval(parent.value, env, depth)
        else:
            return UNKNOWN  # for-loop targets, unpacking, augmented ...
        if isinstance(value, Model) and value.sequential and value.heads is not None:
            value = self._with_adds(value, assignment, use, env, depth)
        return value

    def _eval_unpacked(
        self, node: ast.Name, target: ast.Tuple | ast.List, env: Env, depth: int
    ) -> Value:
        """``a, b = 1, 2``: the value at the same index of a literal tuple."""
        assign = self.parents.get(target)
        if not (isinstance(assign, ast.Assign) and isinstance(assign.value, (ast.Tuple, ast.List))):
            return UNKNOWN
        targets = target.elts
        values = assign.value.elts
        if len(targets) != len(values) or any(type(e) is ast.Starred for e in (*targets, *values)):
            return UNKNOWN
        index = next(i for i, e in enumerate(targets) if e is node)
        return self._eval(values[index], env, depth)

    def _eval_param(self, param: ast.arg, env: Env, depth: int) -> Value:
        function = self.parents.get(param)
        if not isinstance(function, (*FUNCTIONS, ast.Lambda)):
            return UNKNOWN
        bound = env.get((id(function), param.arg))
        if bound is not None:
            expr, outer = bound
            return self._eval(expr, outer, depth)
        default = parameter_default(function.args, param)
        if env and default is not None and (id(function), "") in env:
            return self._eval(default, env, depth)
        return UNKNOWN

    # attributes -------------------------------------------------------------

    def _eval_attribute(self, expr: ast.Attribute, env: Env, depth: int) -> Value:
        attr = expr.attr
        if isinstance(expr.value, ast.Name) and self._is_self(expr.value):
            return self._eval_self_attribute(expr, env, depth)
        base = self._eval(expr.value, env, depth)
        if isinstance(base, Ref):
            return Ref(f"{base.qualname}.{attr}")
        if isinstance(base, Model) and attr in ("output", "outputs"):
            if attr == "output" and base.head is not None:
                return Tensor(base.head)
            return Tensor(None)
        return UNKNOWN

    def _is_self(self, name: ast.Name) -> bool:
        """True if ``name`` is the first parameter of an enclosing method."""
        found = self.scopes.referents(name)
        if found is None:
            return False
        referents = found[1]
        if len(referents) != 1 or referents[0].kind != "param":
            return False
        param = referents[0].node
        if not isinstance(param, ast.arg):
            return False
        function = self.parents.get(param)
        if not isinstance(function, FUNCTIONS):
            return False
        params = function.args.posonlyargs or function.args.args
        if not params or params[0] is not param:
            return False
        if any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in function.decorator_list):
            return False
        return isinstance(self.parents.get(function), ast.ClassDef)

    def _class_info(self, cls: ast.ClassDef) -> _ClassInfo:
        info = self._classes.get(id(cls))
        if info is not None:
            return info
        info = _ClassInfo(cls)
        self._classes[id(cls)] = info
        for stmt in cls.body:
            if isinstance(stmt, FUNCTIONS):
                info.methods[stmt.name] = stmt
        for method in info.methods.values():
            _collect_self_attributes(self, info, method)
        return info

    def _class_defines(self, cls: ast.ClassDef, method: str, deep: bool) -> bool:
        if method in self._class_info(cls).methods:
            return True
        if not deep:
            return False
        for base in cls.bases:
            value = self._eval(base, {}, 0)
            if isinstance(value, ClassRef) and value.node is not cls:
                if self._class_defines(value.node, method, deep=True):
                    return True
        return False

    def _eval_self_attribute(self, expr: ast.Attribute, env: Env, depth: int) -> Value:
        cls = self.enclosing_class(expr)
        if cls is None:
            return UNKNOWN
        info = self._class_info(cls)
        attr = expr.attr
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

    def _eval_call(self, call: ast.Call, env: Env, depth: int) -> Value:
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

    def _call_ref(self, func: Ref, call: ast.Call, env: Env, depth: int) -> Value:
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

    def _call_function(self, func: Function, call: ast.Call, env: Env, depth: int) -> Value:
        node = func.node
        new_env: Env = {(id(node), ""): (call, env)}
        params = [*node.args.posonlyargs, *node.args.args]
        if func.bound_self is not None and params:
            params = params[1:]
        if has_star(call):
            return UNKNOWN
        for param, value in zip(params, call.args):
            new_env[(id(node), param.arg)] = (value, env)
        for keyword in call.keywords:
            new_env[(id(node), keyword.arg)] = (keyword.value, env)  # type: ignore[index]
        returns = self._returns(node)
        if not returns:
            return UNKNOWN
        values = [self._eval(r, new_env, depth) for r in returns]
        return _merge(values)

    def _returns(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
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
            owner = next((a for a in self.ancestors(statement) if isinstance(a, SCOPE_NODES)), None)
            if owner is function:
                found.append(statement.value)
        return found

    def _instantiate(self, cls: ast.ClassDef) -> Value:
        if self._class_is_keras_model(cls):
            for method in kb.REMOVED_MODEL_METHODS:
                if self._class_defines(cls, method, deep=True):
                    return NonKeras(f"class {cls.name}")
            return Model(cls, None)
        if self._class_bases_known(cls):
            return NonKeras(f"class {cls.name}")
        return UNKNOWN

    def _class_is_keras_model(self, cls: ast.ClassDef) -> bool:
        for base in cls.bases:
            value = self._eval(base, {}, 0)
            if isinstance(value, Ref) and value.keras in (kb.SEQUENTIAL, *kb.FUNCTIONAL):
                return True
            if isinstance(value, ClassRef) and value.node is not cls:
                if self._class_is_keras_model(value.node):
                    return True
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
                if self._class_bases_known(value.node):
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

    def _int(self, expr: ast.expr | None, env: Env, depth: int) -> int | None:
        if expr is None:
            return None
        value = self._eval(expr, env, depth)
        if isinstance(value, Const) and type(value.value) is int:
            return value.value
        return None

    def _activation(self, expr: ast.expr | None, env: Env, depth: int) -> str | None:
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
        rank2 = _starts_rank2(layers[0]) if layers else False
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
        return Tensor(head, rank2)

    # Sequential.add() -------------------------------------------------------

    def _with_adds(
        self, model: Model, assignment: Binding, use: ast.AST, env: Env, depth: int
    ) -> Model:
        """Fold the ``.add(layer)`` calls made on this binding before ``use``."""
        if not isinstance(model.node, ast.Call):
            return model
        owner = assignment.scope
        same_scope = self.tree.scope_of(use) is owner
        use_start = self._start(use)
        adds: list[tuple[ast.Call, bool]] = []
        for access in self._references(assignment):
            node = access.node
            parent = self.parents.get(node)
            if isinstance(parent, ast.Attribute) and parent.value is node:
                call = self.parents.get(parent)
                attr = parent.attr
                if attr == "add" and isinstance(call, ast.Call) and call.func is parent:
                    if access.scope is not owner:
                        return Model(model.node, None)  # added inside another function
                    if same_scope and not self._start(call) < use_start:
                        continue
                    adds.append((call, self._conditional(call, owner)))
                elif attr in ("pop", "layers", "_layers"):
                    return Model(model.node, None)
            else:
                receiver = self._call_receiving(node)
                if receiver is not None and not self._harmless_consumer(receiver):
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
            isinstance(a, LOOPS) for a in self._ancestors_within(stmt, owner.node)
        )
        if not in_loop and stmt is not None:
            orders = self._access_orders(own)
            first = bisect_right(orders, binding.order)
            # the statement lists the binding's statement sits in, up to its scope
            blocks = {
                self.tree.block.get(a)
                for a in (stmt, *self._ancestors_within(stmt, owner.node))
                if isinstance(a, ast.stmt)
            }
            blocks.discard(None)
            bindings = owner.bindings[binding.name]
            later = bisect_right(self._binding_orders(bindings), binding.order)
            for rebinding in bindings[later:]:
                if rebinding.kind == "param":
                    continue
                other = self._statement(rebinding.node)
                if other is not None and self.tree.block.get(other) in blocks:
                    # ``model = wrap(model)`` still reads this binding
                    if not isinstance(other, COMPOUND):
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

    def _ancestors_within(self, node: ast.AST, owner: ast.AST) -> Iterator[ast.AST]:
        for ancestor in self.ancestors(node):
            if ancestor is owner:
                return
            yield ancestor

    def _with_attr_adds(
        self,
        model: Model,
        info: _ClassInfo,
        attr: str,
        method: ast.FunctionDef | ast.AsyncFunctionDef,
        assign_stmt: ast.AST,
        use: ast.AST,
        env: Env,
        depth: int,
    ) -> Model:
        if attr in info.attr_tainted:
            return Model(model.node, None)
        same_method = self.enclosing_function(use) is method
        use_start = self._start(use)
        adds: list[tuple[ast.Call, bool]] = []
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
        self, model: Model, adds: Sequence[tuple[ast.Call, bool]], env: Env, depth: int
    ) -> Model:
        assert isinstance(model.node, ast.Call)
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

    def _conditional(self, node: ast.AST, scope_owner: object) -> bool:
        """True if ``node`` sits in a branch, loop or try inside its scope."""
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, BRANCHES):
                return True
            if isinstance(ancestor, (*SCOPE_NODES, ast.Module)):
                return False
        return False

    def _call_receiving(self, node: ast.AST) -> ast.Call | None:
        """The call ``node`` is an argument of (``f(node)``, ``f(x=node)``,
        ``f(*node)``), or None."""
        parent = self.parents.get(node)
        if isinstance(parent, (ast.keyword, ast.Starred)):
            node, parent = parent, self.parents.get(parent)
        if isinstance(parent, ast.Call) and parent.func is not node:
            return parent
        return None

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
                or root in ("tensorflow", "numpy", "matplotlib")
            )
        if isinstance(value, Function):
            return not any(
                self._inside(inner, value.node)
                for method in ("add", "pop")
                for inner in self.tree.calls_by_attr.get(method, ())
            )
        return False


def _import_qualname(node: ast.AST, bound: str) -> str | None:
    """The qualified name an import statement binds to ``bound``:
    ``import a.b`` binds ``a``; ``import a.b as c`` binds ``c`` to ``a.b``;
    ``from a.b import c as d`` binds ``d`` to ``a.b.c``. None for relative
    imports and star imports."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname is not None:
                if alias.asname == bound:
                    return alias.name
            elif alias.name.split(".", 1)[0] == bound:
                return bound
        return None
    if isinstance(node, ast.ImportFrom):
        if node.level or node.module is None:
            return None
        for alias in node.names:
            if alias.name != "*" and (alias.asname or alias.name) == bound:
                return f"{node.module}.{alias.name}"
    return None


def _starts_rank2(first: Value) -> bool:
    """True if the first layer declares a one-dimensional input shape."""
    if not isinstance(first, Layer):
        return False
    if arg(first.node, None, "input_dim") is not None:
        return True
    shape = arg(first.node, None, "input_shape")
    return isinstance(shape, ast.Tuple) and len(shape.elts) == 1


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


_UNKNOWN_VALUE = ast.Name("__unknown__", ast.Load())  # an expression no binding reaches


def _collect_self_attributes(
    inference: ModelInference,
    info: _ClassInfo,
    method: ast.FunctionDef | ast.AsyncFunctionDef,
) -> None:
    """Record ``self.x = …``, ``self.x.add(…)`` and ``f(self.x)`` in one
    method of a class (not in classes nested in it)."""

    def self_attr(node: ast.AST) -> str | None:
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and inference._is_self(node.value)
        ):
            return node.attr
        return None

    stack: list[ast.AST] = [method]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.ClassDef):
            continue
        if isinstance(node, ast.Assign):
            for target in node.targets:
                attr = self_attr(target)
                if attr is not None:
                    info.attr_assigns.setdefault(attr, []).append((node.value, method, node))
                elif isinstance(target, (ast.Tuple, ast.List)):
                    for element in target.elts:
                        attr = self_attr(element)
                        if attr is not None:
                            info.attr_tainted.add(attr)
                            info.attr_assigns.setdefault(attr, []).append(
                                (_UNKNOWN_VALUE, method, node)
                            )
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                attr = self_attr(func.value)
                if attr is not None:
                    if func.attr == "add":
                        info.attr_adds.setdefault(attr, []).append((node, method))
                    elif func.attr == "pop":
                        info.attr_tainted.add(attr)
            values = [a.value if type(a) is ast.Starred else a for a in node.args]
            values.extend(k.value for k in node.keywords)
            for value in values:
                attr = self_attr(value)
                if attr is not None and not (
                    isinstance(func, ast.Name) and func.id in _HARMLESS_CONSUMERS
                ):
                    info.attr_tainted.add(attr)
        children = list(ast.iter_child_nodes(node))
        children.reverse()
        stack.extend(children)
