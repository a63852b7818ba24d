"""One case of a batch: segment, measure and report into ``cases/<id>/``, all or nothing.

The case is written into a hidden staging folder beside its final place and renamed when everything
succeeded; a finished case folder is therefore complete, and a failed case leaves nothing behind.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Optional, Sequence

from gynai.batch.cohort import key_metrics
from gynai.batch.inputs import BatchCase
from gynai.errors import GynAIError

logger = logging.getLogger(__name__)

DONE_FILE = "case.json"
"""Written last into each finished case folder: the case's summary row."""


def case_folder(cases_dir: Path, case_id: str) -> Path:
    """Where a case's results live."""
    return Path(cases_dir) / case_id


def finished_row(cases_dir: Path, case: BatchCase) -> Optional[dict[str, Any]]:
    """The summary row of a case finished in an earlier run on the same image, or ``None``."""
    path = case_folder(cases_dir, case.case_id) / DONE_FILE
    try:
        row = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return row if row.get("status") == "done" and row.get("image") == str(case.image) else None


def _run(case: BatchCase, task: str, staging: Path, device: str, threads: Optional[int],
         report_formats: Sequence[str]) -> tuple[dict, list[str]]:
    from gynai.inference.bundle import load_task_bundle
    from gynai.inference.predict import segment_image
    from gynai.io.images import read_image
    from gynai.io.segnrrd import write_seg_nrrd
    from gynai.metrics.document import metrics_document
    from gynai.report.outputs import write_report
    from gynai.tasks import get_task
    from gynai.terminology import task_terminology

    image = read_image(case.image)
    warnings: list[str] = []
    labels = segment_image(image, task, device, threads=threads, warnings=warnings)
    write_seg_nrrd(labels, staging / "segmentation.seg.nrrd", task_terminology(get_task(task)))
    info = load_task_bundle(task)
    model = {"name": info.name, "version": info.version}
    document = metrics_document(image, labels, task, model,
                                {"image": case.image.name, "segmentation": "segmentation.seg.nrrd"})
    (staging / "metrics.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    if report_formats:
        write_report(image, labels, task, staging / "report", tuple(report_formats), document, model)
    return document, warnings


def process_case(case: BatchCase, task: str, cases_dir: Path, device: str = "cpu", threads: Optional[int] = None,
                 report_formats: Sequence[str] = ("json", "html")) -> dict[str, Any]:
    """Segment, measure and report one case; returns its summary row (``status`` ``done`` or ``failed``).

    Never raises for a problem of the case itself: the row then says ``failed`` with the reason.
    """
    start = time.perf_counter()
    row: dict[str, Any] = {"case_id": case.case_id, "image": str(case.image)}
    final = case_folder(cases_dir, case.case_id)
    staging = Path(tempfile.mkdtemp(prefix=f".{case.case_id}.", dir=cases_dir))
    try:
        document, warnings = _run(case, task, staging, device, threads, report_formats)
        row.update({"status": "done", "seconds": round(time.perf_counter() - start, 2), "warnings": warnings,
                    **key_metrics(document)})
        (staging / DONE_FILE).write_text(json.dumps(row, indent=2) + "\n", encoding="utf-8")
        if final.exists():
            shutil.rmtree(final)                   # an unfinished folder of an earlier, interrupted run
        staging.rename(final)
    except (GynAIError, OSError, ValueError, RuntimeError) as error:
        shutil.rmtree(staging, ignore_errors=True)
        reason = str(error) if isinstance(error, GynAIError) else f"{type(error).__name__}: {error}"
        row.update({"status": "failed", "seconds": round(time.perf_counter() - start, 2), "reason": reason})
        logger.warning("case %s failed: %s", case.case_id, reason)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return row
