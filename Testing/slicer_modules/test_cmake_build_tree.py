"""The extension's CMake, configured and built for real against a stand-in of Slicer's CMake package:
each module registers its self-test (``slicer_add_python_unittest``, as Slicer's scripted module template
does), and the build tree holds the models, terminology and sample data where the code looks for them.

The stand-in ``SlicerConfig.cmake`` gives what GynAI's CMakeLists use: ``Slicer_USE_FILE`` defining
``slicerMacroBuildScriptedModule`` (copies SCRIPTS and RESOURCES to
``<build>/${Slicer_QTSCRIPTEDMODULES_LIB_DIR}/<path as listed>``, as CTK's ``ctkMacroCompilePythonScript``
does) and ``slicer_add_python_unittest`` (adds the ctest ``py_<script name>``, as Slicer's
``CMake/SlicerMacroPythonTesting.cmake`` at v5.10.0 names it), the scripted-module folder variables, and
empty extension config/CPack files. ``cmake`` is a test tool, installed by ``.ci/run``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTED = "lib/Slicer-5.10/qt-scripted-modules"

SLICER_CONFIG = """
set(Slicer_USE_FILE ${CMAKE_CURRENT_LIST_DIR}/UseSlicer.cmake)
set(Slicer_EXTENSION_GENERATE_CONFIG ${CMAKE_CURRENT_LIST_DIR}/Nothing.cmake)
set(Slicer_EXTENSION_CPACK ${CMAKE_CURRENT_LIST_DIR}/Nothing.cmake)
"""
USE_SLICER = f"""
set(Slicer_QTSCRIPTEDMODULES_LIB_DIR {SCRIPTED})
set(Slicer_INSTALL_QTSCRIPTEDMODULES_LIB_DIR {SCRIPTED})
include(CTest)
macro(slicerMacroBuildScriptedModule)
  cmake_parse_arguments(MY "WITH_GENERIC_TESTS;WITH_SUBDIR;VERBOSE" "NAME" "SCRIPTS;RESOURCES" ${{ARGN}})
  foreach(_file IN LISTS MY_SCRIPTS MY_RESOURCES)
    configure_file(${{CMAKE_CURRENT_SOURCE_DIR}}/${{_file}}
      ${{CMAKE_BINARY_DIR}}/${{Slicer_QTSCRIPTEDMODULES_LIB_DIR}}/${{_file}} COPYONLY)
  endforeach()
endmacro()
macro(slicer_add_python_unittest)
  cmake_parse_arguments(MY "" "SCRIPT;TESTNAME_PREFIX" "SLICER_ARGS" ${{ARGN}})
  get_filename_component(_test_name ${{MY_SCRIPT}} NAME_WE)
  add_test(NAME py_${{MY_TESTNAME_PREFIX}}${{_test_name}}
    COMMAND ${{CMAKE_COMMAND}} -E echo ${{CMAKE_CURRENT_SOURCE_DIR}}/${{MY_SCRIPT}})
endmacro()
"""


def run(command: list[str], cwd: Path, **kwargs) -> str:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def build_tree(tmp_path_factory) -> Path:
    """The extension configured and built (only the copies) with the stand-in Slicer."""
    cmake = shutil.which("cmake")
    if cmake is None:
        pytest.fail("cmake is needed (Debian package cmake); .ci/run installs it")
    stub = tmp_path_factory.mktemp("slicer-stub")
    (stub / "SlicerConfig.cmake").write_text(SLICER_CONFIG)
    (stub / "UseSlicer.cmake").write_text(USE_SLICER)
    (stub / "Nothing.cmake").write_text("")
    build = tmp_path_factory.mktemp("build")
    run([cmake, "-S", str(ROOT), "-B", str(build), f"-DSlicer_DIR={stub}", "-DBUILD_TESTING=ON"], build)
    run([cmake, "--build", str(build)], build)
    return build


def test_each_module_registers_its_self_test(build_tree):
    listing = run(["ctest", "-N"], build_tree)
    tests = set(re.findall(r"Test\s+#\d+: (\S+)", listing))
    assert tests == {"py_GynAI", "py_GynAISegment", "py_GynAIReport"}


def test_build_tree_holds_models_terminology_and_samples(build_tree):
    for folder in ("Models", "Terminology", "SampleData"):
        source = {p.relative_to(ROOT / "Resources").as_posix() for p in (ROOT / "Resources" / folder).rglob("*")
                  if p.is_file()}
        built = build_tree / SCRIPTED / "Resources"
        copied = {p.relative_to(built).as_posix() for p in (built / folder).rglob("*") if p.is_file()}
        assert source and copied == source, folder
        for name in source:
            assert (built / name).read_bytes() == (ROOT / "Resources" / name).read_bytes(), name


def test_code_in_the_build_tree_finds_its_resources_there(build_tree):
    """Run from the build tree only (its folder first on PYTHONPATH, another working folder): the core
    library's resources, the Sample Data folder and the terminology resolve inside the build tree, and the
    shipped models pass their SHA-256 check there."""
    scripted = build_tree / SCRIPTED
    code = (
        "import gynai, sys; from pathlib import Path\n"
        "from gynai.resources import resource_path\n"
        "from GynAILib.sample_data import sample_data_folder\n"
        "from GynAILib.home_logic import terminology_file\n"
        "module = Path(sys.argv[1]) / 'GynAI.py'\n"
        "for path in (gynai.__file__, resource_path('Models', 'catalog.json'), "
        "resource_path('Terminology', 'GynAI.term.json'), sample_data_folder(str(module)), "
        "terminology_file(str(module))):\n"
        "    print(Path(path).resolve())\n")
    env = dict(os.environ, PYTHONPATH=str(scripted))
    paths = run([sys.executable, "-c", code, str(scripted)], build_tree, env=env).split()
    assert len(paths) == 5 and all(Path(p).is_relative_to(scripted.resolve()) for p in paths), paths
    verified = run([sys.executable, "-m", "gynai.cli.main", "models", "verify"], build_tree, env=env)
    assert verified.count(" OK") == 4 and "shipped" in verified
