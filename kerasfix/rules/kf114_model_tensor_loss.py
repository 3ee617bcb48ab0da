from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from kerasfix import knowledge as kb
from kerasfix.analysis.inference import Model
from kerasfix.diagnostic import Applicability, Diagnostic, Edit
from kerasfix.rules.base import (
    KERAS,
    OUTSIDE_KERAS,
    Context,
    MethodCall,
    Rule,
    fix,
    has_star,
    keyword_arg,
    statement_removal,
    string,
)

_METHODS = ("add_loss", "add_metric")
# what runs the model, or writes it, before the loss is added: the fix would change it
_USES = frozenset(
    {
        *kb.FIT_METHODS,
        "train_on_batch",
        "test_on_batch",
        "evaluate",
        "evaluate_generator",
        "save",
        "save_weights",
        "to_json",
        "get_config",
    }
)
# what the model's layers or output names are read by: the fix adds a layer before the output
_LAYER_READS = re.compile(r"\.layers\s*\[|\bget_layer\b|\boutput_names\b|\.outputs?\b")


@dataclass
class _Added:
    call: ast.Call
    statement: ast.Expr
    method: str


class ModelTensorLoss(Rule):
    """KF114 model-tensor-loss: `model.add_loss()`/`add_metric()` of a functional model's tensors.

    What it does
        Finds a loss or a metric added to a functional model from the tensors it was built of,
        `model.add_loss(tf.reduce_sum(outputs) * 0.1)` or
        `model.add_metric(keras.backend.std(outputs), name="std", aggregation="mean")`, and
        moves it into a layer's `call()`, where Keras 3 takes losses and metrics: a layer that
        passes the model's output through, added before the output.

    Why is this bad?
        Keras 2 made a layer of such a loss or metric and added it to the model. Keras 3 takes
        losses and metrics only of real tensors, in `call()`: `model.add_loss` on a model's
        tensors stops the script (`ValueError`, or "A KerasTensor cannot be used as input to a
        TensorFlow function"), and a model has no `add_metric` at all.

    Example
        outputs = layers.Dense(10)(x)
        model = keras.Model(inputs, outputs)
        model.add_loss(tf.reduce_sum(outputs) * 0.1)

    Use instead
        class ModelLosses(keras.layers.Layer):
            def call(self, outputs):
                self.add_loss(tf.reduce_sum(outputs) * 0.1)
                return outputs

        outputs = ModelLosses()(outputs)
        model = keras.Model(inputs, outputs)

    Fix safety
        Unsafe: training computes what it did (the same loss, the same metric, averaged), but
        the model has one layer more, after its last one, and its output takes that layer's
        name; a layer only the loss reads (`z_log_var`) comes in the model's weights where
        Keras 3's order of the graph puts it, not last. Not fixed where such weights are set or
        loaded as a list, where the model is trained, evaluated or saved before the loss is
        added, where its layers or output names are read, where it has several outputs, or
        where a name the loss reads changes after the model is built (Keras 3 computes it in
        every training step, Keras 2 once).
    """

    code = "KF114"
    name = "model-tensor-loss"
    summary = "`model.add_loss()`/`add_metric()` of a functional model's tensors (Keras 3 raises)"
    finds = "`model.add_loss(tf.reduce_sum(outputs))` of the tensors a functional model is built of"
    fix_summary = "unsafe: the loss or metric added in the `call()` of a pass-through layer"
    looks_at = (OUTSIDE_KERAS, KERAS, MethodCall(_METHODS))

    @classmethod
    def check(cls, ctx: Context) -> Iterator[Diagnostic]:
        if kb.inside_keras_or_tensorflow(ctx.path):
            return
        by_model: dict[ast.AST, tuple[Model, list[_Added]]] = {}
        for call in ctx.method_calls(*_METHODS):
            assert isinstance(call.func, ast.Attribute)
            receiver = call.func.value
            if ctx.inference.self_class(receiver) is not None:
                continue  # a layer's or a subclassed model's own: KF111
            found = ctx.inference.receiver(receiver, call.func.attr)
            if found.kind != "keras" or found.model is None or found.model.sequential:
                continue
            if not ctx.inference.given_keras_tensor(call):
                continue
            statement = ctx.tree.parents.get(call)
            if isinstance(statement, ast.Expr):
                group = by_model.setdefault(found.model.node, (found.model, []))
                group[1].append(_Added(call, statement, call.func.attr))
            else:
                yield cls._diagnostic(ctx, call, None)
        for model, added in by_model.values():
            edits = _moved(ctx, model, added)
            for item in added:
                yield cls._diagnostic(ctx, item.call, edits)

    @classmethod
    def _diagnostic(cls, ctx: Context, call: ast.Call, edits: list[Edit] | None) -> Diagnostic:
        assert isinstance(call.func, ast.Attribute)
        message = (
            f"`{call.func.attr}()` of a model's tensors was removed in Keras 3: "
            f"{'add the loss' if call.func.attr == 'add_loss' else 'update a metric'} in the "
            "`call()` of a layer those tensors pass through"
        )
        if edits is None:
            return ctx.diagnostic(cls, call, message)
        return ctx.diagnostic(
            cls, call, message, fix(Applicability.UNSAFE, "Add it in a layer's `call()`", *edits)
        )


