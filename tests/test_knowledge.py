"""The Keras knowledge table, checked against the installed Keras.

A Keras release that adds, renames or re-signs a loss, an activation or a
layer the rules rely on fails here instead of silently weakening kerasfix.
"""

from __future__ import annotations

import ast
import inspect
import os

import pytest

from kerasfix import knowledge as kb

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
keras = pytest.importorskip("keras")
pytestmark = pytest.mark.tensorflow

# Layers the tables know from Keras 2 that Keras 3 dropped.
KERAS2_ONLY_LAYERS = {"CuDNNLSTM", "CuDNNGRU", "ThresholdedReLU"}
NOT_LOSSES = {"Loss", "LossFunctionWrapper", "deserialize", "get", "serialize", "Reduction"}


def _public_losses() -> set[str]:
    return {n for n in dir(keras.losses) if not n.startswith("_") and n not in NOT_LOSSES}


def test_every_keras_loss_is_in_the_table() -> None:
    known = set(kb.LOSS_BY_FUNCTION) | set(kb.LOSS_BY_CLASS)
    missing = _public_losses() - known
    assert not missing, f"losses Keras has that the table lacks: {sorted(missing)}"


def test_every_table_name_exists_in_keras() -> None:
    for info in kb.LOSSES:
        assert callable(getattr(keras.losses, info.function)), info.function
        if info.cls:
            assert inspect.isclass(getattr(keras.losses, info.cls)), info.cls


def test_every_string_keras_accepts_is_known_and_agrees() -> None:
    from keras.src import losses as internal

    for name in internal.ALL_OBJECTS_DICT:
        if name in NOT_LOSSES:
            continue
        assert name in kb.LOSS_BY_STRING, f"compile(loss={name!r}) is not in the table"
    for name, info in kb.LOSS_BY_STRING.items():
        if name in kb.LEGACY_LOSS_ALIASES:
            continue
        resolved = keras.losses.get(name)
        resolved_name = getattr(resolved, "__name__", None) or resolved.fn.__name__
        assert resolved_name == info.function, (name, resolved_name)


def test_from_logits_positions_and_defaults() -> None:
    for info in kb.LOSSES:
        function = inspect.signature(getattr(keras.losses, info.function)).parameters
        if info.from_logits_position is None:
            assert "from_logits" not in function, info.function
            continue
        assert function["from_logits"].default is False, info.function
        params = list(inspect.signature(getattr(keras.losses, info.cls).__init__).parameters)
        assert params[1:].index("from_logits") == info.from_logits_position, info.cls


def test_probability_families_match_the_losses() -> None:
    for info in kb.LOSSES:
        takes_logits = info.from_logits_position is not None
        assert takes_logits == info.expects_probabilities, info.function
        if info.expects_probabilities:
            assert ("binary" in info.function) == (info.family == "binary")


def test_activations_exist() -> None:
    import tensorflow as tf

    for name in (*kb.PROBABILITY_ACTIVATIONS, *kb.LOGIT_ACTIVATIONS):
        assert callable(getattr(keras.activations, name))
    for qualified, name in kb.FOREIGN_ACTIVATIONS.items():
        obj = tf
        for part in qualified.split(".")[1:]:
            obj = getattr(obj, part)
        assert callable(obj), qualified
        assert callable(getattr(keras.activations, name))


def test_layers_exist_with_the_signatures_the_rules_read() -> None:
    names = {*kb.UNITS_LAYERS, *kb.ACTIVATION_LAYERS, *kb.PASS_THROUGH_LAYERS, *kb.WRAPPER_LAYERS}
    for name in names - KERAS2_ONLY_LAYERS:
        assert inspect.isclass(getattr(keras.layers, name)), name
    for name, spec in kb.UNITS_LAYERS.items():
        if name in KERAS2_ONLY_LAYERS:
            continue
        params = list(inspect.signature(getattr(keras.layers, name).__init__).parameters)[1:]
        assert params[0] == spec.units_keywords[0], name
        if spec.activation_position is not None:
            assert params[spec.activation_position] == "activation", name
    assert list(inspect.signature(keras.layers.Activation.__init__).parameters)[1] == "activation"


def test_model_constructors_exist() -> None:
    assert keras.models.Sequential is keras.Sequential
    assert keras.models.Model is keras.Model
    for path in kb.MODEL_FACTORIES:
        namespace, name = path.split(".")
        if name in ("model_from_yaml", "model_from_config", "multi_gpu_model"):
            continue  # Keras 2 only
        assert callable(getattr(getattr(keras, namespace), name)), path


