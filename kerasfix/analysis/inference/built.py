"""Whether a model is built (holds its variables) where weights are read into it.

Keras 2 restored a TensorFlow checkpoint lazily, into a model whose variables did not exist
yet; Keras 3 reads a ``.weights.h5`` file only into a built model. A model is known built when
it is the model that wrote the weights (one variable, bound once), a functional model (built
when made), a ``Sequential`` made with its input (``Sequential([Input((8,)), …])``,
``Dense(…, input_shape=…)`` first), or one whose ``build(…)`` is called before. Anything
else: not known.

A model not known built can be built as the model that wrote the weights was, when both are
made by the same construction (the same code, its names bound to the same values) and the
writer was built with ``build(…)`` of constants before it wrote them (:func:`build_as_writer`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from kerasfix import knowledge as kb
from kerasfix.analysis.inference.bindings import Bindings
from kerasfix.analysis.inference.keras_models import KerasModels
from kerasfix.analysis.inference.values import Model
from kerasfix.analysis.scopes import Binding, Scope
from kerasfix.analysis.tree import TreeIndex

_INPUT_KEYWORDS = frozenset({"input_shape", "input_dim", "batch_input_shape", "batch_shape"})


def built_before(
    bindings: Bindings,
    models: KerasModels,
    tree: TreeIndex,
    api_path: Callable[[ast.expr], str | None],
    expr: ast.expr,
    writer: ast.expr,
) -> bool:
    """Whether the model ``expr`` holds is certainly built where ``expr`` is read: the model
    ``writer`` holds (which wrote weights: one variable bound once), or one of the kinds
    above."""
    if _same_variable(bindings, expr, writer):
        return True
    value = models.value_of(expr)
    if not isinstance(value, Model) or value.foreign:
        return False
    node = value.node
    path = api_path(node.func) if isinstance(node, ast.Call) else None
    if path in kb.FUNCTIONAL and isinstance(node, ast.Call):
        if len(node.args) > 1 or any(k.arg == "outputs" for k in node.keywords):
            return True  # keras.Model(inputs, outputs)
    elif path in kb.MODEL_FACTORIES or (path or "").startswith(kb.APPLICATIONS_NAMESPACE + "."):
        return True
    elif path == kb.SEQUENTIAL and isinstance(node, ast.Call) and _made_with_input(node):
        return True
    return any(
        tree.order[call] < tree.order[expr]
        and isinstance(call.func, ast.Attribute)
        and _same_variable(bindings, expr, call.func.value)
        for call in tree.calls_by_attr.get("build", ())
    )


def _same_variable(bindings: Bindings, expr: ast.expr, writer: ast.expr) -> bool:
    """``model.save_weights(…)`` … ``model.load_weights(…)`` with ``model`` bound once."""
    if not (isinstance(expr, ast.Name) and isinstance(writer, ast.Name) and expr.id == writer.id):
        return False
    read, wrote = bindings.referents(expr), bindings.referents(writer)
    if read is None or wrote is None or len(read[1]) != 1 or len(wrote[1]) != 1:
        return False
    return read[1][0].node is wrote[1][0].node


def build_as_writer(
    bindings: Bindings, tree: TreeIndex, expr: ast.expr, writer: ast.expr, save: ast.AST
) -> ast.Call | None:
    """The ``writer.build(…)`` call that, given to the model ``expr`` holds, builds it as the
    writer was before ``save`` wrote its weights: ``network = Sequential([...])``,
    ``network.build(input_shape=(None, 784))``, … ``network.save_weights(path)``, then
    ``network = Sequential([...])`` made again and ``network.load_weights(path)``. None unless
    both are names bound once there, by the same construction code whose names see the same
    bindings, the writer is built in the statements it was made in (not in a branch), and the
    build's arguments are constants or names bound once in the scope the read is in."""
    made = [_construction(bindings, each) for each in (expr, writer)]
    read, wrote = made
    if read is None or wrote is None or read[0] is wrote[0]:
        return None
    if ast.dump(read[1]) != ast.dump(wrote[1]) or not _same_names(bindings, read[1], wrote[1]):
        return None
    scope = read[2]
    for call in tree.calls_by_attr.get("build", ()):
        if not (tree.order[wrote[1]] < tree.order[call] < tree.order[save]):
            continue
        if (
            not isinstance(call.func, ast.Attribute)
            or _reaching(bindings, call.func.value) is not wrote[0]
        ):
            continue
        if _block(bindings, tree, wrote[1]) != _block(bindings, tree, call):
            return None  # built in a branch, or in a loop, that may not have run
        if any(k.arg is None for k in call.keywords) or any(
            isinstance(a, ast.Starred) for a in call.args
        ):
            return None
        arguments = [*call.args, *(k.value for k in call.keywords)]
        return call if all(_stable(bindings, a, scope) for a in arguments) else None
    return None


