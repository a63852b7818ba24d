"""Names of GynAI's hidden temporary files and folders, and the removal of those a killed run left behind.

Every temporary entry GynAI writes beside a target carries the id of the process writing it:
``.tmp-<pid>-<random><suffix>`` (a file of :func:`gynai.io.safe_write.atomic_output`) and
``.<folder>.<kind>-<pid>-<random>`` (kind ``staging``, ``old`` or ``unpacked``: a staged folder, the folder it
replaces, an unpacked bundle). A run ends by renaming or removing them; a run that is killed (``kill -9``,
power loss) cannot. :func:`remove_leftovers` removes, in one folder, the entries whose process no longer
runs, so the next run that writes there cleans up. Entries of earlier versions (no process id) are removed
once they are older than :data:`UNOWNED_AGE_S`.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import time
from pathlib import Path

logger = logging.getLogger(__name__)

UNOWNED_AGE_S = 3600.0
"""Age after which a temporary entry without a process id counts as left behind."""

KINDS = ("staging", "old", "unpacked")
_OWNED = re.compile(r"^\.(?:tmp|.+\.(?:staging|old|unpacked))-(\d+)-")
_UNOWNED = re.compile(r"^\.(?:tmp-|.+\.(?:staging|old|unpacked)[-.])")


def temp_file_prefix() -> str:
    """Name prefix of a temporary file written by this process (``.tmp-<pid>-``)."""
    return f".tmp-{os.getpid()}-"


def temp_folder_prefix(name: str, kind: str) -> str:
    """Name prefix of a temporary folder beside the folder ``name`` (``.<name>.<kind>-<pid>-``)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return f".{name}.{kind}-{os.getpid()}-"


def _running(pid: int) -> bool:
    """True while process ``pid`` runs; an ended process not yet reaped (a zombie) has ended."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True                 # exists, owned by someone else (or cannot tell): keep its entries
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True                 # no /proc (not Linux): it exists


def _left_behind(entry: Path, now: float) -> bool:
    owned = _OWNED.match(entry.name)
    if owned:
        return not _running(int(owned.group(1)))
    if _UNOWNED.match(entry.name):
        try:
            return now - entry.lstat().st_mtime > UNOWNED_AGE_S
        except OSError:
            return False
    return False


def remove_leftovers(folder: Path) -> int:
    """Remove the temporary files and folders that killed GynAI runs left in ``folder`` (not recursive).

    Entries of running processes (this one included) are kept. Errors are logged, never raised: cleaning up
    must not stop the run that does it.

    Returns:
        The number of entries removed.
    """
    removed = 0
    now = time.time()
    try:
        entries = [entry for entry in Path(folder).iterdir() if entry.name.startswith(".")]
    except OSError:
        return 0
    for entry in entries:
        if not _left_behind(entry, now):
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed += 1
        except OSError as error:
            logger.debug("could not remove %s (%s)", entry, error)
    if removed:
        logger.info("removed %d temporary file(s) left by an interrupted run in %s", removed, folder)
    return removed
