"""Writing a held-out case to disk: image, labelmap and ground truth (JSON)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from gynai.errors import OutputPathError
from gynai.heldout.api import HeldoutCase
from gynai.image import Image
from gynai.io.images import write_image

logger = logging.getLogger(__name__)


def case_stem(case: HeldoutCase) -> str:
    """Default file stem: ``heldout_<task>_<modality>_<seed>``."""
    return f"heldout_{case.task}_{case.truth['modality'].lower()}_{case.truth['seed']:05d}"


def write_case(case: HeldoutCase, directory: str | Path, stem: str | None = None,
               overwrite: bool = False, suffix: str = ".nrrd") -> dict[str, Path]:
    """Write ``<stem>_image``, ``<stem>_labels`` (``suffix`` format) and ``<stem>_truth.json``.

    Raises:
        OutputPathError: A file exists (and not ``overwrite``) or the folder cannot be written.
    """
    folder = Path(directory)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputPathError(f"cannot create {folder}: {error.strerror}; choose a writable folder") from None
    stem = stem or case_stem(case)
    truth_path = folder / f"{stem}_truth.json"
    if truth_path.exists() and not overwrite:
        raise OutputPathError(f"{truth_path} exists; pass overwrite to replace it")
    paths = {
        "image": write_image(case.image, folder / f"{stem}_image{suffix}", overwrite),
        "labels": write_image(Image(case.labels.array.astype(np.uint8), case.labels.geometry, {}),
                              folder / f"{stem}_labels{suffix}", overwrite),
    }
    truth = dict(case.truth)
    truth["labels"] = {info.id: info.value for info in case.labels.labels}
    truth_path.write_text(json.dumps(truth, indent=1), encoding="utf-8")
    paths["truth"] = truth_path
    logger.info("wrote held-out case %s to %s", stem, folder)
    return paths
