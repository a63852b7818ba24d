"""The minimum supported Slicer: what the code needs (read from Slicer's source), the refusal of older
versions at module load with one sentence, and the places that state it (README, extension description,
docs/slicer-compatibility.md)."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULES = ("GynAI", "GynAISegment", "GynAIReport")

SLICER_PYTHON = {(5, 6): (3, 9), (5, 8): (3, 9), (5, 10): (3, 12), (5, 12): (3, 12)}
"""Python of each Slicer release: ``Slicer_REQUIRED_PYTHON_VERSION`` in Slicer's CMakeLists.txt at tags v5.6.2
(3.9.10), v5.8.1 (3.9.10), v5.10.0 (3.12.10) and v5.12.3 (3.12.10)."""

SLICER_APIS = {
    # text in GynAI's code → (first Slicer release that has it, where that was read, fallback in GynAI or None)
    "SetTerminology(": ((5, 10), "vtkSegment::SetTerminology, Slicer commit 49a251067d, first tag v5.10.0", None),
    "startupEnvironment": ((5, 0), "slicer.util.startupEnvironment, present at v5.8.1 and v5.10.0", None),
    "pip_ensure": ((5, 12), "slicer.packaging.pip_ensure, Base/Python/slicer/packaging.py from v5.12.0",
                   "slicer.util.pip_install (GynAILib/dependencies.py)"),
}


def code_files() -> list[Path]:
    return [p for module in MODULES for p in (ROOT / module).rglob("*.py") if "gynai" not in p.parts]


def slicer_version_module():
    sys.path.insert(0, str(ROOT / "GynAI"))
    from GynAILib import slicer_version

    return slicer_version


def test_minimum_slicer_has_every_api_the_code_calls_without_fallback():
    minimum = slicer_version_module().MINIMUM_SLICER
    text = "\n".join(path.read_text(encoding="utf-8") for path in code_files())
    for api, (since, source, fallback) in SLICER_APIS.items():
        assert api in text, f"{api} is no longer called: update SLICER_APIS"
        if fallback is None:
            assert minimum >= since, (api, source)
    assert minimum == (5, 10)


def test_python_of_the_minimum_slicer_runs_the_core_library():
    versions = slicer_version_module()
    requires = re.search(r'^requires-python = ">=\s*(\d+)\.(\d+)"', (ROOT / "pyproject.toml").read_text(), re.M)
    floor = (int(requires.group(1)), int(requires.group(2)))
    assert versions.MINIMUM_PYTHON == floor == (3, 10)
    assert SLICER_PYTHON[versions.MINIMUM_SLICER] >= floor
    older = max(v for v in SLICER_PYTHON if v < versions.MINIMUM_SLICER)
    assert SLICER_PYTHON[older] < floor                 # Slicer 5.8 (Python 3.9) could not run it


def test_version_check_parses_on_the_python_of_old_slicer():
    """The refusal must be reachable on Slicer 5.8: the check and every line before it parse as Python 3.9."""
    ast.parse((ROOT / "GynAI" / "GynAILib" / "slicer_version.py").read_text(), feature_version=(3, 9))
    for name in MODULES:
        ast.parse((ROOT / name / f"{name}.py").read_text(), feature_version=(3, 9))


@pytest.mark.parametrize("name", MODULES)
def test_old_slicer_is_refused_at_module_load_with_one_sentence(slicer_gui_factory, monkeypatch, name):
    env = slicer_gui_factory(version=(5, 8))
    for later in ("GynAILib.batch_job", "GynAISegmentLib.segment_logic", "GynAIReportLib.report_logic"):
        monkeypatch.setitem(sys.modules, later, None)       # importing them now fails: the check must come first
    from GynAILib.slicer_version import UnsupportedSlicerError

    with pytest.raises(UnsupportedSlicerError) as raised:
        env.import_module_file(name)
    message = str(raised.value)
    assert "5.10 or newer" in message and "Slicer 5.8" in message
    assert message.endswith(".") and message.count(". ") == 0 and "\n" not in message


def test_supported_versions_load(slicer_gui_factory):
    for version in ((5, 10), (5, 12), (6, 0)):
        slicer_gui_factory(version=version).import_module_file("GynAIReport")


def test_old_python_is_refused():
    versions = slicer_version_module()
    assert versions.unsupported_reason((5, 10), (3, 12, 10)) is None
    assert "Python 3.10 or newer" in versions.unsupported_reason((5, 10), (3, 9, 10))
    app = type("App", (), {"majorVersion": 5, "minorVersion": 10})()
    with pytest.raises(versions.UnsupportedSlicerError):
        versions.require_supported_slicer(app, python_version=(3, 9, 10))


def test_supported_versions_are_stated():
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"Supported Slicer versions?:? .*5\.10", readme), "README must state the supported versions"
    description = re.search(r'set\(EXTENSION_DESCRIPTION "([^"]+)"\)', (ROOT / "CMakeLists.txt").read_text())
    assert "Slicer 5.10" in description.group(1)
    table = (ROOT / "docs" / "slicer-compatibility.md").read_text()
    for feature in ("Load", "Segment", "Report", "DICOM export", "PDF", "Batch", "Sample data"):
        assert re.search(rf"^\| {feature} \|", table, re.MULTILINE), feature
    for version in ("5.8", "5.10", "5.12"):
        assert f"| Slicer {version}" in table or f" {version} |" in table, version
