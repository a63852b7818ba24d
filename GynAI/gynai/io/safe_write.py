"""Atomic, non-destructive output: write to a temporary file beside the target, then rename."""

from __future__ import annotations

import contextlib
import json
import os
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
