"""GynAI's sample phantoms in Slicer's Sample Data module (category "GynAI").

The files ship with the extension (``Resources/SampleData``, made by ``python -m gynai.phantom.samples``)
and are registered by file URL with their SHA-256, so Sample Data checks them like any download and
nothing is fetched from the network. Each sample loads a T2 phantom volume and its analytic ground-truth
segmentation.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Optional

logger = logging.getLogger(__name__)

CATEGORY = "GynAI"
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


def register_sample_data(sample_data_logic: Any, module_file: str) -> int:
    """Register the samples with Sample Data; returns how many were registered (0 when files are missing)."""
    folder = sample_data_folder(module_file)
    if folder is None:
        logger.warning("GynAI sample data folder not found; the samples are not listed in Sample Data")
        return 0
    entries = registration_arguments(folder)
    for entry in entries:
        sample_data_logic.registerCustomSampleDataSource(**entry)
    return len(entries)
