"""What Keras 3 (and Keras 2 before it) removed or renamed, as data: the
tables of the migration rules (KF101-KF107). Part of :mod:`kerasfix.knowledge`,
read through it (``kb.GENERATOR_METHODS``).
"""

from __future__ import annotations

from kerasfix.project import importable_package

# --- Keras 3 migration (KF101-KF107) ---------------------------------------------

# Keras optimizers (keras.optimizers.<name>): `lr=` is `learning_rate=` on all.
OPTIMIZERS: frozenset[str] = frozenset(
    {
        "SGD",
        "RMSprop",
        "Adam",
        "AdamW",
        "Adadelta",
        "Adagrad",
        "Adamax",
        "Adafactor",
        "Nadam",
        "Ftrl",
        "Lion",
        "Lamb",
    }
)
# Where the optimizers live: Keras 3's namespace (where `decay=` is rejected)
# and tf-keras's frozen Keras 2 copy of them.
OPTIMIZER_NAMESPACE = "optimizers"
# Words of code that reads or sets an optimizer's rate after it is made (which a schedule
# in its place would break).
LEARNING_RATE_READERS: tuple[str, ...] = (
    "ReduceLROnPlateau",
    "LearningRateScheduler",
    "set_value",
    "get_value",
    ".lr",
    ".learning_rate",
    "Callback",
)
LEGACY_OPTIMIZER_NAMESPACE = "optimizers.legacy"

# The removed generator methods, with the positional parameters of their
# Keras 2 signatures (after the generator), and what they became.
GENERATOR_METHODS: dict[str, tuple[str, tuple[str, ...]]] = {
    "fit_generator": (
        "fit",
        (
            "steps_per_epoch",
            "epochs",
            "verbose",
            "callbacks",
            "validation_data",
            "validation_steps",
            "validation_freq",
            "class_weight",
            "max_queue_size",
            "workers",
            "use_multiprocessing",
            "shuffle",
            "initial_epoch",
        ),
    ),
    "evaluate_generator": (
        "evaluate",
        ("steps", "callbacks", "max_queue_size", "workers", "use_multiprocessing", "verbose"),
    ),
    "predict_generator": (
        "predict",
        ("steps", "callbacks", "max_queue_size", "workers", "use_multiprocessing", "verbose"),
    ),
}
# Arguments Keras 3's fit/evaluate/predict reject; they never changed results
# (in Keras 3 they belong to keras.utils.PyDataset).
GENERATOR_DROPPED: frozenset[str] = frozenset({"workers", "use_multiprocessing", "max_queue_size"})
# Keras 1 spellings that mean the call uses the Keras 1 signature.
KERAS1_GENERATOR_ARGS: frozenset[str] = frozenset(
    {"samples_per_epoch", "nb_epoch", "nb_val_samples", "nb_worker", "pickle_safe", "max_q_size"}
)

# Removed modules -> the public namespace that still has their names.
# (module path relative to the Keras root, e.g. "layers.core").
REMOVED_MODULES: dict[str, str] = {
    **{
        f"layers.{sub}": "layers"
        for sub in (
            "core",
            "convolutional",
            "convolutional_recurrent",
            "recurrent",
            "cudnn_recurrent",
            "pooling",
            "normalization",
            "embeddings",
            "merge",
            "advanced_activations",
            "wrappers",
            "noise",
            "local",
        )
    },
    **{
        f"utils.{sub}": "utils"
        for sub in (
            "np_utils",
            "generic_utils",
            "data_utils",
            "vis_utils",
            "layer_utils",
            "io_utils",
        )
    },
    "engine": "layers",
    "engine.topology": "layers",
    "engine.base_layer": "layers",
    "engine.input_layer": "layers",
    "engine.training": "models",
    "engine.sequential": "models",
    "engine.functional": "models",
}
# Names that live in keras.models rather than keras.layers (keras.engine.*).
MODEL_MODULE_NAMES: frozenset[str] = frozenset({"Model", "Sequential"})
# Family prefixes: old prefix -> the prefix the rewritten import uses.
MODULE_FAMILIES: dict[str, str] = {
    "keras": "keras",
    "tensorflow.keras": "tensorflow.keras",
    "tensorflow.python.keras": "tensorflow.keras",
}


