"""What Keras runs on its backend: the code whose TensorFlow ops stop a model on JAX or PyTorch.

The methods Keras calls with the backend's tensors — a Keras class's ``call``, ``build``,
``compute_output_shape``, a loss's or metric's ``__call__``/``update_state``/``result``,
``compute_loss`` (not ``train_step``, nor ``__init__``, but the values ``__init__`` gives the
attributes those methods read) —; the functions (or lambdas) given to ``compile`` as a loss or
metric (alone, or in a list, tuple or dict per output), to ``load_model`` among its
``custom_objects`` or to Keras's registry (``get_custom_objects()``,
``@register_keras_serializable()``), to a ``Lambda`` or ``Activation`` layer, or to a layer as
its activation, regularizer or constraint (``Dense(64, activation=swish)``); the module's
functions of ``(y_true, y_pred, …)`` (a loss or metric by Keras's convention, which another
module may give to ``compile``: a project's ``losses.py``); the module's plain functions that
only such code calls (``scaled_dot_product_attention(q, k, v)`` from an attention layer's
``call()``), and the methods of a Keras class that only its backend code calls, through ``self``
(``self.split_heads(x)``, ``self.get_causal_attention_mask(inputs)``), followed through such
helpers in turn. A function also called elsewhere is not backend code: what it returns there
is still TensorFlow's. A helper is plain when it has no decorator but ``@tf.function``
(``plain_decorator``), which only traces it as it is.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable, Iterable

from kerasfix.analysis.inference.bindings import Bindings
from kerasfix.analysis.tree import TreeIndex

BACKEND_METHODS = frozenset(
    {
        "call",
        "build",
        "compute_output_shape",
        "compute_output_spec",
        "compute_loss",
        "__call__",
        "update_state",
        "result",
        "compute_mask",
    }
)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
# Keras objects whose first argument is a function they call on the backend
_FIRST_IS_FUNCTION = frozenset({"layers.Lambda", "layers.Activation"})
_ACTIVATIONS = frozenset({"activation", "recurrent_activation"})
# Keras's registry of objects by name, and the decorator that registers one
_REGISTRY = "get_custom_objects"
_REGISTER = "register_keras_serializable"
# the parameters Keras's losses and metrics are called with
_LOSS_PARAMETERS = ["y_true", "y_pred"]
# the keywords of `compile` that take functions Keras calls on the backend
_COMPILED_FUNCTIONS = frozenset({"loss", "metrics", "weighted_metrics"})
# helpers calling helpers: followed this deep
_HELPER_DEPTH = 3

FunctionOf = Callable[[ast.expr], "ast.FunctionDef | ast.AsyncFunctionDef | None"]
Decorator = Callable[[ast.expr], bool]


def _no_decorator(decorator: ast.expr) -> bool:
    return False


def tf_function_decorator(tf_path: Callable[[ast.expr], str | None], decorator: ast.expr) -> bool:
    """Whether ``decorator`` is TensorFlow's ``@tf.function`` or ``@tf.function(…)``
    (``tf_path`` names what an expression stands for below ``tensorflow``): it traces the
    function it decorates and changes nothing else the function does."""
    return tf_path(_uncalled(decorator)) == "function"


def backend_code(
    tree: TreeIndex,
    bindings: Bindings,
    keras_classes: Iterable[ast.ClassDef],
    keras_calls: Iterable[tuple[ast.Call, str]],
    function_of: FunctionOf,
    tf_path: Callable[[ast.expr], str | None] | None = None,
) -> list[ast.AST]:
    """The functions, methods and lambdas of the module that Keras runs on its backend (above):
    ``keras_classes`` are the module's Keras classes, ``keras_calls`` its calls of Keras API
    objects (with their paths) among :func:`function_sites`; ``tf_path`` names what an
    expression stands for below ``tensorflow`` (a helper decorated with ``@tf.function`` alone
    counts as plain)."""
    plain_decorator: Decorator = (
        _no_decorator if tf_path is None else functools.partial(tf_function_decorator, tf_path)
    )
    found: list[ast.AST] = []
    for cls in keras_classes:
        methods = [m for m in cls.body if isinstance(m, ast.FunctionDef)]
        backend = [m for m in methods if m.name in BACKEND_METHODS]
        found.extend(backend)
        found.extend(_state_read_by(bindings, methods, backend))
    for call in tree.calls_by_attr.get("compile", ()):
        given = [k.value for k in call.keywords if k.arg in _COMPILED_FUNCTIONS]
        found.extend(_functions(function_of, given))
    found.extend(_custom_objects(tree, function_of))
    for call, path in keras_calls:
        given = [k.value for k in call.keywords if k.arg and _takes_function(k.arg)]
        if path in _FIRST_IS_FUNCTION:  # `Lambda(fn)`, `Activation(fn)`
            given += call.args[:1]
        found.extend(_functions(function_of, given))
    # a loss or metric by Keras's convention, given to `compile` by another module, and what
    # the module registers with Keras by name (`@register_keras_serializable()`)
    found.extend(
        f
        for f in tree.module.body
        if isinstance(f, _FUNCTIONS)
        and (
            [a.arg for a in f.args.args[:2]] == _LOSS_PARAMETERS
            or (any(_named(d, _REGISTER) for d in f.decorator_list) and not _initializer(f))
        )
    )
    found = list(dict.fromkeys(found))
    methods = _method_helpers(tree, bindings, keras_classes, plain_decorator)
    for _ in range(_HELPER_DEPTH):
        helpers = _helpers(tree, bindings, function_of, found, plain_decorator) + methods(found)
        if not helpers:
            break
        found.extend(helpers)
    return found


def _method_helpers(
    tree: TreeIndex,
    bindings: Bindings,
    classes: Iterable[ast.ClassDef],
    plain_decorator: Decorator,
) -> Callable[[list[ast.AST]], list[ast.AST]]:
    """What finds, given the backend code found so far, the methods of ``classes`` (plain,
    undecorated, not the backend's own nor ``__init__``-like) that the module reads only as
    ``self.<method>(…)`` calls in that class's backend code."""
    candidates: dict[str, list[ast.FunctionDef]] = {}
    for cls in classes:
        for method in cls.body:
            name = method.name if isinstance(method, ast.FunctionDef) else ""
            if name and name not in BACKEND_METHODS and not name.startswith("__"):
                if all(plain_decorator(d) for d in method.decorator_list):
                    candidates.setdefault(name, []).append(method)
    reads: dict[str, list[ast.Attribute]] = {}
    if candidates:
        for node in tree.order:
            if type(node) is ast.Attribute and node.attr in candidates:
                reads.setdefault(node.attr, []).append(node)

    def called_from(code: list[ast.AST]) -> list[ast.AST]:
        found: list[ast.AST] = []
        for name, methods in candidates.items():
            if len(methods) != 1 or methods[0] in code:
                continue  # (two classes with one name: which one a read means is not seen)
            method = methods[0]
            owner = tree.parents.get(method)
            uses = reads.get(name, [])
            if uses and all(_self_call_in(tree, bindings, use, owner, code) for use in uses):
                found.append(method)
        return found

    return called_from


def _self_call_in(
    tree: TreeIndex,
    bindings: Bindings,
    use: ast.Attribute,
    owner: ast.AST | None,
    code: list[ast.AST],
) -> bool:
    """Whether ``use`` is ``self.<method>(…)`` in ``owner``'s methods, inside ``code``."""
    call = tree.parents.get(use)
    if not (isinstance(call, ast.Call) and call.func is use and isinstance(use.value, ast.Name)):
        return False
    if not bindings.is_self(use.value) or bindings.enclosing_class(use) is not owner:
        return False
    return any(tree.contains(scope, call) for scope in code)


def _state_read_by(
    bindings: Bindings, methods: list[ast.FunctionDef], backend: list[ast.FunctionDef]
) -> list[ast.AST]:
    """The values ``__init__`` gives the attributes of ``self`` that the backend methods read
    (``self.pos_encoding = positional_encoding(…)``, sliced in ``call()``): the layer's
    constant state, which must be the backend's tensors too."""

    def self_attribute(node: ast.AST) -> str | None:
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and bindings.is_self(node.value)
        ):
            return node.attr
        return None

    read = {
        self_attribute(node)
        for method in backend
        for node in ast.walk(method)
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load)
    }
    return [
        node.value
        for method in methods
        if method.name == "__init__"
        for node in ast.walk(method)
        if isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and self_attribute(node.targets[0]) in read - {None}
    ]


