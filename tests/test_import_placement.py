"""Where a fix's import goes: LibCST's import codemod, given only the module's head (up to the
first statement after its docstring and imports, that statement as ``pass``), places it
exactly where it places it given the whole module."""

from __future__ import annotations

import ast

import libcst as cst
import pytest
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor

from kerasfix.analysis.context import Context, _insertion
from kerasfix.diagnostic import Edit
from kerasfix.settings import Settings

MODULES = {
    "docstring, imports, class": '"""Doc."""\nimport os\nfrom a import b\n\n\nclass X:\n    pass\n',
    "future import": "from __future__ import annotations\n\nimport os\nx = 1\n",
    "decorated function first": "import os\n# a comment\n@decorate\ndef f():\n    return 1\n",
    "code before any import": "x = 1\nimport os\n",
    "no statement but imports": "import os\nimport sys\n",
    "shares a line": "import os; x = 1\ny = 2\n",
    "crlf": "import os\r\n\r\nclass X:\r\n    pass\r\n",
    "comment and blank lines": "import os\n\n\n# model\nmodel = build()\n",
    "empty": "",
    "only a docstring": '"""Doc."""\n',
    "if main first": "if __name__ == '__main__':\n    import os\n    main()\n",
}


def _whole_module(text: str, module: str, asname: str | None) -> Edit | None:
    context = CodemodContext()
    AddImportsVisitor.add_needed_import(context, module, asname=asname)
    tree = cst.parse_module(text)
    return _insertion(text, AddImportsVisitor(context).transform_module(tree).code)


@pytest.mark.parametrize("name", sorted(MODULES))
@pytest.mark.parametrize("module, asname", [("keras", None), ("numpy", "np")])
def test_the_head_places_the_import_as_the_whole_module_does(
    name: str, module: str, asname: str | None
) -> None:
    text = MODULES[name]
    ctx = Context("module.py", text, ast.parse(text), Settings())
    assert ctx.import_edit(module, asname) == _whole_module(text, module, asname)