@pytest.mark.parametrize(
    ("qualified", "expected"),
    [
        ("tensorflow.keras.layers.Dense", "layers.Dense"),
        ("keras.layers.core.Dense", "layers.Dense"),
        ("tensorflow.python.keras.layers.core.Dense", "layers.Dense"),
        ("tf_keras.layers.Dense", "layers.Dense"),
        ("keras.Sequential", "models.Sequential"),
        ("keras.engine.sequential.Sequential", "models.Sequential"),
        ("tensorflow.keras.Model", "models.Model"),
        ("keras.src.models.sequential.Sequential", "models.Sequential"),
        ("keras.optimizers.legacy.Adam", "optimizers.legacy.Adam"),
        ("keras.losses.CategoricalCrossentropy", "losses.CategoricalCrossentropy"),
        ("kerasfoo.layers.Dense", None),
        ("tensorflow.nn.softmax", None),
    ],
)
def test_keras_path(qualified: str, expected: str | None) -> None:
    assert kb.keras_path(qualified) == expected


def test_legacy_aliases_are_keras2_names() -> None:
    tf_keras = pytest.importorskip("tf_keras")
    for old, new in kb.LEGACY_LOSS_ALIASES.items():
        with pytest.raises(ValueError):
            keras.losses.get(old)
        assert tf_keras.losses.get(old).__name__ in (new, old, f"{new}_loss")


# -- the Keras 3 migration tables ------------------------------------------------------


def test_removed_modules_are_gone_and_targets_have_the_names() -> None:
    import importlib.util

    from kerasfix.knowledge.public_names import PUBLIC_NAMES

    for old, target in kb.REMOVED_MODULES.items():
        try:
            spec = importlib.util.find_spec(f"keras.{old}")
        except ModuleNotFoundError:
            spec = None
        assert spec is None, f"keras.{old} still exists: it is not a removed module"
        assert target in PUBLIC_NAMES
    for namespace, names in PUBLIC_NAMES.items():
        module = getattr(keras, namespace)
        missing = sorted(n for n in names if not hasattr(module, n))
        assert not missing, f"keras.{namespace} lacks {missing}: a rewrite would break"


def test_optimizers_take_learning_rate_and_reject_lr() -> None:
    for name in kb.OPTIMIZERS:
        cls = getattr(keras.optimizers, name)
        assert "learning_rate" in inspect.signature(cls.__init__).parameters, name
        with pytest.raises((ValueError, TypeError)):
            cls(lr=0.1)


def test_generator_signatures_match_keras2_and_targets_keras3() -> None:
    tf_keras = pytest.importorskip("tf_keras")
    for old, (new, positions) in kb.GENERATOR_METHODS.items():
        params = list(inspect.signature(getattr(tf_keras.Model, old)).parameters)[2:]
        assert tuple(params) == positions, old
        accepted = set(inspect.signature(getattr(keras.Model, new)).parameters)
        kept = [p for p in positions if p not in kb.GENERATOR_DROPPED]
        assert set(kept) <= accepted, (new, set(kept) - accepted)
        assert not (kb.GENERATOR_DROPPED & accepted)


def _resolve(root: object, path: str) -> object | None:
    value = root
    for part in path.split(".") if path else ():
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def test_generated_tables_hold_for_the_installed_keras() -> None:
    """tools/gen_keras_api.py's tables against Keras 3 as installed: what they say Keras 3 has
    is there, what they say it lacks is not, and where a name moved to, it is."""
    import keras._tf_keras.keras as tf_namespace

    from kerasfix.knowledge import api

    tables = api._tables()
    for module, names in tables["keras3"].items():
        found = _resolve(keras, module)
        assert found is not None, module
        missing = {n for n in names if not hasattr(found, n)}
        assert not missing, (module, sorted(missing)[:5])
    for module, names in tables["tf_keras3_only"].items():
        found = _resolve(tf_namespace, module)
        assert found is not None and all(hasattr(found, n) for n in names), module
    for path in tables["legacy"]:
        assert _resolve(keras, path) is None, f"keras.{path} exists"
    for old, new in tables["moved"].items():
        assert _resolve(keras, new) is not None, (old, new)
    assert "initializations" in tables["legacy"] and "preprocessing.image" in tables["keras3"]
    made_from = api.generated_from()
    assert made_from["keras"].split(".")[0] == keras.__version__.split(".")[0] == "3"
    assert any(a.startswith("Keras-1.") for a in made_from["archives"])


def test_generated_keyword_renames_land_on_keras3_parameters() -> None:
    from kerasfix.knowledge import api

    for cls, spec in api._tables()["legacy_keywords"].items():
        target = getattr(keras.layers, cls, None) or getattr(keras, cls)
        accepted = {
            p
            for k in target.__mro__
            if "__init__" in k.__dict__
            for p in inspect.signature(k.__dict__["__init__"]).parameters
        }
        for old, new in spec["keywords"].items():
            assert cls == "Model" or new in accepted, (cls, old, new)
            assert old not in accepted or old == new, (cls, old)
    for cls, params in api._tables()["required_now"].items():
        signature = inspect.signature(getattr(keras.layers, cls).__init__).parameters
        for param in params:
            assert signature[param].default is inspect.Parameter.empty, (cls, param)
    assert api.legacy_keywords("Dropout") == {"p": "rate"}
    assert api.legacy_keywords("Model") == {"input": "inputs", "output": "outputs"}
    for name in kb.KERAS1_CONV_KERNEL_POSITIONALS:
        assert hasattr(keras.layers, name), name
    assert "epochs" in inspect.signature(keras.Model.fit).parameters


def test_the_index_is_the_tables() -> None:
    """The small index that loads at start-up says what the tables say."""
    from kerasfix.knowledge import api

    tables = api._tables()
    classes: dict[str, set[str]] = {}
    for cls, spec in tables["legacy_keywords"].items():
        for old in spec["keywords"]:
            classes.setdefault(old, set()).add(cls)
    assert {k: set(v) for k, v in kb.LEGACY_KEYWORD_CLASSES.items()} == classes
    assert set(kb.REQUIRED_NOW_LAYERS) == set(tables["required_now"])


def test_keras1_initializers_exist_in_keras3() -> None:
    for name, (cls, _, _) in kb.KERAS1_INITIALIZERS.items():
        assert hasattr(keras.initializers, cls), (name, cls)


def test_removed_apis_are_removed() -> None:
    for path in kb.REMOVED_APIS:
        namespace, _, leaf = path.rpartition(".")
        module = keras
        for part in namespace.split("."):
            module = getattr(module, part, None)
            if module is None:
                break
        assert module is None or not hasattr(module, leaf), f"keras.{path} still exists"


def test_anchor_words_are_implied_by_every_rule() -> None:
    """A text without any anchor is passed over before a rule is loaded:
    every rule must look at a site whose every word holds an anchor."""
    from kerasfix.analysis.sites import words
    from kerasfix.rules import ALL_RULES, ANCHORS

    for rule in ALL_RULES:
        if rule.meta:
            continue  # reported by the engine from the other rules' results
        assert any(
            words(site) and all(any(anchor in w for anchor in ANCHORS) for w in words(site))
            for site in rule.looks_at
        ), rule.code


def test_tensorflow_backend_functions_kept_off_keras3_variables() -> None:
    """Why KF107 does not move a module using these to `tensorflow.keras.backend`: they fail
    on a Keras 3 variable there, where `assign` (KF109's `set_value` fix) works."""
    import numpy as np

    tf_backend = pytest.importorskip("tensorflow.keras.backend")
    variable = keras.Variable(np.ones(3, dtype="float32"))
    arguments = {
        "set_value": (variable, np.zeros(3)),
        "batch_set_value": ([(variable, np.zeros(3))],),
        "update": (variable, np.zeros(3, dtype="float32")),
        "update_add": (variable, np.ones(3, dtype="float32")),
        "update_sub": (variable, np.ones(3, dtype="float32")),
        "dtype": (variable,),
    }
    assert set(arguments) == set(kb.TF_BACKEND_VARIABLE_FUNCTIONS)
    for name, args in arguments.items():
        with pytest.raises(AttributeError):
            getattr(tf_backend, name)(*args)
    variable.assign(np.zeros(3))
    assert float(tf_backend.get_value(variable).sum()) == 0.0


def test_tf_namespace_gaps_hold_under_tensorflow() -> None:
    """What `tf.keras` lacks over Keras 3 is missing there, and the name given instead is the
    same object (so the rename computes what the old name did)."""
    import tensorflow as tf

    table = kb.api._tables()["tf_namespace_missing"]
    assert table["losses.mean_squared_error"] == "mse"
    for path, same in table.items():
        module, _, name = path.rpartition(".")
        namespace = tf.keras
        for part in module.split(".") if module else []:
            namespace = getattr(namespace, part)
        assert not hasattr(namespace, name), path
        if same:
            kept = keras
            for part in path.split("."):
                kept = getattr(kept, part)
            assert getattr(namespace, same) is kept, path


def test_moved_positionals_are_what_keras3_rejects_or_reads_otherwise() -> None:
    tf_keras = pytest.importorskip("tf_keras")
    start, names = kb.api.keras2_positionals("Layer.add_weight")
    assert (start, names[:2]) == (0, ["name", "shape"])
    params = inspect.signature(keras.layers.Layer.add_weight).parameters
    assert all(n in params for n in names if n)
    start, names = kb.api.keras2_positionals("Model.compile")
    assert names[start] == "metrics"
    assert list(inspect.signature(keras.Model.compile).parameters)[start + 1] != "metrics"
    assert list(inspect.signature(tf_keras.Model.compile).parameters)[start + 1] == "metrics"


def test_lost_methods_and_training_positions_hold() -> None:
    tf_keras = pytest.importorskip("tf_keras")
    assert "reset_states" in kb.api.lost_methods("Model")
    for label, path in (("Model", "Model"), ("Layer", "layers.Layer")):
        new, old = keras, tf_keras
        for part in path.split("."):
            new, old = getattr(new, part), getattr(old, part)
        for method in kb.api.lost_methods(label):
            assert not hasattr(new, method) and hasattr(old, method), (label, method)
    for layer in ("SimpleRNNCell", "LSTMCell", "Dropout"):
        position = kb.api.call_training_position(layer)
        params = list(inspect.signature(getattr(keras.layers, layer).call).parameters)[1:]
        assert params[position] == "training", layer
    assert set(kb.LOST_METHOD_ADVICE) <= set().union(
        *(kb.api.lost_methods(c) for c in ("Model", "Layer", "Metric"))
    )


# Arguments to compute each TensorFlow function and its Keras 3 op on (TensorFlow's names).
def _tf_op_samples(x, y):  # noqa: ANN001, ANN202
    import numpy as np

    idx = np.array([0, 3, 1], dtype="int32")
    return {
        "binary": ((x, y), {}),
        "concat": (([x, y],), {"axis": -1}),
        "stack": (([x, y],), {"axis": 1}),
        "unstack": ((x,), {"axis": 0}),
        "expand_dims": ((x, 1), {}),
        "squeeze": ((x[:, :1],), {"axis": 1}),
        "reshape": ((x, (-1,)), {}),
        "tile": ((x, (2, 1)), {}),
        "transpose": ((x, (1, 0)), {}),
        "clip_by_value": ((x, 0.2, 0.8), {}),
        "one_hot": ((idx, 5), {}),
        "cast": ((x, "int32"), {}),
        "where": ((x > 0.5, x, y), {}),
        "matmul": ((x, np.transpose(y)), {}),
        "reduce": ((x,), {"axis": 1, "keepdims": True}),
        "nn.leaky_relu": ((x - 0.5,), {"alpha": 0.3}),
        "logical_and": ((x > 0.5, y > 0.5), {}),
        "logical_or": ((x > 0.5, y > 0.5), {}),
        "logical_not": ((x > 0.5,), {}),
        "zeros": (((2, 3),), {}),
        "ones": (((2, 3),), {}),
        "range": ((1, 7), {}),
        "round": ((x * 4 - 2,), {}),
        "argmax": ((x,), {"axis": 1}),
        "argmin": ((x,), {}),
        "gather": ((x, np.array([2, 0], dtype="int32")), {}),
        "norm": ((x,), {"axis": -1}),
        "reduce_any": ((x > 0.5,), {"axis": 1}),
        "reduce_all": ((x > 0.2,), {"axis": 1}),
        "tensordot": ((x, np.transpose(y)), {"axes": 1}),
        "image.resize": ((np.stack([x, y])[..., None], (6, 8)), {"method": "nearest"}),
        "cumsum": ((x,), {}),
        "cumprod": ((x,), {"axis": 0}),
        "unary": ((x - 0.25,), {}),
        "broadcast_to": ((x[:1], (3, 4)), {}),
        "repeat": ((x, 2), {"axis": 1}),
        "sort": ((x,), {"axis": 0}),
        "linspace": ((0.0, 1.0, 5), {}),
        "reverse": ((x, [1]), {}),
        "moments": ((x, [1]), {"keepdims": True}),
        "floormod": ((x * 4 - 2, y), {}),
        "mod": ((x * 4 - 2, y), {}),
        "floordiv": ((x * 4 - 2, y), {}),
        "atan2": ((x - 0.5, y - 0.5), {}),
        "logical_xor": ((x > 0.5, y > 0.5), {}),
        "gelu": ((x * 4 - 2,), {}),
        "sigmoid_cross_entropy_with_logits": ((), {"labels": y, "logits": x * 4 - 2}),
        "softmax_cross_entropy_with_logits": (
            (y / y.sum(axis=-1, keepdims=True), x * 4 - 2),
            {"axis": -1},
        ),
        "sparse_softmax_cross_entropy_with_logits": ((idx, x * 4 - 2), {}),
        "cond": ((x.sum() > 1, lambda: x, lambda: y), {}),
        "top_k": ((x,), {"k": 2}),
        "convert_to_tensor": (([[1, 2], [3, 4]],), {}),
        "scatter_nd": ((np.array([[0], [2], [0]]), np.array([1.0, 2.0, 3.0], "float32"), (4,)), {}),
    }


def _defaults_left_out(spec: dict, args: tuple, kwargs: dict) -> dict:
    """The op's arguments for the function's defaults a call leaves out, as KF202 adds them."""
    given = {*list(spec["params"])[: len(args)], *kwargs}
    return {
        spec["params"][name]: ast.literal_eval(value)
        for name, value in spec.get("defaults", {}).items()
        if name not in given
    }


def test_tf_ops_compute_what_tensorflow_computed() -> None:
    """Every TensorFlow function the tables map to a Keras 3 op gives the same numbers from the
    same arguments, passed under the op's parameter names."""
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(0)
    x = rng.random((3, 4)).astype("float32") + 0.1
    y = rng.random((3, 4)).astype("float32") + 0.1
    samples = _tf_op_samples(x, y)
    table = kb.api._tables()["tf_ops"]
    assert {"concat", "reduce_mean", "nn.relu"} <= set(table)
    binary = {"add", "subtract", "multiply", "maximum", "minimum", "pow", "math.pow"}
    binary |= {"equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "truediv"}
    binary |= {"divide_no_nan"}
    for path, spec in table.items():
        leaf = path.rsplit(".", 1)[-1]
        if path in samples:
            key = path
        elif leaf in samples:
            key = leaf
        elif path in binary or leaf in binary or leaf == "divide":
            key = "binary"
        elif "reduce" in leaf:
            key = "reduce"
        else:
            key = "unary"
        args, kwargs = samples[key]
        if path in ("math.log", "log", "sqrt", "math.sqrt", "math.rsqrt"):
            args = (x,)
        function = tf
        for part in path.split("."):
            function = getattr(function, part)
        expected = function(*args, **kwargs)
        op = keras.ops
        for part in spec["op"].split("."):  # `image.resize`
            op = getattr(op, part)
        renamed = {spec["params"][k]: v for k, v in kwargs.items()}
        renamed.update({k: v == "True" for k, v in spec.get("extra", {}).items()})
        renamed.update(_defaults_left_out(spec, args, kwargs))
        got = op(*args, **renamed)
        for e, g in zip(
            expected if isinstance(expected, list) else [expected],
            got if isinstance(got, list) else [got],
        ):
            assert np.allclose(np.asarray(e), np.asarray(g), atol=1e-6), path


def test_backend_ops_compute_what_keras2_computed() -> None:
    """Every Keras 2 backend function (``K.sum``) the tables map to a Keras 3 op gives the same
    numbers from the same arguments, on negative numbers and zeros too; TensorFlow's initializers
    map to Keras's with the same parameters and defaults."""
    import numpy as np
    import tensorflow as tf
    import tf_keras

    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 4)).astype("float32")
    x[0, 0] = 0.0
    y = rng.standard_normal((3, 4)).astype("float32")
    idx = np.array([0, 3, 1], dtype="int32")
    samples = {
        "concatenate": (([x, y],), {}),
        "stack": (([x, y],), {"axis": 1}),
        "expand_dims": ((x,), {}),
        "squeeze": ((x[:, :1],), {"axis": 1}),
        "reshape": ((x, (-1,)), {}),
        "tile": ((x, (2, 1)), {}),
        "transpose": ((x,), {}),
        "permute_dimensions": ((x, (1, 0)), {}),
        "clip": ((x, -0.2, 0.8), {}),
        "one_hot": ((idx, 5), {}),
        "cast": ((x, "int32"), {}),
        "all": ((x > 0,), {"axis": 1}),
        "any": ((x > 0,), {"axis": 1}),
        "log": ((np.abs(x) + 0.1,), {}),
        "pow": ((np.abs(x) + 0.1, 1.5), {}),
        "argmax": ((x,), {}),
        "argmin": ((x,), {"axis": 0}),
        "cumsum": ((x,), {}),
        "cumprod": ((x,), {"axis": 0}),
        "round": ((x * 3,), {}),
        "repeat_elements": ((x, 2, 1), {}),
        "categorical_crossentropy": ((np.eye(4, dtype="float32")[idx], np.abs(x) + 0.1), {}),
        "sparse_categorical_crossentropy": (
            (idx, np.abs(x) / np.abs(x).sum(-1, keepdims=True)),
            {},
        ),
    }
    binary = {"equal", "not_equal", "greater", "greater_equal", "less", "less_equal"}
    binary |= {"maximum", "minimum"}
    table = kb.api._tables()["backend_ops"]
    assert {"sum", "mean", "std", "softmax", "concatenate"} <= set(table)
    for name, spec in table.items():
        if name in samples:
            args, kwargs = samples[name]
        elif name in binary:
            args, kwargs = (x, y), {}
        elif name in ("sum", "mean", "std", "var", "max", "min", "prod"):
            args, kwargs = (x,), {"axis": 1, "keepdims": True}
        else:
            args, kwargs = (x,), {}
        tensors = [[tf.constant(a) for a in arg] if isinstance(arg, list) else arg for arg in args]
        if isinstance(tensors[0], np.ndarray):
            tensors[0] = tf.constant(tensors[0])
        expected = getattr(tf_keras.backend, name)(*tensors, **kwargs)
        renamed = {spec["params"][k]: v for k, v in kwargs.items()}
        renamed.update(_defaults_left_out(spec, args, kwargs))
        got = getattr(keras.ops, spec["op"])(*args, **renamed)
        assert np.allclose(np.asarray(expected), np.asarray(got), atol=1e-5), name
    for name, target in kb.api._tables()["tf_initializers"].items():
        ours = getattr(tf, name)()((2, 3))
        theirs = getattr(keras.initializers, target)()((2, 3))
        assert ours.shape == theirs.shape, name
        if "random" not in name:
            assert np.array_equal(np.asarray(ours), np.asarray(theirs)), name


