"""GynAI's sample phantoms in Slicer's Sample Data module (category "GynAI").

The files ship with the extension (``Resources/SampleData``, made by ``python -m gynai.phantom.samples``)
and are registered by file URL with their SHA-256, so Sample Data checks them like any download and
nothing is fetched from the network. Each sample loads a phantom volume (T2 MRI, or 3D transvaginal
ultrasound of an adnexal mass: set GynAISegment's *Input modality* to US for it) and its analytic
ground-truth segmentation. :func:`load_sample` loads the same files under the same node names without the Sample Data
module (the GynAI module's "Load sample phantom" button, scripts and headless tests).

``registerCustomSampleDataSource`` took ``loadFileType`` (a name or a list) until Slicer 5.6 and takes
``loadFileTypes`` since (``loadFileType`` is still accepted there, deprecated); :func:`register_sample_data`
passes whichever the installed Sample Data declares, and drops ``checksums`` (with a warning) where the
Sample Data module predates it.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
from pathlib import Path
from typing import Any, Optional

logger = logging.getLogger(__name__)

CATEGORY = "GynAI"
DEFAULT_SAMPLE = "GynAIPhantomPelvisT2"
"""The sample of the README tutorial and of the GynAI module's "Load sample phantom" button."""
SAMPLE_FILES = {
    "GynAIPhantomPelvisT2": {
        "title": "GynAI phantom: pelvic T2 with fibroids",
        "files": {"GynAIPhantomPelvisT2.nrrd": "6386c0135c44796491ba2d1c94b2e99d67ed6ab5ea2ce0971464a6c8181246bb",
                  "GynAIPhantomPelvisT2-truth.seg.nrrd":
                      "0b00b44d4beba35d58aa61c4f26aa15af694901065e128ba5efca49d6978e17a"}},
    "GynAIPhantomPlacentaT2": {
        "title": "GynAI phantom: placenta T2",
        "files": {"GynAIPhantomPlacentaT2.nrrd": "f9a688e20331f8ce0955a7a193242e32fca2a46c19cc4d978af20869409606be",
                  "GynAIPhantomPlacentaT2-truth.seg.nrrd":
                      "b6f9a2e576c78f0a8638d037409c5845339108a37fea8b9ed6c8f2717a586260"}},
    "GynAIPhantomAdnexalUS": {
        "title": "GynAI phantom: adnexal mass, 3D ultrasound",
        "files": {"GynAIPhantomAdnexalUS.nrrd": "b5ecc895e0484e9ae753c6a984d4480dceaa1ff1ae19b27b4c875a78b1317116",
                  "GynAIPhantomAdnexalUS-truth.seg.nrrd":
                      "b3b0d9f2df7b41dd36428b3837b290e77bb85a8d4bcafdbea1468b075416aaf4"}},
}
"""Sample name → title and files with their SHA-256 (hex)."""


def sample_data_folder(module_file: str) -> Optional[Path]:
    """``Resources/SampleData`` of the installed extension or of the source tree."""
    here = Path(module_file).resolve().parent
    for folder in (here / "Resources" / "SampleData", here.parent / "Resources" / "SampleData"):
        if folder.is_dir():
            return folder
    return None


def registration_arguments(folder: Path) -> list[dict[str, Any]]:
    """Keyword arguments of ``SampleDataLogic.registerCustomSampleDataSource`` for each sample."""
    entries = []
    for name, sample in SAMPLE_FILES.items():
        files = list(sample["files"])
        entries.append({
            "category": CATEGORY, "sampleName": sample["title"],
            "uris": [(folder / file).as_uri() for file in files], "fileNames": files,
            "nodeNames": [name, f"{name} ground truth"],
            "checksums": [f"SHA256:{digest}" for digest in sample["files"].values()],
            "loadFileTypes": ["VolumeFile", "SegmentationFile"],
            "thumbnailFileName": str(folder / f"{name}.png") if (folder / f"{name}.png").is_file() else None,
        })
    return entries


def _accepted_keywords(function: Any) -> Optional[set[str]]:
    """Keyword names ``function`` accepts (None: any, e.g. ``**kwargs``, or not inspectable)."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return None
    return {p.name for p in parameters}


def adapt_to_sample_data_api(entry: dict[str, Any], accepted: Optional[set[str]]) -> dict[str, Any]:
    """``entry`` for a ``registerCustomSampleDataSource`` that accepts the keywords ``accepted``.

    Older Sample Data takes ``loadFileType`` (which accepts a list too) instead of ``loadFileTypes``;
    one without ``checksums`` gets none (the files still ship with the extension).
    """
    if accepted is None:
        return dict(entry)
    adapted = dict(entry)
    if "loadFileTypes" not in accepted and "loadFileType" in accepted:
        adapted["loadFileType"] = adapted.pop("loadFileTypes")
    if "checksums" not in accepted:
        adapted.pop("checksums", None)
        logger.warning("this Sample Data module cannot check SHA-256; GynAI samples are registered without it")
    return {key: value for key, value in adapted.items() if key in accepted}


def register_sample_data(sample_data_logic: Any, module_file: str) -> int:
    """Register the samples with Sample Data; returns how many were registered (0 when files are missing)."""
    folder = sample_data_folder(module_file)
    if folder is None:
        logger.warning("GynAI sample data folder not found; the samples are not listed in Sample Data")
        return 0
    entries = registration_arguments(folder)
    accepted = _accepted_keywords(sample_data_logic.registerCustomSampleDataSource)
    for entry in entries:
        sample_data_logic.registerCustomSampleDataSource(**adapt_to_sample_data_api(entry, accepted))
    return len(entries)


def sample_files(name: str, module_file: str) -> list[Path]:
    """The shipped files of sample ``name`` (volume first), each checked against its registered SHA-256.

    Raises:
        KeyError: Unknown sample name.
        FileNotFoundError: The sample folder or a file is missing.
        ValueError: A file's SHA-256 differs from the registered one (changed or damaged).
    """
    sample = SAMPLE_FILES[name]
    folder = sample_data_folder(module_file)
    if folder is None:
        raise FileNotFoundError(f"GynAI sample data folder not found next to {module_file}")
    paths = []
    for file, digest in sample["files"].items():
        path = folder / file
        actual = hashlib.sha256(path.read_bytes()).hexdigest()
        if actual != digest:
            raise ValueError(f"{path} has SHA-256 {actual}, expected {digest}: the sample file was changed")
        paths.append(path)
    return paths


def load_sample(name: str, module_file: str, slicer_util: Any) -> tuple[Any, Any]:
    """Load sample ``name`` as Sample Data does: the volume node ``name`` and ``"<name> ground truth"``.

    Args:
        name: A key of :data:`SAMPLE_FILES`, e.g. :data:`DEFAULT_SAMPLE`.
        module_file: ``GynAI.py`` (the files are found next to it).
        slicer_util: ``slicer.util`` (its ``loadVolume`` and ``loadSegmentation`` are used).

    Returns:
        ``(volume_node, segmentation_node)``.
    """
    volume_path, truth_path = sample_files(name, module_file)
    volume = slicer_util.loadVolume(str(volume_path), {"name": name})
    segmentation = slicer_util.loadSegmentation(str(truth_path), {"name": f"{name} ground truth"})
    return volume, segmentation
