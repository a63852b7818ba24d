"""PACS connection settings, read only from a JSON file that the user names explicitly.

Nothing is read from environment variables, ``~/.netrc`` or any default location: without a ``--config``
file GynAI never contacts a server. The file looks like::

    {"url": "https://pacs.example.org/dicom-web",
     "username": "gynai", "password": "secret",      # or "token": "..." (Bearer), or neither
     "timeout_s": 30, "total_timeout_s": 600, "verify_tls": true, "ca_bundle": "/path/to/ca.pem"}

Only ``url`` is required. Unknown keys are refused so that a typo (``"pasword"``) is not silently ignored.
The password and token are kept out of ``repr`` and out of every log line and error message.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlsplit

from gynai.errors import PacsConfigError

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 30.0
MAX_TIMEOUT_S = 3600.0
"""Longest wait allowed for a PACS (larger values overflow the socket layer or hang a command for days)."""
DEFAULT_TOTAL_TIMEOUT_S = 600.0
MAX_TOTAL_TIMEOUT_S = 86400.0
KNOWN_KEYS = ("url", "username", "password", "token", "timeout_s", "total_timeout_s", "verify_tls", "ca_bundle")
_LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class PacsConfig:
    """Where and how to reach a DICOMweb server.

    Attributes:
        url: Base URL of the DICOMweb service (``…/dicom-web``), without a trailing slash.
        username: User name for HTTP Basic authentication, or None.
        password: Password for HTTP Basic authentication (given with ``username``), or None.
        token: Bearer token (instead of username/password), or None.
        timeout_s: Seconds to wait for the server to connect and for each read.
        total_timeout_s: Seconds one request may take in all, its answer included (a server trickling a
            byte at a time is stopped there).
        verify_tls: Check the server's TLS certificate (https only).
        ca_bundle: CA certificates file used to check the server's certificate, or None (system CAs).
        source_path: The file the settings were read from (named in error messages), or None.
    """

    url: str
    username: Optional[str] = None
    password: Optional[str] = field(default=None, repr=False)
    token: Optional[str] = field(default=None, repr=False)
    timeout_s: float = DEFAULT_TIMEOUT_S
    total_timeout_s: float = DEFAULT_TOTAL_TIMEOUT_S
    verify_tls: bool = True
    ca_bundle: Optional[Path] = None
    source_path: Optional[Path] = None

    @property
    def where(self) -> str:
        """The configuration file to fix, for error messages (``the PACS configuration`` if none)."""
        return str(self.source_path) if self.source_path is not None else "the PACS configuration"

    @property
    def auth_kind(self) -> str:
        """``basic``, ``token`` or ``none``."""
        if self.token:
            return "token"
        return "basic" if self.username else "none"

    def __post_init__(self) -> None:
        _validate(self)


def _fail(where: str, message: str) -> PacsConfigError:
    return PacsConfigError(f"PACS configuration {where}: {message}")


def _check_url(url: Any, where: str) -> str:
    if not isinstance(url, str) or not url.strip():
        raise _fail(where, "'url' is required: the DICOMweb base URL, e.g. \"https://pacs.example.org/dicom-web\"")
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _fail(where, f"'url' must start with http:// or https:// and name a host, got {url!r}")
    if parts.username is not None or parts.password is not None:
        raise _fail(where, "'url' must not contain credentials; put them in 'username' and 'password'")
    if parts.query or parts.fragment:
        raise _fail(where, "'url' must not have a query (?…) or fragment (#…)")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise _fail(where, f"'url' has an invalid port: {url!r}") from None
    return url


def _seconds(value: Any, key: str, maximum_s: float, where: str) -> float:
    """A time limit of the configuration: a finite number of seconds in (0, ``maximum_s``]."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not 0 < value <= maximum_s:
        raise _fail(where, f"'{key}' must be a positive number of seconds, at most {maximum_s:g}, got {value!r}")
    return float(value)


