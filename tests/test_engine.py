"""The engine: encodings, line endings, suppressions, fix settings, bad input."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from kerasfix.engine.pipeline import lint_text, process_path, process_text
from kerasfix.settings import Settings

MODEL = (
    "import numpy as np\n"
    "from tensorflow import keras\n"
    "model = keras.Sequential([keras.layers.Dense(4, activation='softmax')])\n"
    "y = model.predict_classes(np.zeros((1, 3)))  # café\n"
)
FIXED_LINE = "y = np.argmax(model.predict(np.zeros((1, 3))), axis=-1)  # café"


def fix_file(tmp_path: Path, data: bytes) -> bytes:
    path = tmp_path / "m.py"
    path.write_bytes(data)
    result = process_path(str(path), Settings(), fix=True, write=True)
    assert result.fixed == 1, result.diagnostics
    return path.read_bytes()


def test_crlf_kept(tmp_path: Path) -> None:
    out = fix_file(tmp_path, MODEL.replace("\n", "\r\n").encode())
    assert out == MODEL.replace("\n", "\r\n").encode().replace(
        b"y = model.predict_classes(np.zeros((1, 3)))  # caf\xc3\xa9",
        FIXED_LINE.encode(),
    )


def test_mixed_line_endings_and_no_final_newline_kept(tmp_path: Path) -> None:
    source = MODEL.replace("\n", "\r\n", 1).rstrip("\n")
    out = fix_file(tmp_path, source.encode()).decode()
    assert out.count("\r\n") == 1 and not out.endswith("\n")
    assert out.endswith(FIXED_LINE)


def test_bom_kept(tmp_path: Path) -> None:
    out = fix_file(tmp_path, codecs.BOM_UTF8 + MODEL.encode())
    assert out.startswith(codecs.BOM_UTF8)
    assert FIXED_LINE in out[3:].decode()


def test_coding_cookie_honoured(tmp_path: Path) -> None:
    source = "# -*- coding: latin-1 -*-\n" + MODEL
    out = fix_file(tmp_path, source.encode("latin-1"))
    assert FIXED_LINE.encode("latin-1") in out
    assert out.decode("latin-1").startswith("# -*- coding: latin-1 -*-\n")


def test_trailing_whitespace_lines_are_kept(tmp_path: Path) -> None:
    # a file ending in whitespace-only lines (which LibCST reproduces wrong)
    # survives the fix byte for byte
    source = MODEL + " \n "
    out = fix_file(tmp_path, source.encode()).decode()
    assert out.endswith(FIXED_LINE + "\n \n ")


def test_tabs_and_form_feeds_kept() -> None:
    source = MODEL.replace("y = ", "\x0c\ny = ") + "if True:\n\tz = 1\n"
    result = process_text(source, "m.py", Settings(), fix=True)
    assert result.new_text is not None
    assert "\x0c\n" + FIXED_LINE in result.new_text and "\tz = 1" in result.new_text


def test_syntax_error_is_kf000() -> None:
    [d] = lint_text("print 'python 2'\nmodel.predict_classes(x)\n", "old.py", Settings())[0]
    assert d.code == "KF000" and d.row == 1 and "syntax error" in d.message


def test_undecodable_bytes_are_kf000(tmp_path: Path) -> None:
    path = tmp_path / "bad.py"
    path.write_bytes(b"x = 1\ny = '\xff\xfe'\nmodel.predict_classes(x)\n")
    [d] = process_path(str(path), Settings(), fix=False, write=False).diagnostics
    assert d.code == "KF000" and d.row == 2 and "utf-8" in d.message


def test_binary_junk_is_kf000(tmp_path: Path) -> None:
    path = tmp_path / "junk.py"
    path.write_bytes(b"\x00\x01predict_classes\x00")
    [d] = process_path(str(path), Settings(), fix=False, write=False).diagnostics
    assert d.code == "KF000"


def test_files_without_trigger_words_are_not_parsed() -> None:
    diagnostics, parsed = lint_text("this is not python (\n", "x.py", Settings())
    assert diagnostics == [] and parsed is False


def test_noqa() -> None:
    base = MODEL.rstrip("\n").replace("  # café", "")
    assert lint_text(base + "  # noqa: KF001\n", "m.py", Settings())[0] == []
    assert lint_text(base + "  # noqa\n", "m.py", Settings())[0] == []
    found = lint_text(base + "  # noqa: KF002\n", "m.py", Settings())[0]
    assert [d.code for d in found] == ["KF001", "KF900"]  # KF002 suppresses nothing here
    assert lint_text("# kerasfix: noqa\n" + MODEL, "m.py", Settings())[0] == []


def test_argmax_axis_one_is_safe_only_for_known_2d_output() -> None:
    two_d = MODEL.replace(
        "Dense(4, activation='softmax')", "Dense(4, activation='softmax', input_dim=3)"
    )
    settings = Settings(argmax_axis=1)
    [d] = lint_text(two_d, "m.py", settings)[0]
    assert d.fix is not None and d.fix.applicability.value == "safe"
    assert "axis=1)" in process_text(two_d, "m.py", settings, fix=True).new_text
    [d] = lint_text(MODEL, "m.py", settings)[0]  # output rank unknown
    assert d.fix is not None and d.fix.applicability.value == "unsafe"


KF003 = """import tensorflow as tf
model = tf.keras.Sequential([tf.keras.layers.Dense(10)])
model.compile(optimizer="adam", loss="categorical_crossentropy")
"""


def test_kf003_fix_choice() -> None:
    by_activation = process_text(KF003, "m.py", Settings(unsafe_fixes=True), fix=True)
    assert 'tf.keras.layers.Dense(10, activation="softmax")' in by_activation.new_text
    by_loss = process_text(
        KF003, "m.py", Settings(unsafe_fixes=True, kf003_fix="from-logits"), fix=True
    )
    assert "loss=tf.keras.losses.CategoricalCrossentropy(from_logits=True)" in by_loss.new_text
    assert process_text(KF003, "m.py", Settings(), fix=True).new_text is None


def test_kf003_from_logits_on_a_class_loss_without_arguments() -> None:
    source = KF003.replace('"categorical_crossentropy"', "tf.keras.losses.BinaryCrossentropy()")
    source = source.replace("Dense(10)", "Dense(1)")
    result = process_text(
        source, "m.py", Settings(unsafe_fixes=True, kf003_fix="from-logits"), fix=True
    )
    assert "BinaryCrossentropy(from_logits=True)" in result.new_text


def test_api() -> None:
    import kerasfix

    [d] = kerasfix.check_source(MODEL)
    assert d.code == "KF001" and d.path == "<string>"
    assert FIXED_LINE in kerasfix.fix_source(MODEL)


def test_a_package_importing_its_own_old_modules_is_left_alone_however_spelled(
    tmp_path, monkeypatch
) -> None:
    """Keras's own code may import `keras.engine`; whether kerasfix was given
    `keras/…` or `/abs/keras/…` must not change the answer (a relative path
    once missed it, flagging the package's own files and parsing them all).
    Keras's own code is a module of the package: folders with `__init__.py` from
    a folder on the import path (here `site-packages`)."""
    text = "from keras.engine import training\n"
    package = tmp_path / "site-packages" / "keras" / "src"
    package.mkdir(parents=True)
    for folder in (package, package.parent):
        (folder / "__init__.py").write_text("")
    (package / "models.py").write_text(text)
    monkeypatch.chdir(tmp_path)
    for path in ("site-packages/keras/src/models.py", str(package / "models.py")):
        assert lint_text(text, path, Settings()) == ([], False), path
    diagnostics, _ = lint_text(text, "project/models.py", Settings())
    assert [d.code for d in diagnostics] == ["KF103"]


def test_keras_own_modules_are_syntax_checked_only_where_a_rule_looks(
    tmp_path, monkeypatch
) -> None:
    """A module of Keras's or TensorFlow's own package that no rule looks at is not code to
    migrate: it is not syntax-checked (two thirds of a cold run over their sources); one a
    rule looks at is parsed, so its syntax error is still KF000; a user's file always is."""
    package = tmp_path / "site-packages" / "tensorflow" / "python"
    package.mkdir(parents=True)
    for folder in (package, package.parent):
        (folder / "__init__.py").write_text("")
    monkeypatch.chdir(tmp_path)
    broken = "import tensorflow as tf\nprint 'python 2'\n"
    own = "site-packages/tensorflow/python/ops.py"
    assert lint_text(broken, own, Settings()) == ([], False)
    [d] = lint_text(broken + "model.predict_classes(x)\n", own, Settings())[0]
    assert d.code == "KF000"
    [d] = lint_text(broken, "project/train.py", Settings())[0]
    assert d.code == "KF000"


def test_a_checked_file_leaves_no_cyclic_garbage() -> None:
    """Once its rules have run, a file's tree, index and inference are freed by reference
    counting: left to the cyclic collector (scopes, bindings and accesses refer to each
    other, and hold the tree) they cost a tenth of a cold run."""
    import gc

    source = (
        "import keras\nfrom keras import layers\n\n\nclass Block(layers.Layer):\n"
        "    def __init__(self, units):\n        super().__init__()\n"
        "        self.dense = layers.Dense(units)\n\n    def call(self, x):\n"
        "        return [self.dense(v) for v in (x, x)][0]\n\n\n"
        "def build(n=3):\n    inputs = keras.Input((4,))\n"
        "    return keras.Model(inputs, layers.Dense(n, activation='softmax')(Block(8)(inputs)))\n"
        "\n\nmodel = build()\nmodel.compile(loss='categorical_crossentropy')\n"
        "labels = model.predict_classes(x)\n"
    )
    assert [d.code for d in lint_text(source, "m.py", Settings())[0]] == ["KF001"]
    gc.collect()
    gc.disable()
    try:
        lint_text(source, "m.py", Settings())
        garbage = gc.collect()
    finally:
        gc.enable()
    assert garbage < 100, garbage  # 0 here; 324 before


def test_a_folder_merely_named_keras_is_not_keras_own_code(tmp_path) -> None:
    """Courses group their scripts in `keras/`, `tensorflow/` folders: without the chain of
    `__init__.py` from the import path they are scripts like any other."""
    text = "from keras.utils import np_utils\n"
    for folder in ("keras", "tensorflow/python/keras", "lessons/keras"):
        script = tmp_path / folder / "mnist.py"
        script.parent.mkdir(parents=True, exist_ok=True)
        script.write_text(text)
        diagnostics, _ = lint_text(text, str(script), Settings())
        assert [d.code for d in diagnostics] == ["KF103"], folder
    # a package `keras` of another project's folder (not on the import path) is not Keras either
    (tmp_path / "lessons" / "keras" / "__init__.py").write_text("")
    diagnostics, _ = lint_text(text, str(tmp_path / "lessons/keras/mnist.py"), Settings())
    assert [d.code for d in diagnostics] == ["KF103"]


# Each snippet's only site reaches Keras through a name the pre-parse facts
# must follow (assigned, aliased, a parameter…) or must rule out (another
# package's import): with and without the filters, the same findings.
REACHED = {
    "kf107-assigned-root": (
        "import keras\nbackend = keras.backend\nbackend.set_session(None)\n",
        ["KF107"],
    ),
    "kf107-imported-root": ("from keras import backend as K\nK.set_session(None)\n", ["KF107"]),
    "kf107-bare-name": ("from keras.backend import set_session\nset_session(None)\n", ["KF107"]),
    "kf107-other-package": (
        "import keras\nfrom google.protobuf import text_format\ntext_format.Merge('', None)\n",
        [],
    ),
    "kf107-tf-keras-is-keras-2": ("import tf_keras\ntf_keras.backend.set_session(None)\n", []),
    "kf104-dense-under-embedding-name": (
        "from keras.layers import Dense as Embedding\nEmbedding(output_dim=8)\n",
        ["KF104"],
    ),
    "kf104-real-embedding": (
        "from keras.layers import Embedding\nEmbedding(input_dim=10, output_dim=8)\n",
        [],
    ),
    "kf104-assigned-layer": (
        "import keras\nEmbedding = keras.layers.Dense\nEmbedding(output_dim=8)\n",
        ["KF104"],
    ),
    "kf104-attribute-embedding": (
        "from keras import layers\nlayers.Embedding(input_dim=10, output_dim=8)\n",
        [],
    ),
    "kf104-init-on-torch": ("import keras\nimport torch\ntorch.nn.Linear(3, 4, init=None)\n", []),
    "kf104-init-on-keras": (
        "from tensorflow.keras import layers as L\nL.Dense(3, init='uniform')\n",
        ["KF104"],
    ),
    "kf101-optimizer-under-another-name": (
        "import keras\nopt = keras.optimizers\nopt.Adam(lr=0.1)\n",
        ["KF101"],
    ),
    "kf101-torch-optimizer": (
        "import keras\nimport torch\ntorch.optim.Adam(params, lr=0.1)\n",
        [],
    ),
}


def assert_codes_with_and_without_filters(text: str, codes: list[str]) -> None:
    filtered, _ = lint_text(text, "case.py", Settings())
    unfiltered, _ = lint_text(text, "case.py", Settings(prefilter=False))
    assert [d.code for d in filtered] == codes
    assert [d.code for d in unfiltered] == codes


@pytest.mark.parametrize("name", REACHED)
def test_names_that_reach_keras(name: str) -> None:
    assert_codes_with_and_without_filters(*REACHED[name])


# A layer's width given as a parameter: the pre-parse facts follow it to the
# calls (and defaults) the analysis evaluates, and must agree with it.
_BUILD = (
    "import keras\nfrom keras.layers import Dense\n"
    "def build(n{default}):\n    return keras.Sequential([Dense(n, activation='softmax')])\n"
)
WIDTHS = {
    "positional": (_BUILD.format(default="") + "m = build(1)\nm.fit(x, y)\n", ["KF005"]),
    "default": (_BUILD.format(default="=1") + "m = build()\nm.fit(x, y)\n", ["KF005"]),
    "keyword": (_BUILD.format(default="=10") + "m = build(n=1)\nm.fit(x, y)\n", ["KF005"]),
    "through-another-function": (
        _BUILD.format(default="")
        + "def outer(k=1):\n    return build(k)\nm = outer()\nm.fit(x, y)\n",
        ["KF005"],
    ),
    "under-another-name": (
        _BUILD.format(default="") + "make = build\nm = make(1)\nm.fit(x, y)\n",
        ["KF005"],
    ),
    "passed-to-a-function": (
        _BUILD.format(default="") + "def run(f):\n    return f(1)\nm = run(build)\nm.fit(x, y)\n",
        ["KF005"],
    ),
    "never-called": (_BUILD.format(default="=1"), []),
    "called-wide": (_BUILD.format(default="=1") + "m = build(10)\nm.fit(x, y)\n", []),
    "documented-by-setattr": (
        _BUILD.format(default="=10") + "setattr(build, '__doc__', 'x')\nm = build()\nm.fit(x, y)\n",
        [],
    ),
}


@pytest.mark.parametrize("name", WIDTHS)
def test_widths_that_flow_through_parameters(name: str) -> None:
    assert_codes_with_and_without_filters(*WIDTHS[name])


def test_tensorflow_checkpoint_kept_only_while_on_tensorflow(tmp_path: Path) -> None:
    """``save_weights("w.ckpt")`` becomes a ``tf.train.Checkpoint`` write (what Keras 2 wrote)
    by default; with the backend-neutral rules selected the code is leaving TensorFlow, so it
    becomes a ``.weights.h5`` file instead."""
    source = (
        "import tensorflow as tf\n"
        "from tensorflow import keras\n"
        "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n"
        'model.save_weights("w.ckpt")\n'
        'model.load_weights("w.ckpt")\n'
    )
    path = str(tmp_path / "train.py")
    (tmp_path / "train.py").write_text(source)
    on_tf = process_text(source, path, Settings(unsafe_fixes=True), fix=True).new_text
    assert on_tf is not None and "tf.train.Checkpoint(model).write" in on_tf
    neutral = Settings(select=frozenset({"KF", "KF2"}), unsafe_fixes=True)
    off_tf = process_text(source, path, neutral, fix=True).new_text
    assert off_tf is not None and "Checkpoint" not in off_tf
    assert 'model.save_weights("w.weights.h5")' in off_tf
    assert 'model.load_weights("w.weights.h5")' in off_tf
