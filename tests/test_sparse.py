"""kerasfix.sparse: which function bodies LibCST is spared, and that sparing
them changes no result."""

from __future__ import annotations

import ast
import textwrap

import libcst as cst

from kerasfix.engine import _rules, lint_text
from kerasfix.quick import facts
from kerasfix.settings import Settings
from kerasfix.sparse import sparse_text

# small files are never worth it: these tests use a large one
PADDING = "# a long module\n" * 600
SOURCE = PADDING + textwrap.dedent(
    """
    import keras
    from keras import layers

    LOSS = "binary_crossentropy"


    class ModelTest:
        def test_shapes(self):
            x = keras.ops.ones((2, 3))
            y = keras.ops.sum(x)
            self.assertEqual(y.shape, ())
            return y

        @staticmethod
        def test_decorated_inner():
            @keras.saving.register_keras_serializable()
            def inner(x):
                return x * 2
            value = inner(3)
            assert value == 6

        def test_compiles(self):
            model = keras.Sequential([layers.Dense(10)])
            model.compile(loss="categorical_crossentropy")
            model.fit(x, y)
            return model

        def test_reads_a_module_variable(self):
            model = keras.Sequential([layers.Dense(3)])
            model.build((None, 4))
            model.summary()
            print(LOSS)

        def test_sets_an_attribute(self):
            self.model = keras.Sequential([layers.Dense(3)])
            self.model.build((None, 4))
            self.model.summary()
            return None

        def helper(self):
            model = keras.Sequential([layers.Dense(3)])
            model.build((None, 4))
            model.summary()
            return model

        def test_uses_helper(self):
            model = self.helper()
            model.compile(loss="categorical_crossentropy")
            return model
    """
)


def _sparse(source: str) -> str:
    tree = ast.parse(source)
    known = facts(tree)
    rules = [r for r in _rules(Settings()) if r.may_fire(known)]
    return sparse_text(source, tree, rules, known.words | known.strings)


def _body_kept(sparse: str, marker: str) -> bool:
    return marker in sparse


def test_only_functions_no_rule_can_see_are_blanked() -> None:
    sparse = _sparse(SOURCE)
    assert len(sparse) == len(SOURCE)
    assert sparse.count("\n") == SOURCE.count("\n")
    cst.parse_module(sparse)  # still Python, for LibCST too
    assert not _body_kept(sparse, "keras.ops.sum(x)")  # nothing of interest
    assert not _body_kept(sparse, "return x * 2")  # decorated inner function too
    assert _body_kept(sparse, 'model.compile(loss="categorical_crossentropy")\n        model.fit')
    assert _body_kept(sparse, "print(LOSS)")  # reads a module variable
    assert _body_kept(sparse, "self.model = keras")  # sets an attribute others may read
    assert _body_kept(sparse, "def helper(self):\n        model = keras")  # called by name
    # everything kept sits at the same offsets
    for line_number, (old, new) in enumerate(zip(SOURCE.splitlines(), sparse.splitlines())):
        assert new == old or new.strip() in ("", "0", '"""'), line_number


def test_results_are_the_same_with_and_without() -> None:
    quick, _ = lint_text(SOURCE, "m.py", Settings())
    full, _ = lint_text(SOURCE, "m.py", Settings(prefilter=False))
    assert [(d.code, d.row, d.column, d.message) for d in quick] == [
        (d.code, d.row, d.column, d.message) for d in full
    ]
    assert {d.code for d in quick} >= {"KF003"}


def test_line_endings_and_tabs_are_kept() -> None:
    source = SOURCE.replace("\n", "\r\n").replace("    ", "\t")
    sparse = _sparse(source)
    assert len(sparse) == len(source)
    assert sparse.count("\r\n") == source.count("\r\n")
    cst.parse_module(sparse)
    assert "keras.ops.sum(x)" not in sparse


def test_rules_that_read_every_import_use_turn_it_off() -> None:
    source = "from keras.utils import np_utils\n" + SOURCE
    assert _sparse(source) == source


def test_a_blanked_body_is_one_string_or_zero_when_lines_are_too_short() -> None:
    from kerasfix.sparse import _blank_body

    body = ["        x = f(\n", "            1,\n", "        )\n"]
    blanked = _blank_body(body, 8)
    assert [len(line) for line in blanked] == [len(line) for line in body]
    assert blanked[0].strip() == '"""' and blanked[-1].strip() == '"""'
    assert ast.parse("def g():\n" + "".join(blanked))
    short = ["  y\r\n", "  z\r\n", ")\r\n"]  # the last line cannot hold the quotes
    blanked = _blank_body(short, 2)
    assert [line.strip() for line in blanked] == ["0", "", ""]
    assert all(line.endswith("\r\n") for line in blanked)
