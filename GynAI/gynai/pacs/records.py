"""What DICOMweb answers mean: QIDO-RS study/series records and the STOW-RS store report.

The DICOM JSON model (PS3.18 F.2) keys attributes by tag (``"0020000D"``) with a ``vr`` and a
``Value`` list; person names are ``{"Alphabetic": …}`` objects.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Optional

from gynai.errors import PacsError

TAGS = {
    "PatientName": "00100010", "PatientID": "00100020", "StudyInstanceUID": "0020000D",
    "StudyDate": "00080020", "StudyTime": "00080030", "StudyDescription": "00081030",
    "AccessionNumber": "00080050", "ModalitiesInStudy": "00080061", "NumberOfStudyRelatedSeries": "00201206",
    "NumberOfStudyRelatedInstances": "00201208", "SeriesInstanceUID": "0020000E", "Modality": "00080060",
    "SeriesNumber": "00200011", "SeriesDescription": "0008103E", "NumberOfSeriesRelatedInstances": "00201209",
    "ReferencedSOPSequence": "00081199", "FailedSOPSequence": "00081198", "ReferencedSOPClassUID": "00081150",
    "ReferencedSOPInstanceUID": "00081155", "FailureReason": "00081197", "WarningReason": "00081196",
}

FAILURE_REASONS = {
    0x0110: "processing failure", 0x0122: "SOP class not supported", 0x0124: "not authorized",
    0xA700: "out of resources", 0xA900: "data set does not match SOP class", 0xC000: "cannot understand",
    0xC122: "referenced transfer syntax not supported", 0xD000: "conflicts with an instance already stored",
}


def _values(item: dict, keyword: str) -> list:
    element = item.get(TAGS[keyword]) or {}
    values = element.get("Value") if isinstance(element, dict) else None
    return values if isinstance(values, list) else []


def json_value(item: dict, keyword: str) -> Any:
    """The first value of an attribute in a DICOM JSON object (person names as text), or None."""
    values = _values(item, keyword)
    if not values:
        return None
    value = values[0]
    if isinstance(value, dict):  # PN
        return value.get("Alphabetic") or value.get("Ideographic") or value.get("Phonetic")
    return value


def _int_or_none(value: Any) -> Optional[int]:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class SeriesRecord:
    """One series found by QIDO-RS."""

    study_instance_uid: str
    series_instance_uid: str
    modality: Optional[str] = None
    series_number: Optional[int] = None
    series_description: Optional[str] = None
    number_of_instances: Optional[int] = None

    def to_dict(self) -> dict:
        """A JSON-serialisable dict."""
        return asdict(self)


@dataclass(frozen=True)
class StudyRecord:
    """One study found by QIDO-RS (its series are filled in when they were asked for)."""

    study_instance_uid: str
    patient_id: Optional[str] = None
    patient_name: Optional[str] = None
    study_date: Optional[str] = None
    study_description: Optional[str] = None
    accession_number: Optional[str] = None
    modalities: tuple[str, ...] = ()
    number_of_series: Optional[int] = None
    number_of_instances: Optional[int] = None
    series: tuple[SeriesRecord, ...] = field(default=())

    def to_dict(self) -> dict:
        """A JSON-serialisable dict (series included)."""
        values = asdict(self)
        values["modalities"] = list(self.modalities)
        values["series"] = [record.to_dict() for record in self.series]
        return values


def _require_uid(item: Any, keyword: str, what: str) -> str:
    uid = json_value(item, keyword) if isinstance(item, dict) else None
    if not isinstance(uid, str) or not uid:
        raise PacsError(f"the PACS answered a {what} query with an entry without {keyword} (not DICOM JSON)")
    return uid


def study_record(item: dict) -> StudyRecord:
    """A study record from one QIDO-RS study result.

    Raises:
        PacsError: The result has no Study Instance UID.
    """
    return StudyRecord(
        study_instance_uid=_require_uid(item, "StudyInstanceUID", "study"),
        patient_id=json_value(item, "PatientID"), patient_name=json_value(item, "PatientName"),
        study_date=json_value(item, "StudyDate"), study_description=json_value(item, "StudyDescription"),
        accession_number=json_value(item, "AccessionNumber"),
        modalities=tuple(str(v) for v in _values(item, "ModalitiesInStudy")),
        number_of_series=_int_or_none(json_value(item, "NumberOfStudyRelatedSeries")),
        number_of_instances=_int_or_none(json_value(item, "NumberOfStudyRelatedInstances")))


def series_record(item: dict, study_uid: str) -> SeriesRecord:
    """A series record from one QIDO-RS series result.

    Raises:
        PacsError: The result has no Series Instance UID.
    """
    return SeriesRecord(
        study_instance_uid=json_value(item, "StudyInstanceUID") or study_uid,
        series_instance_uid=_require_uid(item, "SeriesInstanceUID", "series"),
        modality=json_value(item, "Modality"), series_number=_int_or_none(json_value(item, "SeriesNumber")),
        series_description=json_value(item, "SeriesDescription"),
        number_of_instances=_int_or_none(json_value(item, "NumberOfSeriesRelatedInstances")))


@dataclass(frozen=True)
class InstanceOutcome:
    """What the PACS said about one stored instance."""

    sop_instance_uid: str
    path: str
    stored: bool
    reason: Optional[str] = None


@dataclass
class StoreReport:
    """Per-instance outcome of a STOW-RS store, over all requests of one store call."""

    outcomes: list[InstanceOutcome] = field(default_factory=list)

    @property
    def stored(self) -> list[InstanceOutcome]:
        """Instances the PACS accepted."""
        return [outcome for outcome in self.outcomes if outcome.stored]

    @property
    def failed(self) -> list[InstanceOutcome]:
        """Instances the PACS refused or did not report on."""
        return [outcome for outcome in self.outcomes if not outcome.stored]

    def to_dict(self) -> dict:
        """A JSON-serialisable summary."""
        return {"stored": len(self.stored), "failed": len(self.failed),
                "instances": [asdict(outcome) for outcome in self.outcomes]}


def _reason(code: Any) -> str:
    number = _int_or_none(code)
    if number is None:
        return "refused (no reason given)"
    return f"{FAILURE_REASONS.get(number, 'refused')} (0x{number:04X})"


def store_outcomes(answer: Any, sent: dict[str, str]) -> list[InstanceOutcome]:
    """Per-instance outcomes from a STOW-RS answer (ReferencedSOPSequence / FailedSOPSequence).

    Args:
        answer: The decoded DICOM JSON answer (an object, or a one-element list of it), or None.
        sent: SOP Instance UID → local path of every instance sent in the request.
    """
    if isinstance(answer, list) and len(answer) == 1:
        answer = answer[0]
    answer = answer if isinstance(answer, dict) else {}
    reported: dict[str, tuple[bool, Optional[str]]] = {}
    for item in _values(answer, "ReferencedSOPSequence"):
        uid = json_value(item, "ReferencedSOPInstanceUID") if isinstance(item, dict) else None
        if uid:
            reported[str(uid)] = (True, None)
    for item in _values(answer, "FailedSOPSequence"):
        uid = json_value(item, "ReferencedSOPInstanceUID") if isinstance(item, dict) else None
        if uid:
            reported[str(uid)] = (False, _reason(json_value(item, "FailureReason")))
    outcomes = []
    for uid, path in sent.items():
        stored, reason = reported.get(uid, (False, "the PACS did not report on this instance"))
        outcomes.append(InstanceOutcome(uid, path, stored, reason))
    return outcomes
