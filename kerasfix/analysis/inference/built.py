"""Whether a model is built (holds its variables) where weights are read into it.

Keras 2 restored a TensorFlow checkpoint lazily, into a model whose variables did not exist
yet; Keras 3 reads a ``.weights.h5`` file only into a built model. A model is known built when
it is the model that wrote the weights (one variable, bound once), a functional model (built
when made), a ``Sequential`` made with its input (``Sequential([Input((8,)), …])``,
``Dense(…, input_shape=…)`` first), or one whose ``build(…)`` is called before. Anything
else: not known.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from kerasfix import knowledge as kb
from kerasfix.analysis.inference.bindings import Bindings
from kerasfix.analysis.inference.keras_models import KerasModels
from kerasfix.analysis.inference.values import Model
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
