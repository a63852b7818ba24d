"""Dependency floors: ``GynAI/Resources/requirements.txt`` (what the GynAI module installs into Slicer) and
``pyproject.toml`` (the headless install) ask for at least the versions whose APIs the code calls, agree with
each other and with the torch version the module asks the PyTorch extension for, and do not understate what
the packages GynAI installs need themselves (checked against the installed packages where the call exists).
"""

from __future__ import annotations

import inspect
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

try:
    import tomllib
except ImportError:             # Python 3.10 (pyproject's test extra installs tomli there)
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "GynAI"))


def _cielab_from_rgb() -> bool:
    import highdicom

    return callable(getattr(highdicom.color.CIELabColor, "from_rgb", None))


def _save_as_enforce_file_format() -> bool:
    from pydicom.dataset import Dataset

    return "enforce_file_format" in inspect.signature(Dataset.save_as).parameters


def _register_plugin() -> bool:
    from distributed import Client

    return callable(getattr(Client, "register_plugin", None))


API_FLOORS = [
    # (distribution, floor, file calling it, text of the call, check on the installed package, where read)
    ("highdicom", "0.27", "GynAI/gynai/dicom/seg.py", "CIELabColor.from_rgb(", _cielab_from_rgb,
     "highdicom src/highdicom/color.py: from_rgb absent at v0.26.1, present from v0.27.0"),
    ("pydicom", "3.0", "GynAI/gynai/report/outputs.py", "enforce_file_format=True", _save_as_enforce_file_format,
     "pydicom Dataset.save_as: enforce_file_format absent at v2.4.4, present from v3.0.0"),
    ("distributed", "2024.1.0", "GynAI/gynai/batch/cluster.py", "client.register_plugin(", _register_plugin,
     "dask/distributed PR #8169 introduced Client.register_plugin (2023); every release from 2024.1.0 has it"),
]


def requirements_txt() -> dict[str, Requirement]:
    from GynAILib.dependencies import read_requirements

    lines = read_requirements(ROOT / "GynAI" / "Resources" / "requirements.txt")
    return {Requirement(line).name.lower(): Requirement(line) for line in lines}


def pyproject() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {Requirement(line).name.lower(): Requirement(line) for line in project["dependencies"]}


def floor(requirement: Requirement) -> Version:
    """The lowest version a requirement allows (its ``>=``/``==`` bound)."""
    bounds = [Version(s.version) for s in requirement.specifier if s.operator in (">=", "==", "~=")]
    assert bounds, f"{requirement} has no floor"
    return max(bounds)


@pytest.mark.parametrize("distribution, minimum, path, call, check, source", API_FLOORS,
                         ids=[entry[0] for entry in API_FLOORS])
def test_floors_cover_the_apis_the_code_calls(distribution, minimum, path, call, check, source):
    assert call in (ROOT / path).read_text(encoding="utf-8"), f"{call} no longer in {path}: update API_FLOORS"
    assert check(), f"installed {distribution} {metadata.version(distribution)} lacks {call} ({source})"
    assert Version(metadata.version(distribution)) >= Version(minimum)
    for where, requirements in (("requirements.txt", requirements_txt()), ("pyproject.toml", pyproject())):
        assert floor(requirements[distribution]) >= Version(minimum), (where, str(requirements[distribution]), source)


def test_requirements_and_pyproject_agree():
    from GynAILib.dependencies import TORCH_REQUIREMENT

    shipped, headless = requirements_txt(), pyproject()
    assert set(headless) == set(shipped) | {"torch"}          # torch comes from the PyTorch extension in Slicer
    for name, requirement in shipped.items():
        assert str(requirement.specifier) == str(headless[name].specifier), name
    torch = headless["torch"]
    assert floor(torch) == floor(Requirement(TORCH_REQUIREMENT))
    assert "<=2.13.0" in str(torch.specifier)                # the CPU wheel known to work; never raised blindly


def test_floors_do_not_understate_what_installed_packages_need():
    """For every package GynAI installs with pip, the floors of its dependencies that GynAI also lists (or that
    PyTorchUtils installs: torch) are at least what the installed version declares; e.g. monai 1.6 needs
    torch >= 2.8, so asking PyTorchUtils for less would let pip replace the torch build it chose."""
    from GynAILib.dependencies import TORCH_REQUIREMENT, is_slicer_provided

    ours = dict(requirements_txt(), torch=Requirement(TORCH_REQUIREMENT))
    checked, understated = [], []
    for name in ours:
        if name == "torch" or is_slicer_provided(name):
            continue
        for text in metadata.requires(name) or []:
            needed = Requirement(text)
            if needed.marker is not None or needed.name.lower() not in ours or not list(needed.specifier):
                continue
            bounds = [Version(s.version) for s in needed.specifier if s.operator in (">=", "~=", "==")]
            if bounds:
                checked.append((name, needed.name.lower()))
                if floor(ours[needed.name.lower()]) < max(bounds):
                    understated.append(f"{name} {metadata.version(name)} needs {text}, GynAI asks for "
                                       f"{ours[needed.name.lower()]}")
    assert understated == []
    assert ("monai", "torch") in checked and ("highdicom", "pydicom") in checked


def test_python_floors_match():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    from GynAILib.slicer_version import MINIMUM_PYTHON

    assert project["requires-python"] == ">={}.{}".format(*MINIMUM_PYTHON)
