"""A DICOMweb client over ``requests``: QIDO-RS search, WADO-RS series retrieval, STOW-RS store.

Every failure — server unreachable, timeout, TLS, refused credentials, an HTTP error or an answer that
is not DICOMweb — becomes one :class:`~gynai.errors.PacsError` whose one-line message says what failed
and what to do. The session ignores the environment (no proxies, CA bundles or ``.netrc`` credentials
from it): only the explicit :class:`~gynai.pacs.config.PacsConfig` decides where requests go.
"""

from __future__ import annotations

import datetime as _dt
import io
import logging
import re
from pathlib import Path
from typing import Optional, Sequence
from urllib.parse import urlsplit

import pydicom
import requests

from gynai import __version__
from gynai.errors import InputFileError, PacsError, UsageError
from gynai.io.safe_write import staged_folder
from gynai.pacs.config import PacsConfig
from gynai.pacs.files import collect_dicom_files
from gynai.pacs.multipart import content_type_parameters, encode_related, iter_related, new_boundary
from gynai.pacs.records import (TAGS, SeriesRecord, StoreReport, StudyRecord, series_record, store_outcomes,
                                study_record)

logger = logging.getLogger(__name__)

DICOM_JSON = "application/dicom+json"
DICOM = "application/dicom"
STOW_BATCH_BYTES = 32 * 1024 * 1024
"""Files are sent in STOW-RS requests of at most about this size (one larger file goes alone)."""
DOWNLOAD_CHUNK_BYTES = 1024 * 1024
STUDY_FIELDS = ("StudyDescription", "ModalitiesInStudy", "NumberOfStudyRelatedSeries",
                "NumberOfStudyRelatedInstances", "AccessionNumber")
SERIES_FIELDS = ("SeriesDescription", "SeriesNumber", "NumberOfSeriesRelatedInstances")
_UID = re.compile(r"^[0-9]+(\.[0-9]+)*$")
_DATE = re.compile(r"^(\d{8})?(-)?(\d{8})?$")
_MODALITY = re.compile(r"^[A-Z0-9_]{1,16}$")


def check_uid(uid: str, what: str) -> str:
    """A DICOM UID (digits and dots, at most 64 characters), else UsageError naming ``what``."""
    if not isinstance(uid, str) or len(uid) > 64 or not _UID.match(uid):
        raise UsageError(f"{what} must be a DICOM UID (digits and dots, up to 64 characters), got {uid!r}")
    return uid


def check_study_date(text: str) -> str:
    """A QIDO-RS date or date range: ``YYYYMMDD``, ``YYYYMMDD-YYYYMMDD``, ``-YYYYMMDD`` or ``YYYYMMDD-``."""
    match = _DATE.match(text or "")
    if not match or not (match.group(1) or match.group(3)) or (match.group(2) is None and match.group(3)):
        raise UsageError(f"study date must be YYYYMMDD or a range YYYYMMDD-YYYYMMDD, got {text!r}")
    for day in (match.group(1), match.group(3)):
        if day:
            try:
                _dt.datetime.strptime(day, "%Y%m%d")
            except ValueError:
                raise UsageError(f"study date {day} is not a calendar date (YYYYMMDD)") from None
    return text


def _cause(error: Exception) -> str:
    text = str(error)
    if "Connection refused" in text:
        return "connection refused"
    if "Name or service not known" in text or "Failed to resolve" in text or "getaddrinfo" in text:
        return "host name not found"
    if "Network is unreachable" in text or "No route to host" in text:
        return "network unreachable"
    return "no connection"


