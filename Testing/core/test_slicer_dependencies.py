"""The GynAI module's dependency helpers (GynAILib.dependencies) with a fake Slicer: what is missing, and
which installer is called (pip_ensure on Slicer >= 5.12, pip_install before, torch via PyTorchUtils)."""

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
    def __init__(self, with_packaging: bool):
        self.calls = []
        self.util = types.SimpleNamespace(pip_install=lambda args: self.calls.append(("pip_install", args)))
        if with_packaging:
            self.packaging = types.SimpleNamespace(
                load_requirements=lambda path: self.calls.append(("load", Path(path).name)) or ["parsed"],
                pip_ensure=lambda reqs, **kw: self.calls.append(("pip_ensure", reqs, kw.get("requester"))))


@pytest.fixture()
def fake_pytorch(monkeypatch):
    calls = []

    class Logic:
        def installTorch(self, askConfirmation=False, torchVersionRequirement=None):
            calls.append(("installTorch", askConfirmation, torchVersionRequirement))

        def uninstallTorch(self):
            calls.append(("uninstallTorch",))

    monkeypatch.setitem(sys.modules, "PyTorchUtils", types.SimpleNamespace(PyTorchUtilsLogic=Logic))
    return calls


def test_shipped_requirements_are_satisfied_here():
    module = str(ROOT / "GynAI" / "GynAI.py")
    info = {status.name: status for status in dependencies.package_information(module)}
    assert {"torch", "monai", "SimpleITK", "highdicom", "reportlab", "requests"} <= set(info)
    assert dependencies.missing(module) == []
    assert info["torch"].installed_version and info["torch"].satisfied


def test_missing_packages_go_to_pip_ensure(tmp_path, fake_pytorch):
    module = module_with(tmp_path, ["numpy>=1.0", "gynai-no-such-package>=1", "scipy>=999"])
    assert [s.name for s in dependencies.missing(module)] == ["gynai-no-such-package", "scipy"]
    slicer = FakeSlicer(with_packaging=True)
    dependencies.install(slicer, module)
    assert slicer.calls == [("load", "requirements.txt"), ("pip_ensure", ["parsed"], "GynAI")]
    assert fake_pytorch == []                                      # torch is already there


def test_old_slicer_falls_back_to_pip_install_and_force_reinstalls(tmp_path, fake_pytorch):
    module = module_with(tmp_path, ["numpy>=1.0", "gynai-no-such-package>=1"])
    slicer = FakeSlicer(with_packaging=False)
    dependencies.install(slicer, module)
    assert slicer.calls == [("pip_install", ["gynai-no-such-package>=1"])]
    forced = FakeSlicer(with_packaging=True)
    dependencies.install(forced, module, force_reinstall=True)
    assert forced.calls == [("pip_install", ["--force-reinstall", "numpy>=1.0", "gynai-no-such-package>=1"])]
    assert fake_pytorch == [("uninstallTorch",), ("installTorch", False, ">=2.2")]


def test_missing_pytorch_extension_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "PyTorchUtils", None)
    with pytest.raises(RuntimeError, match="install it from the Extensions Manager"):
        dependencies.pytorch_utils_logic()
