"""The second cheap test, after the text tests: facts from CPython's tree.

One plain walk of the tree collects the words that matter: which methods are
called, which names and strings occur, whether `from_logits` is passed
something other than False. Each rule states, from these facts, a necessary
condition for it to fire; files where no rule's condition holds are not
indexed (scopes, bindings, source order) or analysed.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from kerasfix import knowledge as kb
from kerasfix.analysis.inference.imports import imported
from kerasfix.analysis.inference.modules import ProjectModules
from kerasfix.analysis.units_flow import UnitsFlow
from kerasfix.analysis.walk import all_nodes


@dataclass
class QuickFacts:
    called_methods: set[str] = field(default_factory=set)  # x.<name>(...)
    called_names: set[str] = field(default_factory=set)  # <name>(...) and x.<name>(...)
    # a Keras 1 style convolution call: Convolution2D(32, 3, 3)
    conv_kernel_positionals: bool = False
    words: set[str] = field(default_factory=set)  # names, attributes, imported names
    strings: set[str] = field(default_factory=set)  # short string literals
    keywords: set[str] = field(default_factory=set)  # f(<keyword>=...)
    # keywords given to calls of capitalised names (classes: Dense(init=…))
    class_keywords: set[str] = field(default_factory=set)
    # "module" and "module.name" for every `from module import name`
    imported: set[str] = field(default_factory=set)
    path: str = ""  # the file's path, with forward slashes
    from_logits_maybe_true: bool = False
    # a units layer class used other than by calling it by name (an alias)
    units_layer_aliased: bool = False
    # a `.compile(…)` whose loss may name a loss that expects probabilities
    compile_loss_maybe_probability: bool = False
    # every qualified name an import binds (`import a.b` -> a.b; `from a import b` -> a.b)
    qualnames: set[str] = field(default_factory=set)
    # what each called name is reached from: x.y.<leaf>(…) -> leaf: {"x"};
    # <leaf>(…) -> leaf: {leaf}; "" when the chain starts elsewhere (f().leaf)
    call_roots: dict[str, set[str]] = field(default_factory=dict)
    # (keyword, leaf, root) of every keyword given to a capitalised call
    class_keyword_sites: set[tuple[str, str, str]] = field(default_factory=set)
    # names an import binds -> the qualified names (None: a relative import)
    import_bound: dict[str, set[str | None]] = field(default_factory=dict)
    # names bound other than by an import or as a parameter: assignment,
    # def, class, loop, with, except, match …
    assigned: set[str] = field(default_factory=set)
    parameters: set[str] = field(default_factory=set)  # names of parameters
    star_import: bool = False
    # (width, layer call, "followed"/"softmax") of the units layers whose
    # width is not a literal other than 1, and the tree they are in
    widths: list[tuple[ast.expr | None, ast.Call, str]] = field(default_factory=list, repr=False)
    tree: ast.AST | None = field(default=None, repr=False)
    _units: dict[str, bool] = field(default_factory=dict, repr=False)
    _flow: Any = field(default=None, repr=False)  # the UnitsFlow, once built
    _project: Any = field(default=None, repr=False)  # the ProjectModules, once asked

    def units_maybe_one(self, kind: str) -> bool:
        """Can a units layer be one unit wide and given softmax (``kind``
        "softmax"), or be one unit wide at all, so that an Activation or
        Softmax layer after it may make it a softmax ("followed")? Follows
        widths given as parameters to the calls that set them
        (:mod:`kerasfix.analysis.units_flow`), on first asking."""
        found = self._units.get(kind)
        if found is None:
            found = self._units[kind] = _units_maybe_one(self, kind)
        return found

    def mentions(self, names: frozenset[str] | set[str] | tuple[str, ...]) -> bool:
        return any(n in self.words or n in self.strings for n in names)

    @property
    def builds_models(self) -> bool:
        return any(n in self.words for n in kb.MODEL_MARKERS)

    @property
    def may_hold_models(self) -> bool:
        """Builds or loads a model, or may receive one: a callback's
        ``self.model``, or a name imported from the project's own modules
        (a relative import, or a package that is not a known library)."""
        if self.builds_models or kb.CALLBACK.rsplit(".", 1)[1] in self.words:
            return True
        if not self.path:
            return True
        if self._project is None:
            self._project = ProjectModules(self.path)
        return any(
            q is None or (not kb.is_external(q.split(".", 1)[0]) and self._project.find(q))
            for quals in self.import_bound.values()
            for q in quals
        )

    def bound_otherwise(self, name: str) -> bool:
        """Whether ``name`` is bound other than by an import (so may hold anything)."""
        return name in self.assigned or name in self.parameters

    def root_may_reach_keras(self, root: str, keras2: bool = True) -> bool:
        """Can a chain starting at the name ``root`` resolve to a Keras API?
        Not if ``root`` is bound only by imports of other packages, or not
        bound at all (a builtin or an undefined name)."""
        if root == "" or self.bound_otherwise(root):
            return True
        quals = self.import_bound.get(root)
        if quals is None:
            return self.star_import
        return any(q is None or kb.may_lead_to_keras(q, keras2) for q in quals)

    def may_call_keras(self, leaves: frozenset[str] | set[str], keras2: bool = True) -> bool:
        """Can some call of one of ``leaves`` be a call of a Keras API?"""
        return any(
            self.root_may_reach_keras(root, keras2)
            for leaf in leaves
            for root in self.call_roots.get(leaf, ())
        )


def _units_arg(call: ast.Call) -> ast.expr | None:
    if call.args and not isinstance(call.args[0], ast.Starred):
        return call.args[0]
    for keyword in call.keywords:
        if keyword.arg in ("units", "output_dim") or keyword.arg is None:
            return keyword.value
    return None


def _compile_loss_maybe_probability(call: ast.Call) -> bool:
    """Can this compile call's loss (keyword or second positional) name a
    loss that expects probabilities? Strings and names are read as the
    rules read them; a variable, an alias or ``**kwargs`` may be anything."""
    loss: ast.expr | None = None
    for keyword in call.keywords:
        if keyword.arg == "loss":
            loss = keyword.value
        elif keyword.arg is None:
            return True
    if loss is None:
        if any(isinstance(a, ast.Starred) for a in call.args):
            return True
        loss = call.args[1] if len(call.args) > 1 else None
    return loss is not None and _may_name_probability_loss(loss)


def _may_name_probability_loss(expr: ast.expr) -> bool:
    if isinstance(expr, ast.Constant):
        return isinstance(expr.value, str) and expr.value in kb.PROBABILITY_LOSS_MARKERS
    if isinstance(expr, ast.Name):
        return True  # a variable, or an import under another name
    if isinstance(expr, ast.Attribute):
        return expr.attr in kb.PROBABILITY_LOSS_MARKERS
    if isinstance(expr, ast.Call):
        return isinstance(expr.func, ast.Name) or (
            isinstance(expr.func, ast.Attribute) and expr.func.attr in kb.PROBABILITY_LOSS_MARKERS
        )
    if isinstance(expr, (ast.List, ast.Tuple)):
        return any(_may_name_probability_loss(e) for e in expr.elts)
    if isinstance(expr, ast.Dict):
        return any(_may_name_probability_loss(v) for v in expr.values)
    return False


def _activation_arg(call: ast.Call) -> ast.expr | None:
    """The activation a units layer call is given: a keyword, the second
    positional, or ``...`` (unknowable) for ``**kwargs``/``*args``."""
    for keyword in call.keywords:
        if keyword.arg == "activation":
            return keyword.value
        if keyword.arg is None:
            return ast.Constant(...)
    if len(call.args) > 1 or any(isinstance(a, ast.Starred) for a in call.args):
        return ast.Constant(...)
    return None


# Fields that never hold a node the facts need: names and other strings,
# numbers, and the Load/Store markers and operators (nodes, but never read).
def _root(func: ast.expr) -> str:
    while isinstance(func, ast.Attribute):
        func = func.value
    return func.id if isinstance(func, ast.Name) else ""


_BINDERS = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})
_OPTIONAL_BINDERS = frozenset({ast.ExceptHandler, ast.MatchAs, ast.MatchStar})
# the node types the facts read; the others are only walked through
_READ = frozenset(
    {ast.Name, ast.Attribute, ast.Constant, ast.Call, ast.arg, ast.MatchMapping}
    | {ast.Import, ast.ImportFrom}
    | _BINDERS
    | _OPTIONAL_BINDERS
)


def facts(tree: ast.AST) -> QuickFacts:
    result = QuickFacts()
    words, strings = result.words, result.strings
    assigned = result.assigned
    references = called = 0  # of units layer names, and calls of them by name
    widths = result.widths
    result.tree = tree
    Name, Attribute, Constant, Call = ast.Name, ast.Attribute, ast.Constant, ast.Call
    read = _READ
    for node in all_nodes(tree):
        cls = type(node)
        if cls not in read:
            continue
        if cls is Name:
            words.add(node.id)
            if node.id in kb.UNITS_LAYERS:
                references += 1
            if type(node.ctx) is not ast.Load:
                assigned.add(node.id)
        elif cls is Attribute:
            words.add(node.attr)
            if node.attr in kb.UNITS_LAYERS:
                references += 1
        elif cls is Constant:
            value = node.value
            if type(value) is str and len(value) < 64:
                strings.add(value)
        elif cls is ast.arg:
            result.parameters.add(node.arg)
        elif cls in _BINDERS:
            assigned.add(node.name)
        elif cls in _OPTIONAL_BINDERS:
            if node.name is not None:
                assigned.add(node.name)
        elif cls is ast.MatchMapping:
            if node.rest is not None:
                assigned.add(node.rest)
        elif cls is Call:
            func = node.func
            name = None
            if isinstance(func, ast.Attribute):
                result.called_methods.add(func.attr)
                name = func.attr
            elif isinstance(func, ast.Name):
                name = func.id
            root = ""
            if name is not None:
                result.called_names.add(name)
                root = _root(func)
                result.call_roots.setdefault(name, set()).add(root)
                dims = kb.KERAS1_CONV_KERNEL_POSITIONALS.get(name)
                if dims is not None and len(node.args) > dims:
                    result.conv_kernel_positionals = True
            if name == "compile" and isinstance(func, ast.Attribute):
                if _compile_loss_maybe_probability(node):
                    result.compile_loss_maybe_probability = True
            capitalised = name is not None and name[:1].isupper()
            for keyword in node.keywords:
                if keyword.arg is not None:
                    result.keywords.add(keyword.arg)
                    if capitalised:
                        result.class_keywords.add(keyword.arg)
                        result.class_keyword_sites.add((keyword.arg, name, root))  # type: ignore[arg-type]
                if keyword.arg == "from_logits" and not (
                    isinstance(keyword.value, ast.Constant) and keyword.value.value in (False, None)
                ):
                    result.from_logits_maybe_true = True
            if name in kb.UNITS_LAYERS:
                called += 1
                units = _units_arg(node)
                literal = (
                    isinstance(units, ast.Constant)
                    and isinstance(units.value, int)
                    and units.value != 1
                )
                if not literal:
                    # whatever its own activation, an Activation/Softmax
                    # layer after it may make it a softmax
                    widths.append((units, node, "followed"))
                    activation = _activation_arg(node)
                    if activation is not None and (
                        not (
                            isinstance(activation, ast.Constant)
                            and isinstance(activation.value, str)
                        )
                        or activation.value == "softmax"
                    ):
                        widths.append((units, node, "softmax"))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            _record_import(node, result)
            if isinstance(node, ast.ImportFrom) and node.module:
                words.update(node.module.split("."))
                result.imported.add(node.module)
                result.imported.update(f"{node.module}.{a.name}" for a in node.names)
                result.qualnames.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                result.qualnames.update(a.name for a in node.names)
            for alias in node.names:
                words.update(alias.name.split("."))
                if alias.asname is not None and alias.name.rsplit(".", 1)[-1] in kb.UNITS_LAYERS:
                    result.units_layer_aliased = True
    if references > called:
        result.units_layer_aliased = True
    return result


def _units_maybe_one(facts: QuickFacts, wanted: str) -> bool:
    for units, call, kind in facts.widths:
        if kind != wanted:
            continue
        if isinstance(units, ast.Constant):
            return True
        if facts._flow is None:
            bound = facts.assigned | set(facts.import_bound)
            facts._flow = UnitsFlow(facts.tree, bound)  # type: ignore[arg-type]
        if facts._flow.may_be_one(units, call):
            return True
    return False


def _record_import(node: ast.Import | ast.ImportFrom, result: QuickFacts) -> None:
    """Which names the import binds, to which qualified names (as the
    analysis reads them: the bindings layer's own function)."""
    if any(alias.name == "*" for alias in node.names):
        result.star_import = True
    for bound, qual in imported(node):
        result.import_bound.setdefault(bound, set()).add(qual)