def split_family(module: str) -> tuple[str, str] | None:
    """``tensorflow.keras.layers.core`` -> (``tensorflow.keras``, ``layers.core``)."""
    for prefix in sorted(MODULE_FAMILIES, key=len, reverse=True):
        if module.startswith(prefix + "."):
            return prefix, module[len(prefix) + 1 :]
    return None


def inside_keras_or_tensorflow(path: str) -> bool:
    """Whether ``path`` is Keras's or TensorFlow's own code (of any version), which keeps its
    own old APIs."""
    return any(inside_package(path, family) for family in OWN_CODE_PACKAGES)


# The packages whose own code keeps their own old APIs.
OWN_CODE_PACKAGES = ("keras", "tensorflow", "tf_keras")


def inside_package(path: str, family: str) -> bool:
    """Whether ``path`` is a module Python imports as part of the package ``family`` names
    (``keras``, ``tensorflow.python.keras``): a chain of folders with ``__init__.py`` from a
    folder on the import path (the project root, ``src/``, ``site-packages``). A folder merely
    named ``keras/`` (a course's scripts grouped by library) is not Keras's code."""
    package = importable_package(path)
    wanted = tuple(family.split("."))
    return package is not None and package[: len(wanted)] == wanted


# Keras 1 keyword arguments of layers: generated (kb.api.legacy_keywords, from Keras 2's
# legacy/interfaces.py). Only fit's are here.
KERAS1_FIT_KEYWORDS: dict[str, str] = {"nb_epoch": "epochs"}
# Sequence layers whose Keras 1 input_dim= (and input_length=) Keras 2 read as
# input_shape=(input_length, input_dim) (its recurrent and conv1d preprocessors).
KERAS1_SEQUENCE_LAYERS: frozenset[str] = frozenset(
    {"LSTM", "GRU", "SimpleRNN", "Conv1D", "Convolution1D", "LocallyConnected1D"}
)
# Layer arguments Keras 2 dropped, with the value that meant what the layer does now (None:
# no value does; report only). Embedding's dropout= was a real dropout Keras 2 took away.
KERAS1_DROPPED_LAYER_KEYWORDS: dict[str, dict[str, object]] = {
    "BatchNormalization": {"mode": 0},
    "Embedding": {"dropout": None},
}
# Keras 1 training flags that only chose what was printed: dropped.
KERAS1_FIT_DROPPED: frozenset[str] = frozenset({"show_accuracy"})
DIM_ORDERING: dict[str, str] = {"th": "channels_first", "tf": "channels_last"}
# Keras 1 convolution layers whose kernel was given as separate positionals.
KERAS1_CONV_KERNEL_POSITIONALS: dict[str, int] = {
    "Convolution2D": 2,
    "Conv2D": 2,
    "Convolution3D": 3,
    "Conv3D": 3,
    "Conv2DTranspose": 2,
}

# History keys that Keras 2.3+ names after the metric as given ("accuracy").
HISTORY_KEYS: dict[str, str] = {"acc": "accuracy", "val_acc": "val_accuracy"}
# The attribute of a History that holds its dict of per-epoch values.
HISTORY_ATTRIBUTE = "history"
# The method that configures a model's training (loss, metrics).
COMPILE_METHOD = "compile"
# Methods that train a model and return its History.
FIT_METHODS: frozenset[str] = frozenset({"fit", "fit_generator"})
# Methods that take the Keras 1 training keywords (``nb_epoch=`` …).
TRAINING_LOOP_METHODS: tuple[str, ...] = ("fit", "fit_generator", "evaluate")
# Methods whose receiver is a model: where to look for the models a module uses.
MODEL_METHODS: tuple[str, ...] = (
    "compile",
    "fit",
    "predict",
    "evaluate",
    "summary",
    "fit_generator",
    "train_on_batch",
    "predict_classes",
    "predict_proba",
    "save",
)

