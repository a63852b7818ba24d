"""Study dates of a follow-up: given by the caller, or found in the metrics document or its label.

Dates are optional. Accepted forms are ISO ``YYYY-MM-DD`` (a time part after it is ignored) and DICOM
``YYYYMMDD``; they are reported as ISO dates. Looked up in this order: the caller's date, the document's
``study_date``, ``header.study_date`` (a ``gynai.report/1`` header), ``source.study_date`` or
``source.StudyDate``, and last the study's label when the label itself is a date.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any, Optional

from gynai.errors import UsageError

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$")
_DICOM = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date(text: Any) -> Optional[_dt.date]:
    """The date written in ``text`` (ISO or DICOM form), or None when it is not a date."""
    if isinstance(text, _dt.datetime):
        return text.date()
    if isinstance(text, _dt.date):
        return text
    if not isinstance(text, str):
        return None
    match = _ISO.match(text.strip()) or _DICOM.match(text.strip())
    if match is None:
        return None
    try:
        return _dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def checked_date(text: Optional[str], what: str) -> Optional[_dt.date]:
    """A date given by the caller, parsed.

    Raises:
        UsageError: ``text`` is given but is not a date.
    """
    if text is None or text == "":
        return None
    date = parse_date(text)
    if date is None:
        raise UsageError(f"{what} {text!r} is not a date; give it as YYYY-MM-DD or YYYYMMDD")
    return date


def document_date(document: dict, label: Optional[str] = None) -> Optional[_dt.date]:
    """The study date recorded in a metrics document, else the label when it is a date (see module doc)."""
    header = document.get("header") if isinstance(document.get("header"), dict) else {}
    source = document.get("source") if isinstance(document.get("source"), dict) else {}
    for candidate in (document.get("study_date"), header.get("study_date"), source.get("study_date"),
                      source.get("StudyDate"), label):
        date = parse_date(candidate)
        if date is not None:
            return date
    return None


def iso(date: Optional[_dt.date]) -> Optional[str]:
    """``YYYY-MM-DD`` or None."""
    return None if date is None else date.isoformat()


def interval_days(prior: Optional[_dt.date], current: Optional[_dt.date]) -> Optional[int]:
    """Days from the prior to the current study, or None when a date is unknown."""
    return None if prior is None or current is None else (current - prior).days
