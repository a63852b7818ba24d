"""Python dependencies of GynAI inside Slicer: what is installed, what is missing, and installing them.

Nothing here runs at import time. Missing packages are installed with ``slicer.packaging.pip_ensure`` and
the shipped ``requirements.txt`` on Slicer ≥ 5.12 (found by importing ``slicer.packaging``) and with
``slicer.util.pip_install`` before; torch only through the PyTorch extension's ``PyTorchUtilsLogic``
(``installTorch``/``uninstallTorch``), which knows which CUDA/CPU build fits the machine.

Every pip run gets a constraints file (:func:`install_constraints`) that pins torch at the build PyTorchUtils
installed and the packages Slicer ships (numpy, scipy, SimpleITK, ...) at their installed versions, so pip
never swaps them; a shipped package older than GynAI's floor is the exception and is upgraded (Slicer 5.10
ships pydicom 2.4.4, GynAI needs pydicom >= 3.0.1). A forced reinstall rewrites only GynAI's own packages
(``--force-reinstall --no-deps``) and then lets pip add any missing dependency under the same constraints.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Iterator, Optional

logger = logging.getLogger(__name__)

TORCH_REQUIREMENT = "torch>=2.8"
"""What PyTorchUtils is asked for: monai 1.6 (the newest the torch cap of pyproject.toml allows) needs torch>=2.8."""
SLICER_PROVIDED_PACKAGES = frozenset({
    "numpy", "scipy", "simpleitk", "pydicom", "requests", "urllib3", "idna", "certifi", "charset-normalizer",
    "packaging", "pip", "setuptools", "wheel", "six", "python-dateutil", "pyparsing", "typing-extensions", "vtk",
})
"""Distributions that come with Slicer's Python (canonical names): a forced reinstall leaves them alone."""


@dataclass(frozen=True)
class PackageStatus:
    """One requirement and what is installed for it."""

    requirement: str
    name: str
    installed_version: Optional[str]
    satisfied: bool


@dataclass
class InstallOutcome:
    """What :func:`install` did.

    Attributes:
        missing: Requirements still absent or too old afterwards.
        reinstalled: GynAI's own requirements rewritten by a forced reinstall.
        kept: Requirements left as Slicer ships them (forced reinstall only; a shipped package older than
            GynAI's floor is upgraded instead).
        torch_reinstalled: For a forced reinstall, whether PyTorch was reinstalled; False when it was
            already loaded in this session (it cannot be replaced while in use: restart Slicer first).
    """

    missing: list[PackageStatus]
    reinstalled: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    torch_reinstalled: Optional[bool] = None


def canonical_name(name: str) -> str:
    """Distribution name normalised as pip compares it (``SimpleITK`` → ``simpleitk``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def is_slicer_provided(name: str) -> bool:
    """Whether the distribution ``name`` ships with Slicer (see :data:`SLICER_PROVIDED_PACKAGES`)."""
    return canonical_name(name) in SLICER_PROVIDED_PACKAGES


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


def slicer_packaging() -> Any:
    """Slicer's package installer module ``slicer.packaging`` (Slicer ≥ 5.12), or None on older Slicer."""
    try:
        import slicer.packaging as packaging
    except ImportError:
        return None
    return packaging


def pytorch_utils_logic() -> Any:
    """The PyTorch extension's logic (raises a clear error when the extension is missing)."""
    try:
        import PyTorchUtils
    except ImportError as error:
        raise RuntimeError("GynAI needs the PyTorch extension: install it from the Extensions Manager, "
                           "then restart Slicer") from error
    return PyTorchUtils.PyTorchUtilsLogic()


def torch_loaded() -> bool:
    """Whether torch is imported in this process (then its files are in use and must not be replaced)."""
    return "torch" in sys.modules


def install_torch(torch_logic: Any) -> None:
    """``PyTorchUtilsLogic.installTorch`` with GynAI's version requirement, without its own prompt."""
    torch_logic.installTorch(askConfirmation=False, torchVersionRequirement=TORCH_REQUIREMENT[len("torch"):])


def reinstall_torch(torch_logic: Any) -> bool:
    """Uninstall and install torch with PyTorchUtils; False (nothing done) when torch is already loaded."""
    if torch_loaded():
        logger.warning("GynAI: torch is loaded in this session and was not reinstalled; restart Slicer first")
        return False
    torch_logic.uninstallTorch()
    install_torch(torch_logic)
    return True