# The scikit-learn wrappers moved out of Keras.
SKLEARN_WRAPPER_MODULE = "wrappers.scikit_learn"
SCIKERAS_MODULE = "scikeras.wrappers"
SKLEARN_WRAPPERS: frozenset[str] = frozenset({"KerasClassifier", "KerasRegressor"})
SCIKERAS_GUIDE = "https://adriangb.com/scikeras/stable/migration.html"
# scikeras passes its build function the arguments routed to it by this prefix.
SCIKERAS_ROUTE = "model__"
# What Keras 2's wrapper passed to fit (and scikeras keeps as its own parameters).
SCIKERAS_FIT_PARAMETERS: frozenset[str] = frozenset(
    {"epochs", "batch_size", "verbose", "callbacks", "validation_split", "shuffle"}
)
# What scikeras gives a build function that asks for it by name.
SCIKERAS_INJECTED: frozenset[str] = frozenset({"meta", "compile_kwargs", "params"})
# scikit-learn's searches, and the keyword of their grid.
SKLEARN_SEARCHES: tuple[str, ...] = ("GridSearchCV", "RandomizedSearchCV")
SKLEARN_GRID_KEYWORDS: tuple[str, ...] = ("param_grid", "param_distributions")

# Keras 1's image_dim_ordering functions -> their Keras 2/3 names (the values: DIM_ORDERING).
DIM_ORDERING_FUNCTIONS: dict[str, str] = {
    "backend.image_dim_ordering": "image_data_format",
    "backend.set_image_dim_ordering": "set_image_data_format",
}

