"""Run a batch: every case of the input segmented, measured and reported, then the cohort table.

Output layout (``OUTPUT``)::

    .gynai-batch    marker: the schema and task of the batch (JSON)
    cases/<case_id>/segmentation.seg.nrrd, metrics.json, report/…, case.json   (finished cases only)
    cohort.csv      key metrics (and input warnings, e.g. CT-like values) of the finished cases, then the
                    failed ones with their reason
    summary.json    counts, failures and reasons, per-case warnings, skipped inputs, renamed duplicates, timing

Re-running on the same output resumes: a finished case is kept (not recomputed) when its image, the model,
the report formats and the input file's size and modification time are unchanged, otherwise it is redone;
failed cases are tried again. An output that holds a batch of another task is refused (one-line
:class:`OutputPathError` naming that task), since resuming it would mix the tasks' results.

A failing case never stops the others: any exception of a case is recorded as its failure. Each worker
runs one case at a time; when a worker process dies, the cases in flight at that moment (at most one per
worker) are recorded as failed ("worker process crashed") and the rest continue in a fresh pool. With a
per-case deadline (``case_timeout_s``) every case runs in a process of its own that is killed at the
deadline. Workers end with the batch (:mod:`gynai.batch.processes`); staged case folders and temporary
files that a killed run left are removed when the next run starts. ``cohort.csv`` and ``summary.json`` are replaced atomically at the end of
every run; when they cannot be written (e.g. disk full) the run ends with :class:`OutputPathError`, no
temporary file is left and the finished case folders are kept.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

from gynai.batch.case import finished_row, process_case
from gynai.batch.cohort import cohort_csv
from gynai.batch.inputs import discover_cases
from gynai.batch.processes import run_in_pools, run_with_deadlines
from gynai.batch.tally import BatchTally
from gynai.errors import OutputPathError, UsageError
from gynai.io.leftovers import remove_leftovers
from gynai.models import selection
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

    def log_outcome(self, log: logging.Logger) -> None:
        """Log one line of counts (cases done, resumed, failed, inputs skipped; the cohort table) and a warning
        per failed case with its reason."""
        log.info("batch: %d case(s) done (%d resumed), %d failed, %d input(s) skipped; cohort table %s",
                 len(self.done), self.resumed, len(self.failed), len(self.skipped), self.output / "cohort.csv")
        for row in self.failed:
            log.warning("failed %s: %s", row["case_id"], row["reason"])


MARKER = ".gynai-batch"
"""Written into a batch output folder when a run starts, so an interrupted batch is recognised and resumed."""


def _recorded_task(output: Path) -> Optional[str]:
    """The task of the batch in ``output`` (marker, or summary of a run before the marker held it)."""
    for name in (MARKER, "summary.json"):
        try:
            recorded = json.loads((output / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue                                  # missing, or the plain-text marker of earlier versions
        if isinstance(recorded, dict) and isinstance(recorded.get("task"), str):
            return recorded["task"]
    return None


def check_output(output: Path, task: str) -> None:
    """Refuse an output that is a file, holds other data, or holds a batch of another task (writes nothing)."""
    if output.exists() and not output.is_dir():
        raise OutputPathError(f"{output} is a file; give a folder for the batch output")
    if output.exists() and any(output.iterdir()):
        if not (output / MARKER).is_file():
            raise OutputPathError(f"{output} is not empty and is not a GynAI batch output; choose a new folder")
        found = _recorded_task(output)
        if found is not None and found != task:
            raise OutputPathError(f"{output} holds a batch of task {found!r}, not {task!r}; choose a new output "
                                  f"folder (or run with --task {found} to resume it)")


def prepare_output(output: Path, task: str) -> Path:
    """Create the output's ``cases`` folder, remove what a killed run left, write the marker; returns ``cases``.

    Raises:
        OutputPathError: The output cannot be written.
    """
    cases_dir = output / "cases"
    try:
        cases_dir.mkdir(parents=True, exist_ok=True)
        for folder in (output.parent, output, cases_dir):      # what a killed run left (staged cases, temp files)
            remove_leftovers(folder)
        (output / MARKER).write_text(json.dumps({"schema": SCHEMA, "task": task}) + "\n", encoding="utf-8")
        probe = cases_dir / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as error:
        raise OutputPathError(f"cannot write into {output}: {error.strerror or error}; choose a writable folder") from error
    return cases_dir


def _write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` atomically.

    Raises:
        OutputPathError: It cannot be written (e.g. disk full); no temporary file is left.
    """
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise OutputPathError(f"cannot write {path}: {error.strerror or error}; the finished cases are kept in "
                              f"{path.parent / 'cases'}: free space or fix permissions, then run again") from error


def _write_summary(result: BatchResult, task: str, source: Path) -> None:
    _write_atomic(result.output / "cohort.csv", cohort_csv(task, result.done, result.failed))
    summary = {"schema": SCHEMA, "task": task, "input": str(source), "cases": len(result.done) + len(result.failed),
               "done": len(result.done), "failed": len(result.failed), "resumed": result.resumed,
               "failures": [{"case_id": r["case_id"], "image": r["image"], "reason": r["reason"]} for r in result.failed],
               "case_warnings": {r["case_id"]: r["warnings"] for r in result.done if r.get("warnings")},
               "skipped": [{"entry": entry, "reason": reason} for entry, reason in result.skipped],
               "warnings": result.warnings, "seconds": round(result.seconds, 2)}
    _write_atomic(result.output / "summary.json", json.dumps(summary, indent=2) + "\n")


@contextmanager
def _cluster(scheduler: Optional[str], workers: int) -> Iterator[Any]:
    """A client of the Dask cluster (:mod:`gynai.batch.cluster`), or None for this machine's processes."""
    if scheduler is None:
        yield None
        return
    from gynai.batch import cluster

    with cluster.cluster_client(scheduler, workers) as client:
        link = cluster.dashboard_link(client)
        if link:
            logger.info("Dask dashboard: %s", link)
        cluster.warn_about_retries(client)
        yield client


def _run_on_cluster(client: Any, todo: list, call: Any, collect: Any, tally: BatchTally,
                    model: tuple[str, str, str], cases_dir: Path) -> None:
    """The cases of ``todo`` on the Dask cluster of ``client``: workers checked (output writable, the model of
    ``model`` = (task, stated modality, device) verified and loaded), then one task per case."""
    from gynai.batch import cluster

    task, stated, device = model
    cluster.prepare_workers(client, str(cases_dir), cluster.ModelPlugin(task, [stated], device))
    tally.parallel = cluster.worker_threads(client)
    logger.info("running %d case(s) on %d Dask worker thread(s) at %s", len(todo), tally.parallel,
                client.scheduler.address)
    cluster.run_on_cluster(todo, client, call, collect)


def check_options(workers: int = 1, case_timeout_s: Optional[float] = None,
                  scheduler: Optional[str] = None) -> Optional[str]:
    """Check the batch options (before anything is read or written); returns the scheduler, normalised.

    Raises:
        UsageError: ``workers`` below 1, a deadline that is not a positive number, a ``scheduler`` that is not
            ``local`` or an address, or a deadline together with a scheduler.
    """
    if workers < 1:
        raise UsageError(f"--workers must be at least 1, got {workers}")
    if case_timeout_s is not None and not (math.isfinite(case_timeout_s) and case_timeout_s > 0):
        raise UsageError(f"--case-timeout-s must be a positive number of seconds, got {case_timeout_s:g}")
    if scheduler is None:
        return None
    from gynai.batch.cluster import check_scheduler

    if case_timeout_s is not None:
        raise UsageError("--case-timeout-s works with this machine's processes only, not with --scheduler; "
                         "leave one of them out")
    return check_scheduler(scheduler)


