"""The analysis: what kerasfix knows of one module's code, asked by the rules.

* :mod:`kerasfix.analysis.scanning` and :mod:`kerasfix.analysis.sites` — the sites rules look
  at, found on the raw text; :mod:`kerasfix.analysis.quick` (with
  :mod:`kerasfix.analysis.units_flow`) — the same, on one plain walk of the tree;
* :mod:`kerasfix.analysis.tree` (:mod:`kerasfix.analysis.scopes`, :mod:`kerasfix.analysis.walk`)
  — the tree's index: parents, source order, blocks, scopes and bindings;
* :mod:`kerasfix.analysis.inference` — the inference's facade: values, Keras models, compile
  arguments, across the modules of a project;
* :mod:`kerasfix.analysis.context` — what every rule reads: the tree, its index, the
  inference, helpers to report; :mod:`kerasfix.analysis.syntax`,
  :mod:`kerasfix.analysis.positions` — small questions about nodes and where they are.

The analysis reads the knowledge (:mod:`kerasfix.knowledge`) and the shared modules at the
package's top level; it never imports the rules, the engine or a front end.
"""