def slicer_pins(statuses: list[PackageStatus]) -> list[str]:
    """``name==version`` constraints for every installed distribution Slicer provides (requirements or not),
    except those older than a GynAI requirement (``statuses``): pip has to upgrade them."""
    too_old = {canonical_name(s.name) for s in statuses if s.installed_version and not s.satisfied}
    pins = {}
    for distribution in metadata.distributions():
        name = distribution.metadata["Name"]
        if name and is_slicer_provided(name):
            pins[canonical_name(name)] = f"{name}=={distribution.version}"
    for status in statuses:   # the requirement's own spelling wins
        if status.installed_version and is_slicer_provided(status.name):
            pins[canonical_name(status.name)] = f"{status.name}=={status.installed_version}"
    return [pins[key] for key in sorted(pins) if key not in too_old]


def install_constraints(statuses: list[PackageStatus]) -> list[str]:
    """Constraints of every pip run: :func:`slicer_pins` and the installed torch (PyTorchUtils chose its build)."""
    torch = package_status(TORCH_REQUIREMENT)
    return slicer_pins(statuses) + ([f"torch=={torch.installed_version}"] if torch.installed_version else [])


@contextlib.contextmanager
def _constraints_file(statuses: list[PackageStatus]) -> Iterator[str]:
    """A temporary pip constraints file holding :func:`install_constraints`."""
    with tempfile.TemporaryDirectory(prefix="gynai-pip-") as folder:
        path = Path(folder) / "gynai-constraints.txt"
        path.write_text("\n".join(install_constraints(statuses)) + "\n", encoding="utf-8")
        yield str(path)


def _install_missing(slicer: Any, module_file: str, statuses: list[PackageStatus]) -> None:
    others = [s.requirement for s in statuses if not s.satisfied]
    if not others:
        return
    packaging = slicer_packaging()
    with _constraints_file(statuses) as constraints:
        if packaging is None or not hasattr(packaging, "pip_ensure"):
            slicer.util.pip_install(["-c", constraints] + others)
        else:
            requirements = packaging.load_requirements(str(requirements_file(module_file)))
            packaging.pip_ensure(requirements, constraints=constraints, prompt_install=False, requester="GynAI")


def _force_reinstall(slicer: Any, statuses: list[PackageStatus], outcome: InstallOutcome) -> None:
    own = [s for s in statuses if not is_slicer_provided(s.name)]
    outcome.kept = [s.requirement for s in statuses if is_slicer_provided(s.name) and s.satisfied]
    outcome.reinstalled = [s.requirement for s in own]
    if not own:
        return
    slicer.util.pip_install(["--force-reinstall", "--no-deps"] + outcome.reinstalled)
    with _constraints_file(statuses) as constraints:   # dependencies of GynAI's packages
        slicer.util.pip_install(["-c", constraints] + outcome.reinstalled)


def install(slicer: Any, module_file: str, force_reinstall: bool = False) -> InstallOutcome:
    """Install what is missing; with ``force_reinstall`` also rewrite torch and GynAI's own packages.

    The caller asks the user first (one confirmation for everything); this function never prompts.

    Args:
        slicer: The ``slicer`` module (``slicer.util.pip_install`` is used).
        module_file: ``GynAI.py``; its ``Resources/requirements.txt`` lists the packages.
        force_reinstall: Reinstall torch (through PyTorchUtils, unless already loaded) and every requirement
            that Slicer does not ship itself; Slicer's own packages are kept as they are.
    """
    statuses = package_information(module_file)
    torch, others = statuses[0], statuses[1:]
    outcome = InstallOutcome(missing=[])
    if force_reinstall:
        outcome.torch_reinstalled = reinstall_torch(pytorch_utils_logic())
        if not torch.satisfied and not outcome.torch_reinstalled:
            logger.warning("GynAI: torch is loaded but does not satisfy %s", TORCH_REQUIREMENT)
        _force_reinstall(slicer, others, outcome)
        others = package_information(module_file)[1:]
    elif not torch.satisfied:
        install_torch(pytorch_utils_logic())
    _install_missing(slicer, module_file, others)
    outcome.missing = missing(module_file)
    logger.info("GynAI dependencies installed (force: %s); still missing: %s", force_reinstall,
                [s.requirement for s in outcome.missing])
    return outcome