def run_batch(source: Path, output: Path, task: str, workers: int = 1, device: str = "cpu",
              report_formats: Sequence[str] = ("json", "html"), progress: Optional[ProgressCallback] = None,
              modality: Optional[str] = None, case_timeout_s: Optional[float] = None,
              scheduler: Optional[str] = None) -> BatchResult:
    """Process every case of ``source`` (folder or CSV) into ``output``; see the module docstring.

    Args:
        source: Folder of volumes / DICOM series folders, or a CSV with an ``image`` column.
        output: New folder, or the output of an earlier run of the same batch and task (resumed).
        task: Segmentation task.
        workers: Cases processed in parallel (separate processes); CPU threads are shared among them.
        device: ``cpu``, ``cuda`` or ``auto``.
        report_formats: Report formats per case (``json``, ``html``, ``pdf``, ``dicom``; empty for none).
        progress: ``progress(fraction, "case i/n: <case_id> done|failed; <tally>")`` after every case, where
            the tally is :meth:`gynai.batch.tally.BatchTally.line` (done, failed, running, cases/min, time left).
        modality: ``MR`` or ``US`` for inputs whose file does not declare a modality (NRRD, NIfTI); each
            case runs the task's model trained for its modality.
        case_timeout_s: Seconds a case may take; each case then runs in a process of its own, killed (and
            the case failed) at the deadline. None: no deadline (cases run in this process or a pool).
        scheduler: Run the cases on a Dask cluster (:mod:`gynai.batch.cluster`): a scheduler address such
            as ``tcp://HOST:8786`` (its workers must share the input and output filesystems at the same
            paths), or ``local`` for a LocalCluster of ``workers`` processes. None: this machine's processes.

    Raises:
        UsageError: ``workers`` is below 1, ``scheduler`` is not an address, or a deadline is asked for on a
            cluster.
        ClusterError: The scheduler cannot be reached, no worker joins, or a worker cannot run GynAI.
        InputFileError: The input is not a folder or CSV, or holds no case.
        ModelError: The task's model is missing or corrupt.
        OutputPathError: ``output`` is not a batch output, holds another task's batch, or cannot be written.
    """
    scheduler = check_options(workers, case_timeout_s, scheduler)
    start = time.perf_counter()
    source, output = Path(source), Path(output)
    if scheduler is not None:                         # workers have other working folders: absolute paths
        source, output = source.absolute(), output.absolute()
    inputs = discover_cases(source)
    check_output(output, task)
    stated = (modality or "").upper()
    models: dict[str, Optional[dict]] = {}

    def model_for(input_modality: str) -> Optional[dict]:
        """The model a case of this modality runs now (verified once per modality)."""
        if input_modality not in models:
            info = selection.load_task_bundle(task, modality=input_modality or None)
            models[input_modality] = {"name": info.name, "version": info.version}
        return models[input_modality]

    model_for(stated)                                   # a missing or corrupt model stops the batch here
    with _cluster(scheduler, workers) as client:      # reached (or refused) before anything is written
        cases_dir = prepare_output(output, task)
        result = BatchResult(output, skipped=inputs.skipped, warnings=list(inputs.warnings))
        for entry, reason in inputs.skipped:
            logger.warning("skipped %s: %s", entry, reason)
        todo = []
        for case in inputs.cases:
            row = finished_row(cases_dir, case, task, model_for, report_formats, stated)
            if row is not None:
                result.done.append(row)
                result.resumed += 1
            else:
                todo.append(case)
        if result.resumed:
            logger.info("resuming: %d finished case(s) kept, %d to process", result.resumed, len(todo))
        total = len(inputs.cases)
        tally = BatchTally(total, resumed=result.resumed, parallel=workers)

        def collect(row: dict[str, Any]) -> None:
            (result.done if row["status"] == "done" else result.failed).append(row)
            tally.add(row["status"])
            report(progress, tally.finished / total,
                   f"case {tally.finished}/{total}: {row['case_id']} {row['status']}; {tally.line()}")

        threads = None if scheduler is not None else max(1, (os.cpu_count() or 1) // workers)   # cluster: its own
        call = partial(process_case, task=task, cases_dir=cases_dir, device=device,       # picklable for workers
                       threads=threads, report_formats=tuple(report_formats), stated_modality=stated)
        if client is not None and todo:
            _run_on_cluster(client, todo, call, collect, tally, (task, stated, device), cases_dir)
        elif case_timeout_s is not None:
            run_with_deadlines(todo, workers, call, collect, case_timeout_s)
        elif workers == 1 or len(todo) <= 1:
            for case in todo:
                collect(call(case))
        else:
            run_in_pools(todo, workers, call, collect)
    result.seconds = time.perf_counter() - start
    _write_summary(result, task, source)
    return result
