"""Everything kerasfix knows about Keras, as data.

One namespace (``from kerasfix import knowledge as kb``) over this package:
models, layers, activations, losses and other libraries here; what Keras 3
removed or renamed in :mod:`kerasfix.knowledge.migration`; the public names
of the installed Keras in :mod:`kerasfix.knowledge.public_names`
(generated; loaded on first use of ``kb.PUBLIC_NAMES``).

Rules and the model inference read these tables; no other module spells a
Keras name. ``tests/test_knowledge.py`` checks the tables against the
installed Keras, so a release that renames or adds a loss fails a test
instead of silently weakening the linter.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

# Module prefixes under which the Keras API lives. A qualified name starting
# with one of them is a Keras name; what follows is its path in the API.
KERAS_PREFIXES: tuple[str, ...] = (
    "tensorflow.compat.v1.keras",
    "tensorflow.compat.v2.keras",
    "tensorflow.python.keras",
    "tensorflow.keras",
    "tf_keras",
    "keras.src",
    "keras",
)

# First path components that name a Keras namespace ("layers.core.Dense" is
# "layers.Dense": the sub-module does not matter, the namespace does).
NAMESPACES: frozenset[str] = frozenset(
    {
        "layers",
        "models",
        "losses",
        "activations",
        "optimizers",
        "applications",
        "metrics",
        "callbacks",
        "utils",
        "backend",
        "saving",
        "wrappers",
        "preprocessing",
        "initializers",
        "regularizers",
    }
)

# Names the API exposes at its top level (keras.Sequential) or in keras.engine,
# mapped to their canonical namespace.
TOP_LEVEL: dict[str, str] = {
    "Sequential": "models",
    "Model": "models",
    "Functional": "models",
    "Input": "layers",
    "InputLayer": "layers",
}

# Packages that are Keras 2 itself: the Keras 2 APIs exist there, so calls into
# them are not migration findings (tf-keras, TensorFlow's private legacy copy).
KERAS2_PACKAGES: tuple[str, ...] = ("tf_keras", "tensorflow.python.keras")
# Keras prefixes that only ever name Keras 2.
KERAS2_PREFIXES: frozenset[str] = frozenset({*KERAS2_PACKAGES, "tensorflow.compat.v1.keras"})
# TensorFlow 1's API kept under TensorFlow 2: its Keras calls still exist there.
COMPAT_V1_PREFIX = "tensorflow.compat.v1."

# --- models -----------------------------------------------------------------

# What a model subclass computes: the layer its `call` returns is its head.
SUBCLASS_CALL_METHOD = "call"
# A callback's `self.model` is the model being trained (set by fit()).
CALLBACK = "callbacks.Callback"
CALLBACK_MODEL_ATTRIBUTE = "model"
SEQUENTIAL = "models.Sequential"
FUNCTIONAL = frozenset({"models.Model", "models.Functional"})
# Calls that return a Keras model whose layers cannot be seen here.
MODEL_FACTORIES: frozenset[str] = frozenset(
    {
        "models.load_model",
        "saving.load_model",
        "models.model_from_json",
        "models.model_from_yaml",
        "models.model_from_config",
        "models.clone_model",
        "utils.multi_gpu_model",
    }
)
# Every callable in keras.applications returns a Keras model.
APPLICATIONS_NAMESPACE = "applications"
LAYERS_NAMESPACE = "layers."  # a class of it: a layer
INPUT = frozenset({"layers.Input"})
# Methods that define a Keras model's identity: a locally defined class that
# defines one of these is its own thing, not a Keras model, for that method.
REMOVED_MODEL_METHODS: frozenset[str] = frozenset({"predict_classes", "predict_proba"})

# --- layers -----------------------------------------------------------------


@dataclass(frozen=True)
class UnitsLayer:
    """A layer whose output's last axis has ``units`` entries."""

    units_keywords: tuple[str, ...]  # the keyword names, Keras 1 spelling last
    activation_position: int | None  # positional index of `activation`, if any
    default_activation: str  # what no activation argument means


