from __future__ import annotations

import ast
from collections.abc import Iterator

from kerasfix import knowledge as kb
from kerasfix.diagnostic import Applicability, Diagnostic
from kerasfix.rules.base import KERAS, OUTSIDE_KERAS, Context, Pattern, Rule, fix, module_bound

# TensorFlow functions whose result is a Python value, not a tensor
_PYTHON_VALUED = (
    "executing_eagerly",
    "is_tensor",
    "get_static_value",
    "config.",
    "test.",
    "TensorShape",
    "as_dtype",
    "dtypes.",
    "compat.",
    "nest.",
)
# what a tensor gives as Python values: its static shape, rank, type, name
_STATIC = frozenset({"shape", "ndim", "dtype", "name"})
# Python's functions that answer about an object, not with a tensor
_PYTHON_BUILTINS = frozenset(
    f"builtins.{name}" for name in ("isinstance", "hasattr", "callable", "type", "id")
)


class CallControlFlow(Rule):
    """KF117 call-control-flow: Python control flow on a tensor in a layer's `call()`.

    What it does
        Finds an `if`, `while` or conditional expression in the `call()` of a Keras layer or
        model subclass whose condition is a tensor computed there (`if tf.reduce_sum(x) > 0:`,
        `while tf.norm(v) > eps:`, `for i in tf.range(n):`), and decorates that `call()` with
        `@tf.function`, the fix the Keras migration guide gives.

    Why is this bad?
        tf-keras converted every `call()` with autograph, so a Python `if` on a tensor became
        a `tf.cond`. Keras 3 does not: `OperatorNotAllowedInGraphError: Using a symbolic
        tf.Tensor as a Python bool is not allowed`, when the model is built or trained.

    Example
        class RandomScale(keras.layers.Layer):
            def call(self, inputs):
                if tf.random.uniform(()) > 0.5:
                    return inputs * 2
                return inputs / 2

    Use instead
        class RandomScale(keras.layers.Layer):
            @tf.function
            def call(self, inputs):
                if tf.random.uniform(()) > 0.5:
                    return inputs * 2
                return inputs / 2

    Fix safety
        Unsafe: `tf.function` runs the method's Python (a `print`, a list it appends to) when
        it traces it, not on every call as an eager call did; what the layer computes is the
        same. Conditions on Python values (`if training:`, `if mask is not None:`) are left
        alone, and so is a `call()` already decorated. Written for the TensorFlow backend: on
        JAX or PyTorch, write the branch with `keras.ops.cond` or `keras.ops.where`.
    """

    code = "KF117"
    name = "call-control-flow"
    summary = "Python `if`/`while` on a tensor in a layer's `call()` (Keras 3 applies no autograph)"
    finds = "`if tf.reduce_sum(x) > 0:` in the `call()` of a `keras.layers.Layer` subclass"
    fix_summary = "unsafe: decorate `call()` with `@tf.function`, as the Keras guide does"
    looks_at = (
        OUTSIDE_KERAS,
        KERAS,
        Pattern(r"\bdef[ \t]+call[ \t]*\(", ("def call",), words=("tensorflow", "tf", "ops")),
    )

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        if kb.inside_keras_or_tensorflow(ctx.path):
            return
        for node in ctx.tree.classes:
            if ctx.inference.keras3_base(node) is None:
                continue
            for method in node.body:
                if isinstance(method, ast.FunctionDef) and method.name == "call":
                    if any(_is_tf_function(ctx, d) for d in method.decorator_list):
                        continue  # compiled already: autograph converts it
                    found = _tensor_condition(ctx, method)
                    if found is not None:
                        yield cls._diagnostic(ctx, method, found)

    @classmethod
    def _diagnostic(cls, ctx: Context, method: ast.FunctionDef, at: ast.AST) -> Diagnostic:
        message = (
            "Python control flow on a tensor in `call()`: tf-keras converted it with autograph, "
            "Keras 3 does not and raises when it traces it; decorate `call()` with "
            "`@tf.function` (or write it with `keras.ops.cond`/`keras.ops.where`)"
        )
        tf = module_bound(ctx, method, "tensorflow")
        indent = ctx.indent(method)
        if tf is None or indent is None or method.decorator_list:
            return ctx.diagnostic(cls, at, message)
        edit = ctx.insert_before(method, f"@{tf}.function\n{indent}")
        return ctx.diagnostic(
            cls,
            at,
            message,
            fix(Applicability.UNSAFE, "Decorate `call()` with `@tf.function`", edit),
        )


def _is_tf_function(ctx: Context, decorator: ast.expr) -> bool:
    func = decorator.func if isinstance(decorator, ast.Call) else decorator
    return ctx.inference.qualified_name(func) == "tensorflow.function"


def _tensor_condition(ctx: Context, method: ast.FunctionDef) -> ast.AST | None:
    """The first condition in ``method`` that is certainly a tensor: it calls a TensorFlow or
    ``keras.ops`` function, or reads a name the method assigned such a call to."""
    tensors: set[str] = set()
    for node in ast.walk(method):
        if isinstance(node, ast.Assign) and _computes_tensor(ctx, node.value, set()):
            tensors.update(t.id for t in node.targets if isinstance(t, ast.Name))
    for node in ast.walk(method):
        if isinstance(node, (ast.FunctionDef, ast.Lambda)) and node is not method:
            return None  # a nested function: what it sees is not followed
    for node in ast.walk(method):
        if isinstance(node, (ast.If, ast.While, ast.IfExp)):
            if _computes_tensor(ctx, node.test, tensors):
                return node.test
        elif isinstance(node, ast.For) and isinstance(node.iter, ast.Call):
            qualname = ctx.inference.qualified_name(node.iter.func) or ""
            if qualname == "tensorflow.range":
                return node.iter
    return None


def _computes_tensor(ctx: Context, expr: ast.expr, tensors: set[str]) -> bool:
    todo: list[ast.AST] = [expr]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Attribute) and node.attr in _STATIC:
            continue  # `x.shape[0]`: a Python value
        if isinstance(node, ast.Compare) and all(
            isinstance(op, (ast.Is, ast.IsNot)) for op in node.ops
        ):
            continue  # `mask is not None`: identity, a Python bool whatever the operands
        if (
            isinstance(node, ast.Call)
            and ctx.inference.qualified_name(node.func) in _PYTHON_BUILTINS
        ):
            continue  # `isinstance(x, tf.Tensor)`: a Python value
        todo.extend(ast.iter_child_nodes(node))
        if isinstance(node, ast.Name) and node.id in tensors:
            return True
        if not isinstance(node, ast.Call):
            continue
        qualname = ctx.inference.qualified_name(node.func) or ""
        if qualname.startswith("tensorflow.") and not qualname.startswith("tensorflow.keras"):
            if not qualname[len("tensorflow.") :].startswith(_PYTHON_VALUED):
                return True
        elif (kb.keras_path(qualname) or "").startswith("ops."):
            return True
    return False
