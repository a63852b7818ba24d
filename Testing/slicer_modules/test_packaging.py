"""Static checks of the Slicer extension layout: CMake lists, icons, module classes, .ui names, layering."""

import ast
import re
import struct
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESOURCE_SUFFIXES = (".ui", ".png", ".json")


def module_folders(root: Path = ROOT) -> list[Path]:
    """Top-level folders that hold a scripted module ``<Name>/<Name>.py``."""
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / f"{p.name}.py").is_file())


def unlisted_files(module: Path) -> list[str]:
    """Files of a module folder (.py and resources) that its CMakeLists.txt does not name."""
    listed = set(re.findall(r"[\w./-]+", (module / "CMakeLists.txt").read_text()))
    listed |= {entry.replace("${MODULE_NAME}", module.name) for entry in re.findall(r"\$\{MODULE_NAME\}[\w.]+",
                                                                                  (module / "CMakeLists.txt").read_text())}
    missing = []
    for path in sorted(module.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or any(p.endswith(".egg-info") for p in path.parts):
            continue
        if path.suffix == ".py" or path.suffix in RESOURCE_SUFFIXES:
            relative = path.relative_to(module).as_posix()
            if relative not in listed:
                missing.append(relative)
    return missing


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


MODULES = module_folders()


def test_all_three_modules_exist():
    assert [m.name for m in MODULES] == ["GynAI", "GynAIReport", "GynAISegment"]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_every_file_is_listed_in_cmake(module):
    text = (module / "CMakeLists.txt").read_text()
    assert "slicerMacroBuildScriptedModule(" in text and f"set(MODULE_NAME {module.name})" in text
    assert unlisted_files(module) == []


def test_checker_detects_an_unlisted_file(tmp_path):
    module = tmp_path / "Demo"
    (module / "DemoLib").mkdir(parents=True)
    (module / "Demo.py").write_text("")
    (module / "DemoLib" / "helper.py").write_text("")
    (module / "CMakeLists.txt").write_text("set(MODULE_NAME Demo)\nset(MODULE_PYTHON_SCRIPTS ${MODULE_NAME}.py)\n")
    assert unlisted_files(module) == ["DemoLib/helper.py"]


def test_top_level_cmake_metadata_and_subdirectories():
    text = (ROOT / "CMakeLists.txt").read_text()
    assert re.search(r"^project\(GynAI\)", text, re.MULTILINE)
    for key in ("HOMEPAGE", "CATEGORY", "CONTRIBUTORS", "DESCRIPTION", "ICONURL", "SCREENSHOTURLS"):
        match = re.search(rf'set\(EXTENSION_{key} "([^"]+)"\)', text)
        assert match and match.group(1).strip(), key
    assert re.search(r'set\(EXTENSION_DEPENDS "[^"]*PyTorch[^"]*"\)', text)
    for module in MODULES:
        assert f"add_subdirectory({module.name})" in text


def test_icons_are_128_png():
    assert png_size(ROOT / "Resources" / "Icons" / "GynAI.png") == (128, 128)
    for module in MODULES:
        assert png_size(module / "Resources" / "Icons" / f"{module.name}.png") == (128, 128)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_module_classes_and_ui_names(module):
    source = (module / f"{module.name}.py").read_text()
    tree = ast.parse(source)
    classes = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    for suffix in ("", "Widget", "Logic", "Test"):
        assert module.name + suffix in classes
    used = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute) and node.value.attr == "ui"
            and isinstance(node.value.value, ast.Name) and node.value.value.id == "self"}
    ui = ElementTree.parse(module / "Resources" / "UI" / f"{module.name}.ui")
    names = {widget.get("name") for widget in ui.iter("widget")}
    assert used and used <= names, used - names


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_layering_of_imports():
    for path in (ROOT / "GynAI" / "gynai").rglob("*.py"):
        assert not imported_roots(path) & {"qt", "ctk", "slicer", "vtk"}, path
    for lib in ROOT.glob("*/*Lib"):
        for path in lib.rglob("*.py"):
            assert not imported_roots(path) & {"qt", "ctk"}, path


def test_license_is_apache():
    assert "Apache License" in (ROOT / "LICENSE").read_text()


def test_description_names_all_three_tasks():
    """The extension description (CMake; the catalog entry of schema v1.0.1 has no description field) names
    every shipped task and stays one short paragraph."""
    from gynai.tasks import TASKS

    text = re.search(r'set\(EXTENSION_DESCRIPTION "([^"]+)"\)', (ROOT / "CMakeLists.txt").read_text()).group(1)
    for task in TASKS:                      # uterus-fibroid, placenta, adnexal-mass
        for word in task.split("-"):
            assert word in text.lower(), (task, word)
    assert len(TASKS) == 3 and "Research use only" in text and len(text) < 400


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_self_test_is_registered_in_cmake_and_runnable(module):
    """As Slicer's scripted module template: ``slicer_add_python_unittest(SCRIPT ${MODULE_NAME}.py)`` under
    ``if(BUILD_TESTING)``; the ``<Name>Test`` class is a ScriptedLoadableModuleTest whose ``runTest`` (Reload
    and Test, ``slicer.selfTests``) runs every ``test_`` method that ctest's unittest loader runs.
    test_cmake_build_tree.py checks the same with CMake itself."""
    text = re.sub(r"#[^\n]*", "", (module / "CMakeLists.txt").read_text())
    assert re.search(r"if\(BUILD_TESTING\)\s*slicer_add_python_unittest\(SCRIPT \$\{MODULE_NAME\}\.py\)\s*endif\(\)",
                     text), module.name
    tree = ast.parse((module / f"{module.name}.py").read_text())
    test_class = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == f"{module.name}Test")
    assert [ast.unparse(b) for b in test_class.bases] == ["ScriptedLoadableModuleTest"]
    methods = {n.name: n for n in test_class.body if isinstance(n, ast.FunctionDef)}
    tests = {name for name in methods if name.startswith("test_")}
    called = {node.func.attr for node in ast.walk(methods["runTest"]) if isinstance(node, ast.Call)
              and isinstance(node.func, ast.Attribute) and ast.unparse(node.func.value) == "self"}
    assert tests and tests <= called, tests - called