def _custom_objects(tree: TreeIndex, function_of: FunctionOf) -> Iterable[ast.AST]:
    """The functions the module hands Keras by name: ``load_model(path,
    custom_objects={"dice_coef": dice_coef})`` and ``get_custom_objects().update({…})`` or
    ``get_custom_objects()["mish"] = mish`` (a model's own losses, metrics and activations,
    which Keras runs as it runs the model); not an initializer, ``(shape, dtype)``, which makes
    the weights once, eagerly, on every backend."""
    given: list[ast.expr] = []
    for call in (
        *tree.calls_by_attr.get("load_model", ()),
        *tree.calls_by_name.get("load_model", ()),
    ):
        given += [k.value for k in call.keywords if k.arg == "custom_objects"]
    for call in tree.calls_by_attr.get("update", ()):
        receiver = call.func.value  # type: ignore[attr-defined]
        if isinstance(receiver, ast.Call) and _named(receiver.func, _REGISTRY):
            given += call.args[:1]
    for subscript in tree.subscripts:
        assignment = tree.parents.get(subscript)
        if (
            isinstance(subscript.value, ast.Call)
            and _named(subscript.value.func, _REGISTRY)
            and isinstance(assignment, ast.Assign)
            and subscript in assignment.targets
        ):
            given.append(assignment.value)
    return [f for f in _functions(function_of, given) if not _initializer(f)]


