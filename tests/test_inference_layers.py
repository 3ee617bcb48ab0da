"""Each layer of the inference on its own: bindings, evaluation (which knows
no Keras), Keras models, compile, and the facade's receiver query."""

from __future__ import annotations

import ast
import textwrap

import pytest

from kerasfix.analysis.inference import Const, Model, ModelInference, NonKeras, Ref
from kerasfix.analysis.inference.bindings import Bindings, import_qualname, imported
from kerasfix.analysis.inference.compile import Compiles
from kerasfix.analysis.inference.evaluation import Evaluator
from kerasfix.analysis.inference.keras_models import KerasModels
from kerasfix.analysis.inference.values import UNKNOWN
from kerasfix.analysis.tree import TreeIndex


def _parse(source: str) -> tuple[ast.Module, TreeIndex]:
    module = ast.parse(textwrap.dedent(source))
    return module, TreeIndex(module)


def _last_expr(module: ast.Module) -> ast.expr:
    stmt = module.body[-1]
    assert isinstance(stmt, ast.Expr)
    return stmt.value


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("import a.b", [("a", "a")]),
        ("import a.b as c", [("c", "a.b")]),
        ("from a.b import c as d, e", [("d", "a.b.c"), ("e", "a.b.e")]),
        ("from . import x", [("x", None)]),
        ("from a import *", []),
    ],
)
def test_imported_names(statement: str, expected: list[tuple[str, str | None]]) -> None:
    node = ast.parse(statement).body[0]
    assert isinstance(node, (ast.Import, ast.ImportFrom))
    assert list(imported(node)) == expected
    for bound, qual in expected:
        assert import_qualname(node, bound) == qual


def test_bindings_follow_the_reaching_assignment() -> None:
    module, tree = _parse(
        """
        loss = "mse"
        loss = "categorical_crossentropy"
        loss
        """
    )
    origin = Bindings(tree).origin(_last_expr(module))
    assert isinstance(origin, ast.Constant) and origin.value == "categorical_crossentropy"


def test_bindings_say_unknown_after_a_branch() -> None:
    module, tree = _parse(
        """
        loss = "mse"
        if flag:
            loss = "mae"
        loss
        """
    )
    assert Bindings(tree).origin(_last_expr(module)) is None


def test_evaluation_knows_values_and_local_functions_but_no_keras() -> None:
    module, tree = _parse(
        """
        import keras
        def width(n=3):
            return n
        units = width(10)
        model = keras.Sequential([keras.layers.Dense(units)])
        (units, keras.layers, model)
        """
    )
    evaluator = Evaluator(Bindings(tree))
    units, layers, model = _last_expr(module).elts  # type: ignore[attr-defined]
    assert evaluator.value_of(units) == Const(10)
    assert evaluator.value_of(layers) == Ref("keras.layers")
    assert evaluator.value_of(model) is UNKNOWN  # what Sequential builds is the next layer's


def test_keras_models_fold_the_head() -> None:
    module, tree = _parse(
        """
        from tensorflow import keras
        model = keras.Sequential()
        model.add(keras.layers.Dense(8, activation="relu"))
        model.add(keras.layers.Dense(4))
        model.add(keras.layers.Activation("softmax"))
        model
        """
    )
    value = KerasModels(Bindings(tree)).value_of(_last_expr(module))
    assert isinstance(value, Model) and value.head is not None
    assert (value.head.units, value.head.activation) == (4, "softmax")


def test_compile_reads_the_loss_given() -> None:
    module, tree = _parse(
        """
        import keras
        model = keras.Sequential([keras.layers.Dense(3)])
        model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))
        """
    )
    bindings = Bindings(tree)
    compiles = Compiles(bindings, KerasModels(bindings))
    call = _last_expr(module)
    assert isinstance(call, ast.Call)
    [(head, loss)] = compiles.compiled_outputs(call)
    assert head.units == 3 and head.activation == "linear"
    assert loss.from_logits and loss.info.cls == "CategoricalCrossentropy"


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("import keras\nm = keras.models.load_model('m.keras')\nm", "keras"),
        ("from sklearn.svm import SVC\nm = SVC()\nm", "other"),
        ("m = get_model()\nm", "unknown"),
        ("class Mine:\n    def predict_classes(self, x): ...\nm = make()\nm", "other"),
    ],
)
def test_facade_receiver_kind(source: str, kind: str) -> None:
    module, tree = _parse(source)
    inference = ModelInference(module, tree)
    receiver = inference.receiver(_last_expr(module), "predict_classes")
    assert receiver.kind == kind
    if kind == "other" and "SVC" in source:
        assert isinstance(inference.model_of(_last_expr(module)), NonKeras)
