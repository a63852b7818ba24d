"""Atomic, non-destructive output: write to a temporary file or folder beside the target, then rename.

:func:`atomic_output` stages one file, :func:`staged_folder` a whole folder (a report, a batch case, a
retrieved study, an installed model), so that a failure leaves nothing behind and the target appears
complete or not at all. Both first remove what killed runs left in the same folder
(:func:`gynai.io.leftovers.remove_leftovers`).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

from gynai.errors import OutputPathError
from gynai.io.leftovers import remove_leftovers, temp_file_prefix, temp_folder_prefix
from gynai.io.written import check_written_bytes



def _suffix(path: Path) -> str:
    name = path.name
    for double in (".seg.nrrd", ".nii.gz"):
        if name.lower().endswith(double):
            return name[-len(double):]
    return path.suffix


def os_error_message(error: OSError, action: str) -> str:
    """A one-line message for an operating-system error: what failed, why, and what to do."""
    reason = error.strerror or type(error).__name__
    if error.errno == errno.ENOSPC:
        advice = "free some space or choose another place"
    elif error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        advice = "choose a place you can write to"
    else:
        advice = "check the output location"
    return f"{action} ({reason}); {advice}"


def _sync(path: Path) -> None:
    """Flush a written file to the storage (a full disk may only show here)."""
    with open(path, "rb") as stream:
        os.fsync(stream.fileno())


@contextlib.contextmanager
def atomic_output(path: Path, overwrite: bool = False,
                  check: Optional[Callable[[Path], None]] = None) -> Iterator[Path]:
    """Yield a temporary path (same folder, same extension) that replaces ``path`` only on success.

    The temporary file is flushed to storage and, when ``check`` is given, checked (``check(temporary)``
    raises when what was written is incomplete) before it is renamed; on any failure it is removed.

    Raises:
        OutputPathError: If ``path`` exists and ``overwrite`` is False, its folder cannot be created or
            written, the check fails, or an operating-system error (e.g. a full disk) stops the write.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputPathError(f"{path} exists; choose another name or pass --overwrite")
    if path.is_dir():
        raise OutputPathError(f"{path} is a folder; give a file name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(path.parent)
        handle, temporary_name = tempfile.mkstemp(prefix=temp_file_prefix(), suffix=_suffix(path), dir=path.parent)
        os.close(handle)
    except OSError as error:
        raise OutputPathError(os_error_message(error, f"cannot write in {path.parent}")) from None
    temporary = Path(temporary_name)
    try:
        yield temporary
        _sync(temporary)
        if check is not None:
            check(temporary)
        os.replace(temporary, path)
    except OSError as error:
        raise OutputPathError(os_error_message(error, f"writing {path.name} failed")) from None
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def write_json(document: Any, path: Path, overwrite: bool = False) -> None:
    """Write a JSON document (indented, with a final newline) atomically, refusing to overwrite unless asked.

    Raises:
        OutputPathError: As :func:`atomic_output`; also when fewer bytes than encoded reach the file.
    """
    data = (json.dumps(document, indent=2) + "\n").encode("utf-8")
    with atomic_output(Path(path), overwrite,
                       lambda written: check_written_bytes(written, Path(path), len(data))) as temporary:
        temporary.write_bytes(data)


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
    old = Path(tempfile.mkdtemp(prefix=temp_folder_prefix(folder.name, "old"), dir=folder.parent))
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
            after the block); its parent cannot be created or written; or a file-system error (full disk,
            read-only storage) stops the writing.
    """
    folder = Path(folder)
    if not replace:
        check_new_folder(folder)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(folder.parent)
        staging = Path(tempfile.mkdtemp(prefix=temp_folder_prefix(folder.name, "staging"), dir=folder.parent))
    except OSError as error:
        raise OutputPathError(os_error_message(error, f"cannot write in {folder.parent}")) from None
    try:
        yield staging
        if replace and folder.exists():
            _replace_folder(staging, folder)
            return
        check_new_folder(folder)              # something may have appeared there meanwhile
        if folder.exists():
            folder.rmdir()
        staging.rename(folder)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        if error.errno is None:               # not a file-system error (e.g. a network failure): as it is
            raise
        raise OutputPathError(os_error_message(error, f"writing {folder.name} failed")) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
