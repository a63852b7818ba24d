"""The model catalog: which bundles GynAI ships, with SHA-256 and size of every file.

``Resources/Models/catalog.json`` (schema ``catalog.schema.json`` beside it) lists bundles::

    {"schema": "gynai.catalog/1",
     "bundles": [{"name": "uterus-fibroid", "task": "uterus-fibroid", "version": "0.1.0",
                  "path": "uterus-fibroid", "bundled": true,
                  "files": {"models/model.pt": {"sha256": "...", "size_bytes": 123}, ...}}]}

The folder is found next to the package: ``<repo>/Resources/Models`` in a source checkout (editable
install, Slicer developer mode) or ``<qt-scripted-modules>/Resources/Models`` in an installed extension.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from gynai.errors import ModelError
from gynai.models.containment import escape
from gynai.resources import resource_path

logger = logging.getLogger(__name__)

CATALOG_SCHEMA = "gynai.catalog/1"
CATALOG_FILE = "catalog.json"
DEFAULT_WEIGHTS = "models/model.pt"
"""The weights file of a bundle whose metadata names none."""


@dataclass(frozen=True)
class CatalogEntry:
    """One bundle listed in the catalog."""

    name: str
    task: str
    version: str
    path: Path
    files: dict[str, dict] = field(default_factory=dict)
    bundled: bool = True

    @property
    def size_bytes(self) -> int:
        """Total size of the bundle's listed files."""
        return sum(int(info["size_bytes"]) for info in self.files.values())


def models_dir() -> Path:
    """The folder holding the bundled models and ``catalog.json``.

    Raises:
        ModelError: If no models folder is found (broken installation).
    """
    return resource_path("Models", CATALOG_FILE).parent


def sha256_of(path: Path, chunk_bytes: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(chunk_bytes), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_catalog(directory: Path | None = None) -> list[CatalogEntry]:
    """Read the catalog of a models folder (default: :func:`models_dir`)."""
    directory = Path(directory) if directory is not None else models_dir()
    path = directory / CATALOG_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ModelError(f"model catalog {path} is unreadable ({error}); reinstall GynAI") from None
    if data.get("schema") != CATALOG_SCHEMA:
        raise ModelError(f"model catalog {path} has schema {data.get('schema')!r}, expected {CATALOG_SCHEMA!r}")
    entries = []
    try:
        for item in data.get("bundles", []):
            entries.append(CatalogEntry(item["name"], item["task"], item["version"],
                                        _inside(directory, item["path"], f"model catalog {path}"),
                                        dict(item.get("files", {})), bool(item.get("bundled", True))))
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        detail = f"missing {error}" if isinstance(error, KeyError) else "a value of the wrong type"
        raise ModelError(f"model catalog {path} is malformed ({detail}); reinstall the models") from None
    return entries


def _inside(folder: Path, relative: str, owner: str) -> Path:
    """``folder / relative``, refused unless it resolves inside ``folder`` (no absolute path, ``..`` or link out).

    Raises:
        ModelError: The path leads outside ``folder``.
    """
    text = str(relative)
    if escape(folder, text):
        raise ModelError(f"{owner} refers to {text!r}, outside {Path(folder).name}; every file must be inside "
                         "its bundle: reinstall the model")
    return Path(folder) / text


def _weights_reference(bundle: Path) -> str:
    """The weights file a bundle's ``configs/metadata.json`` names ('' when it cannot be read: checked later)."""
    try:
        meta = json.loads((bundle / "configs" / "metadata.json").read_text(encoding="utf-8"))
        return str(meta["gynai"].get("weights", DEFAULT_WEIGHTS))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return ""


def task_entries(task: str, entries: list[CatalogEntry]) -> list[CatalogEntry]:
    """The entries serving ``task``: shipped ones first (in catalog order), then user-installed ones."""
    return sorted((e for e in entries if e.task == task), key=lambda e: not e.bundled)


def verify_entry(entry: CatalogEntry) -> None:
    """Check size and SHA-256 of every file of a bundle against the catalog.

    The weights file the bundle's metadata names must be one of the checked files, and every file must lie
    inside the bundle folder.

    Raises:
        ModelError: On a missing file, a size or hash mismatch, weights not among the listed files, or a
            file outside the bundle (names the file and what to do).
    """
    if not entry.files:
        raise ModelError(f"catalog entry '{entry.name}' lists no files; the catalog is incomplete")
    weights = _weights_reference(entry.path)
    if weights and weights.replace("\\", "/").removeprefix("./") not in entry.files:
        raise ModelError(f"bundle '{entry.name}' uses the weights {weights!r}, which are not among its checked "
                         "files (outside the bundle?); every file a bundle uses must be inside it: reinstall it")
    for relative, info in entry.files.items():
        path = _inside(entry.path, relative, f"bundle '{entry.name}'")
        if not path.is_file():
            raise ModelError(f"model file {path} is missing; reinstall GynAI or re-download the model")
        size = path.stat().st_size
        if size != int(info["size_bytes"]):
            raise ModelError(f"model file {path} has {size} bytes, catalog says {info['size_bytes']}; "
                             "the file is corrupt or was modified: reinstall it")
        if sha256_of(path) != info["sha256"]:
            raise ModelError(f"model file {path} fails its SHA-256 check; the file is corrupt or was modified: "
                             "reinstall it")
    logger.debug("verified %d files of bundle %s", len(entry.files), entry.name)


def catalog_files(bundle_dir: Path) -> dict[str, dict]:
    """Hash and size of every file of a bundle folder, in the catalog's ``files`` format."""
    files = {}
    for path in sorted(p for p in Path(bundle_dir).rglob("*") if p.is_file()):
        files[path.relative_to(bundle_dir).as_posix()] = {"sha256": sha256_of(path), "size_bytes": path.stat().st_size}
    return files