UNITS_LAYERS: dict[str, UnitsLayer] = {
    "Dense": UnitsLayer(("units", "output_dim"), 1, "linear"),
    "LSTM": UnitsLayer(("units", "output_dim"), 1, "tanh"),
    "GRU": UnitsLayer(("units", "output_dim"), 1, "tanh"),
    "SimpleRNN": UnitsLayer(("units", "output_dim"), 1, "tanh"),
    "CuDNNLSTM": UnitsLayer(("units",), None, "tanh"),
    "CuDNNGRU": UnitsLayer(("units",), None, "tanh"),
}
# Layers that apply an activation and keep the shape.
ACTIVATION_LAYERS: dict[str, str | None] = {
    "Activation": None,  # the activation is its first argument
    "Softmax": "softmax",
    "ReLU": "relu",
    "LeakyReLU": "leaky_relu",
    "ELU": "elu",
    "PReLU": "prelu",
    "ThresholdedReLU": "relu",
}
# Layers that keep the last axis and do not change what a value means.
PASS_THROUGH_LAYERS: frozenset[str] = frozenset(
    {
        "Dropout",
        "SpatialDropout1D",
        "SpatialDropout2D",
        "SpatialDropout3D",
        "GaussianNoise",
        "GaussianDropout",
        "AlphaDropout",
        "ActivityRegularization",
        "Masking",
        "Identity",
    }
)
# Layers that wrap another and keep its last axis.
WRAPPER_LAYERS: frozenset[str] = frozenset({"TimeDistributed"})
# Layers whose output is (batch, features) whatever the rank of their input.
FLATTENING_LAYERS: frozenset[str] = frozenset(
    {
        "Flatten",
        "GlobalAveragePooling1D",
        "GlobalAveragePooling2D",
        "GlobalAveragePooling3D",
        "GlobalMaxPooling1D",
        "GlobalMaxPooling2D",
        "GlobalMaxPooling3D",
        "GlobalAvgPool2D",
        "GlobalMaxPool2D",
    }
)
# Units layers whose output on a (batch, n) input is (batch, units).
RANK2_UNITS_LAYERS: frozenset[str] = frozenset({"Dense"})
# Sequential's method that appends a layer, and the uses of a model that may
# change its layers (after them its head is not known).
ADD_LAYER = "add"
REMOVE_LAYER = "pop"
LAYER_CHANGING_ATTRIBUTES: frozenset[str] = frozenset({REMOVE_LAYER, "layers", "_layers"})
# Libraries whose functions, given a model, never add layers to it.
LAYER_NEUTRAL_LIBRARIES: frozenset[str] = frozenset({"tensorflow", "numpy", "matplotlib"})
# Attributes of a model that are its output tensors.
MODEL_OUTPUT_ATTRIBUTES: frozenset[str] = frozenset({"output", "outputs"})

# --- activations ------------------------------------------------------------

# Non-Keras spellings of activation functions (tf.nn.softmax ...).
FOREIGN_ACTIVATIONS: dict[str, str] = {
    "tensorflow.nn.softmax": "softmax",
    "tensorflow.math.softmax": "softmax",
    "tensorflow.nn.sigmoid": "sigmoid",
    "tensorflow.math.sigmoid": "sigmoid",
    "tensorflow.sigmoid": "sigmoid",
    "tensorflow.nn.relu": "relu",
    "tensorflow.nn.tanh": "tanh",
    "tensorflow.math.tanh": "tanh",
    "tensorflow.tanh": "tanh",
    "tensorflow.nn.log_softmax": "log_softmax",
}
# Keras backend functions that are activations.
BACKEND_ACTIVATIONS: dict[str, str] = {
    "backend.softmax": "softmax",
    "backend.sigmoid": "sigmoid",
}
# Activations whose output is a probability, and of which kind: "categorical"
# (a distribution over the last axis) or "binary" (each entry in [0, 1]).
PROBABILITY_ACTIVATIONS: dict[str, str] = {
    "softmax": "categorical",
    "sigmoid": "binary",
}
# Activations that leave logits (the identity).
LOGIT_ACTIVATIONS: frozenset[str] = frozenset({"linear"})

# --- losses -----------------------------------------------------------------


@dataclass(frozen=True)
class LossInfo:
    """One Keras loss under all its names."""

    function: str  # keras.losses.<function>
    cls: str | None  # keras.losses.<cls>
    aliases: tuple[str, ...]  # other strings that compile(loss=...) accepts
    family: str  # "categorical", "binary", or "other"
    # positional index of from_logits in the class constructor; None if it has none
    from_logits_position: int | None
    accepted_as_string: bool = True  # compile(loss="<function or class name>") works

    @property
    def expects_probabilities(self) -> bool:
        return self.family in ("categorical", "binary")


LOSSES: tuple[LossInfo, ...] = (
    LossInfo("categorical_crossentropy", "CategoricalCrossentropy", (), "categorical", 0),
    LossInfo(
        "sparse_categorical_crossentropy",
        "SparseCategoricalCrossentropy",
        (),
        "categorical",
        0,
    ),
    LossInfo("binary_crossentropy", "BinaryCrossentropy", ("bce", "BCE"), "binary", 0),
    LossInfo(
        "categorical_focal_crossentropy",
        "CategoricalFocalCrossentropy",
        (),
        "categorical",
        2,
    ),
    LossInfo("binary_focal_crossentropy", "BinaryFocalCrossentropy", (), "binary", 3),
    LossInfo("mean_squared_error", "MeanSquaredError", ("mse", "MSE"), "other", None),
    LossInfo("mean_absolute_error", "MeanAbsoluteError", ("mae", "MAE"), "other", None),
    LossInfo(
        "mean_absolute_percentage_error",
        "MeanAbsolutePercentageError",
        ("mape", "MAPE"),
        "other",
        None,
    ),
    LossInfo(
        "mean_squared_logarithmic_error",
        "MeanSquaredLogarithmicError",
        ("msle", "MSLE"),
        "other",
        None,
    ),
    LossInfo("kl_divergence", "KLDivergence", ("kld", "KLD"), "other", None),
    LossInfo("huber", "Huber", (), "other", None),
    LossInfo("log_cosh", "LogCosh", (), "other", None),
    LossInfo("poisson", "Poisson", (), "other", None),
    LossInfo("hinge", "Hinge", (), "other", None),
    LossInfo("squared_hinge", "SquaredHinge", (), "other", None),
    LossInfo("categorical_hinge", "CategoricalHinge", (), "other", None),
    LossInfo("cosine_similarity", "CosineSimilarity", (), "other", None),
    LossInfo(
        "categorical_generalized_cross_entropy",
        "CategoricalGeneralizedCrossEntropy",
        (),
        "other",
        None,
        accepted_as_string=False,
    ),
    LossInfo("ctc", "CTC", (), "other", None),
    LossInfo("dice", "Dice", (), "other", None),
    LossInfo("tversky", "Tversky", (), "other", None),
    LossInfo("circle", "Circle", (), "other", None),
)
# Keras 2 (tf-keras) names for losses that Keras 3 no longer accepts as strings.
LEGACY_LOSS_ALIASES: dict[str, str] = {
    "kullback_leibler_divergence": "kl_divergence",
    "logcosh": "log_cosh",
    "huber_loss": "huber",
}


def _loss_index() -> tuple[dict[str, LossInfo], dict[str, LossInfo], dict[str, LossInfo]]:
    by_string: dict[str, LossInfo] = {}
    by_function: dict[str, LossInfo] = {}
    by_class: dict[str, LossInfo] = {}
    for info in LOSSES:
        by_function[info.function] = info
        if info.cls:
            by_class[info.cls] = info
        if not info.accepted_as_string:
            continue
        by_string[info.function] = info
        for alias in info.aliases:
            by_string[alias] = info
        if info.cls:
            by_string[info.cls] = info
    for old, new in LEGACY_LOSS_ALIASES.items():
        by_string[old] = by_function[new]
    return by_string, by_function, by_class


LOSS_BY_STRING, LOSS_BY_FUNCTION, LOSS_BY_CLASS = _loss_index()

# Words a file must contain for a rule to possibly fire (the engine's cheap
# test before parsing). Any Keras model is built from a name that contains
# "keras" (an import, tf.keras, tf_keras ...).
KERAS_MARKERS: tuple[str, ...] = ("keras",)
PROBABILITY_LOSS_MARKERS: tuple[str, ...] = tuple(
    sorted(
        {
            name
            for name, info in {**LOSS_BY_STRING, **LOSS_BY_FUNCTION, **LOSS_BY_CLASS}.items()
            if info.expects_probabilities
        }
    )
)

# Names one of which any Keras model in a file is built from (a constructor,
# a factory, keras.applications, or keras.Model as a base class).
MODEL_MARKERS: frozenset[str] = frozenset(
    {path.rsplit(".", 1)[1] for path in (SEQUENTIAL, *FUNCTIONAL, *MODEL_FACTORIES)}
    | {APPLICATIONS_NAMESPACE}
)

# --- non-Keras libraries ------------------------------------------------------

# Top-level packages whose objects are never Keras models, even when they
# have predict_proba (scikit-learn estimators, wrappers, boosters ...).
NON_KERAS_PACKAGES: frozenset[str] = frozenset(
    {
        "sklearn",
        "scikeras",
        "xgboost",
        "lightgbm",
        "catboost",
        "imblearn",
        "torch",
        "skorch",
        "statsmodels",
        "pandas",
        "numpy",
        "joblib",
        "pickle",
        "dill",
        "cloudpickle",
        "mlflow",
    }
)
# Keras namespaces whose objects are never Keras models.
NON_MODEL_NAMESPACES: frozenset[str] = frozenset({"wrappers"})


def may_lead_to_keras(qualified_name: str, keras2: bool = True) -> bool:
    """True if an import of ``qualified_name`` can reach a Keras API: it is
    within a Keras prefix, or a parent of one (``tensorflow``). Without
    ``keras2``, tf_keras and TensorFlow's legacy copies do not count."""
    for prefix in KERAS_PREFIXES:
        if not keras2 and prefix in KERAS2_PREFIXES:
            continue
        if (
            qualified_name == prefix
            or prefix.startswith(qualified_name + ".")
            or qualified_name.startswith(prefix + ".")
        ):
            return True
    return False


@functools.lru_cache(maxsize=8192)
def keras_path(qualified_name: str) -> str | None:
    """Canonical API path of a qualified name, or None if it is not Keras.

    ``tensorflow.keras.layers.core.Dense`` → ``layers.Dense``;
    ``keras.Sequential`` → ``models.Sequential``; ``tf_keras.losses.mse`` →
    ``losses.mse``; ``keras`` itself → ``""``.
    """
    for prefix in KERAS_PREFIXES:
        if qualified_name == prefix:
            return ""
        if qualified_name.startswith(prefix + "."):
            tail = qualified_name[len(prefix) + 1 :]
            break
    else:
        return None
    parts = tail.split(".")
    if parts[0] == "src":  # keras.src.*
        parts = parts[1:]
        if not parts:
            return ""
    if parts[0] == "api":  # keras.api._v2.keras.*: take what follows "keras"
        if "keras" in parts:
            parts = parts[parts.index("keras") + 1 :]
        if not parts:
            return ""
    head, leaf = parts[0], parts[-1]
    if head in NAMESPACES:
        if head in ("layers", "models", "losses", "activations", "optimizers"):
            if len(parts) > 2 and parts[1] in ("legacy", "schedules", "experimental"):
                return f"{head}.{parts[1]}.{leaf}" if len(parts) > 1 else head
            return f"{head}.{leaf}" if len(parts) > 1 else head
        return ".".join(parts)
    if len(parts) == 1 or head == "engine":
        if leaf in TOP_LEVEL:
            return f"{TOP_LEVEL[leaf]}.{leaf}"
    return ".".join(parts)


