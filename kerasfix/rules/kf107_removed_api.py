from __future__ import annotations

from collections.abc import Iterator

from kerasfix import knowledge as kb
from kerasfix.diagnostic import Diagnostic
from kerasfix.rules.base import KERAS, KERAS3_IMPORT, ApiCall, Context, Rule

_LEAVES = frozenset(path.rsplit(".", 1)[1] for path in kb.REMOVED_APIS)


class RemovedApi(Rule):
    """KF107 removed-api: Keras 2 APIs that Keras 3 removed, with no exact replacement.

    What it does
        Reports calls to the removed session and learning-phase backend
        functions (`K.set_session`, `K.get_session`, `K.set_learning_phase`,
        `K.image_dim_ordering`), `multi_gpu_model`, `CuDNNLSTM`/`CuDNNGRU`,
        the Keras 1 `Merge` layer and `ImageDataGenerator`, each with its
        replacement.

    Why is this bad?
        They raise `AttributeError` or `ImportError` under Keras 3.

    Example
        model = multi_gpu_model(model, gpus=2)

    Use instead
        strategy = tf.distribute.MirroredStrategy()
        with strategy.scope():
            model = build_model()

    Fix safety
        None: the replacements change how the code is structured or what it
        computes (CuDNNLSTM and LSTM differ in defaults; ImageDataGenerator's
        augmentation becomes preprocessing layers), so they are left to you.
        `tf.compat.v1.keras.backend` functions, which still exist, are not
        reported.
    """

    code = "KF107"
    name = "removed-api"
    summary = (
        "Keras 2 API removed in Keras 3 (sessions, multi_gpu_model, CuDNN*, ImageDataGenerator)"
    )
    finds = (
        "`K.set_session`, `set_learning_phase`, `multi_gpu_model`, `CuDNNLSTM`, "
        "`ImageDataGenerator` …"
    )
    fix_summary = "— (the message names the replacement)"
    looks_at = (KERAS, ApiCall(tuple(sorted(_LEAVES)), keras3=True), KERAS3_IMPORT)

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        for call, path in ctx.inference.keras_calls(_LEAVES, skip_keras2=True):
            advice = kb.REMOVED_APIS.get(path)
            if advice is None:
                continue
            leaf = path.rsplit(".", 1)[1]
            yield ctx.diagnostic(cls, call, f"`{leaf}` was removed in Keras 3: {advice}")
