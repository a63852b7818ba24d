"""Bundles verified once per process: the SHA-256 check is repeated only when a file of the bundle changes.

Verifying a bundle reads every file (size and SHA-256 against the catalog). A batch checks its model before
it starts and then runs it on every case, often in the same process; a PACS cohort checks it before it
retrieves anything. The first check of a bundle in a process verifies and reads it; later ones reuse that
result as long as every file of the bundle still has the size, modification and change times and inode it
had when it was verified, and the catalog still lists the same hashes. A file replaced or modified in between
(which moves at least its change time) is verified again, and a failing check raises as on first use.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from gynai.models.bundle import BundleInfo, read_bundle
from gynai.models.catalog import CatalogEntry, verify_entry

FileStamp = tuple[str, str, int, int, int, int]
"""(relative path, catalog SHA-256, size in bytes, modification and change times in ns, inode) of a bundle file."""


@dataclass(frozen=True)
class VerifiedBundle:
    """A bundle whose files passed their SHA-256 check, and the identity of those files at the time."""

    info: BundleInfo
    stamp: tuple[FileStamp, ...]


_verified: dict[tuple[str, str], VerifiedBundle] = {}
_lock = threading.Lock()


def file_stamp(entry: CatalogEntry) -> Optional[tuple[FileStamp, ...]]:
    """The identity of the bundle's files now, or None when one cannot be read (then it is verified anew)."""
    stamps = []
    for relative, info in sorted(entry.files.items()):
        try:
            status = os.stat(Path(entry.path) / relative)
        except OSError:
            return None
        stamps.append((relative, str(info.get("sha256")), status.st_size, status.st_mtime_ns,
                       status.st_ctime_ns, status.st_ino))
    return tuple(stamps)


def verified_bundle(entry: CatalogEntry) -> VerifiedBundle:
    """The bundle of ``entry``, verified (once per process while its files are unchanged) and read.

    Raises:
        ModelError: A file is missing, corrupt or modified (see :func:`gynai.models.catalog.verify_entry`).
    """
    key = (entry.name, str(entry.path))
    stamp = file_stamp(entry)
    with _lock:
        known = _verified.get(key)
        if known is not None and stamp is not None and known.stamp == stamp:
            return known
        verify_entry(entry)
        fresh = VerifiedBundle(read_bundle(entry.path), file_stamp(entry) or ())
        _verified[key] = fresh
        return fresh


def forget_verified() -> None:
    """Drop every verification of this process (the next use verifies again)."""
    with _lock:
        _verified.clear()
