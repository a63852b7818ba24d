"""The GynAI module's dependency helpers (GynAILib.dependencies) with a fake Slicer: what is missing, which
installer is called (``slicer.packaging.pip_ensure`` when ``import slicer.packaging`` works, pip_install
before), torch only through PyTorchUtils' real API, and a forced reinstall that never replaces the packages
Slicer ships (numpy, scipy, SimpleITK, ...)."""

import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "GynAI"))
from GynAILib import dependencies  # noqa: E402


def module_with(tmp_path, lines):
    (tmp_path / "Resources").mkdir()
    (tmp_path / "Resources" / "requirements.txt").write_text("# test\n" + "\n".join(lines) + "\n")
    return str(tmp_path / "GynAI.py")


class FakeSlicer:
    """``slicer`` with ``util.pip_install`` recording its argument lists (and constraints file contents)."""

    def __init__(self):
        self.calls = []
        self.util = types.SimpleNamespace(pip_install=self._pip_install)

    def _pip_install(self, args):
        args = list(args)
        if "-c" in args:
            constraints = Path(args[args.index("-c") + 1]).read_text().split()
            self.calls.append(("pip_install -c", constraints, [a for a in args[args.index("-c") + 2:]]))
        else:
            self.calls.append(("pip_install", args))


@pytest.fixture()
def packaging_module(monkeypatch):
    """Makes ``import slicer.packaging`` succeed (Slicer >= 5.12) with a recording fake."""
    calls = []
    fake = types.ModuleType("slicer.packaging")
    fake.load_requirements = lambda path: calls.append(("load", Path(path).name)) or ["parsed"]
    fake.pip_ensure = lambda reqs, **kw: calls.append(("pip_ensure", reqs, kw.get("requester"),
                                                        kw.get("prompt_install"),
                                                        Path(kw["constraints"]).read_text().split()))
    monkeypatch.setitem(sys.modules, "slicer", types.ModuleType("slicer"))
    monkeypatch.setitem(sys.modules, "slicer.packaging", fake)
    return calls


@pytest.fixture()
def old_slicer(monkeypatch):
    """``import slicer.packaging`` raises ImportError, as on Slicer < 5.12."""
    monkeypatch.setitem(sys.modules, "slicer", types.ModuleType("slicer"))
    monkeypatch.setitem(sys.modules, "slicer.packaging", None)


@pytest.fixture()
def fake_pytorch(monkeypatch):
    """PyTorchUtilsLogic with the signatures of the PyTorch extension (SlicerPyTorch, 2023 and later)."""
    calls = []

    class Logic:
        def installTorch(self, askConfirmation=False, forceComputationBackend=None, torchVersionRequirement=None,
                         torchvisionVersionRequirement=None):
            calls.append(("installTorch", askConfirmation, torchVersionRequirement))

        def uninstallTorch(self, askConfirmation=False, forceComputationBackend=None):
            calls.append(("uninstallTorch",))

    monkeypatch.setitem(sys.modules, "PyTorchUtils", types.SimpleNamespace(PyTorchUtilsLogic=Logic))
    return calls


def test_shipped_requirements_are_satisfied_here():
    module = str(ROOT / "GynAI" / "GynAI.py")
    info = {status.name: status for status in dependencies.package_information(module)}
    assert {"torch", "monai", "SimpleITK", "highdicom", "reportlab", "requests"} <= set(info)
    assert dependencies.missing(module) == []
    assert info["torch"].installed_version and info["torch"].satisfied


def test_installer_is_detected_by_importing_slicer_packaging(packaging_module, monkeypatch):
    assert dependencies.slicer_packaging() is sys.modules["slicer.packaging"]
    monkeypatch.setitem(sys.modules, "slicer.packaging", None)
    assert dependencies.slicer_packaging() is None
    monkeypatch.setattr(sys.modules["slicer"], "packaging", object(), raising=False)   # an attribute is not enough
    monkeypatch.delitem(sys.modules, "slicer.packaging")
    monkeypatch.setattr(sys.modules["slicer"], "__path__", [], raising=False)          # a package without the module
    assert dependencies.slicer_packaging() is None


def test_missing_packages_go_to_pip_ensure(tmp_path, fake_pytorch, packaging_module):
    module = module_with(tmp_path, ["numpy>=1.0", "gynai-no-such-package>=1", "scipy>=999"])
    assert [s.name for s in dependencies.missing(module)] == ["gynai-no-such-package", "scipy"]
    slicer = FakeSlicer()
    outcome = dependencies.install(slicer, module)
    constraints = packaging_module[1][4]
    assert packaging_module == [("load", "requirements.txt"), ("pip_ensure", ["parsed"], "GynAI", False, constraints)]
    assert slicer.calls == [] and fake_pytorch == []                  # torch is already there
    import torch

    assert f"torch=={torch.__version__}" in constraints               # pip never swaps PyTorchUtils' torch build
    assert not any(c.lower().startswith("scipy==") for c in constraints)   # scipy>=999 must be upgraded
    assert [s.name for s in outcome.missing] == ["gynai-no-such-package", "scipy"]   # the fakes installed nothing


