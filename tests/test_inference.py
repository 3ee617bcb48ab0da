"""Model inference, case by case (Fixit style): each snippet ends in a
`predict_classes` call, and the expected KF001 outcome says what the
inference must have concluded about the receiver.

argmax / threshold: the head's width is known (safe fix); unknown: reported
with no safe fix; none: not reported (not a Keras model).
"""

from __future__ import annotations

import textwrap

import pytest

from kerasfix.engine.pipeline import lint_text
from kerasfix.settings import Settings

CASES: dict[str, tuple[str, str]] = {
    "keras-import": (
        "argmax",
        """
        import keras
        m = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
        m.predict_classes(x)
    """,
    ),
    "tf-keras-attribute": (
        "threshold",
        """
        import tensorflow as tf
        m = tf.keras.models.Sequential([tf.keras.layers.Dense(1, activation="sigmoid")])
        m.predict_classes(x)
    """,
    ),
    "from-import-alias": (
        "argmax",
        """
        from tensorflow.keras.models import Sequential as Seq
        from tensorflow.keras.layers import Dense as D
        m = Seq()
        m.add(D(7))
        m.predict_classes(x)
    """,
    ),
    "import-keras-as-K": (
        "threshold",
        """
        import keras as K
        m = K.Sequential([K.layers.Dense(1)])
        m.predict_classes(x)
    """,
    ),
    "tf-keras-package": (
        "argmax",
        """
        import tf_keras
        m = tf_keras.Sequential([tf_keras.layers.Dense(2)])
        m.predict_classes(x)
    """,
    ),
    "keras-submodule-paths": (
        "argmax",
        """
        from keras.models import Sequential
        from keras.layers.core import Dense, Dropout
        m = Sequential([Dense(3), Dropout(0.5)])
        m.predict_classes(x)
    """,
    ),
    "keras1-output_dim": (
        "argmax",
        """
        from keras.models import Sequential
        from keras.layers import Dense
        m = Sequential()
        m.add(Dense(output_dim=5, input_dim=3))
        m.predict_classes(x)
    """,
    ),
    "functional-keywords": (
        "argmax",
        """
        from keras import Input, Model, layers
        i = Input((3,))
        o = layers.Dense(4, activation="softmax")(layers.Dense(8)(i))
        m = Model(inputs=i, outputs=o)
        m.predict_classes(x)
    """,
    ),
    "functional-reassigned-x": (
        "threshold",
        """
        from keras import Input, Model, layers
        inp = Input((3,))
        x = layers.Dense(8)(inp)
        x = layers.Dense(1, activation="sigmoid")(x)
        m = Model(inp, x)
        m.predict_classes(data)
    """,
    ),
    "functional-softmax-layer": (
        "argmax",
        """
        import tensorflow as tf
        inp = tf.keras.Input((3,))
        out = tf.keras.layers.Softmax()(tf.keras.layers.Dense(6)(inp))
        m = tf.keras.Model(inp, out)
        m.predict_classes(x)
    """,
    ),
    "functional-transfer-learning": (
        "argmax",
        """
        from tensorflow.keras.applications import MobileNetV2
        from tensorflow.keras import layers, Model
        base = MobileNetV2(include_top=False)
        x = layers.GlobalAveragePooling2D()(base.output)
        out = layers.Dense(5, activation="softmax")(x)
        m = Model(inputs=base.input, outputs=out)
        m.predict_classes(images)
    """,
    ),
    "functional-multi-output": (
        "unknown",
        """
        from keras import Input, Model, layers
        i = Input((3,))
        m = Model(i, [layers.Dense(2)(i), layers.Dense(1)(i)])
        m.predict_classes(x)
    """,
    ),
    "units-from-constant": (
        "argmax",
        """
        import keras
        NUM_CLASSES = 12
        m = keras.Sequential([keras.layers.Dense(NUM_CLASSES, activation="softmax")])
        m.predict_classes(x)
    """,
    ),
    "units-from-unknown": (
        "unknown",
        """
        import keras
        m = keras.Sequential([keras.layers.Dense(y.shape[1], activation="relu")])
        m.predict_classes(x)
    """,
    ),
    "softmax-units-unknown-is-unsafe": (
        "unsafe",
        """
        import keras
        m = keras.Sequential([keras.layers.Dense(len(labels), activation="softmax")])
        m.predict_classes(x)
    """,
    ),
    "reassigned-later-does-not-matter": (
        "argmax",
        """
        import keras
        m = keras.Sequential([keras.layers.Dense(3)])
        m.predict_classes(x)
        m = keras.Sequential([keras.layers.Dense(1)])
    """,
    ),
    "reassigned-before-wins": (
        "threshold",
        """
        import keras
        m = keras.Sequential([keras.layers.Dense(3)])
        m = keras.Sequential([keras.layers.Dense(1)])
        m.predict_classes(x)
    """,
    ),
    "add-after-call-ignored": (
        "argmax",
        """
        import keras
        m = keras.Sequential()
        m.add(keras.layers.Dense(3))
        a = m.predict_classes(x)
        m.add(keras.layers.Dense(1))
    """,
    ),
    "add-in-loop-then-head": (
        "threshold",
        """
        import keras
        m = keras.Sequential()
        for n in (64, 32):
            m.add(keras.layers.Dense(n, activation="relu"))
        m.add(keras.layers.Dense(1, activation="sigmoid"))
        m.predict_classes(x)
    """,
    ),
    "head-in-loop": (
        "unknown",
        """
        import keras
        m = keras.Sequential()
        for n in sizes:
            m.add(keras.layers.Dense(n))
        m.predict_classes(x)
    """,
    ),
    "pop": (
        "unknown",
        """
        import keras
        m = keras.Sequential([keras.layers.Dense(3), keras.layers.Dense(1)])
        m.pop()
        m.predict_classes(x)
    """,
    ),
    "global-model-used-in-function": (
        "argmax",
        """
        import keras
        model = keras.Sequential([keras.layers.Dense(3)])
        def evaluate(x):
            return model.predict_classes(x)
    """,
    ),
    "model-returned-from-function": (
        "argmax",
        """
        from keras.models import Sequential
        from keras.layers import Dense
        def build(n):
            model = Sequential()
            model.add(Dense(n, activation="softmax"))
            return model
        clf = build(4)
        clf.predict_classes(x)
    """,
    ),
    "function-with-two-returns": (
        "unknown",
        """
        from keras.models import Sequential
        from keras.layers import Dense
        def build(binary):
            if binary:
                return Sequential([Dense(1, activation="sigmoid")])
            return Sequential([Dense(4, activation="softmax")])
        build(True).predict_classes(x)
    """,
    ),
    "self-model-in-init": (
        "threshold",
        """
        from tensorflow import keras
        class Net:
            def __init__(self):
                self.model = keras.Sequential()
                self.model.add(keras.layers.Dense(1, activation="sigmoid"))
            def classify(self, x):
                return self.model.predict_classes(x)
    """,
    ),
    "self-model-from-method": (
        "argmax",
        """
        from tensorflow import keras
        class Net:
            def __init__(self):
                self.model = self._build()
            def _build(self):
                return keras.Sequential([keras.layers.Dense(3, activation="softmax")])
            def classify(self, x):
                return self.model.predict_classes(x)
    """,
    ),
    "self-model-assigned-twice": (
        "unknown",
        """
        from tensorflow import keras
        class Net:
            def __init__(self):
                self.model = keras.Sequential([keras.layers.Dense(3)])
            def reset(self):
                self.model = keras.Sequential([keras.layers.Dense(1)])
            def classify(self, x):
                return self.model.predict_classes(x)
    """,
    ),
    "loaded-model": (
        "unknown",
        """
        from keras.models import load_model
        load_model("m.h5").predict_classes(x)
    """,
    ),
    "parameter": (
        "unknown",
        """
        def f(model, x):
            return model.predict_classes(x)
    """,
    ),
    "time-distributed": (
        "argmax",
        """
        from keras.models import Sequential
        from keras.layers import LSTM, TimeDistributed, Dense
        m = Sequential([LSTM(8, return_sequences=True), TimeDistributed(Dense(3, activation="softmax"))])
        m.predict_classes(x)
    """,
    ),
    "unknown-last-layer": (
        "unknown",
        """
        from keras.models import Sequential
        from keras.layers import Dense, Reshape
        m = Sequential([Dense(6), Reshape((2, 3))])
        m.predict_classes(x)
    """,
    ),
    "custom-layer-last": (
        "unknown",
        """
        from keras.models import Sequential
        from keras.layers import Dense
        from mylayers import Head
        m = Sequential([Dense(6), Head()])
        m.predict_classes(x)
    """,
    ),
    "local-class-with-method": (
        "none",
        """
        class Model:
            def predict_classes(self, x):
                return x
        m = Model()
        m.predict_classes(x)
    """,
    ),
    "sklearn-object": (
        "none",
        """
        from sklearn.linear_model import LogisticRegression
        m = LogisticRegression()
        m.predict_classes(x)
    """,
    ),
    "shadowed-keras-name": (
        "unknown",
        """
        def Sequential(layers):
            return object()
        from keras.layers import Dense
        m = Sequential([Dense(3)])
        m.predict_classes(x)
    """,
    ),
    "subclass-of-sequential": (
        "unknown",
        """
        import keras
        class MyNet(keras.Sequential):
            pass
        MyNet().predict_classes(x)
    """,
    ),
    "star-args-unknown": (
        "unknown",
        """
        import keras
        layers = [keras.layers.Dense(3)]
        m = keras.Sequential(*layers)
        m.predict_classes(x)
    """,
    ),
}

