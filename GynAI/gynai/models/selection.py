"""Which installed bundle runs: shipped and user-installed catalogs together, chosen by task, name and modality.

The shipped catalog (:mod:`gynai.models.catalog`) comes first, then the user's (:mod:`gynai.models.user_models`);
a named model is taken as named; otherwise the first model of the task trained for the image's declared
modality, else the task's default model (shipped first).
"""

from __future__ import annotations

import logging
from pathlib import Path

from gynai.errors import ModelError
from gynai.models.bundle import BundleInfo, bundle_modality
from gynai.models.catalog import CatalogEntry, load_catalog, models_dir, task_entries
from gynai.models.user_models import user_catalog
from gynai.models.verified import verified_bundle
from gynai.tasks import get_task

logger = logging.getLogger(__name__)


def all_entries() -> list[CatalogEntry]:
    """Shipped bundles followed by user-installed ones (see :mod:`gynai.models.user_models`)."""
    return load_catalog(models_dir()) + user_catalog()


def find_entry(task: str, directory: Path | None = None, model: str | None = None) -> CatalogEntry:
    """The catalog entry of the bundle that serves ``task``.

    Args:
        task: Task id.
        directory: Only this models folder (default: shipped and user-installed bundles).
        model: Bundle name; default the shipped bundle of the task, else the first user bundle for it.

    Raises:
        ModelError: If no such bundle is listed, or the named one serves another task.
    """
    entries = load_catalog(directory) if directory is not None else all_entries()
    if model:
        for entry in entries:
            if entry.name == model:
                if entry.task != task:
                    raise ModelError(f"model '{model}' segments '{entry.task}', not '{task}'; pick a model for {task}")
                return entry
        raise ModelError(f"no model named '{model}' is installed (installed: {', '.join(e.name for e in entries)})")
    matching = task_entries(task, entries)
    if matching:
        return matching[0]
    available = ", ".join(sorted({e.task for e in entries})) or "none"
    raise ModelError(f"no model for task '{task}' is installed (available: {available})")


def _shipped_for(task: str, modality: str, entries: list[CatalogEntry]) -> CatalogEntry | None:
    """The task's own model for ``modality`` (``Task.models``), when it is installed and shipped."""
    name = get_task(task).models.get(modality)
    return next((entry for entry in entries if entry.name == name and entry.task == task and entry.bundled), None)


def choose_entry(task: str, directory: Path | None = None, model: str | None = None,
                 modality: str | None = None) -> CatalogEntry:
    """The catalog entry to run: the named ``model``; else the task's shipped model for the image's declared
    ``modality`` (``Task.models``), else the first installed model of ``task`` trained for that modality;
    else the task's default model (its shipped model for the task's modality, else shipped first)."""
    if model:
        return find_entry(task, directory, model)
    entries = load_catalog(directory) if directory is not None else all_entries()
    if not modality:
        return _shipped_for(task, get_task(task).modality, entries) or find_entry(task, directory)
    wanted = modality.upper()
    own = _shipped_for(task, wanted, entries)
    if own is not None and bundle_modality(own.path) in ("", wanted):
        return own
    for entry in task_entries(task, entries):
        if bundle_modality(entry.path) == wanted:
            return entry
    return _shipped_for(task, get_task(task).modality, entries) or find_entry(task, directory)


def task_modalities(task: str, directory: Path | None = None) -> list[str]:
    """The input modalities of the installed models of ``task`` (default model's first)."""
    entries = load_catalog(directory) if directory is not None else all_entries()
    found: list[str] = []
    for entry in task_entries(task, entries):
        modality = bundle_modality(entry.path) or get_task(task).modality
        if modality not in found:
            found.append(modality)
    return found


def load_task_bundle(task: str, directory: Path | None = None, model: str | None = None,
                     modality: str | None = None) -> BundleInfo:
    """Find the bundle to run (:func:`choose_entry`), verify every file's hash (once per process while its
    files are unchanged: :mod:`gynai.models.verified`), and read it."""
    info = verified_bundle(choose_entry(task, directory, model, modality)).info
    logger.info("model %s %s for task %s", info.name, info.version, info.task)
    return info
