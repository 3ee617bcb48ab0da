"""The values of the inference: what an expression evaluates to, as far as can
be told statically, and what a Keras model ends in.

Every layer of the inference speaks these; none of them computes anything.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field

from kerasfix import knowledge as kb
from kerasfix.analysis.syntax import Arg, arg, literal, string


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
    # the evaluator of the module that defines it, when that is another
    # module of the project (None: this module)
    owner: object = field(default=None, repr=False)


@dataclass(frozen=True, eq=False)
class ClassRef(Value):
    node: ast.ClassDef = field(repr=False)
    owner: object = field(default=None, repr=False)  # as for Function


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

    @property
    def probability_kind(self) -> str | None:
        """ "categorical", "binary", or None for a head that is not a probability."""
        if self.activation is None:
            return None
        return kb.PROBABILITY_ACTIVATIONS.get(self.activation)

    @property
    def is_logits(self) -> bool:
        return self.activation in kb.LOGIT_ACTIVATIONS

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

    @property
    def starts_rank2(self) -> bool:
        """True if the layer, first in a model, declares a one-dimensional input shape."""
        if arg(self.node, None, "input_dim") is not None:
            return True
        shape = arg(self.node, None, "input_shape")
        return isinstance(shape, ast.Tuple) and len(shape.elts) == 1


@dataclass(frozen=True, eq=False)
class Tensor(Value):
    head: Head | None
    rank2: bool = False
    # a model's symbolic tensor (a KerasTensor: from an Input, while a model is built), not
    # what a model or layer computes from data
    symbolic: bool = False


@dataclass(frozen=True, eq=False)
class Model(Value):
    """A Keras model. ``heads`` is None when its layers cannot be seen."""

    node: ast.AST = field(repr=False)
    heads: tuple[Head | None, ...] | None
    sequential: bool = False  # layers may still be added with .add()
    # built in another module of the project: only what it is crossed over
    foreign: bool = False

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
            return repr(string_of(self.node))
        if self.form == "function":
            return self.info.function
        return f"{self.info.cls}(from_logits={self.from_logits})"


def string_of(node: ast.expr) -> str:
    return string(node) or ""


def const(node: ast.AST | None) -> Value:
    """The value of a literal, or UNKNOWN."""
    known, value = literal(node)
    return Const(value) if known else UNKNOWN


def merge(values: Sequence[Value]) -> Value:
    """One value for several possible ones: they must agree."""
    if not values:
        return UNKNOWN
    first = values[0]
    if all(v is first for v in values):
        return first
    if all(isinstance(v, Model) for v in values):
        models = [v for v in values if isinstance(v, Model)]
        heads = models[0].heads
        if heads is None or any(m.heads is None or len(m.heads) != len(heads) for m in models):
            return Model(models[0].node, None)
        merged = tuple(_merge_heads([m.heads[i] for m in models]) for i in range(len(heads)))  # type: ignore[index]
        return Model(models[0].node, merged if all(h is not False for h in merged) else None)  # type: ignore[arg-type]
    if all(isinstance(v, NonKeras) for v in values):
        return first
    if all(isinstance(v, Const) and v == first for v in values):
        return first
    return UNKNOWN


_UNKNOWN_VALUE = ast.Name("__unknown__", ast.Load())  # an expression no binding reaches


def _merge_heads(heads: list[Head | None]) -> Head | None | bool:
    """One head for the heads several models a name may hold end in: the head itself where it
    is one layer; where they are different layers of the same width, activation and rank
    (each fold of a k-fold loop builds its own), that width and activation without a layer
    to point at; False where they differ."""
    first = heads[0]
    if all(h is None for h in heads):
        return None
    if first is None or any(h is None for h in heads):
        return False
    if all(first.same(h) for h in heads):
        return first
    if first.units is None or first.activation is None:
        return False
    for head in heads:
        assert head is not None
        if (head.units, head.activation, head.rank2) != (
            first.units,
            first.activation,
            first.rank2,
        ):
            return False
    return Head(first.units, first.activation, None, rank2=first.rank2)
