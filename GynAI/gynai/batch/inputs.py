"""The cases of a batch: a folder of volumes and DICOM series folders, or a CSV list.

A folder is scanned one level deep: every file with a volume suffix is a case, every sub-folder that holds
DICOM files is a case (one series per folder), anything else is skipped and reported. A CSV names one case
per row: column ``image`` (a path, relative to the CSV's folder when not absolute), optional ``case_id``.
Case ids are file names without their suffix; a repeated id gets the first free ``-2``, ``-3``… (never
another case's id) and a warning, so no two cases write into the same output folder.
"""

from __future__ import annotations

import csv
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from gynai.errors import InputFileError

logger = logging.getLogger(__name__)

VOLUME_SUFFIXES = (".nii.gz", ".nrrd", ".nhdr", ".nii", ".mha", ".mhd")
_DICOM_MAGIC_OFFSET = 128


@dataclass(frozen=True)
class BatchCase:
    """One case: its id (the output folder name) and the image path (file or DICOM folder)."""

    case_id: str
    image: Path


@dataclass
class BatchInputs:
    """The cases found, the entries skipped (path and reason) and warnings (e.g. renamed duplicates)."""

    cases: list[BatchCase]
    skipped: list[tuple[str, str]]
    warnings: list[str]


def _volume_stem(path: Path) -> str | None:
    name = path.name
    for suffix in VOLUME_SUFFIXES:
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return None


def _is_dicom_file(path: Path) -> bool:
    try:
        with path.open("rb") as stream:
            stream.seek(_DICOM_MAGIC_OFFSET)
            return stream.read(4) == b"DICM"
    except OSError:
        return False


def _holds_dicom(folder: Path) -> bool:
    return any(p.is_file() and (p.suffix.lower() == ".dcm" or _is_dicom_file(p)) for p in folder.iterdir())


def _safe_id(text: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")
    return cleaned or "case"


def _unique(cases: list[tuple[str, Path]], warnings: list[str]) -> list[BatchCase]:
    """Unique case ids (compared without case, for case-insensitive file systems).

    Every name keeps its own id when it can: all names are reserved first, so a repeated ``case`` becomes
    the first free ``case-2``, ``case-3``… that is neither another input's name nor an id given before.
    """
    names = [_safe_id(case_id) for case_id, _ in cases]
    taken = {name.lower() for name in names}
    given: set[str] = set()
    out = []
    for base, (_, image) in zip(names, cases):
        unique, number = base, 1
        while unique.lower() in given or (number > 1 and unique.lower() in taken):
            number += 1
            unique = f"{base}-{number}"
        if unique != base:
            warnings.append(f"duplicate case name {base!r}: {image.name} is processed as {unique!r}")
        given.add(unique.lower())
        out.append(BatchCase(unique, image.absolute()))
    return out


def _from_folder(folder: Path) -> BatchInputs:
    found: list[tuple[str, Path]] = []
    skipped: list[tuple[str, str]] = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            if _holds_dicom(entry):
                found.append((entry.name, entry))
            else:
                skipped.append((entry.name, "folder without DICOM files"))
        elif _volume_stem(entry) is not None:
            found.append((_volume_stem(entry), entry))
        elif _is_dicom_file(entry):
            skipped.append((entry.name, "single DICOM file: put each series in its own folder"))
        else:
            skipped.append((entry.name, "not an image file (use NRRD, NIfTI, MHA or DICOM series folders)"))
    warnings: list[str] = []
    return BatchInputs(_unique(found, warnings), skipped, warnings)


def _from_csv(path: Path) -> BatchInputs:
    try:
        with path.open(newline="", encoding="utf-8-sig") as stream:
            rows = list(csv.DictReader(stream))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise InputFileError(f"cannot read the case list {path}: {error}") from error
    if not rows or "image" not in rows[0]:
        raise InputFileError(f"case list {path} needs a header row with an 'image' column (and optional 'case_id')")
    found, skipped = [], []
    for number, row in enumerate(rows, start=2):
        text = (row.get("image") or "").strip()
        if not text:
            skipped.append((f"{path.name} line {number}", "empty image path"))
            continue
        image = Path(text) if Path(text).is_absolute() else path.parent / text
        case_id = (row.get("case_id") or "").strip() or _volume_stem(image) or image.name
        found.append((case_id, image))
    warnings: list[str] = []
    return BatchInputs(_unique(found, warnings), skipped, warnings)


def discover_cases(source: Path) -> BatchInputs:
    """The cases of a batch input (folder or ``.csv``).

    Raises:
        InputFileError: The input does not exist, is not a folder or CSV, or holds no case.
    """
    source = Path(source)
    if source.is_dir():
        inputs = _from_folder(source)
    elif source.is_file() and source.suffix.lower() == ".csv":
        inputs = _from_csv(source)
    else:
        raise InputFileError(f"batch input {source} is neither a folder nor a .csv case list")
    if not inputs.cases:
        raise InputFileError(f"no image found in {source} ({len(inputs.skipped)} entries skipped); "
                             "give a folder of NRRD/NIfTI/MHA volumes or DICOM series folders, or a CSV")
    return inputs
