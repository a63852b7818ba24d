"""Models loaded once per process: verified bundles and their networks, kept while their files are unchanged.

A batch worker (a process of the local pool, or a Dask worker) segments many cases with the same model. The
first case verifies the bundle (:mod:`gynai.models.verified`: size and SHA-256 of every file, once per
process, shared with the batch's own check of its model) and loads the network; later cases reuse the
network as long as every file of the bundle keeps the identity it had when it was verified. A file that is
replaced or modified in between is verified again before it is used (a failing check raises as on first use).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from gynai.models.bundle import BundleInfo, load_network
from gynai.models.catalog import CatalogEntry
from gynai.models.selection import choose_entry
from gynai.models.verified import FileStamp, file_stamp, forget_verified, verified_bundle

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedModel:
    """A verified bundle and its network, on ``device``."""

    info: BundleInfo
    network: Any
    device: str
    stamp: tuple[FileStamp, ...]


_loaded: dict[tuple[str, str, str], LoadedModel] = {}
_lock = threading.Lock()


def load_verified(entry: CatalogEntry, device: str) -> LoadedModel:
    """The bundle of ``entry`` verified, read and its network loaded on ``device`` (reused while unchanged).

    Raises:
        ModelError: A file is missing, corrupt or modified (see :func:`gynai.models.catalog.verify_entry`),
            or the weights do not load.
    """
    key = (entry.name, str(entry.path), device)
    stamp = file_stamp(entry)
    with _lock:
        loaded = _loaded.get(key)
        if loaded is not None and stamp is not None and loaded.stamp == stamp:
            loaded.network.to(device)                 # a GPU that ran out of memory may have moved it
            return loaded
        bundle = verified_bundle(entry)
        network = load_network(bundle.info, device)
        fresh = LoadedModel(bundle.info, network, device, bundle.stamp)
        _loaded[key] = fresh
        logger.debug("loaded model %s %s on %s (verified)", bundle.info.name, bundle.info.version, device)
        return fresh


def load_task_model(task: str, directory: Optional[Path] = None, model: Optional[str] = None,
                    modality: Optional[str] = None, device: str = "cpu") -> LoadedModel:
    """The model a case of ``task`` runs (:func:`gynai.models.selection.choose_entry`), verified and loaded
    once per process (:func:`load_verified`)."""
    return load_verified(choose_entry(task, directory, model, modality), device)


def forget_loaded() -> None:
    """Drop every loaded model and every verification of this process (the next use verifies and loads again)."""
    with _lock:
        _loaded.clear()
    forget_verified()
