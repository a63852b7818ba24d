"""Downloading a model bundle (a .zip) from a URL, accepted only with the SHA-256 the user gave.

The file is streamed into a temporary file beside the target and renamed only when its SHA-256 matches;
otherwise nothing is kept. ``file://`` URLs are read from disk the same way.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Optional
from urllib.parse import unquote, urlsplit

import requests

from gynai.errors import InputFileError, ModelError
from gynai.models.catalog import CatalogEntry
from gynai.models.user_models import add_bundle
from gynai.progress import ProgressCallback, report

logger = logging.getLogger(__name__)

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
CHUNK_BYTES = 1 << 20


def check_sha256(text: str) -> str:
    """A normalised (lower-case) SHA-256 hex digest, or a clear error."""
    digest = (text or "").strip().lower().removeprefix("sha256:")
    if not _SHA256.match(digest):
        raise InputFileError(f"expected a SHA-256 as 64 hexadecimal digits, got {text!r}")
    return digest


def _chunks(url: str, timeout_s: float):
    parts = urlsplit(url)
    if parts.scheme == "file":
        path = Path(unquote(parts.path))
        if not path.is_file():
            raise InputFileError(f"{path} does not exist")
        with path.open("rb") as stream:
            size = path.stat().st_size
            yield size
            while chunk := stream.read(CHUNK_BYTES):
                yield chunk
        return
    if parts.scheme not in ("http", "https"):
        raise InputFileError(f"model URL must be https://, http:// or file://, got {url!r}")
    try:
        with requests.get(url, stream=True, timeout=timeout_s) as response:
            if response.status_code != 200:
                raise ModelError(f"download of {url} failed: HTTP {response.status_code}")
            yield int(response.headers.get("Content-Length") or 0)
            yield from response.iter_content(CHUNK_BYTES)
    except requests.RequestException as error:
        raise ModelError(f"download of {url} failed: {type(error).__name__}; check the URL and the network") \
            from error


def download_verified(url: str, sha256: str, destination: Path, timeout_s: float = 60.0,
                      progress: Optional[ProgressCallback] = None) -> Path:
    """Download ``url`` to ``destination`` if and only if its SHA-256 equals ``sha256``.

    Raises:
        InputFileError: Bad digest text or URL, or ``destination`` exists.
        ModelError: The download failed or the file's SHA-256 differs (nothing is kept).
    """
    expected = check_sha256(sha256)
    destination = Path(destination)
    if destination.exists():
        raise InputFileError(f"{destination} exists; choose another file name")
    destination.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    handle, temporary = tempfile.mkstemp(prefix=f".{destination.name}.", dir=destination.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            chunks = _chunks(url, timeout_s)
            total, done = next(chunks), 0
            for chunk in chunks:
                stream.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if total:
                    report(progress, min(done / total, 1.0), f"downloaded {done / 1e6:.1f} MB")
        if digest.hexdigest() != expected:
            raise ModelError(f"the file at {url} has SHA-256 {digest.hexdigest()}, not the expected {expected}; "
                             "it was not installed")
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    logger.info("downloaded %s (%d bytes, SHA-256 verified)", url, done)
    return destination


def add_bundle_from_url(url: str, sha256: str, name: Optional[str] = None, overwrite: bool = False) -> CatalogEntry:
    """Download a bundle .zip (verified by ``sha256``) and install it as a user model."""
    with tempfile.TemporaryDirectory(prefix="gynai-download-") as folder:
        file_name = Path(unquote(urlsplit(url).path)).name or "bundle.zip"
        archive = download_verified(url, sha256, Path(folder) / file_name)
        return add_bundle(archive, name, overwrite)