def test_random_draws_draw_what_tensorflow_drew() -> None:
    """Each TensorFlow or Keras 2 draw the tables map to ``keras.random`` draws the same
    distribution (shape, dtype, mean and spread) from the same arguments, renamed."""
    import numpy as np
    import tensorflow as tf
    import tf_keras

    table = kb.api._tables()["random_ops"]
    assert {"tf.random.normal", "backend.random_normal", "tf.random.uniform"} <= set(table)
    for key, spec in table.items():
        root, path = (tf, key[3:]) if key.startswith("tf.") else (tf_keras.backend, key[8:])
        function = root
        for part in path.split("."):
            function = getattr(function, part)
        kwargs = {"shape": (20000,), "seed": 1}
        if spec["op"] == "dropout":  # (x, rate): the kept values scaled by 1 / (1 - rate)
            x, rate = list(spec["params"])[:2]
            kwargs = {x: np.ones(20000, dtype="float32"), rate: 0.3, "seed": 1}
        expected = np.asarray(function(**kwargs))
        renamed = {spec["params"][k]: v for k, v in kwargs.items()}
        got = np.asarray(getattr(keras.random, spec["op"])(**renamed))
        assert expected.shape == got.shape and expected.dtype == got.dtype, key
        assert abs(expected.mean() - got.mean()) < 0.03, key
        assert abs(expected.std() - got.std()) < 0.03, key


