"""Run fixture scripts under real Keras and save every array they leave behind.

    python semantic_runner.py MODE OUT.pkl SCRIPT...

MODE "keras2" runs with tf.keras and `import keras` bound to tf-keras (Keras 2); "jax" and
"torch" run Keras 3 on that backend (KERAS_BACKEND). MODE "removed" attaches the exact bodies of the removed Sequential methods
(TensorFlow 2.5) to keras.Model first, so the original scripts run as they
did; MODE "plain" runs with nothing attached (the fixed scripts must not need
them). Each script runs with the same seeds, so the same weights.
"""

from __future__ import annotations

import os
import pickle
import runpy
import shutil
import sys
import tempfile
import traceback
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")


def predict_classes(self, x, batch_size=32, verbose=0):
    proba = self.predict(x, batch_size=batch_size, verbose=verbose)
    if proba.shape[-1] > 1:
        return proba.argmax(axis=-1)
    else:
        return (proba > 0.5).astype("int32")


def predict_proba(self, x, batch_size=32, verbose=0):
    preds = self.predict(x, batch_size, verbose)
    if preds.min() < 0.0 or preds.max() > 1.0:
        warnings.warn("Network returning invalid probability values.", stacklevel=2)
    return preds


def collect(namespace: dict) -> dict:
    import numpy as np

    arrays = {}
    for name, value in namespace.items():
        if name.startswith("_"):
            continue
        if isinstance(value, np.ndarray):
            arrays[name] = value
        elif isinstance(value, tuple) and value and all(isinstance(v, np.ndarray) for v in value):
            arrays[name] = value
    return arrays


class _KerasIsTfKeras:
    """``import keras…`` gives ``tf_keras…``: a script written for standalone Keras 2 runs
    on Keras 2 (``keras.preprocessing.image`` is tf-keras's)."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> object:
        import importlib.util

        if name != "keras" and not name.startswith("keras."):
            return None
        real = "tf_keras" + name[len("keras") :]
        try:
            if importlib.util.find_spec(real) is None:
                return None
        except ImportError:
            return None
        return importlib.util.spec_from_loader(name, _Alias(real))


class _Alias:
    def __init__(self, real: str) -> None:
        self.real = real

    def create_module(self, spec: object) -> object:
        import importlib

        return importlib.import_module(self.real)

    def exec_module(self, module: object) -> None:
        pass


def main() -> None:
    mode, out, *scripts = sys.argv[1:]
    if mode in ("jax", "torch"):
        os.environ["KERAS_BACKEND"] = mode  # Keras 3 on another backend (TensorFlow installed)
    if mode == "keras2":
        os.environ["TF_USE_LEGACY_KERAS"] = "1"  # tf.keras is tf-keras (Keras 2)
        sys.meta_path.insert(0, _KerasIsTfKeras())  # and so is `import keras`
    import keras
    import tensorflow as tf

    tf.config.experimental.enable_op_determinism()
    if mode == "keras2":
        import tf_keras

        tf_keras.utils.set_random_seed(1234)
    if mode == "removed":
        keras.Model.predict_classes = predict_classes
        keras.Model.predict_proba = predict_proba
    results = {}
    for script in scripts:
        keras.utils.set_random_seed(1234)
        keras.backend.clear_session()
        cwd = os.getcwd()
        folder = os.path.dirname(os.path.abspath(script))
        # what a script writes (checkpoints, exported models) goes to a folder of its own, not
        # among the fixtures; its modules still import from beside it
        scratch = tempfile.mkdtemp(prefix="kerasfix-run-")
        os.chdir(scratch)
        # as `python script.py` would: its folder first on the path (a
        # project script imports the modules beside it and its packages)
        sys.path.insert(0, folder)
        loaded = set(sys.modules)
        try:
            namespace = runpy.run_path(script, run_name="__main__")
            results[os.path.basename(script)] = ("ok", collect(namespace))
        except BaseException:  # noqa: BLE001 - reported to the test
            results[os.path.basename(script)] = ("error", traceback.format_exc())
        finally:
            os.chdir(cwd)
            shutil.rmtree(scratch, ignore_errors=True)
            sys.path.remove(folder)
            for name in set(sys.modules) - loaded:
                where = getattr(sys.modules[name], "__file__", None) or ""
                if not where.startswith((sys.prefix, sys.base_prefix)):
                    del sys.modules[name]  # the next script imports its own project
    with open(out, "wb") as handle:
        pickle.dump(results, handle)


if __name__ == "__main__":
    main()
