"""What a rule looks at: its sites, declared once.

A rule's ``looks_at`` is a tuple of sites, all of which a file must hold for
the rule to possibly fire (:class:`AnyOf` groups alternatives). A site is one
shape of code — a method call, a call of a Keras API, a keyword argument, a
string literal, an import of a removed module — and knows how to find itself
twice, both times cheaply and never missing one the rule would flag:

* ``in_text``: on the raw text, before parsing (:mod:`kerasfix.analysis.scanning`);
* ``in_facts``: on the facts of one plain walk of CPython's tree
  (:mod:`kerasfix.analysis.quick`), before the tree is indexed and analysed.

The triage compiles every enabled rule's sites into one scanner
(:class:`kerasfix.engine.triage.Scanner`), which tests each distinct site at most
once per file. Sites are values: two rules that look at the same thing share
one test.
"""

from __future__ import annotations

import functools
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Union

from kerasfix import knowledge as kb
from kerasfix.analysis.name_scanning import mentions_keras_names
from kerasfix.analysis.scanning import (
    calls,
    conv_kernel_positionals,
    holds_word,
    imports_from_project,
    imports_keras3,
    keyword_argument,
    mention_test,
    mentions_keras3,
    mentions_removed_module,
    regex,
    units_maybe_one,
    words_in,
)

if TYPE_CHECKING:
    from kerasfix.analysis.quick import QuickFacts

# a parsed mention of this many names or more is looked up in the text's words
_LOOKED_UP = 5


class Site(ABC):
    """One shape of code; subclasses are frozen dataclasses (hashable, so
    the scanner tests equal sites once)."""

    # 0: substring tests; 1: regular expressions; 2: scanners in Python.
    # The scanner tests the cheaper sites, and those most rules share, first.
    cost: ClassVar[int] = 0
    # costs more on the tree than a rule's check does in a file that is
    # analysed anyway: asked only when no other rule may fire
    costly: ClassVar[bool] = False
    # the tree can say nothing the text test did not: a rule that reads only such sites
    # needs no quick facts to be confirmed
    text_final: ClassVar[bool] = False

    @property
    def final(self) -> bool:
        return self.text_final

    @abstractmethod
    def in_text(self, text: str, path: str) -> bool: ...

    @abstractmethod
    def in_facts(self, facts: QuickFacts) -> bool: ...


@dataclass(frozen=True)
class _Words(Site):
    """A site whose ``names`` stand as whole words (a call ``name(``, a keyword ``name=``):
    asked of the text's words (``scanning.words``) before any scan, so they must be words."""

    names: tuple[str, ...]
    cost: ClassVar[int] = 1

    def __post_init__(self) -> None:
        for name in self.names:
            if not _IS_WORD.fullmatch(name):
                raise ValueError(f"not a word: {name!r}")

    def present(self, text: str) -> tuple[str, ...]:
        return words_in(text, self.names)


_IS_WORD = re.compile(r"[A-Za-z0-9_]+")


@functools.cache
def _all_words(names: tuple[str, ...]) -> bool:
    return all(_IS_WORD.fullmatch(name) for name in names)


def _any_word(names: tuple[str, ...], text: str) -> bool:
    return any((n in text and mention_test(n)(text, "")) for n in names)


@dataclass(frozen=True)
class Mention(Site):
    """One of ``names`` as a name, attribute, imported name or string."""

    names: tuple[str, ...]
    # False: the text test only (the word may sit in a comment that keeps
    # a rule's old behaviour); the tree is not asked
    parsed: bool = True

    def in_text(self, text: str, path: str) -> bool:
        if self.parsed and len(self.names) >= _LOOKED_UP and _all_words(self.names):
            # what the tree mentions are whole words of the text: several names are looked
            # up in its words (read once for every site), not searched for one by one
            return holds_word(text, self.names)
        return _any_word(self.names, text)

    def in_facts(self, facts: QuickFacts) -> bool:
        return not self.parsed or facts.mentions(self.names)

    @property
    def final(self) -> bool:
        return not self.parsed


@dataclass(frozen=True)
class MethodCall(_Words):
    """``receiver.<name>(…)`` for one of ``names``."""

    def in_text(self, text: str, path: str) -> bool:
        return bool(self.present(text)) and calls(self.names)(text, path)

    def in_facts(self, facts: QuickFacts) -> bool:
        return any(n in facts.called_methods for n in self.names)


