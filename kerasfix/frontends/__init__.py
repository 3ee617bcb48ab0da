"""The front ends: what turns a user's request into engine calls and the engine's results
into what the user sees.

* :mod:`kerasfix.frontends.cli` — ``kerasfix check`` / ``kerasfix rule`` (its terminal side in
  :mod:`kerasfix.frontends.console`, the output formats in :mod:`kerasfix.frontends.output`);
* :mod:`kerasfix.frontends.server` — ``kerasfix server``, the language server (LSP over
  stdio) for editors;
* :mod:`kerasfix.frontends.codemod` — the fixes as a LibCST codemod;
* :mod:`kerasfix.frontends.docs` — the rules' documentation, for ``kerasfix rule`` and README.

All read the same configuration (:mod:`kerasfix.engine.config`) and call the same engine
(:mod:`kerasfix.engine`), which runs the rules (:mod:`kerasfix.rules`) over the analysis
(:mod:`kerasfix.analysis`), which reads the knowledge (:mod:`kerasfix.knowledge`). What every
stage shares sits at the package's top level: diagnostics and fixes
(:mod:`kerasfix.diagnostic`), settings, reading and writing source, suppression comments, the
project root.
"""
