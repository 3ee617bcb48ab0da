"""Build the models of a flagged fixture and of its fixed form under real Keras,
give the fixed models the original weights, and measure what the rules claim.

    python head_runner.py OUT.pkl ORIGINAL.py [FIXED.py]

For every keras.Model bound at module level: predictions on a fixed random
batch, and losses on fixed random labels: as compiled, and in the two
intended formulations (the same loss class with from_logits=True and False).
"""

from __future__ import annotations

import os
import pickle
import runpy
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")


def models_of(path: str) -> dict:
    import keras

    keras.utils.set_random_seed(7)
    namespace = runpy.run_path(path, run_name="__main__")
    found = {}
    for name, value in namespace.items():
        if isinstance(value, keras.Model):
            if not value.built:
                value.build((None, 8))
            found[name] = value
    return found


def loss_class(loss: object):  # noqa: ANN201
    import keras

    from kerasfix import knowledge as kb

    if isinstance(loss, str):
        info = kb.LOSS_BY_STRING[loss]
    elif callable(loss) and hasattr(loss, "__name__"):
        info = kb.LOSS_BY_FUNCTION[loss.__name__]
    else:
        info = kb.LOSS_BY_CLASS[type(loss).__name__]
    return info, getattr(keras.losses, info.cls)


def labels(info, shape, rng):  # noqa: ANN001, ANN201
    import numpy as np

    if info.function.startswith("sparse"):
        return rng.integers(0, shape[-1], shape[:-1] + (1,))
    if info.family == "categorical":
        eye = np.eye(shape[-1], dtype="float32")
        return eye[rng.integers(0, shape[-1], shape[:-1])]
    return rng.integers(0, 2, shape).astype("float32")


def measure(model, weights=None) -> dict:  # noqa: ANN001
    import keras
    import numpy as np

    if weights is not None:
        model.set_weights(weights)
    rng = np.random.default_rng(0)
    shape = tuple(16 if d is None else d for d in model.inputs[0].shape)
    x = rng.normal(size=shape).astype("float32") * 3.0
    pred = np.asarray(model.predict(x, verbose=0))
    out: dict = {"pred": pred, "weights": model.get_weights()}
    loss = getattr(model, "loss", None)
    if loss is None or isinstance(loss, (dict, list)):
        return out
    info, cls = loss_class(loss)
    y = labels(info, pred.shape, np.random.default_rng(1))
    compiled = loss if not isinstance(loss, str) else keras.losses.get(loss)
    out["loss_compiled"] = float(keras.ops.mean(compiled(y, pred)))
    out["loss_from_logits"] = float(cls(from_logits=True)(y, pred))
    out["loss_from_probs"] = float(cls(from_logits=False)(y, pred))
    out["loss_family"] = info.family
    if info.family == "categorical" and not info.function.startswith("sparse"):
        out["binary_accuracy"] = float(keras.metrics.BinaryAccuracy()(y, pred))
        out["categorical_accuracy"] = float(keras.metrics.CategoricalAccuracy()(y, pred))
    elif info.family == "binary" and pred.shape[-1] > 1:
        onehot = np.eye(pred.shape[-1], dtype="float32")[rng.integers(0, pred.shape[-1], 16)]
        out["binary_accuracy"] = float(keras.metrics.BinaryAccuracy()(onehot, pred))
        out["categorical_accuracy"] = float(keras.metrics.CategoricalAccuracy()(onehot, pred))
    return out


def main() -> None:
    out, original, *fixed = sys.argv[1:]
    result: dict = {"original": {}, "fixed": {}}
    before = models_of(original)
    for name, model in before.items():
        result["original"][name] = measure(model)
    if fixed:
        after = models_of(fixed[0])
        for name, model in after.items():
            if name in before:
                result["fixed"][name] = measure(model, before[name].get_weights())
    with open(out, "wb") as handle:
        pickle.dump(result, handle)


if __name__ == "__main__":
    main()
