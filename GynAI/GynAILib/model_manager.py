"""The GynAI module's model manager, Qt-free: list, verify, add (folder, zip or URL with SHA-256) and
remove model bundles, and where user models live."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelRow:
    """One line of the model table."""

    name: str
    task: str
    version: str
    origin: str
    size_mb: float
    status: str
    path: str


def model_rows(verify: bool = False) -> list[ModelRow]:
    """Every shipped and user-installed bundle; with ``verify`` each file's SHA-256 is checked."""
    from gynai.errors import GynAIError
    from gynai.models.catalog import verify_entry
    from gynai.models.selection import all_entries

    rows = []
    for entry in all_entries():
        status = "not checked"
        if verify:
            try:
                verify_entry(entry)
                status = "SHA-256 OK"
            except GynAIError as error:
                status = f"FAILED: {error}"
        rows.append(ModelRow(entry.name, entry.task, entry.version, "shipped" if entry.bundled else "user",
                             round(entry.size_bytes / 1e6, 2), status, str(entry.path)))
    return rows


def add_model(source: str, name: Optional[str] = None, sha256: Optional[str] = None, overwrite: bool = False):
    """Install a bundle from a folder, a .zip, or a URL of a .zip (``sha256`` required for URLs)."""
    from gynai.errors import InputFileError
    from gynai.models.download import add_bundle_from_url
    from gynai.models.user_models import add_bundle

    if "://" not in source:
        return add_bundle(Path(source), name, overwrite)
    if not sha256:
        raise InputFileError("a model from a URL needs its SHA-256 (from the model's publisher) to be installed")
    return add_bundle_from_url(source, sha256, name, overwrite)


def remove_model(name: str) -> None:
    """Remove a user-installed bundle (shipped ones cannot be removed)."""
    from gynai.models.user_models import remove_bundle

    remove_bundle(name)


def user_models_folder() -> Path:
    """The folder of user-installed bundles (created if needed, for "open models folder")."""
    from gynai.models.user_models import user_models_dir

    folder = user_models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder
