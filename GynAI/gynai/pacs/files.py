"""Local files of PACS transfers: the DICOM files to store (a retrieval fills its folder with
:func:`gynai.io.safe_write.staged_folder`)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence

from gynai.errors import InputFileError

logger = logging.getLogger(__name__)

_DICM_OFFSET = 128


def is_dicom_file(path: Path) -> bool:
    """True when ``path`` is a DICOM Part 10 file (``DICM`` after the 128-byte preamble)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(_DICM_OFFSET)
            return handle.read(4) == b"DICM"
    except OSError:
        return False


def collect_dicom_files(paths: Sequence[Path]) -> list[Path]:
    """The DICOM files to store: files as given, and the DICOM files found under folders (recursively).

    A named file must be DICOM; in a folder, other files (and hidden ones) are skipped.

    Raises:
        InputFileError: A path does not exist, a named file is not DICOM, or nothing DICOM was found.
    """
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.is_file()
                            and not any(part.startswith(".") for part in p.relative_to(path).parts))
            dicom = [p for p in inside if is_dicom_file(p)]
            logger.debug("%s: %d DICOM file(s), %d other file(s) skipped", path, len(dicom), len(inside) - len(dicom))
            found += dicom
        elif path.is_file():
            if not is_dicom_file(path):
                raise InputFileError(f"{path} is not a DICOM file (Part 10, 'DICM' header); nothing was sent")
            found.append(path)
        else:
            raise InputFileError(f"{path} does not exist; nothing was sent")
    unique = list(dict.fromkeys(p.resolve() for p in found))
    if not unique:
        raise InputFileError(f"no DICOM files in {', '.join(str(p) for p in paths)}; nothing was sent")
    return unique