def _moved(ctx: Context, model: Model, added: list[_Added]) -> list[Edit] | None:
    """The edits that move every loss and metric added to ``model`` into a pass-through layer
    made before it: a class, the layer called on the model's output, the ``add_*`` statements
    removed. None when that would not compute what Keras 2 did."""
    built = model.node
    statement = ctx.tree.parents.get(built)
    first = added[0].call.func
    assert isinstance(first, ast.Attribute)
    if (
        model.foreign
        or not isinstance(built, ast.Call)
        or not isinstance(statement, ast.Assign)
        or len(statement.targets) != 1
        or not isinstance(first.value, ast.Name)
        or ctx.code(statement.targets[0]) != first.value.id
        or _LAYER_READS.search(ctx.text)
    ):
        return None
    output = keyword_arg(built, "outputs")
    output_node = output.value if output else built.args[1] if len(built.args) > 1 else None
    if not isinstance(output_node, ast.Name) or has_star(built):
        return None
    block = ctx.tree.block.get(statement)
    indent = ctx.indent(statement)
    if block is None or indent is None:
        return None
    body: list[ast.stmt] = getattr(block[0], block[1])
    start = body.index(statement)
    positions = [body.index(a.statement) if a.statement in body else -1 for a in added]
    if min(positions) <= start:
        return None
    between = body[start + 1 : max(positions)]
    tensors = [output_node.id]
    lines: list[str] = []
    made: list[str] = []
    for item in added:
        value = _value(ctx, item)
        if value is None:
            return None
        names = _names(value)
        if names is None or first.value.id in names:
            return None
        for name in sorted(names):
            node = names[name]
            if _rebound(between, name):
                return None
            if ctx.inference.keras_tensor(node):
                if name not in tensors:
                    tensors.append(name)
            elif not ctx.inference.bound_once(node):
                return None
        code = ctx.code(value)
        if item.method == "add_loss":
            lines.append(f"self.add_loss({code}){_comment(ctx, item.statement)}")
            continue
        tracker = _tracker(ctx, item, built)
        if tracker is None:
            return None
        attr, metric = tracker
        if f"self.{attr} " in "".join(made):
            return None
        made.append(f"self.{attr} = {metric}")
        lines.append(f"self.{attr}.update_state({code}){_comment(ctx, item.statement)}")
    if any(_runs(ctx, node) for node in between) or "\n" in "".join(lines):
        return None
    statements = {id(a.statement) for a in added}
    if _model_read([b for b in between if id(b) not in statements], first.value.id):
        return None  # its layers or weights read before Keras 2 had the loss's layers
    if not _feed(body[:start], tensors[0], tensors[1:]) and any(
        ctx.code(call.func.value) == first.value.id  # type: ignore[attr-defined]
        for call in ctx.method_calls("set_weights", "load_weights")
    ):
        return None  # a layer only the loss reads moves in the weights' order: set as a list
    base = ctx.inference.keras_spelling("layers.Layer", built)
    name = "ModelLosses" if any(a.method == "add_loss" for a in added) else "ModelMetrics"
    if base is None or re.search(rf"\b{name}\b", ctx.text):
        return None
    inner = indent + "    "
    text = f"{indent}class {name}({base}):\n"
    methods = "/".join(dict.fromkeys(f"`{first.value.id}.{a.method}()`" for a in added))
    text += f'{inner}"""What {methods} added under Keras 2, added in `call()`."""\n\n'
    if made:
        text += f"{inner}def __init__(self, **kwargs):\n{inner}    super().__init__(**kwargs)\n"
        text += "".join(f"{inner}    {line}\n" for line in made) + "\n"
    parameter = tensors[0] if len(tensors) == 1 else "tensors"
    text += f"{inner}def call(self, {parameter}):\n"
    if len(tensors) > 1:
        text += f"{inner}    {', '.join(tensors)} = tensors\n"
    text += "".join(f"{inner}    {line}\n" for line in lines)
    text += f"{inner}    return {tensors[0]}\n"
    given = tensors[0] if len(tensors) == 1 else f"[{', '.join(tensors)}]"
    blank = "\n\n" if not indent else "\n"  # as many blank lines as PEP 8 puts round a class
    text += f"{blank}{indent}{tensors[0]} = {name}()({given})\n"
    line = ctx.text.rfind("\n", 0, ctx.span(statement)[0]) + 1
    before = ctx.text[:line]
    blanks = before[len(before.rstrip()) :].count("\n") - 1  # blank lines above already
    text = (blank[: max(len(blank) - blanks, 0)] if line else "") + text
    newline = "\r\n" if "\r\n" in ctx.text else "\n"
    edits = [Edit(line, line, text.replace("\n", newline))]
    for item in added:
        removal = statement_removal(ctx, item.statement)
        if removal is None:
            return None
        edits.append(removal)
    return edits


