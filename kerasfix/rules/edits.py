"""Building fixes: the text edits rules make, over one file's :class:`Context`.

Each helper returns :class:`~kerasfix.diagnostic.Edit` values (or the text a
message shows), or None where the edit cannot be made exactly; the engine
applies and verifies them.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterable
from typing import Any

from kerasfix import knowledge as kb
from kerasfix.analysis.context import CallArguments, Context
from kerasfix.analysis.inference import Head, LossSpec
from kerasfix.analysis.syntax import arg, has_star, string
from kerasfix.diagnostic import Edit
from kerasfix.source import LineIndex

# -- calls ------------------------------------------------------------------------


def renamed_call_text(ctx: Context, call: ast.Call, new_method: str, short: bool) -> str:
    """The call's source with its method renamed, for messages.

    With ``short``, long or multi-line argument lists are shown as ``...``.
    """
    assert isinstance(call.func, ast.Attribute)
    receiver = ctx.code(call.func.value)
    _, func_end = ctx.span(call.func)
    _, end = ctx.span(call)
    args = ctx.text[func_end:end]
    if short and ("\n" in args or "\r" in args or len(args) > 40):
        args = "(...)"
    if short and ("\n" in receiver or len(receiver) > 40):
        receiver = "model"
    return f"{receiver}.{new_method}{args}"


def argument_deletions(text: str, arguments: CallArguments, kept: list[int]) -> list[Edit]:
    """Edits that remove the arguments not ``kept``, with their commas. An
    argument on lines of its own goes with those lines; one among others on
    a line goes up to the next argument, or, after the last one kept, the
    last one kept takes over the old last comma. A comment in what is
    removed stays (``workers=4,  # parallel`` leaves ``# parallel``)."""
    items = arguments.items
    last_kept = kept[-1] if kept else -1
    after = [a[1] for a in items[1:]] + [arguments.close_paren]  # where the next one starts

    def own_lines(index: int) -> bool:
        start, end = items[index][1], items[index][2]
        before = text[text.rfind("\n", 0, start) + 1 : start]
        return not before.strip() and "\n" in text[end : after[index]]

    def line_start(offset: int) -> int:
        return text.rfind("\n", 0, offset) + 1

    edits = []
    trailing = range(last_kept + 1, len(items))
    whole_lines = bool(trailing) and all(own_lines(i) for i in trailing)
    for index, (_, start, _) in enumerate(items):
        if index in kept:
            continue
        if index < last_kept or whole_lines:
            if own_lines(index):
                edits.append(
                    _keeping_comments(text, line_start(start), line_start(after[index]), True)
                )
            else:
                edits.append(_keeping_comments(text, start, after[index], False))
        elif index == last_kept + 1:
            begin = items[last_kept][2] if kept else arguments.open_paren + 1
            finish = items[-1][2] if kept else arguments.close_paren
            edits.append(_keeping_comments(text, begin, finish, False))
    return edits


def argument_removal(ctx: Context, arguments: CallArguments, node: ast.AST) -> list[Edit]:
    """The edits that take the argument ``node`` (a keyword, or a positional value) out of a
    call whose arguments are ``arguments``, the others kept as written."""
    kept = [i for i, item in enumerate(arguments.items) if item[0] is not node]
    return argument_deletions(ctx.text, arguments, kept)


def _keeping_comments(text: str, start: int, end: int, whole_lines: bool) -> Edit:
    """Delete ``text[start:end]`` but for the comments in it."""
    segment = text[start:end]
    if "#" not in segment:
        return Edit(start, end, "")
    found: list[tuple[int, int]] = []  # (start, end) of each comment in the segment
    lines = LineIndex(segment)
    try:
        for token in tokenize.generate_tokens(io.StringIO(segment).readline):
            if token.type == tokenize.COMMENT:
                offset = lines.offset(*token.start)
                found.append((offset, offset + len(token.string)))
    except (tokenize.TokenError, SyntaxError):
        found = []
    if not found:
        return Edit(start, end, "")
    pieces = []
    for offset, finish in found:
        rest = segment[finish:]
        newline = (
            "\r\n" if rest.startswith("\r\n") else rest[:1] if rest[:1] in ("\n", "\r") else ""
        )
        before = segment[:offset]
        line = before[max(before.rfind("\n"), before.rfind("\r")) + 1 :]
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        starts_line = whole_lines or (pieces and pieces[-1].endswith(("\n", "\r")))
        if starts_line:
            pieces.append(f"{indent}{segment[offset:finish]}{newline or chr(10)}")
        else:
            blank = len(before) - len(before.rstrip(" \t"))
            pieces.append(f"{segment[offset - blank : finish]}{newline}")
    if not whole_lines:
        # the blanks that begin the next argument's line stay too
        tail = segment[found[-1][1] :]
        cut = max(tail.rfind("\n"), tail.rfind("\r"))
        if cut >= 0 and not tail[cut + 1 :].strip():
            pieces.append(tail[cut + 1 :])
    return Edit(start, end, "".join(pieces))


# -- heads and losses -------------------------------------------------------------


def layer_name(ctx: Context, call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return ctx.code(func)


def describe(ctx: Context, head: Head) -> str:
    """``Dense(10)``, ``Dense(n_classes, activation='softmax')`` …, as written."""
    assert head.layer is not None
    name = layer_name(ctx, head.layer)
    units = arg(head.layer, 0, "units", "output_dim")
    shown = ctx.code(units) if units is not None else "?"
    if len(shown) > 30 or "\n" in shown:
        shown = "…"
    if head.activation_layer is not None:
        return f"{name}({shown}) + {layer_name(ctx, head.activation_layer)}({head.activation!r})"
    if head.activation_arg is not None and head.activation not in (None, "linear"):
        return f"{name}({shown}, activation={head.activation!r})"
    return f"{name}({shown})"


def activation_edit(ctx: Context, head: Head, activation: str) -> Edit | None:
    """Give the head's layer ``activation``: replace its activation argument,
    or add one. None where that cannot be done exactly."""
    layer = head.layer
    if layer is None or has_star(layer):
        return None
    literal = ctx.string_literal(activation)
    if head.activation_layer is not None:
        value = arg(head.activation_layer, 0, "activation")
        if string(value) is None:
            return None
        return ctx.replace(value, literal)
    if head.activation_arg is not None:
        return ctx.replace(head.activation_arg.value, literal)
    return append_argument(ctx, layer, f"activation={literal}", empty=False)


def append_argument(ctx: Context, call: ast.Call, argument: str, empty: bool = True) -> Edit | None:
    """Add ``argument`` after the call's last argument (into its empty
    parentheses only with ``empty``). None where the arguments cannot be
    read exactly."""
    arguments = ctx.arguments(call)
    if arguments is None:
        return None
    if not arguments.items:
        if not empty:
            return None
        return Edit(arguments.close_paren, arguments.close_paren, argument)
    _, _, end = arguments.items[-1]
    return Edit(end, end, f", {argument}")


def from_logits_edit(ctx: Context, loss: LossSpec, value: bool, at: ast.AST) -> Edit | None:
    """Make the loss's from_logits ``value``: set the argument, or turn a
    string/function loss into its class. None when the module cannot name
    the class with the imports it has."""
    text = "True" if value else "False"
    if loss.form == "class":
        assert isinstance(loss.node, ast.Call)
        if loss.from_logits_arg is not None:
            return ctx.replace(loss.from_logits_arg.value, text)
        return append_argument(ctx, loss.node, f"from_logits={text}")
    if loss.info.cls is None or loss.info.from_logits_position is None:
        return None
    spelled = ctx.inference.keras_spelling(f"losses.{loss.info.cls}", at)
    if spelled is None:
        return None
    return ctx.replace(loss.node, f"{spelled}(from_logits={text})")


# -- imports ----------------------------------------------------------------------


def import_module_span(ctx: Context, node: ast.ImportFrom) -> tuple[int, int] | None:
    """Offsets of the module path in ``from a.b import c``, as written
    (``a . b`` and line continuations included)."""
    start, end = ctx.span(node)
    segment = ctx.text[start:end]
    match = _FROM_MODULE.match(segment)
    if match is None:
        return None
    return start + match.start(1), start + match.end(1)


# `from`, then the dotted path up to the `import` keyword (blanks: spaces,
# tabs, form feeds and backslash continuations)
_BLANK = r"(?:[ \t\f]|\\(?:\r\n|\r|\n))"
_FROM_MODULE = re.compile(rf"from{_BLANK}+(\w+(?:{_BLANK}*\.{_BLANK}*\w+)*){_BLANK}+import\b")


def append_parameter(ctx: Context, function: ast.FunctionDef, name: str, text: str) -> Edit | None:
    """Add the parameter ``text`` (``dtype=None``) after a plain function's last positional
    parameter; None when it has ``name`` already, or ``*args``, keyword-only or ``**kwargs``
    parameters (it may take it already, or the place is not plain)."""
    args = function.args
    names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    if name in names or args.kwarg is not None or args.vararg or args.kwonlyargs or not args.args:
        return None
    last = args.defaults[-1] if args.defaults else args.args[-1]
    _, end = ctx.span(last)
    return Edit(end, end, f", {text}")


def import_statements(
    ctx: Context, node: ast.ImportFrom, groups: dict[str, list[str]]
) -> Edit | None:
    """One ``from module import names`` statement per module of ``groups``, in place of
    ``node``; None unless the statement is alone on its lines."""
    start, end = ctx.span(node)
    line_start = ctx.text.rfind("\n", 0, start) + 1
    indent = ctx.text[line_start:start]
    if indent.strip() or ctx.text[end:].split("\n", 1)[0].strip().startswith(";"):
        return None
    lines = [
        f"from {module} import {', '.join(names)}" for module, names in groups.items() if names
    ]
    return ctx.replace(node, ("\n" + indent).join(lines))


# -- files --------------------------------------------------------------------------


def renamed_file(ctx: Context, target: ast.expr, new: str, loads: Iterable[ast.expr]) -> list[Edit]:
    """The file name literal ``target`` written as ``new``, and the literals that load it."""
    literals = {id(n): n for n in [target, *loads]}.values()
    return [ctx.replace(literal, ctx.string_literal(new)) for literal in literals]


def module_bound(ctx: Context, at: ast.AST, module: str) -> str | None:
    """The name an ``import module [as name]`` of the file binds that means ``module`` at
    ``at`` (``tf`` for ``import tensorflow as tf``), or None."""
    for node in ctx.tree.imports:
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name
                if alias.name == module and ctx.inference.resolves_to_import(at, bound, module):
                    return bound
    return None


def statement_before(ctx: Context, call: ast.Call, code: str) -> Edit | None:
    """``code`` as a statement of its own before the statement ``call`` is, at its indent."""
    statement = ctx.tree.parents.get(call)
    if not isinstance(statement, ast.Expr):
        return None
    indent = ctx.indent(statement)
    return None if indent is None else ctx.insert_before(statement, f"{code}\n{indent}")


def built_first(
    ctx: Context, save: ast.Call, name: str, loads: Iterable[ast.Call]
) -> list[Edit] | None:
    """For a TensorFlow checkpoint ``save`` writes, the edits that build each model reading it
    back that may not be built there (Keras 2 restored the checkpoint lazily, when the variables
    were made; Keras 3 reads ``.weights.h5`` only into a built model) as the model that wrote it
    was (``network.build(input_shape=(None, 784))`` before ``network.load_weights(…)``): []
    when every reader is built, None when one cannot be built so."""
    if not kb.is_tf_checkpoint(name) or not isinstance(save.func, ast.Attribute):
        return []
    writer = save.func.value
    edits = []
    for load in loads:
        if not isinstance(load.func, ast.Attribute):
            return None
        model = load.func.value
        if ctx.inference.built_before(model, writer):
            continue
        build = ctx.inference.build_as_writer(model, writer, save)
        if build is None:
            return None
        arguments = [ctx.code(a) for a in build.args]
        arguments += [f"{k.arg}={ctx.code(k.value)}" for k in build.keywords]
        edit = statement_before(ctx, load, f"{ctx.code(model)}.build({', '.join(arguments)})")
        if edit is None:
            return None
        edits.append(edit)
    return edits


def newest_weights_file(ctx: Context, call: ast.Call) -> list[Edit] | None:
    """``tf.train.latest_checkpoint(folder)`` written as the newest ``*.weights.h5`` file of the
    folder (``max(glob.glob(os.path.join(folder, "*.weights.h5")), key=os.path.getmtime,
    default=None)``), where the module has ``os``; ``import glob`` added if needed."""
    os_name = module_bound(ctx, call, "os")
    if os_name is None or len(call.args) != 1 or call.keywords or has_star(call):
        return None
    glob_name = module_bound(ctx, call, "glob")
    edits: list[Edit] = []
    if glob_name is None:
        added = ctx.import_edit("glob") if ctx.inference.name_is_free(call, "glob") else None
        if added is None:
            return None
        glob_name, edits = "glob", [added]
    pattern = ctx.string_literal("*" + kb.WEIGHTS_SUFFIX)
    folder = ctx.code(call.args[0])
    text = (
        f"max({glob_name}.glob({os_name}.path.join({folder}, {pattern})), "
        f"key={os_name}.path.getmtime, default=None)"
    )
    return [*edits, ctx.replace(call, text)]


def folder_made_first(ctx: Context, call: ast.Call, name: str) -> list[Edit] | None:
    """The edits that make a TensorFlow checkpoint's folder before the weights are written as
    HDF5 there (``os.makedirs("ckpt", exist_ok=True)``, where the module has ``os``): [] when
    nothing is needed (an HDF5 file never made its folder), None when it cannot be done."""
    if "/" not in name or not kb.is_tf_checkpoint(name):
        return []
    if "{" in name.rsplit("/", 1)[0]:
        return None  # a formatted folder (`"{}/ckpt".format(run)`): not known which
    if _folder_made_just_before(ctx, call, name.rsplit("/", 1)[0]):
        return []
    os_name = module_bound(ctx, call, "os")
    folder = ctx.string_literal(name.rsplit("/", 1)[0])
    edit = statement_before(ctx, call, f"{os_name}.makedirs({folder}, exist_ok=True)")
    return [edit] if os_name and edit else None


def _folder_made_just_before(ctx: Context, call: ast.Call, folder: str) -> bool:
    """Whether the statement before ``call``'s makes ``folder`` (``os.makedirs("ckpt", …)``)."""
    statement = ctx.tree.parents.get(call)
    previous = ctx.tree.previous_statement(statement) if statement is not None else None
    if not (isinstance(previous, ast.Expr) and isinstance(previous.value, ast.Call)):
        return False
    made = previous.value
    return (
        isinstance(made.func, ast.Attribute)
        and made.func.attr in ("makedirs", "mkdir")
        and bool(made.args)
        and string(made.args[0]) == folder
    )


def tf_checkpoint_edits(
    ctx: Context, tf: str, save: ast.Call, loads: list[ast.Call]
) -> list[Edit] | None:
    """``model.save_weights(path)`` -> ``tf.train.Checkpoint(model).write(path)`` and each
    ``other.load_weights(path)`` -> ``tf.train.Checkpoint(other).read(path)``; None when a call
    passes more than the file (and the keywords a checkpoint never needed)."""
    edits = []
    for each in [save, *loads]:
        extra = [k for k in each.keywords if k.arg not in ("save_format", "overwrite")]
        if len(each.args) != 1 or extra or not isinstance(each.func, ast.Attribute):
            return None
        verb = "write" if each is save else "read"
        model, path = ctx.code(each.func.value), ctx.code(each.args[0])
        edits.append(ctx.replace(each, f"{tf}.train.Checkpoint({model}).{verb}({path})"))
    return edits


def statement_removal(ctx: Context, statement: ast.stmt) -> Edit | None:
    """The removal of ``statement`` with its line(s) (and a comment ending them); None when other
    code shares them (``a = 1; f()``)."""
    start, end = ctx.span(statement)
    line_start = ctx.text.rfind("\n", 0, start) + 1
    line_end = ctx.text.find("\n", end)
    line_end = len(ctx.text) if line_end == -1 else line_end + 1
    if ctx.text[line_start:start].strip() or ctx.text[end:line_end].strip()[:1] not in ("", "#"):
        return None
    previous = ctx.text[ctx.text.rfind("\n", 0, max(line_start - 1, 0)) + 1 : line_start]
    following = ctx.text[line_end : ctx.text.find("\n", line_end) + 1]
    if line_start and not previous.strip() and following and not following.strip():
        line_end += len(following)  # not two blank lines where it was
    return Edit(line_start, line_end, "")


# -- TensorFlow functions as keras.ops --------------------------------------------------


def keras_name(
    ctx: Context, api_path: str, at: ast.AST, add_import: bool = True
) -> tuple[str, list[Edit]] | None:
    """How the module can name the Keras object ``api_path`` (``ops.sum``) at ``at``: with
    its own imports (no edit), else, with ``add_import``, ``keras.<api_path>`` and the edit
    that adds ``import keras`` where that name is free; None otherwise."""
    spelled = ctx.inference.keras_spelling(api_path, at)
    if spelled is not None:
        return spelled, []
    if not add_import or not ctx.inference.name_is_free(at, "keras"):
        return None
    added = ctx.import_edit("keras")
    if added is None or added.start > ctx.span(at)[0]:
        return None
    return f"keras.{api_path}", [added]


def ops_rewrite(
    ctx: Context,
    call: ast.Call,
    found: dict[str, Any] | None,
    add_import: bool,
    namespace: str = "ops",
) -> tuple[str, str, list[Edit]]:
    """For a call of a TensorFlow function or Keras 2 backend function whose ``keras.ops``
    correspondence is ``found`` (generated: ``kb.api.tf_op``, ``kb.api.backend_op``): the op,
    and the edits that call it instead, its keywords renamed; no edits where the call cannot be
    rewritten exactly (no such op, an argument the op lacks, a default that differs, is not
    given and has no literal the op can be given). With ``add_import``, ``import keras`` is
    added where the module cannot name ``keras.ops`` yet. Returns the op, how the fix spells
    it, and the edits."""
    if found is None:
        return "", "", []
    op, params = found["op"], found["params"]
    given = {*list(params)[: len(call.args)], *(k.arg for k in call.keywords)}
    # a default that differs, given as None, still means the function's own default there
    given -= {k.arg for k in call.keywords if _is_none(k.value)}
    given -= {name for name, a in zip(params, call.args) if _is_none(a)}
    for name, allowed in found.get("values", {}).items():
        index = list(params).index(name)
        given_value = call.args[index] if index < len(call.args) else None
        keyword = next((k for k in call.keywords if k.arg == name), None)
        given_value = keyword.value if keyword is not None else given_value
        if given_value is not None and string(given_value) not in allowed:
            return op, "", []
    # a differing default left out is given to the op as the function's literal default
    passed = {*list(params)[: len(call.args)], *(k.arg for k in call.keywords)}
    filled = {n: v for n, v in found.get("defaults", {}).items() if n not in passed}
    if (
        has_star(call)
        or len(call.args) > found["positional"]
        or not all(k.arg in params for k in call.keywords)
        or not set(found["differs"]) <= given | set(filled)
    ):
        return op, "", []
    named = keras_name(ctx, f"{namespace}.{op}", call, add_import)
    if named is None:
        return op, "", []
    spelled, edits = named
    edits.append(ctx.replace(call.func, spelled))
    for keyword in call.keywords:
        assert keyword.arg is not None
        if params[keyword.arg] != keyword.arg:
            edits.append(ctx.rename(keyword, params[keyword.arg]))
    extra = {params[name]: value for name, value in filled.items()}
    extra.update(found.get("extra", {}))  # `from_logits=True`
    for name, value in extra.items():
        added = append_argument(ctx, call, f"{name}={value}", empty=False)
        if added is None:
            return op, "", []
        edits.append(added)
    return op, spelled, edits


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None
