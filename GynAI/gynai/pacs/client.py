"""GynAI's PACS exchange over the ``dicomweb-client`` library: QIDO-RS search, WADO-RS series retrieval,
STOW-RS store.

The library speaks DICOMweb; GynAI gives it its own HTTP session (:class:`~gynai.pacs.http.PacsSession`:
settings from the configuration file only, a deadline per request, wildcards sent unescaped) and turns
every failure — server unreachable, timeout, TLS, refused credentials, an HTTP error or an answer that is
not DICOMweb — into one :class:`~gynai.errors.PacsError` whose one-line message says what failed and what to
do. Server answers are never echoed (a server that echoes the request would print the credentials).
"""

from __future__ import annotations

import datetime as _dt
import contextlib
import logging
import re
from pathlib import Path
from typing import Callable, Iterator, Optional, Sequence, TypeVar
from urllib.parse import urlsplit

import pydicom
import requests
from dicomweb_client.api import DICOMwebClient

from gynai.errors import InputFileError, PacsError, UsageError
from gynai.io.safe_write import staged_folder
from gynai.pacs.config import PacsConfig
from gynai.pacs.files import collect_dicom_files
from gynai.pacs.http import PacsSession, RequestDeadline
from gynai.pacs.records import (TAGS, SeriesRecord, StoreReport, StudyRecord, series_record, store_outcomes,
                                study_record)

logger = logging.getLogger(__name__)

