"""User-installed model bundles: add from a folder or a zip, remove, and their own catalog.

User bundles live in ``$GYNAI_MODELS_DIR`` (default ``~/.gynai/models``), listed in a ``catalog.json`` of
the same schema as the shipped one with ``"bundled": false``. Adding a bundle checks it before anything
is copied: a zip may not contain absolute paths, ``..``, links or more than :data:`MAX_UNPACKED_BYTES`;
the configs must be plain (allow-listed ``_target_``, no ``$``/``@`` expressions); the weights must load
with ``weights_only=True`` into the declared network. The bundle is then copied in place atomically and
every file's SHA-256 recorded, so it is verified on every later load like the shipped ones.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path
from typing import Optional

from gynai.errors import InputFileError, ModelError, OutputPathError
from gynai.io.leftovers import temp_folder_prefix
from gynai.io.safe_write import atomic_output, staged_folder
from gynai.models.bundle import BundleInfo, load_network, read_bundle
from gynai.models.catalog import (CATALOG_FILE, CATALOG_SCHEMA, CatalogEntry, catalog_files, load_catalog,
                                  models_dir)

logger = logging.getLogger(__name__)

MAX_UNPACKED_BYTES = 2 * 1024 ** 3
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def user_models_dir() -> Path:
    """Folder of user-installed bundles (``$GYNAI_MODELS_DIR`` or ``~/.gynai/models``); may not exist yet."""
    configured = os.environ.get("GYNAI_MODELS_DIR")
    return Path(configured).expanduser() if configured else Path.home() / ".gynai" / "models"


def user_catalog() -> list[CatalogEntry]:
    """Entries of the user catalog (empty when nothing was added)."""
    directory = user_models_dir()
    if not (directory / CATALOG_FILE).is_file():
        return []
    return [CatalogEntry(e.name, e.task, e.version, e.path, e.files, False) for e in load_catalog(directory)]


def _safe_extract(archive: Path, destination: Path) -> None:
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = zipped.infolist()
            total = sum(member.file_size for member in members)
            if total > MAX_UNPACKED_BYTES:
                raise InputFileError(f"{archive.name} unpacks to {total / 1e9:.1f} GB; a model bundle must be "
                                     f"under {MAX_UNPACKED_BYTES / 1e9:.0f} GB")
            for member in members:
                name = member.filename
                if name.startswith(("/", "\\")) or ".." in Path(name).parts or ":" in name:
                    raise InputFileError(f"{archive.name} contains the unsafe path {name!r}; refusing to unpack it")
                if stat.S_ISLNK(member.external_attr >> 16):
                    raise InputFileError(f"{archive.name} contains the link {name!r}; bundles may not contain links")
            zipped.extractall(destination)
    except zipfile.BadZipFile:
        raise InputFileError(f"{archive.name} is not a valid zip file; re-download it") from None


def _bundle_root(folder: Path) -> Path:
    """The folder holding ``configs/metadata.json`` (the unpacked root or its single sub-folder)."""
    if (folder / "configs" / "metadata.json").is_file():
        return folder
    children = [child for child in folder.iterdir() if child.is_dir() and not child.name.startswith("__")]
    if len(children) == 1 and (children[0] / "configs" / "metadata.json").is_file():
        return children[0]
    raise InputFileError(f"no configs/metadata.json found in {folder.name}; this is not a model bundle")


def check_bundle(path: Path) -> BundleInfo:
    """Read a bundle and load its weights safely into its network; returns its :class:`BundleInfo`.

    Raises:
        ModelError: Not a GynAI bundle, disallowed network or expressions, or weights that do not load.
    """
    for link in (p for p in Path(path).rglob("*") if p.is_symlink()):
        raise ModelError(f"bundle contains the link {link.name}; copy real files instead")
    info = read_bundle(path)
    load_network(info, "cpu")
    return info


def _write_catalog(directory: Path, entries: list[dict]) -> None:
    document = {"schema": CATALOG_SCHEMA, "bundles": entries}
    with atomic_output(directory / CATALOG_FILE, overwrite=True) as temporary:
        temporary.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def _catalog_items(directory: Path) -> list[dict]:
    path = directory / CATALOG_FILE
    if not path.is_file():
        return []
    load_catalog(directory)  # validates the schema
    return list(json.loads(path.read_text(encoding="utf-8"))["bundles"])


def add_bundle(source: Path, name: Optional[str] = None, overwrite: bool = False) -> CatalogEntry:
    """Install a bundle from a folder or a ``.zip`` into the user models folder.

    Args:
        source: Bundle folder, or a zip of it.
        name: Catalog name (lower-case letters, digits, dashes); default from the folder/zip name.
        overwrite: Replace a user bundle of the same name.

    Raises:
        InputFileError: Source missing, unsafe zip, or not a bundle.
        ModelError: The bundle fails the safety checks.
        OutputPathError: The name is taken (by a shipped bundle, or by a user bundle without ``overwrite``).
    """
    source = Path(source)
    if not source.exists():
        raise InputFileError(f"{source} does not exist; give a bundle folder or a .zip")
    name = name or re.sub(r"[^a-z0-9-]+", "-", source.name.lower().removesuffix(".zip")).strip("-")
    if not NAME_PATTERN.match(name):
        raise InputFileError(f"model name {name!r} must be lower-case letters, digits and dashes; pass --name")
    if any(entry.name == name for entry in load_catalog(models_dir())):
        raise OutputPathError(f"'{name}' is a model shipped with GynAI; choose another --name")
    directory = user_models_dir()
    items = _catalog_items(directory)
    if any(item["name"] == name for item in items) and not overwrite:
        raise OutputPathError(f"a user model named '{name}' exists; remove it first or pass --overwrite")
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / name
    with staged_folder(target, replace=True) as bundle:
        if source.is_dir():
            shutil.copytree(_bundle_root(source), bundle, symlinks=True, dirs_exist_ok=True)
        elif source.suffix.lower() == ".zip":
            with tempfile.TemporaryDirectory(prefix=temp_folder_prefix(name, "unpacked"), dir=directory) as unpacked:
                _safe_extract(source, Path(unpacked))
                shutil.copytree(_bundle_root(Path(unpacked)), bundle, symlinks=True, dirs_exist_ok=True)
        else:
            raise InputFileError(f"{source.name} is neither a folder nor a .zip; give a bundle folder or a zip of it")
        info = check_bundle(bundle)
    item = {"name": name, "task": info.task, "version": info.version, "path": name, "bundled": False,
            "files": catalog_files(target)}
    _write_catalog(directory, [i for i in items if i["name"] != name] + [item])
    logger.info("model %s (%s %s) installed in %s", name, info.task, info.version, target)
    return CatalogEntry(name, info.task, info.version, target, item["files"], False)


def remove_bundle(name: str) -> None:
    """Remove a user-installed bundle and its catalog entry.

    Raises:
        ModelError: No user bundle has this name (shipped bundles cannot be removed).
    """
    directory = user_models_dir()
    items = _catalog_items(directory)
    if not any(item["name"] == name for item in items):
        known = ", ".join(item["name"] for item in items) or "none"
        raise ModelError(f"no user-installed model named '{name}' (installed: {known})")
    _write_catalog(directory, [item for item in items if item["name"] != name])
    shutil.rmtree(directory / name, ignore_errors=True)
    logger.info("model %s removed", name)