class DicomWebClient:
    """Talks to one DICOMweb server; use it as a context manager (it closes its HTTP session).

    Args:
        config: Where the server is and how to authenticate.
        session: A ``requests.Session`` to use (tests); by default a new one that ignores the environment.
    """

    def __init__(self, config: PacsConfig, session: Optional[requests.Session] = None) -> None:
        self.config = config
        self._session = session or requests.Session()
        self._session.trust_env = False
        self._session.headers["User-Agent"] = f"gynai/{__version__}"
        if config.auth_kind == "basic":
            self._session.auth = (config.username, config.password)
        elif config.auth_kind == "token":
            self._session.headers["Authorization"] = f"Bearer {config.token}"
        self._session.verify = str(config.ca_bundle) if config.ca_bundle else config.verify_tls

    def __enter__(self) -> "DicomWebClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP session."""
        self._session.close()

    # -- HTTP -------------------------------------------------------------------------------------------

    def _request(self, method: str, path: str, action: str, after: str = "", **kwargs) -> requests.Response:
        """Send one request; any failure is a PacsError ``<action> failed: <why>; <what to do>``."""
        url = f"{self.config.url}/{path}"
        where, host = self.config.where, urlsplit(self.config.url).netloc
        prefix = f"PACS {action} failed"
        try:
            response = self._session.request(method, url, timeout=self.config.timeout_s, **kwargs)
        except requests.exceptions.SSLError:
            raise PacsError(f"{prefix}: the TLS certificate of {host} could not be verified; set 'ca_bundle' "
                            f"(or 'verify_tls') in {where}{after}") from None
        except requests.exceptions.Timeout:
            raise PacsError(f"{prefix}: {host} did not answer within {self.config.timeout_s:g} s; check that "
                            f"the server is up or raise 'timeout_s' in {where}{after}") from None
        except requests.exceptions.ConnectionError as error:
            raise PacsError(f"{prefix}: cannot reach {self.config.url} ({_cause(error)}); check 'url' in {where} "
                            f"and that the server is running{after}") from None
        except requests.exceptions.RequestException as error:
            raise PacsError(f"{prefix}: {type(error).__name__} talking to {host}{after}") from None
        logger.debug("%s %s -> HTTP %d", method, url, response.status_code)
        status = response.status_code
        if status == 401:
            response.close()
            todo = (f"check 'username'/'password' (or 'token') in {where}" if self.config.auth_kind != "none"
                    else f"add 'username' and 'password' (or 'token') to {where}")
            raise PacsError(f"{prefix}: {host} refused the credentials (HTTP 401); {todo}{after}")
        if status == 403:
            response.close()
            raise PacsError(f"{prefix}: {host} denied access (HTTP 403); ask the PACS administrator for "
                            f"permission{after}")
        if status == 404:
            response.close()
            raise PacsError(f"{prefix}: not found on {host} (HTTP 404); check that 'url' in {where} is the "
                            f"DICOMweb root (e.g. …/dicom-web) and that the UIDs exist{after}")
        return response

    def _raise_status(self, response: requests.Response, action: str, after: str = "") -> None:
        detail = _server_message(response)
        response.close()
        raise PacsError(f"PACS {action} failed: the server answered HTTP {response.status_code} "
                        f"{response.reason or ''}".rstrip() + (f" ({detail})" if detail else "") + after)

    def _json(self, response: requests.Response, action: str) -> object:
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise PacsError(f"PACS {action} failed: the answer is not JSON "
                            f"(Content-Type {response.headers.get('Content-Type', 'none')}); check that "
                            f"'url' in {self.config.where} is the DICOMweb root") from None

    # -- QIDO-RS ----------------------------------------------------------------------------------------

    def _search(self, path: str, action: str, params: dict) -> list[dict]:
        response = self._request("GET", path, action, params=params, headers={"Accept": DICOM_JSON})
        if response.status_code not in (200, 204):
            self._raise_status(response, action)
        answer = self._json(response, action)
        if answer is None:
            return []
        if not isinstance(answer, list):
            raise PacsError(f"PACS {action} failed: the answer is not a DICOM JSON list")
        return answer

    def search_studies(self, patient_id: Optional[str] = None, study_date: Optional[str] = None,
                       modality: Optional[str] = None, limit: int = 100) -> list[StudyRecord]:
        """QIDO-RS: studies matching all given filters (DICOM matching: ``*`` and ``?`` wildcards in IDs).

        Args:
            patient_id: Patient ID to match.
            study_date: ``YYYYMMDD`` or a range ``YYYYMMDD-YYYYMMDD``.
            modality: A modality in the study, e.g. ``MR``.
            limit: At most this many studies.

        Raises:
            UsageError: A filter is malformed.
            PacsError: The search failed.
        """
        params: dict = {"includefield": [TAGS[name] for name in STUDY_FIELDS], "limit": int(limit)}
        if patient_id:
            params["PatientID"] = patient_id
        if study_date:
            params["StudyDate"] = check_study_date(study_date)
        if modality:
            if not _MODALITY.match(modality.upper()):
                raise UsageError(f"modality must be a DICOM modality code such as MR or CT, got {modality!r}")
            params["ModalitiesInStudy"] = modality.upper()
        studies = [study_record(item) for item in self._search("studies", "study search", params)]
        logger.info("PACS: %d stud%s found", len(studies), "y" if len(studies) == 1 else "ies")
        return studies

    def search_series(self, study_uid: str) -> list[SeriesRecord]:
        """QIDO-RS: the series of one study.

        Raises:
            UsageError: ``study_uid`` is not a UID.
            PacsError: The search failed.
        """
        check_uid(study_uid, "the study UID")
        params = {"includefield": [TAGS[name] for name in SERIES_FIELDS]}
        items = self._search(f"studies/{study_uid}/series", "series search", params)
        return sorted((series_record(item, study_uid) for item in items),
                      key=lambda record: (record.series_number is None, record.series_number or 0))

    # -- WADO-RS ----------------------------------------------------------------------------------------

    def retrieve_series(self, study_uid: str, series_uid: str, folder: Path) -> list[Path]:
        """WADO-RS: write every instance of a series into ``folder`` (new or empty), all or nothing.

        The instances are written into a temporary sibling folder that is renamed to ``folder`` only
        when the whole series arrived; on any failure nothing is left behind.

        Returns:
            The written files, ``<SOPInstanceUID>.dcm``, sorted by name.

        Raises:
            UsageError: A UID is malformed.
            OutputPathError: ``folder`` exists and is not empty.
            PacsError: The retrieval failed or the series is empty or not on the server.
        """
        check_uid(study_uid, "the study UID")
        check_uid(series_uid, "the series UID")
        action = f"retrieval of series {series_uid}"
        accept = f'multipart/related; type="{DICOM}"; transfer-syntax=*'
        with staged_folder(Path(folder)) as staging:
            response = self._request("GET", f"studies/{study_uid}/series/{series_uid}", action,
                                     " (nothing was written)", headers={"Accept": accept}, stream=True)
            with response:
                if response.status_code != 200:
                    self._raise_status(response, action, " (nothing was written)")
                media, parameters = content_type_parameters(response.headers.get("Content-Type", ""))
                if media != "multipart/related" or not parameters.get("boundary"):
                    raise PacsError(f"PACS {action} failed: the answer is {media or 'untyped'}, not "
                                    "multipart/related DICOM (nothing was written)")
                try:
                    chunks = response.iter_content(chunk_size=DOWNLOAD_CHUNK_BYTES)
                    count = self._write_parts(iter_related(chunks, parameters["boundary"]), series_uid, staging)
                except requests.exceptions.RequestException:
                    raise PacsError(f"PACS {action} failed: the connection broke during the download; try "
                                    "again (nothing was written)") from None
                except PacsError as error:
                    raise PacsError(f"PACS {action} failed: {error} (nothing was written)") from None
            if count == 0:
                raise PacsError(f"PACS {action} failed: the server sent no instances (nothing was written)")
        logger.info("PACS: %d instance(s) of series %s written to %s", count, series_uid, folder)
        return sorted(Path(folder).iterdir())

    @staticmethod
    def _write_parts(parts, series_uid: str, staging: Path) -> int:
        count = 0
        for part in parts:
            if part.content_type not in ("", DICOM):
                raise PacsError(f"the PACS sent a {part.content_type} part where DICOM was expected")
            try:
                header = pydicom.dcmread(io.BytesIO(part.content), stop_before_pixels=True)
                sop_uid, part_series = str(header.SOPInstanceUID), str(header.SeriesInstanceUID)
            except Exception:  # pydicom raises several types for damaged data
                raise PacsError("the PACS sent an instance that is not readable DICOM") from None
            if part_series != series_uid:
                raise PacsError(f"the PACS sent an instance of series {part_series}, not of {series_uid}")
            name = f"{sop_uid}.dcm" if _UID.match(sop_uid) else f"instance-{count + 1:05d}.dcm"
            (staging / name).write_bytes(part.content)
            count += 1
        return count

    # -- STOW-RS ----------------------------------------------------------------------------------------

    def store(self, paths: Sequence[Path], study_uid: Optional[str] = None,
              batch_bytes: int = STOW_BATCH_BYTES) -> StoreReport:
        """STOW-RS: store DICOM files (or the DICOM files in folders), reporting each instance's outcome.

        Local files are only read, never changed. Instances the server refuses are reported in the
        returned report (``failed``), not raised.

        Args:
            paths: DICOM files and folders (searched recursively for DICOM files).
            study_uid: Store into this study only (``POST studies/{uid}``): the server refuses instances
                of other studies. None stores each instance into its own study.
            batch_bytes: Send the files in requests of about this size.

        Raises:
            UsageError: ``study_uid`` is not a UID.
            InputFileError: A path is missing or not DICOM, or there is nothing to send (nothing is sent).
            PacsError: A request failed (the message says how many instances were stored before).
        """
        target = f"studies/{check_uid(study_uid, 'the study UID')}" if study_uid else "studies"
        files = collect_dicom_files(paths)
        uids = {path: _sop_instance_uid(path) for path in files}
        report = StoreReport()
        for batch in _batches(files, batch_bytes):
            sent = {uids[path]: str(path) for path in batch}
            boundary = new_boundary()
            body = encode_related((path.read_bytes() for path in batch), DICOM, boundary)
            done = len(report.stored)
            after = (f" ({done} of {len(files)} instance(s) stored before this; local files are unchanged)"
                     if done else " (local files are unchanged)")
            action = f"store of {len(batch)} instance(s)"
            headers = {"Accept": DICOM_JSON,
                       "Content-Type": f'multipart/related; type="{DICOM}"; boundary={boundary}'}
            response = self._request("POST", target, action, after, data=body, headers=headers)
            if response.status_code not in (200, 202, 409):
                self._raise_status(response, action, after)
            answer = self._json(response, action) if response.content else None
            report.outcomes += store_outcomes(answer, sent)
        logger.info("PACS: %d instance(s) stored, %d refused", len(report.stored), len(report.failed))
        return report


def _server_message(response: requests.Response) -> str:
    """The server's own short explanation of an error answer (one line), or empty."""
    try:
        text = response.text if len(response.content) < 65536 else ""
    except requests.exceptions.RequestException:
        return ""
    message = ""
    try:
        answer = response.json()
        if isinstance(answer, dict):
            message = str(answer.get("Message") or answer.get("Details") or answer.get("error") or "")
    except ValueError:
        if response.headers.get("Content-Type", "").startswith("text/plain"):
            message = text
    message = " ".join(message.split())
    return message[:160] + ("…" if len(message) > 160 else "")


def _sop_instance_uid(path: Path) -> str:
    try:
        header = pydicom.dcmread(str(path), stop_before_pixels=True)
        return str(header.SOPInstanceUID)
    except Exception:  # pydicom raises several types for damaged files
        raise InputFileError(f"{path} is not a readable DICOM file (no SOP Instance UID); nothing was sent") \
            from None


def _batches(files: list[Path], batch_bytes: int) -> list[list[Path]]:
    batches: list[list[Path]] = [[]]
    size = 0
    for path in files:
        length = path.stat().st_size
        if batches[-1] and size + length > batch_bytes:
            batches.append([])
            size = 0
        batches[-1].append(path)
        size += length
    return batches