# Keras 1's initializer functions (keras.initializations.<f>(shape, scale=…, name=…), which
# returned a variable) -> the Keras 3 initializer class, how it takes the scale, and Keras 1's
# default scale: `normal(shape, scale=s)` draws what `RandomNormal(stddev=s)(shape)` draws.
KERAS1_INITIALIZERS: dict[str, tuple[str, str, str | None]] = {
    "normal": ("RandomNormal", "stddev={}", "0.05"),
    "uniform": ("RandomUniform", "minval=-{}, maxval={}", "0.05"),
    "zero": ("Zeros", "", None),
    "one": ("Ones", "", None),
    "orthogonal": ("Orthogonal", "gain={}", "1.1"),
    "identity": ("Identity", "gain={}", "1"),
}
KERAS1_INITIALIZERS_MODULE = "initializations"
INITIALIZERS_MODULE = "initializers"
# A model's optimizer, and Keras 2's other name of its rate (Keras 3 has only the first).
OPTIMIZER_ATTRIBUTE = "optimizer"
OLD_RATE_ATTRIBUTE = "lr"
RATE_ATTRIBUTE = "learning_rate"
# TensorFlow's namespace keeps Keras 2's backend functions, written for TensorFlow's own
# variables: these fail on a Keras 3 variable (its dtype is a string), so a module using
# them is not moved to that namespace. `set_value(x, v)` is `x.assign(v)` (KF109).
TF_BACKEND_VARIABLE_FUNCTIONS: frozenset[str] = frozenset(
    {"set_value", "batch_set_value", "update", "update_add", "update_sub", "dtype"}
)
SET_VALUE = "backend.set_value"
# TensorFlow's backend reads only TensorFlow tensors: a Keras 3 variable comes back as itself.
GET_VALUE = "backend.get_value"
# An optimizer's variables (Keras 3 variables): its rate, its step count.
OPTIMIZER_VARIABLES = frozenset({RATE_ATTRIBUTE, OLD_RATE_ATTRIBUTE, "iterations"})
# Keras 2's backend functions (kept by tf.keras's backend) that compute nothing on tensors,
# or read only `x.shape`: they run wherever Keras runs (KF202 leaves them).
BACKEND_NEUTRAL_FUNCTIONS: frozenset[str] = frozenset(
    {"name_scope", "int_shape", "epsilon", "floatx", "image_data_format", "clear_session"}
    | {"get_uid", "is_keras_tensor", "set_epsilon", "set_floatx", "set_image_data_format"}
)
# What to write instead of a Keras 2 backend function no `keras.ops` function computes alike.
BACKEND_INSTEAD: dict[str, str] = {
    "sqrt": "`keras.ops.sqrt` (Keras 2's clipped negative numbers to 0 first)",
    "shape": "`keras.ops.shape`",
    "ndim": "`keras.ops.ndim`",
    "dot": "`keras.ops.matmul` (or `keras.ops.tensordot`)",
    "batch_dot": "`keras.ops.einsum`",
    "binary_crossentropy": (
        "`keras.ops.binary_crossentropy` (Keras 2's added the epsilon inside its logarithms: "
        "the same but at outputs of exactly 0 or 1)"
    ),
    "variable": "`self.add_weight` in `build()`, or `keras.Variable`",
    "zeros": "`keras.ops.zeros`, or `self.add_weight` for state",
    "ones": "`keras.ops.ones`, or `self.add_weight` for state",
    "gather": "`keras.ops.take(x, indices, axis=0)`",
    "permute_dimensions": "`keras.ops.transpose`",
    "l2_normalize": "`keras.ops.normalize`",
    "switch": "`keras.ops.where`",
    "in_train_phase": "the layer's `training` argument",
    "batch_flatten": "`keras.ops.reshape(x, (keras.ops.shape(x)[0], -1))`",
    "random_normal": "`keras.random.normal` with a `keras.random.SeedGenerator` made in `__init__`",
    "random_uniform": "`keras.random.uniform` with a `keras.random.SeedGenerator` made in `__init__`",
    "random_bernoulli": "`keras.random.uniform` compared with the rate",
}
# Keras 2's global train/test switch, gone in Keras 3 (`training=` is passed per call).
LEARNING_PHASE = "backend.set_learning_phase"
# What KF109 rewrites (KF107 leaves these paths to it).
KERAS1_REWRITES: frozenset[str] = frozenset(
    {KERAS1_INITIALIZERS_MODULE, LEARNING_PHASE, SET_VALUE, *DIM_ORDERING_FUNCTIONS}
)

# Keras 2's image iterators had a `.next()` method; Keras 3's answer only to next(it).
ITERATOR_NEXT = "next"
ITERATOR_SOURCE = "ImageDataGenerator"
ITERATOR_FACTORIES: frozenset[str] = frozenset(
    {"flow", "flow_from_directory", "flow_from_dataframe"}
)

# Keras 1's merge(inputs, mode=…) function -> the Keras 2/3 merge function for each mode, the
# keyword its axis becomes, and any argument the mode implies.
KERAS1_MERGE_MODULE = "layers.merge"
KERAS1_MERGE_MODES: dict[str, tuple[str, str, str]] = {
    "concat": ("concatenate", "axis", ""),
    "sum": ("add", "", ""),
    "mul": ("multiply", "", ""),
    "ave": ("average", "", ""),
    "max": ("maximum", "", ""),
    "dot": ("dot", "axes", ""),
    "cos": ("dot", "axes", "normalize=True"),
}

# Keras 2's CuDNN layers are the plain layers, which pick cuDNN themselves: every CuDNNLSTM
# argument means the same to LSTM (tanh/sigmoid, unit_forget_bias), CuDNNGRU is GRU with
# reset_after=True (Keras 3's default).
# Keras 1's activity regularizers returned the same regularizer as l1/l2/l1l2 (an
# L1L2Regularizer, penalising the sum of |x| / x²), which Keras 3 names l1, l2, l1_l2.
SAME_OBJECTS: dict[str, str] = {
    "layers.CuDNNLSTM": "layers.LSTM",
    "layers.CuDNNGRU": "layers.GRU",
    "regularizers.activity_l1": "regularizers.l1",
    "regularizers.activity_l2": "regularizers.l2",
    "regularizers.activity_l1l2": "regularizers.l1_l2",
    "regularizers.l1l2": "regularizers.l1_l2",
}

