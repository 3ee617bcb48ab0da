"""The front ends: what turns a user's request into engine calls and the engine's results
into what the user sees.

* :mod:`kerasfix.cli` — ``kerasfix check`` / ``kerasfix rule`` (and the output formats);
* :mod:`kerasfix.frontends.server` — ``kerasfix server``, the language server (LSP over
  stdio) for editors.

Both read the same configuration (:mod:`kerasfix.config`) and call the same engine
(:mod:`kerasfix.engine`), which calls the analysis (:mod:`kerasfix.inference`) and the rules
(:mod:`kerasfix.rules`), which read the knowledge (:mod:`kerasfix.knowledge`).
"""
