"""Static checks (no Slicer needed) that each module file's ``*Logic`` class stays a thin subclass.

The console API lives in a Qt-free class of the module's Lib package, tested headlessly in
Testing/mrml/test_module_console_logic.py. The module file's Logic only adds what needs Slicer's Python
modules or Qt: the ``@parameterNodeWrapper`` parameter node and the user interactions that the Lib class
declares for overriding (a confirmation dialog, an application setting). Anything else written there
would run only inside Slicer, untested.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIB_BASES = {  # module → (Lib module of the console API, its class, methods the module file may override)
    "GynAI": ("GynAILib.home_logic", "HomeLogic", {"confirmInstall"}),
    "GynAISegment": ("GynAISegmentLib.segment_logic", "SegmentLogic", set()),
    "GynAIReport": ("GynAIReportLib.report_logic", "ReportLogic", {"pacsConfigFile", "createTimer"}),
}
MAX_STATEMENTS = 3


def class_def(tree: ast.Module, name: str) -> ast.ClassDef:
    return next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == name)


def methods(cls: ast.ClassDef) -> dict[str, ast.FunctionDef]:
    return {node.name: node for node in cls.body if isinstance(node, ast.FunctionDef)}


def statements(function: ast.FunctionDef) -> list[ast.stmt]:
    """Body without its docstring and imports."""
    body = [s for s in function.body if not isinstance(s, (ast.Import, ast.ImportFrom))]
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return body


def lib_path(dotted: str, module: str) -> Path:
    return ROOT / module / (dotted.replace(".", "/") + ".py")


@pytest.mark.parametrize("module", sorted(LIB_BASES))
def test_logic_is_a_thin_subclass_of_the_lib_console_api(module):
    dotted, base, overridable = LIB_BASES[module]
    tree = ast.parse((ROOT / module / f"{module}.py").read_text(encoding="utf-8"))
    imports = {(node.module, alias.name) for node in tree.body if isinstance(node, ast.ImportFrom)
               for alias in node.names}
    assert (dotted, base) in imports
    logic = class_def(tree, f"{module}Logic")
    assert [ast.unparse(b) for b in logic.bases] == ["ScriptedLoadableModuleLogic", base]
    lib_methods = set(methods(class_def(ast.parse(lib_path(dotted, module).read_text(encoding="utf-8")), base)))
    assert overridable <= lib_methods
    own = methods(logic)
    assert set(own) - {"getParameterNode"} <= overridable, "console API written in the module file"
    for name, function in own.items():
        body = statements(function)
        assert len(body) <= MAX_STATEMENTS, name
        assert not any(isinstance(n, (ast.For, ast.While, ast.Try)) for n in ast.walk(function)), name
    assert ast.unparse(own["getParameterNode"].body[-1]).startswith(f"return {module}ParameterNode(")


def test_lib_console_api_classes_do_not_import_qt():
    for module, (dotted, _, _) in LIB_BASES.items():
        tree = ast.parse(lib_path(dotted, module).read_text(encoding="utf-8"))
        roots = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for alias in node.names}
        roots |= {node.module.split(".")[0] for node in ast.walk(tree)
                  if isinstance(node, ast.ImportFrom) and node.module and node.level == 0}
        assert not roots & {"qt", "ctk", "SampleData", "PyTorchUtils"}, (module, roots)