@dataclass(frozen=True)
class ApiCall(_Words):
    """A call of one of ``names`` (``Adam(…)``, ``optimizers.Adam(…)``) that
    may resolve to Keras through the module's imports; with ``keras3``, to
    Keras 3 (not only tf_keras or TensorFlow's legacy copy)."""

    keras3: bool = False

    def in_text(self, text: str, path: str) -> bool:
        return bool(self.present(text)) and calls(self.names)(text, path)

    def in_facts(self, facts: QuickFacts) -> bool:
        return facts.may_call_keras(frozenset(self.names), keras2=not self.keras3)


@dataclass(frozen=True)
class Keyword(_Words):
    """``f(…, <name>=…)`` for one of ``names``."""

    def in_text(self, text: str, path: str) -> bool:
        return any(keyword_argument(n)(text, path) for n in self.present(text))

    def in_facts(self, facts: QuickFacts) -> bool:
        return any(n in facts.keywords for n in self.names)


@dataclass(frozen=True)
class LayerKeyword(_Words):
    """``Layer(…, <name>=…)``: one of ``names`` given to a call of a
    capitalised name that may be a Keras class, one the keyword is read on
    (``kb.KEYWORD_CLASSES``; any class for a name not listed there)."""

    gone: bool = False  # the classes rejecting each keyword (kb.KEYWORDS_GONE) are read on

    @property
    def classes(self) -> dict[str, frozenset[str]]:
        return kb.KEYWORDS_GONE if self.gone else kb.KEYWORD_CLASSES

    def in_text(self, text: str, path: str) -> bool:
        for name in self.present(text):
            if keyword_argument(name)(text, path):
                only = self.classes.get(name)
                # the class is spelled somewhere (its import, at least)
                if only is None or any(cls in text for cls in only):
                    return True
        return False

    def in_facts(self, facts: QuickFacts) -> bool:
        for keyword, leaf, root in facts.class_keyword_sites:
            if keyword not in self.names or not facts.root_may_reach_keras(root):
                continue
            only = self.classes.get(keyword)
            if only is None or _may_be(leaf, root, only, facts):
                return True
        return False


def _may_be(leaf: str, root: str, classes: frozenset[str], facts: QuickFacts) -> bool:
    """Can a call of ``leaf`` (reached from ``root``) be one of ``classes``?
    ``layers.Embedding`` is Embedding; a bare name may be an alias
    (``Embedding = Dense``)."""
    if leaf in classes:
        return True
    if leaf != root:
        return False
    if facts.bound_otherwise(root):
        return True
    quals = facts.import_bound.get(root)
    if quals is None:
        return facts.star_import
    return any(q is None or q.rsplit(".", 1)[-1] in classes for q in quals)


@dataclass(frozen=True)
class StringLiteral(Site):
    """A string literal whose value is one of ``values``."""

    values: tuple[str, ...]

    def in_text(self, text: str, path: str) -> bool:
        return any(f"{q}{v}{q}" in text for v in self.values for q in "'\"")

    def in_facts(self, facts: QuickFacts) -> bool:
        return any(v in facts.strings for v in self.values)


@dataclass(frozen=True)
class AnyOf:
    """Any one of ``sites``."""

    sites: tuple[Site, ...]

    def __init__(self, *sites: Site) -> None:
        object.__setattr__(self, "sites", sites)

    @property
    def cost(self) -> int:
        return max(s.cost for s in self.sites)

    @property
    def costly(self) -> bool:
        return any(s.costly for s in self.sites)


Requirement = Union[Site, AnyOf]


# -- the sites only one shape of code has ----------------------------------------


@dataclass(frozen=True)
class _Special(Site):
    """A site with its own scanners (the instances below)."""

    name: str

    def __repr__(self) -> str:
        return self.name


class _BuildsModels(_Special):
    cost = 1

    def in_text(self, text: str, path: str) -> bool:
        if any(m in text for m in kb.MODEL_MARKERS) or _CALLBACK in text:
            return True
        return imports_from_project(text, path)

    def in_facts(self, facts: QuickFacts) -> bool:
        return facts.may_hold_models


_CALLBACK = kb.CALLBACK.rsplit(".", 1)[1]
_FROM_LOGITS = re.compile(r"from_logits[\s\\]*=(?!=)[\s\\]*(?!False\b|None\b)")


class _FromLogits(_Special):
    cost = 1

    def in_text(self, text: str, path: str) -> bool:
        return "from_logits" in text and _FROM_LOGITS.search(text) is not None

    def in_facts(self, facts: QuickFacts) -> bool:
        return facts.from_logits_maybe_true


_COMPILE_CALL = re.compile(r"compile[\s\\]*\(")  # a compile( call, not jit_compile=…