def test_old_slicer_falls_back_to_pip_install(tmp_path, fake_pytorch, old_slicer):
    module = module_with(tmp_path, ["numpy>=1.0", "gynai-no-such-package>=1"])
    slicer = FakeSlicer()
    dependencies.install(slicer, module)
    import numpy
    import torch

    kind, constraints, requirements = slicer.calls[0]
    assert len(slicer.calls) == 1 and kind == "pip_install -c" and requirements == ["gynai-no-such-package>=1"]
    assert f"numpy=={numpy.__version__}" in constraints and f"torch=={torch.__version__}" in constraints
    assert fake_pytorch == []


def test_force_reinstall_keeps_slicers_packages(tmp_path, fake_pytorch, packaging_module, monkeypatch):
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    module = module_with(tmp_path, ["numpy>=1.0", "SciPy>=1.0", "monai>=1.0", "gynai-no-such-package>=1"])
    slicer = FakeSlicer()
    outcome = dependencies.install(slicer, module, force_reinstall=True)
    assert fake_pytorch == [("uninstallTorch",), ("installTorch", False, ">=2.8")]
    own = ["monai>=1.0", "gynai-no-such-package>=1"]
    assert slicer.calls[0] == ("pip_install", ["--force-reinstall", "--no-deps"] + own)
    kind, constraints, requirements = slicer.calls[1]
    assert kind == "pip_install -c" and requirements == own      # missing dependencies, Slicer's packages pinned
    import numpy
    import scipy

    assert f"numpy=={numpy.__version__}" in constraints and f"SciPy=={scipy.__version__}" in constraints
    assert not any(name.split("==")[0].lower() == "monai" for name in constraints)
    from importlib import metadata

    assert f"torch=={metadata.version('torch')}" in constraints      # the build PyTorchUtils just installed
    assert outcome.reinstalled == own and outcome.kept == ["numpy>=1.0", "SciPy>=1.0"]
    assert outcome.torch_reinstalled is True
    flat = [arg for call in slicer.calls for arg in (call[1] if call[0] == "pip_install" else call[2])]
    assert not any(arg.lower().startswith(("numpy", "scipy")) for arg in flat)
    # what is still missing afterwards (the fakes install nothing) goes the ordinary way
    assert packaging_module[-1][:4] == ("pip_ensure", ["parsed"], "GynAI", False)


def test_force_reinstall_upgrades_a_shipped_package_older_than_the_floor(tmp_path, fake_pytorch, old_slicer,
                                                                        monkeypatch):
    """Slicer 5.10 ships pydicom 2.4.4 and GynAI needs >= 3.0.1: pinning the shipped version would make pip fail
    (highdicom needs pydicom >= 3.0.1), so it is upgraded, not kept; the other shipped packages stay pinned."""
    monkeypatch.setitem(sys.modules, "torch", types.ModuleType("torch"))          # loaded: not reinstalled
    real_version = dependencies.metadata.version
    monkeypatch.setattr(dependencies.metadata, "version",
                        lambda name: "2.4.4" if name.lower() == "pydicom" else real_version(name))
    module = module_with(tmp_path, ["numpy>=1.0", "pydicom>=3.0.1", "monai>=1.0"])
    slicer = FakeSlicer()
    outcome = dependencies.install(slicer, module, force_reinstall=True)
    assert outcome.kept == ["numpy>=1.0"] and outcome.reinstalled == ["monai>=1.0"]
    for kind, constraints, _ in slicer.calls[1:]:
        assert kind == "pip_install -c"
        assert not any(c.lower().startswith("pydicom") for c in constraints)
        assert any(c.lower().startswith("numpy==") for c in constraints)
    assert slicer.calls[-1][2] == ["pydicom>=3.0.1"]            # then installed (upgraded) the ordinary way


def test_force_reinstall_leaves_torch_alone_while_it_is_loaded(tmp_path, fake_pytorch, old_slicer, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", types.ModuleType("torch"))
    module = module_with(tmp_path, ["numpy>=1.0"])
    slicer = FakeSlicer()
    outcome = dependencies.install(slicer, module, force_reinstall=True)
    assert fake_pytorch == [] and outcome.torch_reinstalled is False
    assert slicer.calls == [] and outcome.kept == ["numpy>=1.0"] and outcome.reinstalled == []


def test_slicer_provided_names_are_compared_canonically():
    assert dependencies.is_slicer_provided("SimpleITK") and dependencies.is_slicer_provided("typing_extensions")
    assert not dependencies.is_slicer_provided("monai") and not dependencies.is_slicer_provided("torch")


def test_missing_pytorch_extension_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "PyTorchUtils", None)
    with pytest.raises(RuntimeError, match="install it from the Extensions Manager"):
        dependencies.pytorch_utils_logic()
