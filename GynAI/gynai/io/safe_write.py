"""Atomic, non-destructive output: write to a temporary file or folder beside the target, then rename.

:func:`atomic_output` stages one file, :func:`staged_folder` a whole folder (a report, a batch case, a
retrieved study, an installed model), so that a failure leaves nothing behind and the target appears
complete or not at all.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator

from gynai.errors import OutputPathError


def _suffix(path: Path) -> str:
    name = path.name
    for double in (".seg.nrrd", ".nii.gz"):
        if name.lower().endswith(double):
            return name[-len(double):]
    return path.suffix


@contextlib.contextmanager
def atomic_output(path: Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path (same folder, same extension) that replaces ``path`` only on success.

    Raises:
        OutputPathError: If ``path`` exists and ``overwrite`` is False, or its folder cannot be created.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputPathError(f"{path} exists; choose another name or pass --overwrite")
    if path.is_dir():
        raise OutputPathError(f"{path} is a folder; give a file name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputPathError(f"cannot create folder {path.parent} ({error.strerror}); choose another place") from None
    handle, temporary_name = tempfile.mkstemp(prefix=".tmp-", suffix=_suffix(path), dir=path.parent)
    os.close(handle)
    temporary = Path(temporary_name)
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def write_json(document: Any, path: Path, overwrite: bool = False) -> None:
    """Write a JSON document (indented, with a final newline) atomically, refusing to overwrite unless asked.

    Raises:
        OutputPathError: As :func:`atomic_output`.
    """
    with atomic_output(Path(path), overwrite) as temporary:
        temporary.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def check_new_folder(folder: Path) -> None:
    """Refuse an output folder that exists and is not empty (or is a file).

    Raises:
        OutputPathError: ``folder`` exists and is a file or a non-empty folder.
    """
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise OutputPathError(f"{folder} exists and is not an empty folder; choose a new output folder")


def _replace_folder(staging: Path, folder: Path) -> None:
    """Move ``staging`` to ``folder``, replacing an existing ``folder`` (put back if the move fails)."""
    old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old.", dir=folder.parent))
    folder.rename(old / folder.name)
    try:
        staging.rename(folder)
    except OSError:
        (old / folder.name).rename(folder)
        raise
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def staged_folder(folder: Path, replace: bool = False) -> Iterator[Path]:
    """Yield a temporary sibling folder (hidden: its name starts with a dot) that becomes ``folder`` only when
    the block succeeds; on any failure it is removed and ``folder`` is left as it was.

    Args:
        folder: The folder to create.
        replace: Replace an existing ``folder`` (e.g. a batch case redone); otherwise it must be new or empty.

    Raises:
        OutputPathError: Without ``replace``, ``folder`` is a file or a non-empty folder (checked before and
            after the block); or its parent cannot be created.
    """
    folder = Path(folder)
    if not replace:
        check_new_folder(folder)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputPathError(f"cannot create folder {folder.parent} ({error.strerror}); choose another place") \
            from None
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.staging-", dir=folder.parent))
    try:
        yield staging
        if replace and folder.exists():
            _replace_folder(staging, folder)
            return
        check_new_folder(folder)              # something may have appeared there meanwhile
        if folder.exists():
            folder.rmdir()
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
