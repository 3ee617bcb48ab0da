"""Benchmark kerasfix against Ruff and grep on one corpus, in one run.

    python bench/run.py [--generated 200] [--scale 1] [--keep DIR]

The corpus: the installed scikit-learn, Keras and TensorFlow sources (copied,
so every tool reads the same files) plus N generated Keras scripts. Timed side
by side: kerasfix cold (empty cache) and cached (second run), `ruff check
--select NPY201 --no-cache`, and `grep -rl` as the floor of reading the bytes.
Prints seconds, files/s, peak memory (largest process of the run) and the
ratios to Ruff and grep; then the time for one generated 1 MB Keras file.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PACKAGES = ["sklearn", "keras", "tensorflow"]
MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(elapsed, peak)
"""

SCRIPT = """import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

x_train = np.random.rand(100, {features}).astype("float32")
model = keras.Sequential()
model.add(layers.Dense({hidden}, activation="relu", input_shape=({features},)))
model.add(layers.Dropout(0.2))
model.add(layers.Dense({units}{activation}))
model.compile(optimizer=keras.optimizers.Adam(lr=0.001), loss="{loss}", metrics=["accuracy"])
history = model.fit(x_train, y_train, epochs={epochs}, batch_size=32)
predicted = model.predict_classes(x_train)
probabilities = model.predict_proba(x_train)


def build_{i}(n_classes={units}):
    inputs = keras.Input(shape=({features},))
    h = layers.Dense({hidden}, activation="relu")(inputs)
    outputs = layers.Dense(n_classes, activation="softmax")(h)
    return keras.Model(inputs, outputs)


other = build_{i}()
labels = other.predict_classes(x_train, batch_size=64)
"""


def generated(i: int, rng: random.Random) -> str:
    units = rng.choice([1, 2, 5, 10])
    return SCRIPT.format(
        i=i,
        features=rng.choice([8, 16, 784]),
        hidden=rng.choice([32, 64, 128]),
        units=units,
        activation=rng.choice(["", ', activation="softmax"', ', activation="sigmoid"']),
        loss=rng.choice(["categorical_crossentropy", "binary_crossentropy", "mse"]),
        epochs=rng.randint(1, 20),
    )


def build_corpus(root: Path, n_generated: int, scale: int) -> int:
    count = 0
    for copy in range(scale):
        for name in PACKAGES:
            spec = importlib.util.find_spec(name)
            if spec is None or not spec.submodule_search_locations:
                sys.exit(f"bench: {name} is not installed (pip install -e '.[test]')")
            source = Path(list(spec.submodule_search_locations)[0])
            for path in source.rglob("*.py"):
                target = root / f"copy{copy}" / name / path.relative_to(source)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
                count += 1
        rng = random.Random(copy)
        for i in range(n_generated):
            target = root / f"copy{copy}" / "generated" / f"script_{i}.py"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(generated(i, rng))
            count += 1
    return count


def measure(command: list[str], cwd: Path, timeout: float | None = None) -> tuple[float, float]:
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, *command],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
    )
    elapsed, peak_kb = proc.stdout.split()
    return float(elapsed), float(peak_kb) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=int, default=200)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="build the corpus here and keep it")
    parser.add_argument("--big-timeout", type=float, default=120.0)
    args = parser.parse_args()
    bindir = Path(sys.executable).parent
    kerasfix = str(bindir / "kerasfix")
    ruff = shutil.which("ruff") or str(bindir / "ruff")
    work = args.keep or Path(tempfile.mkdtemp(prefix="kerasfix-bench-"))
    corpus = work / "corpus"
    if corpus.exists():
        shutil.rmtree(corpus)
    corpus.mkdir(parents=True)
    files = build_corpus(corpus, args.generated, args.scale)
    size = sum(p.stat().st_size for p in corpus.rglob("*.py")) / 1e6
    cache = work / ".kerasfix_cache"
    shutil.rmtree(cache, ignore_errors=True)
    check = [kerasfix, "check", "--exit-zero", "-q", "--output-format", "concise", str(corpus)]
    rows = [
        ("kerasfix (cold)", measure(check, work)),
        ("kerasfix (cached)", measure(check, work)),
        (
            "ruff --select NPY201",
            measure(
                [
                    ruff,
                    "check",
                    "--select",
                    "NPY201",
                    "--no-cache",
                    "--exit-zero",
                    "-q",
                    str(corpus),
                ],
                work,
            ),
        ),
        ("grep -rl", measure(["grep", "-rl", "predict_classes", str(corpus)], work)),
    ]
    ruff_s = rows[2][1][0]
    grep_s = rows[3][1][0]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(
        f"corpus: {files} files, {size:.1f} MB "
        f"(sklearn, keras, tensorflow + {args.generated} generated) x{args.scale}"
    )
    print(f"{'tool':<22}{'seconds':>9}{'files/s':>10}{'peak MB':>9}{'x ruff':>8}{'x grep':>8}")
    for name, (seconds, peak) in rows:
        print(
            f"{name:<22}{seconds:>9.2f}{files / seconds:>10.0f}{peak:>9.0f}"
            f"{seconds / ruff_s:>8.1f}{seconds / grep_s:>8.1f}"
        )
    for target in (0.125, 0.25, 1.0):
        big = work / f"generated_{target}MB.py"
        rng = random.Random(1)
        parts: list[str] = []
        i = 0
        while sum(map(len, parts)) < target * 1e6:
            parts.append(generated(i, rng))
            i += 1
        big.write_text("".join(parts))
        command = [kerasfix, "check", "--no-cache", "--exit-zero", "-q", str(big)]
        try:
            seconds, peak = measure(command, work, timeout=args.big_timeout)
            shown = f"{seconds:.1f} s, peak {peak:.0f} MB"
        except subprocess.TimeoutExpired:
            shown = f"more than {args.big_timeout} s (stopped)"
        print(f"one generated file of {big.stat().st_size / 1e6:.2f} MB ({i} scripts): {shown}")
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