# The input layer Keras 3 takes a fixed batch shape on (`batch_shape=`).
INPUT_LAYER = "InputLayer"

# The model methods that write a file Keras 3 names differently (`.weights.h5`, `.keras`).
SAVING_METHODS: tuple[str, ...] = ("save_weights", "save")

# The callback that saves the model (or its weights) during training.
CHECKPOINT_CALLBACK = "callbacks.ModelCheckpoint"

# What to use instead of names Keras 3 lacks (which names those are: kb.api, generated).
REMOVED_APIS: dict[str, str] = {
    "initializations": (
        "use keras.initializers (normal(shape, scale=s) -> RandomNormal(stddev=s)(shape), "
        "uniform -> RandomUniform(-s, s), zero -> Zeros …)"
    ),
    "objectives": "use keras.losses",
    "layers.merge": (
        "use the merge layers: mode='concat' -> Concatenate(axis=…), 'sum' -> Add(), "
        "'mul' -> Multiply(), 'ave' -> Average(), 'dot' -> Dot(axes=…)"
    ),
    "layers.Highway": "write it as a Dense gate, or keep Keras 2 (tf-keras)",
    "layers.MaxoutDense": "write it as Dense + a max over the pieces",
    "preprocessing.text.Tokenizer": (
        "use keras.layers.TextVectorization, or tensorflow.keras.preprocessing.text.Tokenizer"
    ),
    "utils.visualize_util": "use keras.utils.plot_model",
    "backend.set_session": "use tf.compat.v1.keras.backend.set_session, or drop it (TF 2 runs eagerly)",
    "backend.get_session": "use tf.compat.v1.keras.backend.get_session, or drop it (TF 2 runs eagerly)",
    "backend.set_learning_phase": "pass training=True/False when calling the model instead",
    "backend.learning_phase": "pass training=True/False when calling the model instead",
    "backend.image_dim_ordering": "use keras.backend.image_data_format() ('channels_last'/'channels_first')",
    "backend.set_image_dim_ordering": "use keras.backend.set_image_data_format()",
    "utils.multi_gpu_model": "use tf.distribute.MirroredStrategy() and build the model in strategy.scope()",
    "layers.CuDNNLSTM": "use keras.layers.LSTM, which uses cuDNN by itself when it can",
    "layers.CuDNNGRU": "use keras.layers.GRU, which uses cuDNN by itself when it can",
    "layers.Merge": "use the merge layers (keras.layers.Concatenate, Add, Multiply ...)",
    "utils.ImageDataGenerator": (
        "use keras.utils.image_dataset_from_directory with preprocessing layers "
        "(keras.layers.RandomFlip, RandomRotation, Rescaling ...)"
    ),
    "preprocessing.image.ImageDataGenerator": (
        "use keras.utils.image_dataset_from_directory with preprocessing layers "
        "(keras.layers.RandomFlip, RandomRotation, Rescaling ...)"
    ),
}

# What to write instead of a method Keras 3's classes lost (kb.api.lost_methods, generated);
# a method not here is reported without advice.
LOST_METHOD_ADVICE: dict[str, str] = {
    "reset_states": "reset each stateful layer (`layer.reset_states()`)",
    "add_update": "assign the variable in `call()` (`self.v.assign(value)`)",
    "get_input_at": "use `layer.input` (Keras 3 layers keep one inbound node)",
    "get_output_at": "use `layer.output`",
    "get_input_shape_at": "use `layer.input.shape`",
    "get_output_shape_at": "use `layer.output.shape`",
    "to_yaml": "use `to_json()` (YAML was dropped)",
    "with_name_scope": "drop the decorator (Keras 3 names its variables itself)",
    "get_weight_paths": "iterate `model.weights` (each has a `.path`)",
    "compute_output_signature": "use `compute_output_spec`",
}

# Weight files: Keras 3 writes them only as `*.weights.h5`. The suffixes of the files Keras 2
# wrote (HDF5, TensorFlow checkpoints) whose stem is kept when `.weights.h5` takes their place.
WEIGHTS_SUFFIX = ".weights.h5"
HDF5_SUFFIXES = (".h5", ".hdf5")
KERAS2_WEIGHT_SUFFIXES = (*HDF5_SUFFIXES, ".ckpt", ".tf", ".weights")


def weights_file_name(name: str) -> str:
    """The ``*.weights.h5`` name for a Keras 2 weights file name (``weights.ckpt`` ->
    ``weights.weights.h5``, ``ckpt/model`` -> ``ckpt/model.weights.h5``)."""
    for suffix in KERAS2_WEIGHT_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) and name[-len(suffix) - 1] != "/":
            return name[: -len(suffix)] + WEIGHTS_SUFFIX
    return name + WEIGHTS_SUFFIX


def is_tf_checkpoint(name: str) -> bool:
    """Whether Keras 2's ``save_weights(name)`` wrote a TensorFlow checkpoint (any name not
    ending in ``.h5``/``.hdf5``), which made its folder itself and was restored lazily."""
    return not name.endswith(HDF5_SUFFIXES)


# TensorFlow's functions (``tensorflow.concat``): applied to a model's tensor while a functional
# model is built, Keras 2 made a layer of them (TFOpLambda); Keras 3 raises.
TF_OPS = "tensorflow."

# What to do instead of a keyword Keras 2 acted on that Keras 3's class rejects (the keywords
# are generated: kb.api.keywords_gone); a keyword not here is reported without advice.
KEYWORD_GONE_ADVICE: dict[str, str] = {
    "period": "use `save_freq=` (counted in batches: epochs × steps per epoch)",
    "weights": "set them once the layer is built (`layer.set_weights(…)`), or pass "
    "`kernel_initializer=keras.initializers.Constant(…)`",
    "dynamic": "drop it; `model.compile(run_eagerly=True)` runs eagerly",
    "time_major": "give the layer batch-major input (`keras.ops.transpose`)",
    "load_weights_on_restart": "load the checkpoint before `fit`",
    "options": "drop it: Keras 3 writes `.keras` / `.weights.h5` files",
    "causal": "pass `use_causal_mask=True` when calling the layer",
    "kernel_initializer": "use `depthwise_initializer=` (and `pointwise_initializer=` for a separable one)",
    "kernel_regularizer": "use `depthwise_regularizer=` (and `pointwise_regularizer=` for a separable one)",
    "kernel_constraint": "use `depthwise_constraint=` (and `pointwise_constraint=` for a separable one)",
}
# Keywords whose Keras 1/2 forms other rules rewrite (KF104: input_dim/input_length, KF108:
# batch_input_shape): left to them.
KEYWORDS_OWNED_ELSEWHERE = frozenset({"batch_input_shape", "input_dim", "input_length"})

# Keras 0 units layers took (input_dim, output_dim) by position; Keras 1+ take (units,
# activation), so a whole number second is Keras 0's output width.
KERAS0_UNITS_LAYERS: tuple[str, ...] = ("Dense", "LSTM", "GRU", "SimpleRNN")
# The model methods whose keywords KF113 compares (generated: kb.api.keywords_gone of
# `models.Model.<method>`).
# And the layer methods a custom layer calls on itself (`layers.Layer.<method>`).
LAYER_KEYWORD_METHODS: tuple[str, ...] = ("add_loss", "add_weight")
MODEL_KEYWORD_METHODS: tuple[str, ...] = (
    "compile",
    "fit",
    "evaluate",
    "predict",
    "train_on_batch",
    "test_on_batch",
)