def _comment(ctx: Context, statement: ast.stmt) -> str:
    """The comment that ends ``statement``'s line, kept where its loss or metric goes."""
    _, end = ctx.span(statement)
    rest = ctx.text[end : ctx.text.find("\n", end) if "\n" in ctx.text[end:] else None].strip()
    return f"  {rest}" if rest.startswith("#") else ""


def _value(ctx: Context, item: _Added) -> ast.expr | None:
    call = item.call
    if has_star(call) or not call.args:
        return None
    if item.method == "add_loss":
        return call.args[0] if len(call.args) == 1 and not call.keywords else None
    return call.args[0]


def _names(value: ast.expr) -> dict[str, ast.Name] | None:
    """The names ``value`` reads (the first of each), None when it makes a scope of its own or
    binds a name (a lambda, a comprehension, ``:=``)."""
    found: dict[str, ast.Name] = {}
    for node in ast.walk(value):
        if isinstance(
            node,
            (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.NamedExpr),
        ):
            return None
        if isinstance(node, ast.Name):
            found.setdefault(node.id, node)
    return found


def _rebound(statements: list[ast.stmt], name: str) -> bool:
    for statement in statements:
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and node.id == name:
                if not isinstance(node.ctx, ast.Load):
                    return True
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == name:
                return True
            if isinstance(node, (ast.Import, ast.ImportFrom)) and any(
                (a.asname or a.name).split(".")[0] == name for a in node.names
            ):
                return True
    return False


def _feed(before: list[ast.stmt], output: str, tensors: list[str]) -> bool:
    """Whether each of ``tensors``, as the statements ``before`` leave it, is computed on the
    way to ``output`` (a layer on that way keeps its place in the model's weights)."""
    live, feeding = {output}, set()
    for statement in reversed(before):
        bound = {
            node.id
            for node in ast.walk(statement)
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load)
        }
        if not bound & (live | set(tensors)):
            continue
        target = statement.targets[0] if isinstance(statement, ast.Assign) else None
        if not (isinstance(target, ast.Name) and len(bound) == 1):
            return False  # bound in a loop, a branch, a tuple: not followed
        name = target.id
        if name in tensors and name not in feeding and name not in live:
            return False  # its value at the model is not on the way to the output
        if name in live:
            feeding.add(name)
            live.discard(name)
            live |= {n.id for n in ast.walk(statement.value) if isinstance(n, ast.Name)}
        else:
            feeding.add(name)  # an earlier value of a name whose last one feeds the output
    return set(tensors) <= feeding


def _model_read(statements: list[ast.stmt], model: str) -> bool:
    """Whether ``statements`` use ``model`` otherwise than by compiling it."""
    for statement in statements:
        for node in ast.walk(statement):
            if isinstance(node, ast.Attribute) and node.attr == "compile":
                continue
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.Name) and child.id == model:
                    return True
    return False


def _runs(ctx: Context, statement: ast.stmt) -> bool:
    """Whether ``statement`` trains, evaluates or writes a model (or calls a function of the
    module's, which may)."""
    for node in ast.walk(statement):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in _USES:
                return True
            if isinstance(func, ast.Name) and not ctx.inference.name_is_free(func, func.id):
                return True
    return False


def _tracker(ctx: Context, item: _Added, at: ast.AST) -> tuple[str, str] | None:
    """``add_metric(value, name="std", aggregation="mean")``: Keras 2 averaged the value in a
    ``Mean`` metric of that name; the attribute and the ``Mean`` that does that now."""
    call = item.call
    named = keyword_arg(call, "name")
    name_node = call.args[1] if len(call.args) == 2 else named.value if named else None
    name = string(name_node)
    aggregation = keyword_arg(call, "aggregation")
    if (
        name is None
        or name_node is None
        or len(call.args) > 2
        or {k.arg for k in call.keywords} - {"name", "aggregation"}
        or (aggregation is not None and string(aggregation.value) != "mean")
        or _metric_result(ctx, call.args[0])
    ):
        return None
    attr = re.sub(r"\W", "_", name).strip("_") + "_tracker"
    spelled = ctx.inference.keras_spelling("metrics.Mean", at)
    if not attr.isidentifier() or spelled is None:
        return None
    return attr, f"{spelled}(name={ctx.code(name_node)})"


def _metric_result(ctx: Context, value: ast.expr) -> bool:
    """A metric object's result (``keras.metrics.Mean()(x)``, ``acc(y, p)``): Keras 2 took it as
    it was, not averaged again."""
    if not isinstance(value, ast.Call):
        return False
    qualname = ctx.inference.qualified_name(value.func)
    if qualname is None:
        return True  # a metric object, or a function of the module's: not known
    leaf = qualname.rpartition(".")[2]
    return (kb.keras_path(qualname) or "").startswith("metrics.") and leaf[:1].isupper()
