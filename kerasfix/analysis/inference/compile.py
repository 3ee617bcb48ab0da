"""Compile: the losses a model is trained with, and on which outputs.

Part of the Keras layer of the inference: ``compile(loss=…)`` read as a
:class:`LossSpec` (which loss, in which form, whether it takes logits), and
paired with the output heads of the model it is called on.
"""

from __future__ import annotations

import ast

from kerasfix import knowledge as kb
from kerasfix.analysis.inference.bindings import Bindings
from kerasfix.analysis.inference.keras_models import KerasModels
from kerasfix.analysis.inference.values import (
    UNKNOWN,
    Const,
    Head,
    LossSpec,
    Model,
    Ref,
    const,
    string_of,
)
from kerasfix.analysis.syntax import arg, arg_node, has_star, string


class Compiles:
    """The losses of one module's ``compile`` calls."""

    def __init__(self, bindings: Bindings, models: KerasModels) -> None:
        self.bindings = bindings
        self.models = models

    def loss_of(self, expr: ast.expr) -> LossSpec | None:
        """The Keras loss ``expr`` names, or None if it is not one or not known."""
        node = self.bindings.origin(expr)
        if node is None:
            return None
        if string(node) is not None:
            name = string_of(node)
            info = kb.LOSS_BY_STRING.get(name)
            return LossSpec(info, "string", node, False) if info is not None else None
        if isinstance(node, ast.Call):
            func = self.models.value_of(node.func)
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
            value = self.models.value_of(given.value)
            if not (isinstance(value, Const) and isinstance(value.value, bool)):
                return None
            return LossSpec(info, "class", node, value.value, given)
        value = self.models.value_of(node)
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
        model = self.models.model_of(func.value)
        if not isinstance(model, Model) or model.heads is None:
            return []
        if has_star(compile_call):
            return []
        loss_expr = arg(compile_call, 1, "loss")
        if loss_expr is None:
            return []
        heads = model.heads
        node = self.bindings.origin(loss_expr)
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
                key = const(key_node)
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
        value = const(name) if name is not None else UNKNOWN
        return value.value if isinstance(value, Const) and isinstance(value.value, str) else None

    # -- evaluation -----------------------------------------------------------
