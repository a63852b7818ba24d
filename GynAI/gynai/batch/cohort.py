"""The cohort table: one row of key metrics per finished case, written as CSV."""

from __future__ import annotations

import csv
import io
from typing import Any, Optional

from gynai.metrics.results.document import MetricsDocument
from gynai.tasks import get_task

COMMON_COLUMNS = ("case_id", "image", "status", "seconds")


def key_metrics(document: dict) -> dict[str, Any]:
    """The task's key metrics of a ``gynai.metrics/1`` document (``Task.cohort_columns``; ``None`` where not
    assessed). For ``adnexal-mass`` the lesion figures are those of the largest lesion (the metrics' top
    level); ``lesion_count`` counts every lesion."""
    metrics = MetricsDocument.from_json(document)
    task = get_task(metrics.task)
    results = metrics.results if metrics.results is not None else task.results.load()()   # no block: nothing assessed
    row = results.cohort_row()
    return {column: row.get(column) for column in task.cohort_columns}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return str(value)


def cohort_csv(task: str, rows: list[dict[str, Any]], failed: Optional[list[dict[str, Any]]] = None) -> str:
    """CSV text: finished cases with their key metrics and warnings, then failed cases with their reason."""
    columns = COMMON_COLUMNS + get_task(task).cohort_columns + ("reason", "warnings")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in sorted(rows, key=lambda r: r["case_id"]) + sorted(failed or [], key=lambda r: r["case_id"]):
        writer.writerow([_cell(row.get(column)) for column in columns])
    return buffer.getvalue()
