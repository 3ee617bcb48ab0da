"""Benchmark kerasfix against Ruff and grep on one corpus, in one run.

    python bench/run.py [--generated 200] [--scale 1] [--keep DIR] [--keras-corpus DIR]

Two corpora. The library corpus: the installed scikit-learn, Keras and
TensorFlow sources (copied, so every tool reads the same files) plus N
generated Keras scripts. The Keras corpus: real public Keras repositories
(default ../shared/corpus/keras-repos when it exists), where most files reach
the analysis. Timed side by side on each: kerasfix cold (empty cache) and
cached (second run), `ruff check --select NPY201 --no-cache`, `grep -rl`
as the floor of reading the bytes, and the parse floor: CPython's `ast.parse` of
every file that refers to Keras or TensorFlow, which a run must parse (or report
as KF000), in one process (bench/parse_floor.py). Prints wall seconds, CPU seconds (user +
system of the tool and its workers), files/s, peak memory (largest process of
the run) and the ratios to Ruff (wall and CPU); then the time for one
generated 1 MB Keras file.
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
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(elapsed, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)
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
                target = root / f"copy{copy}" / "src" / name / path.relative_to(source)
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


FLOOR = Path(__file__).with_name("parse_floor.py")  # CPython's parse of what a run must parse
Measured = tuple[float, float, float]  # wall seconds, peak MB, CPU seconds


def measure(command: list[str], cwd: Path, timeout: float | None = None) -> Measured:
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, *command],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
    )
    elapsed, peak_kb, cpu = proc.stdout.split()
    return float(elapsed), float(peak_kb) / 1024, float(cpu)


def copy_keras_corpus(source: Path, target: Path) -> int:
    count = 0
    for path in sorted(source.rglob("*")):
        if path.suffix in (".py", ".ipynb") and path.is_file():
            dest = target / path.relative_to(source)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
            count += 1
    return count


def time_corpus(label: str, corpus: Path, work: Path, files: int, tools: dict[str, str]) -> None:
    """Time every tool on ``corpus`` (a folder under ``work``) and print the table."""
    shutil.rmtree(corpus / ".kerasfix_cache", ignore_errors=True)
    (corpus / ".git").mkdir(exist_ok=True)  # the project root: the cache goes here
    check = [tools["kerasfix"], "check", "--exit-zero", "-q", "--output-format", "concise"]
    rows = [
        ("kerasfix (cold)", measure([*check, str(corpus)], work)),
        ("kerasfix (cached)", measure([*check, str(corpus)], work)),
        (
            "ruff --select NPY201",
            measure(
                [tools["ruff"], "check", "--select", "NPY201", "--no-cache", "--exit-zero"]
                + ["-q", str(corpus)],
                work,
            ),
        ),
        ("grep -rl", measure(["grep", "-rl", "predict_classes", str(corpus)], work)),
        ("parse floor (ast.parse)", measure([sys.executable, str(FLOOR), str(corpus)], work)),
    ]
    ruff_s, _, ruff_cpu = rows[2][1]
    print(label)
    print(
        f"{'tool':<26}{'seconds':>9}{'CPU s':>8}{'files/s':>10}{'peak MB':>9}"
        f"{'x ruff':>8}{'x ruff CPU':>12}"
    )
    for name, (seconds, peak, cpu) in rows:
        print(
            f"{name:<26}{seconds:>9.2f}{cpu:>8.2f}{files / seconds:>10.0f}{peak:>9.0f}"
            f"{seconds / ruff_s:>8.1f}{cpu / ruff_cpu:>12.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=int, default=200)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="build the corpus here and keep it")
    parser.add_argument("--big-timeout", type=float, default=120.0)
    default_keras = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "keras-repos"
    parser.add_argument(
        "--keras-corpus",
        type=Path,
        default=default_keras if default_keras.is_dir() else None,
        help="a folder of real Keras code to time as a second corpus",
    )
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
    tools = {"kerasfix": kerasfix, "ruff": ruff}
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    time_corpus(
        f"library corpus: {files} files, {size:.1f} MB "
        f"(sklearn, keras, tensorflow + {args.generated} generated) x{args.scale}",
        corpus,
        work,
        files,
        tools,
    )
    keras_source = args.keras_corpus
    if keras_source is not None and keras_source.is_dir():
        keras_corpus = work / "keras-corpus"
        shutil.rmtree(keras_corpus, ignore_errors=True)
        count = copy_keras_corpus(keras_source, keras_corpus)
        mb = sum(p.stat().st_size for p in keras_corpus.rglob("*") if p.is_file()) / 1e6
        time_corpus(
            f"Keras corpus: {count} files (.py and .ipynb), {mb:.1f} MB from {keras_source}",
            keras_corpus,
            work,
            count,
            tools,
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
            seconds, peak, _ = measure(command, work, timeout=args.big_timeout)
            shown = f"{seconds:.1f} s, peak {peak:.0f} MB"
        except subprocess.TimeoutExpired:
            shown = f"more than {args.big_timeout} s (stopped)"
        print(f"one generated file of {big.stat().st_size / 1e6:.2f} MB ({i} scripts): {shown}")
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