def _validate(config: PacsConfig) -> None:
    where = config.where
    object.__setattr__(config, "url", _check_url(config.url, where))
    for key in ("username", "password", "token"):
        value = getattr(config, key)
        if value is not None and (not isinstance(value, str) or not value):
            raise _fail(where, f"'{key}' must be a non-empty string")
    if (config.username is None) != (config.password is None):
        raise _fail(where, "give 'username' and 'password' together (HTTP Basic), or neither")
    if config.token is not None and config.username is not None:
        raise _fail(where, "give either 'token' or 'username'/'password', not both")
    object.__setattr__(config, "timeout_s", _seconds(config.timeout_s, "timeout_s", MAX_TIMEOUT_S, where))
    object.__setattr__(config, "total_timeout_s",
                       _seconds(config.total_timeout_s, "total_timeout_s", MAX_TOTAL_TIMEOUT_S, where))
    if not isinstance(config.verify_tls, bool):
        raise _fail(where, f"'verify_tls' must be true or false, got {config.verify_tls!r}")
    if config.ca_bundle is not None:
        bundle = Path(config.ca_bundle).expanduser()
        if not bundle.is_file():
            raise _fail(where, f"'ca_bundle' {bundle} is not a file; give the CA certificates (PEM) file")
        object.__setattr__(config, "ca_bundle", bundle)
    parts = urlsplit(config.url)
    if config.auth_kind != "none" and parts.scheme == "http" and parts.hostname not in _LOOPBACK_HOSTS:
        logger.warning("PACS credentials will be sent unencrypted over http to %s; use https", parts.hostname)
    if parts.scheme == "https" and not config.verify_tls:
        logger.warning("TLS certificate checking is off for %s (verify_tls false)", parts.hostname)


def config_from_dict(values: dict, source_path: Optional[Path] = None) -> PacsConfig:
    """Settings from a parsed JSON object (see the module docstring for the keys).

    Raises:
        PacsConfigError: A key is unknown, ``url`` is missing, or a value is invalid.
    """
    where = str(source_path) if source_path is not None else "the PACS configuration"
    if not isinstance(values, dict):
        raise _fail(where, "must be a JSON object like {\"url\": \"https://…/dicom-web\"}")
    unknown = sorted(set(values) - set(KNOWN_KEYS))
    if unknown:
        raise _fail(where, f"unknown key(s) {', '.join(unknown)}; known: {', '.join(KNOWN_KEYS)}")
    if "url" not in values:
        raise _fail(where, "'url' is required: the DICOMweb base URL, e.g. \"https://pacs.example.org/dicom-web\"")
    bundle = values.get("ca_bundle")
    if bundle is not None and not isinstance(bundle, str):
        raise _fail(where, "'ca_bundle' must be a file path (string)")
    return PacsConfig(url=values["url"], username=values.get("username"), password=values.get("password"),
                      token=values.get("token"), timeout_s=values.get("timeout_s", DEFAULT_TIMEOUT_S),
                      total_timeout_s=values.get("total_timeout_s", DEFAULT_TOTAL_TIMEOUT_S),
                      verify_tls=values.get("verify_tls", True), ca_bundle=Path(bundle) if bundle else None,
                      source_path=source_path)


def load_pacs_config(path: str | Path) -> PacsConfig:
    """Read the PACS settings from the JSON file ``path`` (the only place they come from).

    Raises:
        PacsConfigError: The file is missing or unreadable, is not JSON, or has an invalid setting.
    """
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PacsConfigError(f"PACS configuration {path} does not exist; create it (see docs/pacs.md)") from None
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not UTF-8 text"
        raise PacsConfigError(f"PACS configuration {path} cannot be read ({reason})") from None
    try:
        values = json.loads(text)
    except json.JSONDecodeError as error:
        raise PacsConfigError(f"PACS configuration {path} is not valid JSON (line {error.lineno}: {error.msg})") \
            from None
    config = config_from_dict(values, source_path=path)
    logger.debug("PACS configuration %s: url %s, authentication %s", path, config.url, config.auth_kind)
    return config