CASES.update(
    {
        "built-in-with-block": (
            "argmax",
            """
            import tensorflow as tf
            strategy = tf.distribute.MirroredStrategy()
            with strategy.scope():
                model = tf.keras.Sequential([tf.keras.layers.Dense(10, activation="softmax")])
                model.compile(loss="categorical_crossentropy")
            model.predict_classes(x)
        """,
        ),
        "built-in-try-block": (
            "unknown",
            """
            import tensorflow as tf
            model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            try:
                model = tf.keras.Sequential([tf.keras.layers.Dense(10, activation="softmax")])
            except ValueError:
                pass
            model.predict_classes(x)
        """,
        ),
        # name resolution by kerasfix.analysis.scopes: what reaches the call, and only that
        "add-before-rebinding-is-not-folded": (
            "argmax",
            """
            import keras
            model = keras.Sequential()
            model.add(keras.layers.Dense(1, activation="sigmoid"))
            model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
            model.predict_classes(x)
        """,
        ),
        "with-as-rebinds": (
            "unknown",
            """
            import keras
            model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
            with open_model(path) as model:
                model.predict_classes(x)
        """,
        ),
        "for-target-rebinds": (
            "unknown",
            """
            import keras
            model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
            for model in candidates:
                model.predict_classes(x)
        """,
        ),
        "class-body-name-not-seen-by-method": (
            "argmax",
            """
            import keras
            model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
            class Trainer:
                model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
                def run(self):
                    return model.predict_classes(x)
        """,
        ),
        "global-rebinding-in-function": (
            "unknown",
            """
            import keras
            model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
            def reset():
                global model
                model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
            def predict():
                return model.predict_classes(x)
        """,
        ),
        "comprehension-variable-is-its-own": (
            "argmax",
            """
            import keras
            model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
            names = [model for model in ["a", "b"]]
            model.predict_classes(x)
        """,
        ),
        "walrus-in-comprehension-binds-outside": (
            "unknown",
            """
            import keras
            model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
            found = [(model := m) for m in models]
            model.predict_classes(x)
        """,
        ),
        "main-guard": (
            "threshold",
            """
            import keras
            if __name__ == "__main__":
                model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
                print(model.predict_classes(x))
        """,
        ),
        "statements-on-one-line": (
            "threshold",
            """
            import keras
            model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")]); model.predict_classes(x)
        """,
        ),
        "rebound-on-the-same-line": (
            "unknown",
            """
            import keras
            model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
            if flag: model = keras.models.load_model(path)
            model.predict_classes(x)
        """,
        ),
    }
)


def outcome(source: str, prefilter: bool = True) -> str:
    settings = Settings(prefilter=prefilter)
    diagnostics = [
        d for d in lint_text(textwrap.dedent(source), "case.py", settings)[0] if d.code == "KF001"
    ]
    if not diagnostics:
        return "none"
    [d] = diagnostics
    if d.fix is None:
        return "unknown"
    if d.fix.applicability.value == "unsafe":
        return "unsafe"
    contents = "".join(e.content for e in d.fix.edits)
    return "threshold" if "> 0.5" in contents else "argmax"


@pytest.mark.parametrize("name", CASES)
def test_inference(name: str) -> None:
    expected, source = CASES[name]
    assert outcome(source) == expected
    assert outcome(source, prefilter=False) == expected