class _ProbabilityLossCompile(_Special):
    cost = 1

    def in_text(self, text: str, path: str) -> bool:
        return "compile" in text and _COMPILE_CALL.search(text) is not None

    def in_facts(self, facts: QuickFacts) -> bool:
        return facts.compile_loss_maybe_probability


class _OneUnitSoftmax(_Special):
    cost = 2
    costly = True  # follows widths through function parameters

    def in_text(self, text: str, path: str) -> bool:
        return units_maybe_one(text, path)

    def in_facts(self, facts: QuickFacts) -> bool:
        return (
            facts.units_layer_aliased
            or facts.units_maybe_one("softmax")
            or (
                any(layer in facts.called_names for layer in kb.ACTIVATION_LAYERS)
                and facts.units_maybe_one("followed")
            )
        )


class _ConvKernelPositionals(_Special):
    cost = 2

    def in_text(self, text: str, path: str) -> bool:
        return conv_kernel_positionals(text, path)

    def in_facts(self, facts: QuickFacts) -> bool:
        return facts.conv_kernel_positionals and facts.may_call_keras(
            frozenset(kb.KERAS1_CONV_KERNEL_POSITIONALS)
        )


_PRIVATE_COPY = "tensorflow.python.keras"


class _RemovedModuleImport(_Special):
    cost = 2

    def in_text(self, text: str, path: str) -> bool:
        if _PRIVATE_COPY in text and not kb.inside_package(path, "tensorflow"):
            return True
        return mentions_removed_module(text, path)

    def in_facts(self, facts: QuickFacts) -> bool:
        for module in facts.imported | facts.qualnames:
            if module.startswith(_PRIVATE_COPY + ".") and not kb.inside_package(
                facts.path, "tensorflow"
            ):
                return True
            split = kb.split_family(module)
            if split is not None and split[1] in kb.REMOVED_MODULES:
                if not kb.inside_package(facts.path, split[0]):
                    return True
        return False


class _Keras3Import(_Special):
    cost = 2

    def in_text(self, text: str, path: str) -> bool:
        return mentions_keras3(text, path) and imports_keras3(text, path)

    def in_facts(self, facts: QuickFacts) -> bool:
        return any(kb.may_lead_to_keras(name, keras2=False) for name in facts.qualnames)


class _KerasNames(_Special):
    cost = 2
    text_final = True  # cheaper than the rule's check on every call it would have to read

    def in_text(self, text: str, path: str) -> bool:
        return mentions_keras_names(text, path)

    def in_facts(self, facts: QuickFacts) -> bool:
        return True


_FILE_CALLS = frozenset(("load_model", "ModelCheckpoint"))
_LITERAL_FILE = re.compile(
    r"(?:\.[\s\\]*(?:save_weights|save)|load_model|ModelCheckpoint)[\s\\]*\([\s\\]*"
    r"(?:[rRuUbBfF]{0,2}([\"'])([^\"'\r\n]*)|filepath\b|(\w+)[\s\\]*(?:[,)]|\.[\s\\]*format\b))"
    r"|save_format"
)
# a file name a variable may hold (`weights_file = "model.h5"`; `ModelCheckpoint(weights_file)`,
# `save_weights(checkpoint_path.format(epoch=0))`)
_NAMED_FILE = re.compile(r"[\"'][^\"'\r\n]*\.(?:h5|hdf5|ckpt|tf)[\"']")
# names Keras 3 writes and reads as they are: nothing to say of those
_KERAS3_FILE_NAMES = (".keras", ".weights.h5")


class _LiteralFile(_Special):
    cost = 1

    def in_text(self, text: str, path: str) -> bool:
        for match in _LITERAL_FILE.finditer(text):
            name = match.group(2)
            if match.group(3) is not None:
                if _NAMED_FILE.search(text):
                    return True
            elif name is None or not name.endswith(_KERAS3_FILE_NAMES):
                return True
        return False

    def in_facts(self, facts: QuickFacts) -> bool:
        saves = MethodCall(kb.SAVING_METHODS).in_facts(facts) or "save_format" in facts.keywords
        return saves or facts.may_call_keras(_FILE_CALLS)


class _OutsideKeras(_Special):
    cost = 0
    text_final = True

    def in_text(self, text: str, path: str) -> bool:
        return not kb.inside_keras_or_tensorflow(path)

    def in_facts(self, facts: QuickFacts) -> bool:
        return self.in_text("", facts.path)


