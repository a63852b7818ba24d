"""Local files of PACS transfers: the DICOM files to store, and the folder a retrieval fills atomically."""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Iterator, Sequence

from gynai.errors import InputFileError, OutputPathError

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


def check_new_folder(folder: Path) -> None:
    """Refuse an output folder that exists and is not empty (or is a file).

    Raises:
        OutputPathError: ``folder`` exists and is a file or a non-empty folder.
    """
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise OutputPathError(f"{folder} exists and is not an empty folder; choose a new output folder")


@contextlib.contextmanager
def staged_folder(folder: Path) -> Iterator[Path]:
    """Yield a temporary sibling folder that becomes ``folder`` only when the block succeeds.

    On any failure the temporary folder is removed and ``folder`` is left as it was.

    Raises:
        OutputPathError: ``folder`` is not new or empty, or its parent cannot be created.
    """
    folder = Path(folder)
    check_new_folder(folder)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputPathError(f"cannot create folder {folder.parent} ({error.strerror}); choose another place") \
            from None
    staging = Path(tempfile.mkdtemp(prefix=f".tmp-{folder.name}-", dir=folder.parent))
    try:
        yield staging
        check_new_folder(folder)  # something may have appeared there meanwhile
        if folder.exists():
            folder.rmdir()
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