def test_keywords_gone_are_rejected_by_keras3_and_taken_by_keras2() -> None:
    """The generated keyword table holds for the installed packages: what it says Keras 3
    rejects, Keras 3 rejects, and Keras 2 took."""
    tf_keras = pytest.importorskip("tf_keras")
    cases = [
        ("callbacks.ModelCheckpoint", ("m.keras",), "save_best_ony", True),
        ("callbacks.ModelCheckpoint", ("m.keras",), "period", 5),
        ("callbacks.TensorBoard", (), "write_grads", True),
        ("layers.Dense", (3,), "weights", None),
        ("layers.LSTM", (3,), "time_major", False),
    ]
    for path, args, keyword, value in cases:
        spec = kb.api.keywords_gone(path)
        assert spec is not None and (keyword in spec["gone"] or spec["swallowed"]), path
        namespace, name = path.split(".")
        with pytest.raises((TypeError, ValueError)):
            getattr(getattr(keras, namespace), name)(*args, **{keyword: value})
        getattr(getattr(tf_keras, namespace), name)(*args, **{keyword: value})
    assert kb.api.keywords_gone("callbacks.TensorBoard")["gone"]["write_grads"] == "ignored"
    assert kb.api.keywords_gone("callbacks.ModelCheckpoint")["gone"]["period"] == "used"


def test_model_method_keywords_gone_are_rejected_by_keras3() -> None:
    import numpy as np

    tf_keras = pytest.importorskip("tf_keras")
    spec = kb.api.keywords_gone("models.Model.fit")
    assert spec is not None and {"workers", "use_multiprocessing"} <= set(spec["gone"])
    assert set(kb.GENERATOR_DROPPED) <= set(spec["gone"])
    compile_spec = kb.api.keywords_gone("models.Model.compile")
    assert compile_spec["gone"]["experimental_run_tf_function"] == "ignored"
    x, y = np.zeros((4, 3), "float32"), np.zeros((4, 1), "float32")
    for package in (keras, tf_keras):
        model = package.Sequential([package.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        if package is keras:
            with pytest.raises((TypeError, ValueError)):
                model.fit(x, y, epochs=1, verbose=0, workers=2)
        else:
            model.fit(x, y, epochs=1, verbose=0, workers=2)


def test_layer_method_keywords_gone_are_taken_by_keras2_and_rejected_by_keras3() -> None:
    """``self.add_loss(loss, inputs=inputs)``: tf-keras took ``inputs`` and dropped it."""
    tf_keras = pytest.importorskip("tf_keras")
    spec = kb.api.keywords_gone("layers.Layer.add_loss")
    assert spec is not None and spec["gone"]["inputs"] == "ignored"
    weight_spec = kb.api.keywords_gone("layers.Layer.add_weight")
    assert weight_spec is not None and weight_spec["gone"]["partitioner"] == "ignored"
    for package in (keras, tf_keras):
        layer = package.layers.Dense(1)
        layer.build((None, 2))
        if package is keras:
            with pytest.raises(TypeError):
                layer.add_loss(keras.ops.ones(()), inputs=None)
            with pytest.raises(TypeError):
                layer.add_weight(shape=(), name="w", partitioner=None)
        else:
            layer.add_loss(lambda: tf_keras.backend.constant(1.0), inputs=None)
            layer.add_weight(shape=(), name="w", partitioner=None)


@pytest.mark.tensorflow
def test_dropout_cells_keep_their_mask_until_reset() -> None:
    """What KF115 relies on: a Keras 3 cell made with dropout keeps the mask it made from one
    call to the next, and the generated reset method forgets it (both packages have it)."""
    import keras
    import numpy as np
    import tf_keras

    assert set(kb.DROPOUT_CELLS) >= {"SimpleRNNCell", "LSTMCell", "GRUCell"}
    step = np.ones((2, 3), dtype="float32")
    for name in kb.DROPOUT_CELLS:
        resets = kb.api.dropout_resets(name)
        assert set(resets) == {"dropout", "recurrent_dropout"}, name
        cell = getattr(keras.layers, name)(4, dropout=0.5)
        first = cell.get_dropout_mask(step)
        assert cell.get_dropout_mask(step) is first, name  # kept
        for reset in resets.values():
            assert hasattr(getattr(tf_keras.layers, name), reset), (name, reset)
            getattr(cell, reset)()
        assert cell.get_dropout_mask(step) is not first, name
