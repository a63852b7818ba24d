"""Reading prior studies for a follow-up: their metrics JSON (``gynai.metrics/1``) or report JSON
(``gynai.report/1``), named by study date when known."""

from __future__ import annotations

import json
from pathlib import Path

from gynai.errors import InputFileError


def load_prior(path: Path) -> tuple[str, dict]:
    """``(label, metrics document)`` of a prior study's ``metrics.json`` or ``report.json``.

    The label is the study date of a report made from DICOM, else the measured image's file name.

    Raises:
        InputFileError: The file is missing, not JSON, or neither a GynAI metrics nor report document.
    """
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise InputFileError(f"cannot read the prior study {path}: {error}; give its metrics.json or report.json") \
            from error
    schema = document.get("schema") if isinstance(document, dict) else None
    if schema == "gynai.report/1":
        metrics = document["metrics"]
        label = (document.get("header") or {}).get("study_date")
    elif schema == "gynai.metrics/1":
        metrics, label = document, None
    else:
        raise InputFileError(f"{path} is not a GynAI metrics.json or report.json (schema {schema!r})")
    label = label or (metrics.get("source") or {}).get("image") or path.stem
    return str(label), metrics