def _initializer(function: ast.AST) -> bool:
    """Whether ``function`` takes Keras's initializer arguments, ``(shape, dtype=None)``."""
    return isinstance(function, _FUNCTIONS) and [a.arg for a in function.args.args[:1]] == ["shape"]


def _named(expr: ast.expr, name: str) -> bool:
    """Whether ``expr`` is ``name`` or ``….name``, called or not
    (``@register_keras_serializable()``)."""
    target = _uncalled(expr)
    return (isinstance(target, ast.Name) and target.id == name) or (
        isinstance(target, ast.Attribute) and target.attr == name
    )


def _uncalled(expr: ast.expr) -> ast.expr:
    """A decorator's callee: ``tf.function`` of ``@tf.function(jit_compile=True)``."""
    return expr.func if isinstance(expr, ast.Call) else expr


def function_sites(tree: TreeIndex) -> set[str]:
    """The names of the calls that may give Keras a function it runs on its backend: ``Lambda``
    and ``Activation`` layers, and any call with an ``activation=``, ``*_regularizer=`` or
    ``*_constraint=`` keyword (for :func:`backend_code`, once their Keras paths are known)."""
    names = {"Lambda", "Activation"}
    for calls in (tree.calls_by_name, tree.calls_by_attr):
        for name, found in calls.items():
            if name not in names and any(
                k.arg and _takes_function(k.arg) for call in found for k in call.keywords
            ):
                names.add(name)
    return names


def _takes_function(keyword: str) -> bool:
    """Whether a Keras layer's keyword takes a function it calls while the model runs (an
    activation, a regularizer, a constraint)."""
    return keyword in _ACTIVATIONS or keyword.endswith(("_regularizer", "_constraint"))


def _leaves(value: ast.expr) -> Iterable[ast.expr]:
    """What a ``loss=``/``metrics=`` value gives: itself, or the items of its lists, tuples and
    dicts (one per output: ``{"mask": dice_loss}``), at any depth."""
    if isinstance(value, (ast.List, ast.Tuple)):
        for item in value.elts:
            yield from _leaves(item)
    elif isinstance(value, ast.Dict):
        for item in value.values:
            yield from _leaves(item)
    else:
        yield value


def _functions(function_of: FunctionOf, values: list[ast.expr]) -> Iterable[ast.AST]:
    """The lambdas and the module's functions ``values`` give (their lists, tuples and dicts
    read through: :func:`_leaves`)."""
    for value in (leaf for given in values for leaf in _leaves(given)):
        if isinstance(value, ast.Lambda):
            yield value
        else:
            function = function_of(value)
            if function is not None:
                yield function


def _helpers(
    tree: TreeIndex,
    bindings: Bindings,
    function_of: FunctionOf,
    code: list[ast.AST],
    plain_decorator: Decorator,
) -> list[ast.AST]:
    """The plain functions called from ``code`` that nothing but ``code`` calls or reads."""

    def inside(node: ast.AST) -> bool:
        return any(tree.contains(scope, node) for scope in code)

    found: list[ast.AST] = []
    for calls in tree.calls_by_name.values():
        for call in calls:
            if not inside(call):
                continue
            function = function_of(call.func)
            if function is None or function in code or function in found:
                continue
            if _called_only_from(bindings, function, inside, plain_decorator):
                found.append(function)
    return found


def _called_only_from(
    bindings: Bindings,
    function: ast.AST,
    inside: Callable[[ast.AST], bool],
    plain_decorator: Decorator,
) -> bool:
    """Whether every read of the plain ``function`` (no decorator but those
    ``plain_decorator`` accepts) calls it from where ``inside`` holds."""
    scope = bindings.scope_of(function)
    if not isinstance(function, _FUNCTIONS) or scope is None:
        return False
    if not all(plain_decorator(d) for d in function.decorator_list):
        return False
    if scope.kind == "class":
        return False  # a method: read through its instances
    bound = scope.bindings.get(function.name, [])
    if len(bound) != 1 or bound[0].node is not function:
        return False
    reads = list(bindings.references(bound[0]))
    for read in reads:
        call = bindings.parents.get(read.node)
        if not (isinstance(call, ast.Call) and call.func is read.node and inside(call)):
            return False
    return bool(reads)


def mask_inputs_given(
    bindings: Bindings,
    tree: TreeIndex,
    call: ast.Call,
    keras_base: Callable[[ast.ClassDef], object],
) -> bool:
    """Whether ``call`` is given the inputs (or mask) of a Keras layer's ``compute_mask``, which
    Keras 3 calls with the KerasTensors of the functional model being built."""
    method = bindings.enclosing_function(call)
    owner = tree.parents.get(method) if method is not None else None
    if method is None or method.name != "compute_mask" or not isinstance(owner, ast.ClassDef):
        return False
    if keras_base(owner) is None:
        return False
    params = {a.arg for a in method.args.args[1:]}
    for value in [*call.args, *(k.value for k in call.keywords)]:
        for node in ast.walk(value):
            if isinstance(node, ast.Name) and node.id in params:
                found = bindings.referents(node)
                if found is not None and len(found[1]) <= 1:
                    return True
    return False