def activation_name(qualified_name: str) -> str | None:
    """The activation a function's qualified name stands for, if any."""
    if qualified_name in FOREIGN_ACTIVATIONS:
        return FOREIGN_ACTIVATIONS[qualified_name]
    path = keras_path(qualified_name)
    if path is None:
        return None
    if path.startswith("activations."):
        return path.split(".", 1)[1]
    return BACKEND_ACTIVATIONS.get(path)


def is_non_keras(qualified_name: str) -> bool:
    """True for names from a library whose objects are never Keras models."""
    path = keras_path(qualified_name)
    if path is not None:
        return path.split(".", 1)[0] in NON_MODEL_NAMESPACES
    return qualified_name.split(".", 1)[0] in NON_KERAS_PACKAGES


# --- Keras 3 migration (KF101-KF107): kerasfix/knowledge/migration.py -----------

# Generated from the real packages (tools/gen_keras_api.py): the small index loads here, the
# tables themselves on first use (``api.exists`` …).
from kerasfix.knowledge import api as api  # noqa: E402
from kerasfix.knowledge.api_index import (  # noqa: E402
    CALL_TRAINING_LAYERS as CALL_TRAINING_LAYERS,
)
from kerasfix.knowledge.api_index import (  # noqa: E402
    DROPOUT_CELLS as DROPOUT_CELLS,
)
from kerasfix.knowledge.api_index import (  # noqa: E402
    KEYWORDS_GONE as KEYWORDS_GONE,
)
from kerasfix.knowledge.api_index import (  # noqa: E402
    LEGACY_KEYWORD_CLASSES as LEGACY_KEYWORD_CLASSES,
)
from kerasfix.knowledge.api_index import (  # noqa: E402
    METHOD_KEYWORDS_GONE as METHOD_KEYWORDS_GONE,
)
from kerasfix.knowledge.api_index import (  # noqa: E402
    OPTIMIZER_ALIASES as OPTIMIZER_ALIASES,
)
from kerasfix.knowledge.api_index import (  # noqa: E402
    REQUIRED_NOW_LAYERS as REQUIRED_NOW_LAYERS,
)
from kerasfix.knowledge.api_index import (  # noqa: E402
    SWALLOWING_CLASSES as SWALLOWING_CLASSES,
)
from kerasfix.knowledge.api_index import (  # noqa: E402
    TF_NAMESPACE_MISSING_NAMES as TF_NAMESPACE_MISSING_NAMES,
)
from kerasfix.knowledge.migration import *  # noqa: E402, F403  (one namespace: kb.X)

# Layer keywords -> the classes a rule reads them on (triage looks no further).
KEYWORD_CLASSES: dict[str, frozenset[str]] = {
    **LEGACY_KEYWORD_CLASSES,
    "input_dim": KERAS1_SEQUENCE_LAYERS,  # noqa: F405
    **{
        keyword: frozenset(c for c, kws in KERAS1_DROPPED_LAYER_KEYWORDS.items() if keyword in kws)  # noqa: F405
        for keywords in KERAS1_DROPPED_LAYER_KEYWORDS.values()  # noqa: F405
        for keyword in keywords
    },
}


def __getattr__(name: str) -> object:
    """The generated tables, loaded when first asked for (most files never
    need them)."""
    if name == "PUBLIC_NAMES":
        from kerasfix.knowledge.public_names import PUBLIC_NAMES

        globals()[name] = PUBLIC_NAMES
        return PUBLIC_NAMES
    raise AttributeError(name)


def is_external(package: str) -> bool:
    """Whether a top-level import name is never a module of the checked
    project: the standard library, Keras and TensorFlow, the libraries above."""
    import sys

    return (
        package in sys.stdlib_module_names
        or package in NON_KERAS_PACKAGES
        or package in ("keras", "tensorflow", "tf_keras")
    )