def _block(bindings: Bindings, tree: TreeIndex, node: ast.AST) -> tuple[ast.AST, str] | None:
    """The statement list (its owner and field) the statement holding ``node`` is in."""
    statement = bindings.statement(node)
    return tree.block.get(statement) if statement is not None else None


def _construction(bindings: Bindings, expr: ast.expr) -> tuple[Binding, ast.Call, Scope] | None:
    """The binding that certainly reaches the name ``expr`` reads, the call it is made by
    (``network = Sequential([...])``) and the scope of the read."""
    binding = _reaching(bindings, expr)
    if binding is None:
        return None
    assign = bindings.parents.get(binding.node)
    if not (isinstance(assign, ast.Assign) and assign.targets == [binding.node]):
        return None
    if not isinstance(assign.value, ast.Call):
        return None
    return binding, assign.value, binding.scope


def _reaching(bindings: Bindings, expr: ast.expr) -> Binding | None:
    """The one binding that reaches the read of the name ``expr``, or None."""
    seen = _sees(bindings, expr) if isinstance(expr, ast.Name) else None
    return seen if isinstance(seen, Binding) else None


def _same_names(bindings: Bindings, one: ast.AST, other: ast.AST) -> bool:
    """Whether each name read in ``one`` certainly sees the same binding as its counterpart
    in ``other`` (the two have the same code)."""
    for a, b in zip(ast.walk(one), ast.walk(other), strict=True):
        if isinstance(a, ast.Name) and isinstance(b, ast.Name):
            seen = _sees(bindings, a)
            if seen is None or seen != _sees(bindings, b):
                return False
    return True


def _sees(bindings: Bindings, name: ast.Name) -> Binding | str | None:
    """The binding a read of ``name`` certainly sees, ``"builtin"`` for a name bound nowhere,
    None when not certain."""
    found = bindings.referents(name)
    if found is None or not found[1]:
        return "builtin"
    access, seen = found
    if seen[0].scope is access.scope:  # bound where it is read: the binding before it
        return bindings.reaching(name, seen)
    return seen[0] if len(seen) == 1 else None


_CONSTANT_PARTS = (ast.Constant, ast.Tuple, ast.List, ast.BinOp, ast.UnaryOp, ast.operator)
_CONSTANT_PARTS += (ast.unaryop, ast.expr_context, ast.Name)


def _stable(bindings: Bindings, expr: ast.expr, scope: Scope) -> bool:
    """Whether ``expr`` means the same anywhere in ``scope``: made of constants and of names
    bound once, in ``scope`` or the module."""
    for node in ast.walk(expr):
        if not isinstance(node, _CONSTANT_PARTS):
            return False
        if isinstance(node, ast.Name):
            found = bindings.referents(node)
            if found is None or len(found[1]) != 1 or found[0].scope is not scope:
                return False
            if len(scope.visible(node.id)) != 1:
                return False
    return True


def _made_with_input(node: ast.Call) -> bool:
    """``Sequential([Input(…), …])`` or ``Sequential([Dense(…, input_shape=…), …])``."""
    layers = node.args[0] if node.args else None
    if not isinstance(layers, (ast.List, ast.Tuple)) or not layers.elts:
        return False
    first = layers.elts[0]
    if not isinstance(first, ast.Call):
        return False
    func = first.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in ("Input", "InputLayer") or any(k.arg in _INPUT_KEYWORDS for k in first.keywords)
