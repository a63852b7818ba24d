"""Run a batch: every case of the input segmented, measured and reported, then the cohort table.

Output layout (``OUTPUT``)::

    cases/<case_id>/segmentation.seg.nrrd, metrics.json, report/…, case.json   (finished cases only)
    cohort.csv      key metrics (and input warnings, e.g. CT-like values) of the finished cases, then the
                    failed ones with their reason
    summary.json    counts, failures and reasons, per-case warnings, skipped inputs, renamed duplicates, timing

Re-running on the same output resumes: finished cases are kept (not recomputed), failed ones are tried
again. A failing case never stops the others. ``cohort.csv`` and ``summary.json`` are replaced atomically
at the end of every run.
"""

from __future__ import annotations

import json
import logging
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Optional, Sequence

from gynai.batch.case import finished_row, process_case
from gynai.batch.cohort import cohort_csv
from gynai.batch.inputs import discover_cases
from gynai.errors import OutputPathError, UsageError
from gynai.progress import ProgressCallback, report

logger = logging.getLogger(__name__)

SCHEMA = "gynai.batch/1"


@dataclass
class BatchResult:
    """What a batch run did."""

    output: Path
    done: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    resumed: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when no case failed."""
        return not self.failed


MARKER = ".gynai-batch"
"""Written into a batch output folder when a run starts, so an interrupted batch is recognised and resumed."""


def _prepare_output(output: Path) -> Path:
    if output.exists() and any(output.iterdir()) and not (output / MARKER).is_file():
        raise OutputPathError(f"{output} is not empty and is not a GynAI batch output; choose a new folder")
    cases_dir = output / "cases"
    try:
        cases_dir.mkdir(parents=True, exist_ok=True)
        (output / MARKER).write_text(f"{SCHEMA}\n", encoding="utf-8")
        probe = cases_dir / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as error:
        raise OutputPathError(f"cannot write into {output}: {error.strerror or error}; choose a writable folder") from error
    return cases_dir


def _write_atomic(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _write_summary(result: BatchResult, task: str, source: Path) -> None:
    _write_atomic(result.output / "cohort.csv", cohort_csv(task, result.done, result.failed))
    summary = {"schema": SCHEMA, "task": task, "input": str(source), "cases": len(result.done) + len(result.failed),
               "done": len(result.done), "failed": len(result.failed), "resumed": result.resumed,
               "failures": [{"case_id": r["case_id"], "image": r["image"], "reason": r["reason"]} for r in result.failed],
               "case_warnings": {r["case_id"]: r["warnings"] for r in result.done if r.get("warnings")},
               "skipped": [{"entry": entry, "reason": reason} for entry, reason in result.skipped],
               "warnings": result.warnings, "seconds": round(result.seconds, 2)}
    _write_atomic(result.output / "summary.json", json.dumps(summary, indent=2) + "\n")


def run_batch(source: Path, output: Path, task: str, workers: int = 1, device: str = "cpu",
              report_formats: Sequence[str] = ("json", "html"), progress: Optional[ProgressCallback] = None) -> BatchResult:
    """Process every case of ``source`` (folder or CSV) into ``output``; see the module docstring.

    Args:
        source: Folder of volumes / DICOM series folders, or a CSV with an ``image`` column.
        output: New folder, or the output of an earlier run of the same batch (resumed).
        task: Segmentation task.
        workers: Cases processed in parallel (separate processes); CPU threads are shared among them.
        device: ``cpu``, ``cuda`` or ``auto``.
        report_formats: Report formats per case (``json``, ``html``, ``pdf``, ``dicom``; empty for none).
        progress: ``progress(fraction, message)`` after each case.
    """
    if workers < 1:
        raise UsageError(f"--workers must be at least 1, got {workers}")
    start = time.perf_counter()
    source, output = Path(source), Path(output)
    inputs = discover_cases(source)
    cases_dir = _prepare_output(output)
    result = BatchResult(output, skipped=inputs.skipped, warnings=list(inputs.warnings))
    for entry, reason in inputs.skipped:
        logger.warning("skipped %s: %s", entry, reason)
    todo = []
    for case in inputs.cases:
        row = finished_row(cases_dir, case)
        if row is not None:
            result.done.append(row)
            result.resumed += 1
        else:
            todo.append(case)
    if result.resumed:
        logger.info("resuming: %d finished case(s) kept, %d to process", result.resumed, len(todo))
    threads = max(1, (os.cpu_count() or 1) // workers)
    total = len(inputs.cases)

    def collect(row: dict[str, Any]) -> None:
        (result.done if row["status"] == "done" else result.failed).append(row)
        finished = len(result.done) + len(result.failed)
        report(progress, finished / total, f"case {finished}/{total} {row['case_id']}: {row['status']}")

    if workers == 1 or len(todo) <= 1:
        for case in todo:
            collect(process_case(case, task, cases_dir, device, threads, report_formats))
    else:
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(process_case, case, task, cases_dir, device, threads, report_formats)
                       for case in todo]
            for future in as_completed(futures):
                collect(future.result())
    result.seconds = time.perf_counter() - start
    _write_summary(result, task, source)
    return result
