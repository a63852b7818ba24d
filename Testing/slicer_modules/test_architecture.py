"""Static checks of the architecture (docs/architecture.md), read from the source with ``ast``:

- layers: the core (``gynai``) imports no Slicer, Qt or GynAI module package; ``GynAILib`` (MRML adapters)
  imports no Qt and no other module's package; each module's ``*Lib`` imports only the core and ``GynAILib``;
  ``GynAIGui`` (the widgets' shared Qt code) imports no module's ``*Lib`` but ``GynAILib``;
- no import circle among all of them (imports inside functions and packages' ``__init__`` count);
- the core imports at the top of its modules, except the heavy optional packages (torch, MONAI, highdicom,
  reportlab) and the core modules that import those;
- no dispatch on a task id or template id outside the task registry (``gynai/tasks``);
- small files: core and Lib files at most 400 lines, module entry files at most 200.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {"gynai": ROOT / "GynAI" / "gynai", "GynAILib": ROOT / "GynAI" / "GynAILib",
            "GynAIGui": ROOT / "GynAI" / "GynAIGui", "GynAISegmentLib": ROOT / "GynAISegment" / "GynAISegmentLib",
            "GynAIReportLib": ROOT / "GynAIReport" / "GynAIReportLib"}
MODULE_FILES = {name: ROOT / name / f"{name}.py" for name in ("GynAI", "GynAISegment", "GynAIReport")}
HEAVY = {"torch", "monai", "highdicom", "reportlab", "dask", "distributed"}
NOT_YET: tuple[str, ...] = ()
"""Rooms not checked yet (none)."""
FORBIDDEN = {
    "gynai": {"qt", "ctk", "slicer", "vtk", "GynAILib", "GynAIGui", "GynAISegmentLib", "GynAIReportLib",
              *MODULE_FILES},
    "GynAILib": {"qt", "ctk", "GynAIGui", "GynAISegmentLib", "GynAIReportLib", *MODULE_FILES},
    "GynAIGui": {"GynAISegmentLib", "GynAIReportLib", *MODULE_FILES},
    "GynAISegmentLib": {"qt", "ctk", "GynAIGui", "GynAIReportLib", *MODULE_FILES},
    "GynAIReportLib": {"qt", "ctk", "GynAIGui", "GynAISegmentLib", *MODULE_FILES},
}


def module_name(package: str, path: Path) -> str:
    parts = [package, *path.relative_to(PACKAGES[package]).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources() -> dict[str, Path]:
    return {module_name(package, path): path for package, folder in PACKAGES.items()
            for path in sorted(folder.rglob("*.py")) if "__pycache__" not in path.parts}


SOURCES = sources()


def imports(path: Path) -> list[tuple[str, bool, int]]:
    """``(imported module, inside a function, line)`` for every import of a file (``TYPE_CHECKING`` blocks
    left out: they are not executed)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(node) for block in ast.walk(tree) if isinstance(block, ast.If)
               and ast.unparse(block.test).endswith("TYPE_CHECKING") for node in ast.walk(block)}
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if id(child) in skipped:
                continue
            if isinstance(child, ast.Import):
                found.extend((alias.name, inner, child.lineno) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                found.extend((f"{child.module}.{alias.name}", inner, child.lineno) for alias in child.names)
            visit(child, inner)

    visit(tree, False)
    return found


def resolve(name: str) -> str | None:
    """The module of ours an import names (``a.b.c`` → ``a.b`` when ``c`` is an attribute), or None."""
    while name and name not in SOURCES:
        name = name.rpartition(".")[0]
    return name or None


def graph() -> dict[str, set[str]]:
    """Module → modules it imports (``from a.b import c`` imports ``a.b.c`` when that is a module, else ``a.b``)."""
    return {module: {target for name, _, _ in imports(path) if (target := resolve(name)) and target != module}
            for module, path in SOURCES.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return found


def test_no_import_circle():
    edges = graph()
    assert cycles(edges) == []
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]   # the check finds one


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layers(package):
    wrong = [f"{path.name}:{line} imports {name}" for module, path in SOURCES.items()
             if module.split(".")[0] == package for name, _, line in imports(path)
             if name.split(".")[0] in FORBIDDEN[package]]
    assert wrong == []


def test_module_files_import_no_other_modules_package():
    owners = {"GynAISegmentLib": "GynAISegment", "GynAIReportLib": "GynAIReport"}
    for name, path in MODULE_FILES.items():
        roots = {imported.split(".")[0] for imported, _, _ in imports(path)}
        assert not {root for root in roots & set(owners) if owners[root] != name}, name
        assert not roots & (set(MODULE_FILES) - {name}), name


def heavy_modules() -> set[str]:
    """Our modules that import a heavy optional package at their top level, directly or through another."""
    heavy = {module for module, path in SOURCES.items()
             if any(not inner and name.split(".")[0] in HEAVY for name, inner, _ in imports(path))}
    while True:
        more = {module for module, path in SOURCES.items() if module not in heavy
                and any(not inner and resolve(name) in heavy for name, inner, _ in imports(path))}
        if not more:
            return heavy
        heavy |= more


def test_the_core_imports_at_the_top_except_heavy_packages():
    heavy = heavy_modules()
    lazy = [f"{module}:{line} imports {name} inside a function" for module, path in SOURCES.items()
            if module.split(".")[0] == "gynai" and not module.startswith(NOT_YET)
            for name, inner, line in imports(path)
            if inner and name.split(".")[0] not in HEAVY and resolve(name) not in heavy
            and not (resolve(name) or "").startswith(NOT_YET)]
    assert lazy == []
    assert {"gynai.dicom.seg", "gynai.dicom.sr", "gynai.report.pdf"} <= heavy
    assert "gynai.report.html_report" not in heavy and "gynai.case" not in heavy


def dispatch_sites(source: str, ids: set[str]) -> list[int]:
    """Lines that compare a task or template (an expression naming ``task`` or ``template``) with a task or
    template id, or that map several such ids to something (a lookup table by task). Label ids that are
    also task ids (``placenta``, ``adnexal-mass``) are used freely by the task's own implementations."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            named = any(word in ast.unparse(operand).lower() for operand in operands for word in ("task", "template"))
            constants = [c for operand in operands for c in ast.walk(operand) if isinstance(c, ast.Constant)]
            if named and any(c.value in ids for c in constants):
                lines.append(node.lineno)
        elif isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
            if len(keys) > 1 and set(keys) <= ids:
                lines.append(node.lineno)
    return lines


def test_no_task_dispatch_outside_the_registry():
    from gynai.tasks import TASKS

    ids = set(TASKS) | {task.report.id for task in TASKS.values()}
    places = [f"{module}:{line}" for module, path in SOURCES.items()
              if not module.startswith(("gynai.tasks", *NOT_YET))
              for line in dispatch_sites(path.read_text(encoding="utf-8"), ids)]
    places += [f"{name}:{line}" for name, path in MODULE_FILES.items()
               for line in dispatch_sites(path.read_text(encoding="utf-8"), ids)]
    assert places == []
    sample = ('if spec.task == "placenta":\n    x = {"placenta": 1, "adnexal-mass": 2}\n'
              'y = labels == values.get("placenta", -1)\nz = {"myometrium": 1, "placenta": 2, "adnexal-mass": 3}\n')
    assert dispatch_sites(sample, ids) == [1, 2]                 # label ids that are also task ids are no dispatch


def test_files_are_small():
    long = [f"{module} ({count} lines)" for module, path in SOURCES.items()
            if (count := len(path.read_text(encoding="utf-8").splitlines())) > 400]
    assert long == []
    for name, path in MODULE_FILES.items():
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 200, name