@dataclass(frozen=True)
class Pattern(Site):
    """A regular expression, searched in a text that holds one of ``anchors``; on the tree, a
    call of one of ``calls`` that may reach Keras, else a mention of one of ``words``."""

    pattern: str
    anchors: tuple[str, ...]
    calls: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    # the match starts a word (as a leading `\b` would say, checked here: a pattern that
    # starts with its alternatives' first characters lets the regex engine skip to them)
    word_start: bool = False
    cost: ClassVar[int] = 1

    def in_text(self, text: str, path: str) -> bool:
        if not any(anchor in text for anchor in self.anchors):
            return False
        compiled = regex(self.pattern)
        if not self.word_start:
            return compiled.search(text) is not None
        position = 0
        while (match := compiled.search(text, position)) is not None:
            start = match.start()
            before = text[start - 1] if start else ""
            if not (before.isalnum() or before == "_"):
                return True
            position = start + 1
        return False

    def in_facts(self, facts: QuickFacts) -> bool:
        if self.calls:
            return facts.may_call_keras(frozenset(self.calls))
        return facts.mentions(self.words)


# the word "keras" somewhere in the text (every Keras file spells it)
KERAS = Mention(kb.KERAS_MARKERS, parsed=False)
# the module builds or loads models (Sequential, Model, load_model, applications…),
# or may receive one (a callback, an import from the project's own modules)
BUILDS_MODELS: Site = _BuildsModels("BUILDS_MODELS")
# `from_logits=` given something other than False or None
FROM_LOGITS_TRUE: Site = _FromLogits("FROM_LOGITS_TRUE")
# a `.compile(…)` whose loss may name a loss that expects probabilities
PROBABILITY_LOSS_COMPILE: Site = _ProbabilityLossCompile("PROBABILITY_LOSS_COMPILE")
# a units layer that may be one unit wide and given (or followed by) softmax
ONE_UNIT_SOFTMAX: Site = _OneUnitSoftmax("ONE_UNIT_SOFTMAX")
# `Convolution2D(32, 3, 3)`: a Keras 1 kernel as separate positionals
CONV_KERNEL_POSITIONALS: Site = _ConvKernelPositionals("CONV_KERNEL_POSITIONALS")
# `Dense(784, 128)`: Keras 0's (input_dim, output_dim) by position
KERAS0_UNITS_POSITIONALS: Site = Pattern(
    r"(?:" + "|".join(kb.KERAS0_UNITS_LAYERS) + r")[\s\\]*\([^(),]+,[\s\\]*\d+[\s\\]*[,)]",
    kb.KERAS0_UNITS_LAYERS,
    calls=kb.KERAS0_UNITS_LAYERS,
    word_start=True,
)
# an import from (or of) a Keras module that no longer exists, outside Keras
REMOVED_MODULE_IMPORT: Site = _RemovedModuleImport("REMOVED_MODULE_IMPORT")
# a name qualified by a Keras 3 spelling: `keras.layers…`, `tf.keras.backend…`, `from keras import`
KERAS_NAMES: Site = _KerasNames("KERAS_NAMES")
# `model.optimizer.lr`: Keras 2's name of the rate
OPTIMIZER_LR: Site = Pattern(r"optimizer[\s\\]*\.[\s\\]*lr\b", ("lr",), words=("lr",))
# a file outside Keras's and TensorFlow's own code (which keep their own old APIs)
OUTSIDE_KERAS: Site = _OutsideKeras("OUTSIDE_KERAS")
# `.save("…")`, `.save_weights("…")`, `load_model("…")`, `ModelCheckpoint("…")`: a file
# named by a literal; or `save_format=`
LITERAL_FILE: Site = _LiteralFile("LITERAL_FILE")
# `AveragePooling2D()` (a layer whose Keras 2 default Keras 3 requires) without the argument
DEFAULT_POOL: Site = Pattern(
    "(?:" + "|".join(kb.REQUIRED_NOW_LAYERS) + r")[\s\\]*\([\s\\]*(?:\)|(?!pool_size)\w+[\s\\]*=)",
    ("Pool",),
    calls=kb.REQUIRED_NOW_LAYERS,
)
# an import that can lead to Keras 3 (not only to tf_keras or tf.python.keras)
KERAS3_IMPORT: Site = _Keras3Import("KERAS3_IMPORT")


def words(requirement: Requirement) -> tuple[str, ...]:
    """The literal words one of which the text must hold for the site (or
    every alternative's), for the anchor check: () when a site has none."""
    sites = requirement.sites if isinstance(requirement, AnyOf) else (requirement,)
    found = [getattr(site, "names", None) or getattr(site, "values", None) for site in sites]
    return tuple(w for names in found for w in names) if all(found) else ()  # type: ignore[union-attr]
