"""Qt-free logic of the GynAI home module: dependencies, models, batch, sample phantoms, terminology.

:class:`HomeLogic` is the console API of ``slicer.util.getModuleLogic("GynAI")`` (Slicer's camelCase
names); ``GynAI.py``'s ``GynAILogic`` only adds the parameter node and the two user interactions, which
are injectable here so that headless tests can run every path:

- :meth:`HomeLogic.isTesting` — Slicer's testing mode (nothing is installed and nothing is asked then);
- :meth:`HomeLogic.confirmInstall` — the one confirmation before anything is installed
  (:class:`ConfirmInstall`); this Qt-free default never installs.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Optional, Protocol, Sequence

from GynAILib import dependencies
from GynAILib.dependencies import InstallOutcome, PackageStatus

logger = logging.getLogger(__name__)

MODULE_FILE = str(Path(__file__).resolve().parents[1] / "GynAI.py")
"""``GynAI.py`` (installed extension and source tree): its ``Resources`` hold requirements and samples."""


class ConfirmInstall(Protocol):
    """Asks the user once whether to install; True to go ahead."""

    def __call__(self, packages: Sequence[str], reinstall: bool) -> bool:
        """``packages``: names of the missing packages; ``reinstall``: a forced reinstall of everything."""


def missing_package_names(module_file: str) -> list[str]:
    """Names of the required packages that are absent or too old."""
    return [status.name for status in dependencies.missing(module_file)]


def reinstall_dependencies(module_file: str, slicer_module: Any, testing: bool,
                           confirm: Optional[ConfirmInstall] = None) -> Optional[InstallOutcome]:
    """Reinstall PyTorch (through PyTorchUtils unless loaded) and GynAI's own packages; Slicer's are kept.

    Args:
        module_file: ``GynAI.py`` (its ``Resources/requirements.txt`` lists the packages).
        slicer_module: The ``slicer`` module handed to :func:`GynAILib.dependencies.install`.
        testing: Slicer's testing mode: nothing is installed or asked, the outcome lists what is missing.
        confirm: Asked once before reinstalling (None: do not ask).

    Returns:
        The :class:`~GynAILib.dependencies.InstallOutcome`, or None when the user declined.
    """
    if testing:
        logger.warning("GynAI: reinstall skipped in testing mode")
        return InstallOutcome(missing=dependencies.missing(module_file))
    if confirm is not None and not confirm(missing_package_names(module_file), True):
        return None
    return dependencies.install(slicer_module, module_file, force_reinstall=True)


def ensure_dependencies(module_file: str, slicer_module: Any, testing: bool,
                        confirm: Optional[ConfirmInstall] = None, force_reinstall: bool = False) -> bool:
    """Install the missing packages (or reinstall all with ``force_reinstall``) after one confirmation.

    Nothing is installed and nothing is asked when everything is present (without ``force_reinstall``)
    or in testing mode. Returns True when every package is ready.
    """
    missing = missing_package_names(module_file)
    if not missing and not force_reinstall:
        return True
    if testing:
        logger.warning("GynAI: packages missing or reinstall asked in testing mode (nothing installed): %s",
                       missing)
        return False
    if confirm is not None and not confirm(missing, force_reinstall):
        return False
    if force_reinstall:
        outcome = reinstall_dependencies(module_file, slicer_module, testing=False)
        return outcome is not None and not outcome.missing
    still = dependencies.install(slicer_module, module_file).missing
    if still:
        logger.warning("GynAI: still missing after installation: %s", [s.requirement for s in still])
    return not still


def terminology_file(module_file: str) -> Optional[Path]:
    """``Resources/Terminology/GynAI.term.json`` of the installed extension or of the source tree."""
    here = Path(module_file).resolve().parent
    for folder in (here, here.parent):
        path = folder / "Resources" / "Terminology" / "GynAI.term.json"
        if path.is_file():
            return path
    return None


def load_terminology(module_file: str, terminologies_logic: Any) -> Optional[Path]:
    """Load GynAI's terminology context into the Terminologies module logic (when there is one).

    Returns the file loaded, or None when it is missing (segments keep their codes, the list is not shown).
    """
    path = terminology_file(module_file)
    if path is None:
        logger.warning("GynAI terminology file not found; segments keep their codes but the list is not loaded")
        return None
    if terminologies_logic is not None:
        terminologies_logic.LoadTerminologyFromFile(str(path))
    return path


def gynai_version() -> str:
    """``"GynAI <version>"``, or "" when the core package cannot be imported (dependencies missing)."""
    try:
        import gynai
    except ImportError:
        return ""
    return f"GynAI {gynai.__version__}"


class HomeLogic:
    """Console API of the GynAI module, e.g. ``getModuleLogic("GynAI").startBatch(src, out, task).wait()``."""

    moduleFile = MODULE_FILE

    def isTesting(self) -> bool:
        """Slicer's testing mode (``slicer.app.testingEnabled()``)."""
        import slicer

        return bool(slicer.app.testingEnabled())

    def confirmInstall(self, packages: Sequence[str], reinstall: bool) -> bool:
        """The user's answer to installing ``packages`` (see :class:`ConfirmInstall`); no dialog here: False."""
        logger.warning("GynAI: no confirmation dialog available; nothing installed (%s)", list(packages))
        return False

    @staticmethod
    def version() -> str:
        """``"GynAI <version>"``, or "" when the dependencies are not installed."""
        return gynai_version()

    def packageInformation(self) -> list[PackageStatus]:
        """Every required package with the installed version."""
        return dependencies.package_information(self.moduleFile)

    def missingPackages(self) -> list[str]:
        """Names of the packages that are absent or too old."""
        return missing_package_names(self.moduleFile)

    def ensureDependencies(self, askConfirmation: bool = True, forceReinstall: bool = False) -> bool:
        """Install missing packages (all with ``forceReinstall``) after one confirmation; True when ready."""
        import slicer

        return ensure_dependencies(self.moduleFile, slicer, self.isTesting(),
                                   self.confirmInstall if askConfirmation else None, forceReinstall)

    def reinstallDependencies(self, askConfirmation: bool = False) -> Optional[InstallOutcome]:
        """Reinstall PyTorch and GynAI's own packages (Slicer's are kept); None when the user declined."""
        import slicer

        return reinstall_dependencies(self.moduleFile, slicer, self.isTesting(),
                                      self.confirmInstall if askConfirmation else None)

    @staticmethod
    def addModel(source: str, name: Optional[str] = None, sha256: Optional[str] = None) -> Any:
        """Install a model bundle from a folder, a .zip or a URL (with its SHA-256)."""
        from GynAILib.model_manager import add_model

        return add_model(source, name, sha256)

    @staticmethod
    def removeModel(name: str) -> None:
        """Remove a user-installed model bundle."""
        from GynAILib.model_manager import remove_model

        remove_model(name)

    @staticmethod
    def startBatch(inputPath: Any, outputFolder: Any, task: str, workers: int = 1,
                   reportFormats: Sequence[str] = ("json", "html"), modality: Optional[str] = None,
                   scheduler: Optional[str] = None) -> Any:
        """Start ``gynai batch`` in a background process; returns a ``BatchJob`` (poll/cancel/wait).
        ``modality`` (``MR``/``US``) is that of inputs whose files do not record one; ``scheduler`` runs the
        cases on a Dask cluster (``tcp://HOST:8786``, or ``local`` for ``workers`` local processes)."""
        from GynAILib.batch_job import BatchJob

        return BatchJob(inputPath, outputFolder, task, workers, reportFormats, modality=modality, scheduler=scheduler)

    def loadSamplePhantom(self, sampleName: Optional[str] = None) -> tuple[Any, Any]:
        """Load a shipped sample phantom as Sample Data does (same files, SHA-256 checked, same node names).

        By default "GynAI phantom: pelvic T2 with fibroids": ``GynAIPhantomPelvisT2`` and
        ``GynAIPhantomPelvisT2 ground truth``. Returns ``(volumeNode, segmentationNode)``.
        """
        import slicer

        from GynAILib.sample_data import DEFAULT_SAMPLE, load_sample

        return load_sample(sampleName or DEFAULT_SAMPLE, self.moduleFile, slicer.util)