T = TypeVar("T")
DICOM = "application/dicom"
STOW_BATCH_BYTES = 32 * 1024 * 1024
"""Files are sent in STOW-RS requests of at most about this size (one larger file goes alone)."""
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
        session: A ``requests.Session`` to use (tests); by default a :class:`PacsSession` of ``config``.
    """

    def __init__(self, config: PacsConfig, session: Optional[requests.Session] = None) -> None:
        self.config = config
        self._session = session or PacsSession(config)
        self._web = DICOMwebClient(config.url, session=self._session, timeout=config.timeout_s)
        self._web.set_http_retry_params(retry=False)          # one try, then a clear error

    def __enter__(self) -> "DicomWebClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP session."""
        self._session.close()

    # -- errors -----------------------------------------------------------------------------------------

    def _call(self, action: str, call: Callable[[], T], after: str = "") -> T:
        """Run one library call; any failure is a PacsError ``<action> failed: <why>; <what to do>``."""
        with self._errors(action, after):
            return call()

    @contextlib.contextmanager
    def _errors(self, action: str, after: str = "") -> Iterator[None]:
        where, host = self.config.where, urlsplit(self.config.url).netloc
        prefix = f"PACS {action} failed"
        try:
            yield
        except requests.exceptions.HTTPError as error:
            raise PacsError(f"{prefix}: {self._status(error.response, host)}{after}") from None
        except requests.exceptions.SSLError:
            raise PacsError(f"{prefix}: the TLS certificate of {host} could not be verified; set 'ca_bundle' "
                            f"(or 'verify_tls') in {where}{after}") from None
        except RequestDeadline:
            raise PacsError(f"{prefix}: {host} did not finish within {self._session_total():g} s; check the "
                            f"server or raise 'total_timeout_s' in {where}{after}") from None
        except requests.exceptions.Timeout:
            raise PacsError(f"{prefix}: {host} did not answer within {self.config.timeout_s:g} s; check that "
                            f"the server is up or raise 'timeout_s' in {where}{after}") from None
        except requests.exceptions.ConnectionError as error:
            raise PacsError(f"{prefix}: cannot reach {self.config.url} ({_cause(error)}); check 'url' in {where} "
                            f"and that the server is running{after}") from None
        except requests.exceptions.RequestException as error:
            raise PacsError(f"{prefix}: {type(error).__name__} talking to {host}{after}") from None
        except (ValueError, TypeError, KeyError, AttributeError, pydicom.errors.InvalidDicomError):
            raise PacsError(f"{prefix}: the answer of {host} is not valid DICOMweb; check that 'url' in {where} "
                            f"is the DICOMweb root (e.g. …/dicom-web){after}") from None

    def _session_total(self) -> float:
        return float(getattr(self._session, "total_timeout_s", self.config.total_timeout_s))

    def _status(self, response: Optional[requests.Response], host: str) -> str:
        """What an HTTP error status means and what to do (the server's answer itself is not shown)."""
        status = response.status_code if response is not None else 0
        if status == 401:
            todo = (f"check 'username'/'password' (or 'token') in {self.config.where}"
                    if self.config.auth_kind != "none" else f"add 'username' and 'password' (or 'token') to "
                                                            f"{self.config.where}")
            return f"{host} refused the credentials (HTTP 401); {todo}"
        if status == 403:
            return f"{host} denied access (HTTP 403); ask the PACS administrator for permission"
        if status == 404:
            return (f"not found on {host} (HTTP 404); check that 'url' in {self.config.where} is the DICOMweb "
                    "root (e.g. …/dicom-web) and that the UIDs exist")
        reason = " ".join(str(getattr(response, "reason", "") or "").split())[:60]
        return f"the server answered HTTP {status} {reason}".rstrip() + "; see the PACS's own log for why"

    # -- QIDO-RS ----------------------------------------------------------------------------------------

    def search_studies(self, patient_id: Optional[str] = None, study_date: Optional[str] = None,
                       modality: Optional[str] = None, limit: int = 100, offset: int = 0) -> list[StudyRecord]:
        """QIDO-RS: studies matching all given filters (DICOM matching: ``*`` and ``?`` wildcards in IDs).

        Args:
            patient_id: Patient ID to match.
            study_date: ``YYYYMMDD`` or a range ``YYYYMMDD-YYYYMMDD``.
            modality: A modality in the study, e.g. ``MR``.
            limit: At most this many studies.
            offset: Skip this many matches first (paging through a long result: 0, ``limit``, 2 ``limit``…).

        Raises:
            UsageError: A filter is malformed.
            PacsError: The search failed.
        """
        filters: dict = {}
        if patient_id:
            filters["PatientID"] = patient_id
        if study_date:
            filters["StudyDate"] = check_study_date(study_date)
        if modality:
            if not _MODALITY.match(modality.upper()):
                raise UsageError(f"modality must be a DICOM modality code such as MR or CT, got {modality!r}")
            filters["ModalitiesInStudy"] = modality.upper()
        fields = [TAGS[name] for name in STUDY_FIELDS]
        items = self._call("study search", lambda: self._web.search_for_studies(
            fields=fields, limit=int(limit), offset=int(offset) or None, search_filters=filters))
        studies = [study_record(item) for item in _json_list(items, "study search")]
        logger.info("PACS: %d stud%s found", len(studies), "y" if len(studies) == 1 else "ies")
        return studies

    def search_series(self, study_uid: str) -> list[SeriesRecord]:
        """QIDO-RS: the series of one study.

        Raises:
            UsageError: ``study_uid`` is not a UID.
            PacsError: The search failed.
        """
        check_uid(study_uid, "the study UID")
        fields = [TAGS[name] for name in SERIES_FIELDS]
        items = self._call("series search", lambda: self._web.search_for_series(study_uid, fields=fields))
        return sorted((series_record(item, study_uid) for item in _json_list(items, "series search")),
                      key=lambda record: (record.series_number is None, record.series_number or 0))

    # -- WADO-RS ----------------------------------------------------------------------------------------

    def series_metadata(self, study_uid: str, series_uid: str) -> list[dict]:
        """WADO-RS metadata: the DICOM JSON attributes of every instance of a series (no pixel data).

        Raises:
            UsageError: A UID is malformed.
            PacsError: The request failed.
        """
        check_uid(study_uid, "the study UID")
        check_uid(series_uid, "the series UID")
        action = f"metadata request of series {series_uid}"
        items = self._call(action, lambda: self._web.retrieve_series_metadata(study_uid, series_uid))
        return [item for item in _json_list(items, action) if isinstance(item, dict)]

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
        with staged_folder(Path(folder)) as staging:
            with self._errors(action, " (nothing was written)"):
                instances = self._web.iter_series(study_uid, series_uid, media_types=((DICOM, "*"),))
                count = _write_instances(instances, series_uid, staging, action)
            if count == 0:
                raise PacsError(f"PACS {action} failed: the server sent no instances (nothing was written)")
        logger.info("PACS: %d instance(s) of series %s written to %s", count, series_uid, folder)
        return sorted(Path(folder).iterdir())

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
        if study_uid:
            check_uid(study_uid, "the study UID")
        files = collect_dicom_files(paths)
        datasets = {path: _read_instance(path) for path in files}
        report = StoreReport()
        for batch in _batches(files, batch_bytes):
            sent = {str(datasets[path].SOPInstanceUID): str(path) for path in batch}
            done = len(report.stored)
            after = (f" ({done} of {len(files)} instance(s) stored before this; local files are unchanged)"
                     if done else " (local files are unchanged)")
            answer = self._stow([datasets[path] for path in batch], study_uid, f"store of {len(batch)} instance(s)",
                                after)
            report.outcomes += store_outcomes(answer, sent)
        logger.info("PACS: %d instance(s) stored, %d refused", len(report.stored), len(report.failed))
        return report

    def _stow(self, datasets: list[pydicom.Dataset], study_uid: Optional[str], action: str, after: str) -> object:
        """One STOW-RS request; its DICOM JSON answer (a 409 answer too: it lists the refused instances)."""
        try:
            with self._errors(action, after):
                try:
                    return self._web.store_instances(datasets, study_uid).to_json_dict()
                except requests.exceptions.HTTPError as error:
                    if error.response is None or error.response.status_code != 409:
                        raise
                    return error.response.json()
        except ValueError:
            raise PacsError(f"PACS {action} failed: the answer is not DICOM JSON{after}") from None


def _json_list(items: object, action: str) -> list[dict]:
    if items is None:
        return []
    if not isinstance(items, list):
        raise PacsError(f"PACS {action} failed: the answer is not a DICOM JSON list")
    return items


def _write_instances(instances, series_uid: str, staging: Path, action: str) -> int:
    count = 0
    for dataset in instances:
        sop_uid = str(getattr(dataset, "SOPInstanceUID", ""))
        part_series = str(getattr(dataset, "SeriesInstanceUID", ""))
        if part_series != series_uid:
            raise PacsError(f"PACS {action} failed: the PACS sent an instance of series {part_series or '?'}, "
                            f"not of {series_uid} (nothing was written)")
        name = f"{sop_uid}.dcm" if _UID.match(sop_uid) else f"instance-{count + 1:05d}.dcm"
        dataset.save_as(staging / name, enforce_file_format=True)
        count += 1
    return count


def _read_instance(path: Path) -> pydicom.Dataset:
    try:
        dataset = pydicom.dcmread(str(path))
        str(dataset.SOPInstanceUID)
        return dataset
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
