"""Models loaded once per process: verified bundles and their networks, kept while their files are unchanged.

A batch worker (a process of the local pool, or a Dask worker) segments many cases with the same model. The
first case verifies the bundle's files (size and SHA-256 against the catalog), reads the bundle and loads the
network; later cases reuse them as long as every file of the bundle still has the size, modification and
change times and inode it had when it was verified, and the catalog still lists the same hashes. A file that
is replaced or modified in between is verified again before it is used (a failing check raises as on first
use).
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from gynai.models.bundle import BundleInfo, load_network, read_bundle
from gynai.models.catalog import CatalogEntry, verify_entry
from gynai.models.selection import choose_entry

logger = logging.getLogger(__name__)

FileStamp = tuple[str, str, int, int, int, int]
"""(relative path, catalog SHA-256, size in bytes, modification and change times in ns, inode) of a bundle file."""


@dataclass(frozen=True)
class LoadedModel:
    """A verified bundle and its network, on ``device``."""

    info: BundleInfo
    network: Any
    device: str
    stamp: tuple[FileStamp, ...]


_loaded: dict[tuple[str, str, str], LoadedModel] = {}
_lock = threading.Lock()


def _stamp(entry: CatalogEntry) -> Optional[tuple[FileStamp, ...]]:
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


def load_verified(entry: CatalogEntry, device: str) -> LoadedModel:
    """The bundle of ``entry`` verified, read and its network loaded on ``device`` (reused while unchanged).

    Raises:
        ModelError: A file is missing, corrupt or modified (see :func:`gynai.models.catalog.verify_entry`),
            or the weights do not load.
    """
    key = (entry.name, str(entry.path), device)
    stamp = _stamp(entry)
    with _lock:
        loaded = _loaded.get(key)
        if loaded is not None and stamp is not None and loaded.stamp == stamp:
            loaded.network.to(device)                 # a GPU that ran out of memory may have moved it
            return loaded
        verify_entry(entry)
        info = read_bundle(entry.path)
        network = load_network(info, device)
        fresh = LoadedModel(info, network, device, _stamp(entry) or ())
        _loaded[key] = fresh
        logger.debug("loaded model %s %s on %s (verified)", info.name, info.version, device)
        return fresh


def load_task_model(task: str, directory: Optional[Path] = None, model: Optional[str] = None,
                    modality: Optional[str] = None, device: str = "cpu") -> LoadedModel:
    """The model a case of ``task`` runs (:func:`gynai.models.selection.choose_entry`), verified and loaded
    once per process (:func:`load_verified`)."""
    return load_verified(choose_entry(task, directory, model, modality), device)


def forget_loaded() -> None:
    """Drop every loaded model of this process (the next use verifies and loads again)."""
    with _lock:
        _loaded.clear()
