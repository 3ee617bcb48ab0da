"""The engine: what runs over files, between the front ends and the rules.

* :mod:`kerasfix.engine.discovery` — which files to check (``.gitignore``, excludes);
* :mod:`kerasfix.engine.config` — ``[tool.kerasfix]`` of the nearest pyproject.toml;
* :mod:`kerasfix.engine.runner` — many files, in a process pool, results in input order;
* :mod:`kerasfix.engine.cache` — results kept per file content and settings;
* :mod:`kerasfix.engine.pipeline` — one file's stages: read (notebooks:
  :mod:`kerasfix.engine.notebook`), triage (:mod:`kerasfix.engine.triage`), parse
  (:mod:`kerasfix.engine.parsing`), the rules over the analysis, fix and verify
  (:mod:`kerasfix.engine.fixing`), write.

The engine imports the rules and the analysis, never a front end.
"""
