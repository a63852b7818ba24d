"""Python dependencies of GynAI inside Slicer: what is installed, what is missing, and installing them.

Nothing here runs at import time. Installation goes through ``slicer.packaging.pip_ensure`` with the
shipped ``requirements.txt`` on Slicer ≥ 5.12 and ``slicer.util.pip_install`` before; torch only through
the PyTorch extension's PyTorchUtils (it knows which CUDA/CPU build fits the machine).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Optional

logger = logging.getLogger(__name__)

TORCH_REQUIREMENT = "torch>=2.2"


@dataclass(frozen=True)
class PackageStatus:
    """One requirement and what is installed for it."""

    requirement: str
    name: str
    installed_version: Optional[str]
    satisfied: bool


def requirements_file(module_file: str) -> Path:
    """The shipped ``Resources/requirements.txt`` next to the GynAI module."""
    return Path(module_file).resolve().parent / "Resources" / "requirements.txt"


def read_requirements(path: Path) -> list[str]:
    """Requirement lines of a requirements file (comments and blank lines dropped)."""
    lines = [line.split("#", 1)[0].strip() for line in Path(path).read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line]


def package_status(requirement_text: str) -> PackageStatus:
    """Whether ``requirement_text`` (e.g. ``monai>=1.3``) is satisfied in this Python."""
    from packaging.requirements import Requirement

    requirement = Requirement(requirement_text)
    try:
        version = metadata.version(requirement.name)
    except metadata.PackageNotFoundError:
        return PackageStatus(requirement_text, requirement.name, None, False)
    return PackageStatus(requirement_text, requirement.name, version,
                         requirement.specifier.contains(version, prereleases=True))


def package_information(module_file: str) -> list[PackageStatus]:
    """Status of torch and of every shipped requirement (for the "package information" view)."""
    return [package_status(TORCH_REQUIREMENT)] + [package_status(r) for r in read_requirements(requirements_file(module_file))]


def missing(module_file: str) -> list[PackageStatus]:
    """Requirements that are absent or too old."""
    return [status for status in package_information(module_file) if not status.satisfied]


def pytorch_utils_logic() -> Any:
    """The PyTorch extension's logic (raises a clear error when the extension is missing)."""
    try:
        import PyTorchUtils
    except ImportError as error:
        raise RuntimeError("GynAI needs the PyTorch extension: install it from the Extensions Manager, "
                           "then restart Slicer") from error
    return PyTorchUtils.PyTorchUtilsLogic()


def install(slicer: Any, module_file: str, force_reinstall: bool = False) -> list[PackageStatus]:
    """Install what is missing (everything with ``force_reinstall``); returns what is still missing.

    The caller asks the user first (one confirmation for everything); this function never prompts.
    """
    statuses = package_information(module_file)
    torch = statuses[0]
    if force_reinstall or not torch.satisfied:
        torch_logic = pytorch_utils_logic()
        if force_reinstall and hasattr(torch_logic, "uninstallTorch"):
            torch_logic.uninstallTorch()
        torch_logic.installTorch(askConfirmation=False, torchVersionRequirement=TORCH_REQUIREMENT[len("torch"):])
    others = [s.requirement for s in statuses[1:] if force_reinstall or not s.satisfied]
    if others:
        packaging = getattr(slicer, "packaging", None)
        if force_reinstall or packaging is None or not hasattr(packaging, "pip_ensure"):
            slicer.util.pip_install((["--force-reinstall"] if force_reinstall else []) + others)
        else:
            requirements = packaging.load_requirements(str(requirements_file(module_file)))
            packaging.pip_ensure(requirements, prompt_install=False, requester="GynAI")
    logger.info("GynAI dependencies installed: torch %s, %s", "reinstalled" if force_reinstall else "checked", others)
    return missing(module_file)
