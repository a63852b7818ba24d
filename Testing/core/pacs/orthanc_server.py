"""Start a throw-away Orthanc with its DICOMweb plugin on loopback, for the PACS tests.

Everything lives in a temporary folder (configuration, storage, index, log); the server only accepts
connections from this machine, requires a test user, and is killed when the context ends.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import requests

ORTHANC = Path("/usr/sbin/Orthanc")
DICOMWEB_PLUGIN = Path("/usr/share/orthanc/plugins/libOrthancDicomWeb.so")
USERNAME, PASSWORD = "gynai-test", "not-a-real-secret-42"
MISSING = ("Orthanc with its DICOMweb plugin is needed for the PACS tests (Debian packages orthanc and "
           "orthanc-dicomweb); .ci/run installs them")


@dataclass(frozen=True)
class OrthancServer:
    """A running test server."""

    http_port: int
    folder: Path
    log_path: Path

    @property
    def root_url(self) -> str:
        """Orthanc's REST root."""
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def dicomweb_url(self) -> str:
        """The DICOMweb base URL."""
        return f"{self.root_url}/dicom-web"

    def log(self) -> str:
        """The server's log so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def missing_reason() -> str | None:
    """Why Orthanc cannot be started here, or None."""
    if not ORTHANC.is_file() or not DICOMWEB_PLUGIN.is_file():
        return MISSING
    return None


def _config(folder: Path, http_port: int, dicom_port: int) -> dict:
    return {
        "Name": "GynAI-test", "StorageDirectory": str(folder / "storage"), "IndexDirectory": str(folder / "index"),
        "HttpPort": http_port, "DicomPort": dicom_port, "DicomServerEnabled": False,
        "RemoteAccessAllowed": False, "AuthenticationEnabled": True, "RegisteredUsers": {USERNAME: PASSWORD},
        "Plugins": [str(DICOMWEB_PLUGIN)], "DicomWeb": {"Enable": True, "Root": "/dicom-web/"},
        "HttpDescribeErrors": True, "StableAge": 1, "ConcurrentJobs": 1, "HttpThreadsCount": 4,
    }


@contextlib.contextmanager
def running_orthanc(folder: Path, start_timeout_s: float = 60.0) -> Iterator[OrthancServer]:
    """Run Orthanc with the DICOMweb plugin in ``folder`` until the context ends.

    Raises:
        RuntimeError: Orthanc exited or did not answer within ``start_timeout_s`` (its log is included).
    """
    folder.mkdir(parents=True, exist_ok=True)
    http_port, dicom_port = free_port(), free_port()
    config_path = folder / "orthanc.json"
    config_path.write_text(json.dumps(_config(folder, http_port, dicom_port), indent=2), encoding="utf-8")
    server = OrthancServer(http_port, folder, folder / "orthanc.log")
    with open(server.log_path, "wb") as log:
        process = subprocess.Popen([str(ORTHANC), str(config_path)], stdout=log, stderr=subprocess.STDOUT,
                                   cwd=folder)
    try:
        _wait_until_ready(server, process, start_timeout_s)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def orthanc_or_fail(folder: Path) -> Iterator[OrthancServer]:
    """:func:`running_orthanc` for a test fixture: a missing or failing Orthanc fails the tests that need it
    (never a skip: the README's test command installs it)."""
    import pytest

    reason = missing_reason()
    if reason:
        pytest.fail(reason)
    try:
        with running_orthanc(folder) as server:
            yield server
    except RuntimeError as error:
        pytest.fail(str(error))


def _wait_until_ready(server: OrthancServer, process: subprocess.Popen, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Orthanc exited with code {process.returncode} at start-up; its log:\n{server.log()}")
        try:
            answer = requests.get(f"{server.root_url}/plugins", auth=(USERNAME, PASSWORD), timeout=2)
        except requests.exceptions.ConnectionError:
            time.sleep(0.2)
            continue
        if answer.status_code == 200 and "dicom-web" in answer.json():
            return
        time.sleep(0.2)
    raise RuntimeError(f"Orthanc did not answer on port {server.http_port} within {timeout_s:g} s (or has no "
                       f"DICOMweb plugin); its log:\n{server.log()}")
