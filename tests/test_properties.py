"""Property tests: generated Python programs (hypothesmith) and generated Keras
scripts that mix the rules' patterns with arbitrary other code.

For every input: no exception escapes, no internal error; a fixed file
parses; fixing twice changes nothing; after --fix no finding with a safe fix
is left.
"""

from __future__ import annotations

import ast
import os
import warnings

import hypothesmith
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kerasfix.engine.pipeline import lint_text, process_text
from kerasfix.settings import Settings

SETTINGS = settings(
    max_examples=int(os.environ.get("KERASFIX_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=not os.environ.get("KERASFIX_EXAMPLES"),
)


def _summary(diagnostics: list) -> list[tuple]:
    return [(d.code, d.row, d.column, d.message) for d in diagnostics]


def check_properties(source: str, unsafe: bool = False) -> None:
    options = Settings(unsafe_fixes=unsafe)
    diagnostics, _ = lint_text(source, "gen.py", options)
    # the cheap tests before the analysis never hide a finding
    unfiltered, _ = lint_text(source, "gen.py", Settings(unsafe_fixes=unsafe, prefilter=False))
    assert _summary(diagnostics) == _summary(unfiltered)
    assert not [d for d in diagnostics if d.message.startswith("internal error")], diagnostics
    result = process_text(source, "gen.py", options, fix=True)
    assert not [d for d in result.diagnostics if d.message.startswith("internal error")]
    fixed = result.new_text if result.new_text is not None else source
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compile(fixed, "fixed.py", "exec")
    again = process_text(fixed, "gen.py", options, fix=True)
    assert again.new_text is None, "a second --fix changed the file"
    left = [
        d for d in again.diagnostics if d.fix is not None and d.fix.applicability.value == "safe"
    ]
    assert not left, left


@SETTINGS
@given(hypothesmith.from_grammar(auto_target=False))
def test_arbitrary_python_programs(source: str) -> None:
    # hypothesmith's programs rarely mention Keras: check them with and without
    # the prefilter, so the parser and every rule see them
    check_properties(source)
    for prefilter in (True, False):
        lint_text(source, "gen.py", Settings(prefilter=prefilter))


IMPORTS = [
    ("import keras", "keras."),
    ("from tensorflow import keras", "keras."),
    ("import tensorflow as tf", "tf.keras."),
    ("import keras as K", "K."),
    ("import tf_keras", "tf_keras."),
]
NUMPY = ["import numpy as np", "import numpy", "import numpy as onp", ""]
UNITS = ["1", "2", "3", "10", "n_classes", "len(labels)"]
ACTIVATIONS = [
    None,
    '"softmax"',
    '"sigmoid"',
    '"relu"',
    "None",
    '"linear"',
    "{k}activations.softmax",
]
LOSSES = [
    '"categorical_crossentropy"',
    '"sparse_categorical_crossentropy"',
    '"binary_crossentropy"',
    '"mse"',
    "{k}losses.CategoricalCrossentropy(from_logits=True)",
    "{k}losses.BinaryCrossentropy()",
    "{k}losses.SparseCategoricalCrossentropy(from_logits=False)",
    "loss_fn",
]
JUNK = [
    "x = [i for i in range(3)]",
    "if x:\n    y = 1\nelse:\n    y = 2",
    "def helper(a, np=None):\n    return a",
    "for model_i in range(2):\n    pass",
    "np = 3",
    "try:\n    import foo\nexcept ImportError:\n    foo = None",
    "class Thing:\n    def predict_proba(self, x):\n        return x",
    "print('predict_classes')",
]


@st.composite
def keras_scripts(draw: st.DrawFn) -> str:
    imp, k = draw(st.sampled_from(IMPORTS))
    lines = [imp, draw(st.sampled_from(NUMPY)), "n_classes = 5", "labels = [0, 1]"]
    lines += draw(st.lists(st.sampled_from(JUNK), max_size=3))
    units = draw(st.sampled_from(UNITS))
    activation = draw(st.sampled_from(ACTIVATIONS))
    act = "" if activation is None else f", activation={activation.format(k=k)}"
    hidden = [
        f"{k}layers.Dense({u}, activation='relu')"
        for u in draw(st.lists(st.sampled_from([8, 16]), max_size=2))
    ]
    head = f"{k}layers.Dense({units}{act})"
    extra = draw(
        st.sampled_from(["", f"{k}layers.Activation('softmax')", f"{k}layers.Dropout(0.5)"])
    )
    layers = hidden + [head] + ([extra] if extra else [])
    style = draw(st.sampled_from(["list", "add", "function", "functional"]))
    if style == "list":
        lines.append(f"model = {k}Sequential([{', '.join(layers)}])")
    elif style == "add":
        lines.append(f"model = {k}Sequential()")
        lines += [f"model.add({layer})" for layer in layers]
    elif style == "function":
        lines.append("def build():")
        lines.append(f"    m = {k}Sequential([{', '.join(layers)}])")
        lines.append("    return m")
        lines.append("model = build()")
    else:
        lines.append(f"inp = {k}Input(shape=(4,))")
        lines.append("h = inp")
        lines += [f"h = {layer}(h)" for layer in layers]
        lines.append(f"model = {k}Model(inp, h)")
    lines.append("loss_fn = 'categorical_crossentropy'")
    lines.append(
        f"model.compile(optimizer='adam', loss={draw(st.sampled_from(LOSSES)).format(k=k)})"
    )
    lines += draw(st.lists(st.sampled_from(JUNK), max_size=2))
    calls = draw(
        st.lists(
            st.sampled_from(
                [
                    "pred = model.predict_classes(x_test)",
                    "pred = model.predict_classes(x_test, 32, 0)",
                    "proba = model.predict_proba(x_test, batch_size=8)",
                    "print(model.predict_classes(x_test)[0])",
                    "out = [model.predict_classes(b) for b in batches]",
                    "def evaluate(model):\n    return model.predict_classes(x_test)",
                ]
            ),
            min_size=1,
            max_size=3,
        )
    )
    lines += calls
    return "\n".join(line for line in lines if line) + "\n"


# The scripts are where the filters before the analysis could hide a finding
# (a one-unit sigmoid made softmax by a later layer once was): more of them.
@settings(SETTINGS, max_examples=int(os.environ.get("KERASFIX_EXAMPLES", "300")))
@given(keras_scripts(), st.booleans())
def test_generated_keras_scripts(source: str, unsafe: bool) -> None:
    check_properties(source, unsafe=unsafe)


# How an argument may be written: plain, in parentheses of its own, on a line
# of its own, with a comment after its comma.
_SHAPES = ["{}", "({})", "\n    {}", "\n    ({})"]
_POSITIONALS = ["10", "epochs", "(len(batches))", "None", "[cb]", "f(x, y)"]
_KEYWORDS = ["workers=4", "use_multiprocessing=True", "verbose=0", "max_queue_size=2"]


@st.composite
def fit_generator_calls(draw: st.DrawFn) -> tuple[str, str]:
    """A fit_generator call written in an arbitrary way, and the call its
    fix must be equivalent to (by the old signature: steps_per_epoch,
    epochs, verbose, callbacks …; workers and friends dropped)."""
    from kerasfix import knowledge as kb

    _, names = kb.GENERATOR_METHODS["fit_generator"]
    positionals = draw(st.lists(st.sampled_from(_POSITIONALS), max_size=10))
    keywords = draw(st.lists(st.sampled_from(_KEYWORDS), max_size=3, unique=True))
    written = ["gen", *positionals, *keywords]
    pieces = []
    for index, value in enumerate(written):
        keyword = index > len(positionals)
        shape = draw(st.sampled_from([s for s in _SHAPES if not keyword or "(" not in s]))
        comment = draw(st.sampled_from(["", "  # note\n   "]))
        last = index == len(written) - 1
        comma = "," if not last or draw(st.booleans()) else ""
        pieces.append(shape.format(value) + comma + (comment if comma else ""))
    tail = "\n" if any("\n" in p or "#" in p for p in pieces) else ""
    source = "model.fit_generator(" + " ".join(pieces) + tail + ")"
    expected = ["gen"]
    for name, value in zip(names, positionals):
        if name not in kb.GENERATOR_DROPPED:
            expected.append(f"{name}={value}")
    expected += [k for k in keywords if k.split("=")[0] not in kb.GENERATOR_DROPPED]
    return source, f"model.fit({', '.join(expected)})"


@SETTINGS
@given(fit_generator_calls())
def test_generator_fix_keeps_every_argument(case: tuple[str, str]) -> None:
    call, expected = case
    prelude = "import keras\nmodel = keras.Sequential([keras.layers.Dense(2)])\n"
    fixed = process_text(prelude + call + "\n", "gen.py", Settings(), fix=True).new_text
    assert fixed is not None and fixed.startswith(prelude)
    tree = ast.parse(fixed[len(prelude) :])
    assert ast.dump(tree) == ast.dump(ast.parse(expected)), fixed
