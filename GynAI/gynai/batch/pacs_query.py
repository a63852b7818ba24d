"""The cohort query of ``gynai batch --from-pacs``: which series of the PACS are the batch's cases.

The query is comma-separated ``Key=Value`` text, e.g.
``StudyDate=20250101-20251231,Modality=MR,SeriesDescription=*T2*SAG*``. Keys (each at most once):

* ``StudyDate``: ``YYYYMMDD`` or a range ``YYYYMMDD-YYYYMMDD`` / ``YYYYMMDD-`` / ``-YYYYMMDD``.
* ``Modality``: the series' modality (``MR``); the study search asks for studies holding it.
* ``SeriesDescription``, ``StudyDescription``: DICOM wildcards ``*`` and ``?``, matched without case.
* ``PatientID``: DICOM wildcards ``*`` and ``?``, matched with case (as DICOM does).

PatientID, StudyDate and the modality are sent to the server (QIDO-RS); every key is checked again here on
what the server answered (a server that ignores a filter cannot widen the cohort), and the descriptions are
matched only here (servers differ in how they match text). Series that are not images (SEG, SR, DOC, KO,
PR, …: e.g. GynAI's own results) are never cases.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Optional

from gynai.errors import UsageError
from gynai.pacs.client import check_study_date
from gynai.pacs.records import SeriesRecord, StudyRecord

KEYS = ("StudyDate", "Modality", "SeriesDescription", "PatientID", "StudyDescription")
"""The keys a cohort query may use."""

EXAMPLE = "StudyDate=20250101-20251231,Modality=MR,SeriesDescription=*T2*SAG*"
NON_IMAGE_MODALITIES = frozenset({"SEG", "SR", "DOC", "KO", "PR", "REG", "RTSTRUCT", "RTPLAN", "RTDOSE",
                                  "RTRECORD", "PLAN", "FID", "AU", "ECG"})
"""Series modalities that hold no image volume: never a case of the batch."""

MAX_VALUE_CHARS = 64
_MODALITY = re.compile(r"^[A-Z0-9_]{1,16}$")
_ATTRIBUTES = {"StudyDate": "study_date", "Modality": "modality", "SeriesDescription": "series_description",
               "PatientID": "patient_id", "StudyDescription": "study_description"}


def _refuse(problem: str) -> UsageError:
    return UsageError(f"--query: {problem}; give comma-separated Key=Value with keys {', '.join(KEYS)}, "
                      f"e.g. '{EXAMPLE}'")


def wildcard_match(pattern: str, text: Optional[str], ignore_case: bool = True) -> bool:
    """True when ``text`` matches the DICOM wildcard ``pattern`` (``*`` any run, ``?`` one character; every
    other character literal, ``[`` too). ``None`` text never matches."""
    if text is None:
        return False
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text.strip(), re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL) is not None


def _in_date_range(day: Optional[str], date_range: str) -> bool:
    if not day:
        return True                                     # the server matched it; the answer left it out
    low, _, high = date_range.partition("-") if "-" in date_range else (date_range, "", date_range)
    return (not low or day >= low) and (not high or day <= high)


@dataclass(frozen=True)
class CohortQuery:
    """A parsed cohort query (None: no condition on that attribute)."""

    study_date: Optional[str] = None
    modality: Optional[str] = None
    series_description: Optional[str] = None
    patient_id: Optional[str] = None
    study_description: Optional[str] = None

    def matches_study(self, study: StudyRecord) -> bool:
        """Whether a study found by the server meets the study-level conditions."""
        if self.study_date and not _in_date_range(study.study_date, self.study_date):
            return False
        if self.patient_id and study.patient_id is not None and \
                not wildcard_match(self.patient_id, study.patient_id, ignore_case=False):
            return False
        if self.modality and study.modalities and self.modality not in study.modalities:
            return False
        return not self.study_description or wildcard_match(self.study_description, study.study_description)

    def matches_series(self, series: SeriesRecord) -> bool:
        """Whether a series of a matching study is a case: an image series meeting the series conditions."""
        modality = (series.modality or "").upper()
        if modality in NON_IMAGE_MODALITIES or (self.modality and modality != self.modality):
            return False
        return not self.series_description or wildcard_match(self.series_description, series.series_description)

    def to_dict(self) -> dict[str, str]:
        """The conditions given, by DICOM keyword."""
        return {key: getattr(self, name) for key, name in _ATTRIBUTES.items() if getattr(self, name)}


def _check_value(key: str, value: str) -> str:
    if len(value) > MAX_VALUE_CHARS or "\\" in value or any(ord(c) < 32 for c in value):
        raise _refuse(f"{key} must be at most {MAX_VALUE_CHARS} characters without backslashes or control "
                      f"characters, got {value!r}")
    if key == "StudyDate":
        try:
            return check_study_date(value)
        except UsageError as error:
            raise UsageError(f"--query: StudyDate: {error}") from None
    if key == "Modality":
        if not _MODALITY.match(value.upper()):
            raise _refuse(f"Modality must be a DICOM modality code such as MR, got {value!r}")
        return value.upper()
    return value


def parse_cohort_query(text: str) -> CohortQuery:
    """Parse ``Key=Value,Key=Value`` (see the module description).

    Raises:
        UsageError: Empty text, a part without ``=``, an unknown or repeated key, an empty or malformed value.
    """
    if not isinstance(text, str) or not text.strip():
        raise _refuse("the query is empty")
    values: dict[str, str] = {}
    by_lower = {key.lower(): key for key in KEYS}
    for part in text.split(","):
        key, equals, value = (piece.strip() for piece in part.partition("="))
        if not equals:
            raise _refuse(f"{part.strip()!r} is not Key=Value")
        canonical = by_lower.get(key.lower())
        if canonical is None:
            raise _refuse(f"unknown key {key!r}")
        if canonical in values:
            raise _refuse(f"{canonical} is given twice")
        if not value:
            raise _refuse(f"{canonical} has no value")
        values[canonical] = _check_value(canonical, value)
    return CohortQuery(**{_ATTRIBUTES[key]: value for key, value in values.items()})


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "-", text).strip(".-")


def series_case_id(study: StudyRecord, series: SeriesRecord) -> str:
    """A readable case id that stays the same for a series in every run:
    ``<PatientID>_<StudyDate>_s<SeriesNumber>_<6 hex digits of the Series Instance UID>`` (sanitised; the
    digest keeps two series with the same patient, date and number apart)."""
    digest = hashlib.sha256(series.series_instance_uid.encode("ascii", "replace")).hexdigest()[:6]
    number = f"s{series.series_number}" if series.series_number is not None else "s"
    parts = [_safe(study.patient_id or "") or "anon", _safe(study.study_date or "") or "nodate", number, digest]
    return "_".join(parts)

