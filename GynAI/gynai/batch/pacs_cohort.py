"""PACS-driven cohorts: ``gynai batch --from-pacs PACS.json --query … OUTPUT --task TASK [--store-results]``.

The series of the PACS that match the query (:mod:`gynai.batch.pacs_query`; QIDO-RS) are retrieved
(WADO-RS) on this machine, then processed as the cases of an ordinary batch (:func:`gynai.batch.run.run_batch`,
which may hand them to workers or a cluster sharing the file system). With ``store_results`` the DICOM SEG,
SR and Encapsulated PDF of every finished case are sent back (STOW-RS) into the study of their series.

Output layout (beside the batch's own, see :mod:`gynai.batch.run`)::

    pacs/series/<case_id>/   a retrieved series (the folder appears only once the whole series arrived)
    pacs/cases.csv           the batch's case list (case_id, image)
    pacs.json                per series: its UIDs, its retrieval and what was stored (SOP Instance UIDs)
    summary.json             the batch summary, with a "pacs" block of counts

Re-running resumes: a series retrieved before is not downloaded again, and the batch keeps finished cases.
With ``store_results``, a series whose results the PACS already holds (a GynAI SEG of the task, Manufacturer
GynAI, whose Referenced Series Sequence names the series) and that was not retrieved here is skipped
altogether; a finished case whose SEG, SR and PDF were stored before (the SOP Instance UIDs in ``pacs.json``,
or its SEG found on the PACS) is not stored again. Nothing is written before the query succeeded and matched.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import pydicom

from gynai.batch.pacs_query import CohortQuery, parse_cohort_query, series_case_id
from gynai.batch.run import BatchResult, check_options, check_output, prepare_output, run_batch
from gynai.errors import InputFileError, OutputPathError, PacsError, UsageError
from gynai.io.leftovers import remove_leftovers
from gynai.io.safe_write import atomic_output, write_json
from gynai.models import selection
from gynai.pacs.client import DicomWebClient
from gynai.pacs.config import PacsConfig, load_pacs_config
from gynai.pacs.records import SeriesRecord, StudyRecord
from gynai.progress import ProgressCallback, report, scaled

logger = logging.getLogger(__name__)

SCHEMA = "gynai.pacs-batch/1"
RECORD = "pacs.json"
PAGE_STUDIES = 100
"""Studies asked for per QIDO-RS request (the search pages through longer results)."""
MAX_STUDIES = 100_000
"""Studies one search gathers at most (a department's archive is tens of thousands); more: a warning."""
STORE_FORMATS = ("pdf", "dicom")
"""Report formats ``store_results`` needs (added when missing)."""
STORED_FILES = (("seg", "seg.dcm"), ("sr", "sr.dcm"), ("pdf", "report-pdf.dcm"))
"""What is stored per case: kind and file name in ``cases/<id>/report/dicom/``."""
_MANUFACTURER, _SOP_INSTANCE_UID, _REFERENCED_SERIES, _SERIES_UID = "00080070", "00080018", "00081115", "0020000E"


@dataclass(frozen=True)
class CohortSeries:
    """One series of the cohort: its case id, study, series, and the SOP Instance UIDs of GynAI SEGs of the
    task on the PACS that reference it (empty when none, or when not looked for)."""

    case_id: str
    study: StudyRecord
    series: SeriesRecord
    results_on_pacs: frozenset[str] = frozenset()


@dataclass
class PacsBatchResult:
    """What a PACS-driven batch did (case ids in each list; failures as ``{"case_id", "reason"}``)."""

    output: Path
    matched: int = 0
    retrieved: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    results_on_pacs: list[str] = field(default_factory=list)
    retrieve_failed: list[dict[str, str]] = field(default_factory=list)
    stored: list[str] = field(default_factory=list)
    already_stored: list[str] = field(default_factory=list)
    store_failed: list[dict[str, str]] = field(default_factory=list)
    batch: Optional[BatchResult] = None

    @property
    def ok(self) -> bool:
        """True when every series was retrieved, processed and (if asked) stored."""
        return not self.retrieve_failed and not self.store_failed and (self.batch is None or self.batch.ok)

    def counts(self) -> dict[str, int]:
        """The numbers of the summary."""
        return {"matched": self.matched, "retrieved": len(self.retrieved), "reused": len(self.reused),
                "results_on_pacs": len(self.results_on_pacs), "retrieve_failed": len(self.retrieve_failed),
                "stored": len(self.stored), "already_stored": len(self.already_stored),
                "store_failed": len(self.store_failed)}


def _value(item: dict, tag: str) -> Any:
    element = item.get(tag) if isinstance(item, dict) else None
    values = element.get("Value") if isinstance(element, dict) else None
    return values[0] if isinstance(values, list) and values else None


def _gynai_seg_series(series: list[SeriesRecord], task: str) -> list[SeriesRecord]:
    base = f"GynAI SEG {task}"
    return [s for s in series if (s.modality or "").upper() == "SEG"
            and ((s.series_description or "") == base or (s.series_description or "").startswith(base + " "))]


def _results_by_source(client: DicomWebClient, study_uid: str, segs: list[SeriesRecord]) -> dict[str, set[str]]:
    """Source series UID → SOP Instance UIDs of the GynAI SEGs (Manufacturer GynAI) that reference it."""
    found: dict[str, set[str]] = {}
    for seg in segs:
        for item in client.series_metadata(study_uid, seg.series_instance_uid):
            if _value(item, _MANUFACTURER) != "GynAI":
                continue
            for reference in (item.get(_REFERENCED_SERIES) or {}).get("Value") or []:
                source = _value(reference, _SERIES_UID)
                if source:
                    found.setdefault(str(source), set()).add(str(_value(item, _SOP_INSTANCE_UID)))
    return found


def _search_studies(client: DicomWebClient, query: CohortQuery) -> list[StudyRecord]:
    """Every study the server matches (paged), then checked here (see :mod:`gynai.batch.pacs_query`)."""
    studies: dict[str, StudyRecord] = {}
    while len(studies) < MAX_STUDIES:
        page = client.search_studies(query.patient_id, query.study_date, query.modality, limit=PAGE_STUDIES,
                                     offset=len(studies))
        new = [study for study in page if study.study_instance_uid not in studies]
        studies.update((study.study_instance_uid, study) for study in new)
        if len(page) < PAGE_STUDIES or not new:        # the last page (or a server that ignores the offset)
            break
    else:
        logger.warning("the PACS search stopped at %d studies; split the query (e.g. by StudyDate ranges) and "
                       "run each part for the rest", MAX_STUDIES)
    return [study for study in studies.values() if query.matches_study(study)]


def find_cohort(client: DicomWebClient, query: CohortQuery, task: str, look_for_results: bool
                ) -> tuple[list[CohortSeries], int]:
    """The series matching ``query`` (sorted by case id) and the number of studies searched.

    Args:
        look_for_results: Also find the GynAI SEGs of ``task`` that reference each series (WADO-RS metadata of
            the study's SEG series named ``GynAI SEG <task>``).

    Raises:
        PacsError: A search failed.
    """
    studies = _search_studies(client, query)
    cohort = []
    for study in studies:
        series = client.search_series(study.study_instance_uid)
        matching = [s for s in series if query.matches_series(s)]
        results: dict[str, set[str]] = {}
        if matching and look_for_results:
            results = _results_by_source(client, study.study_instance_uid, _gynai_seg_series(series, task))
        cohort += [CohortSeries(series_case_id(study, s), study, s, frozenset(results.get(s.series_instance_uid, ())))
                   for s in matching]
    return sorted(cohort, key=lambda entry: entry.case_id), len(studies)


def _read_record(path: Path) -> dict[str, Any]:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        logger.warning("%s is unreadable; a new record is started (stored results are found on the PACS)", path)
        return {}
    return record.get("series", {}) if isinstance(record, dict) and isinstance(record.get("series"), dict) else {}


def _write_record(output: Path, task: str, config: PacsConfig, query: CohortQuery, series: dict[str, Any],
                  result: PacsBatchResult) -> None:
    write_json({"schema": SCHEMA, "task": task, "pacs": config.url, "query": query.to_dict(),
                "counts": result.counts(), "series": dict(sorted(series.items()))}, output / RECORD, overwrite=True)


def _describe(entry: CohortSeries) -> dict[str, Any]:
    study, series = entry.study, entry.series
    return {"study_instance_uid": study.study_instance_uid, "series_instance_uid": series.series_instance_uid,
            "patient_id": study.patient_id, "study_date": study.study_date, "series_number": series.series_number,
            "series_description": series.series_description, "modality": series.modality}


def _retrieve_all(client: DicomWebClient, cohort: list[CohortSeries], series_dir: Path, store_results: bool,
                  record: dict[str, Any], result: PacsBatchResult, progress: Optional[ProgressCallback]
                  ) -> list[CohortSeries]:
    """Retrieve the series not retrieved before; the series to process (retrieved now or before)."""
    todo = []
    for number, entry in enumerate(cohort, start=1):
        folder = series_dir / entry.case_id
        record[entry.case_id] = {**record.get(entry.case_id, {}), **_describe(entry)}
        if folder.is_dir():                            # a series folder appears only complete (staged folder)
            result.reused.append(entry.case_id)
            todo.append(entry)
            state = "kept from an earlier run"
        elif store_results and entry.results_on_pacs:
            result.results_on_pacs.append(entry.case_id)
            record[entry.case_id]["retrieval"] = {"status": "skipped", "reason": "results already on the PACS"}
            state = "skipped: its GynAI results are already on the PACS"
        else:
            try:
                files = client.retrieve_series(entry.study.study_instance_uid, entry.series.series_instance_uid,
                                               folder)
            except (PacsError, OutputPathError) as error:
                result.retrieve_failed.append({"case_id": entry.case_id, "reason": str(error)})
                record[entry.case_id]["retrieval"] = {"status": "failed", "reason": str(error)}
                logger.warning("series %s (%s) not retrieved: %s", entry.case_id, entry.series.series_instance_uid,
                               error)
                state = "retrieval failed"
            else:
                result.retrieved.append(entry.case_id)
                record[entry.case_id]["retrieval"] = {"status": "retrieved", "instances": len(files)}
                todo.append(entry)
                state = f"retrieved ({len(files)} instances)"
        report(progress, number / len(cohort), f"series {number}/{len(cohort)}: {entry.case_id} {state}")
    return todo


def _write_case_list(path: Path, todo: list[CohortSeries]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["case_id", "image"])
    for entry in todo:
        writer.writerow([entry.case_id, f"series/{entry.case_id}"])
    with atomic_output(path, overwrite=True) as temporary:
        temporary.write_text(buffer.getvalue(), encoding="utf-8")


def _sop_uids(files: dict[str, Path]) -> dict[str, str]:
    try:
        return {kind: str(pydicom.dcmread(path, stop_before_pixels=True, specific_tags=["SOPInstanceUID"])
                          .SOPInstanceUID) for kind, path in files.items()}
    except Exception as error:  # noqa: BLE001 - pydicom raises several types for damaged files
        raise InputFileError(f"a result file of the case is not readable DICOM ({type(error).__name__})") from None


def _store_case(client: DicomWebClient, entry: CohortSeries, case_dir: Path, earlier: dict[str, Any]
                ) -> tuple[str, dict[str, Any]]:
    """Store one finished case's SEG, SR and PDF into its study unless they are stored already.

    Returns:
        What happened (``stored``, ``already stored`` or ``failed``) and the case's ``store`` record (``status``
        ``stored`` with the SOP Instance UIDs, or ``failed`` with the reason and the UIDs stored anyway).
    """
    dicom = case_dir / "report" / "dicom"
    files = {kind: dicom / name for kind, name in STORED_FILES if (dicom / name).is_file()}
    if not files:
        return "failed", {"status": "failed",
                          "reason": "the case has no DICOM SEG, SR or PDF to store (see its report notes)"}
    uids = _sop_uids(files)
    if earlier.get("status") == "stored" and earlier.get("sop_instance_uids") == uids:
        return "already stored", earlier
    if uids.get("seg") in entry.results_on_pacs:
        return "already stored", {"status": "stored", "sop_instance_uids": uids, "found_on_pacs": True}
    if entry.results_on_pacs:
        logger.warning("the PACS holds an earlier GynAI result of %s; this case's new result is stored beside it",
                       entry.case_id)
    outcome = client.store(list(files.values()), study_uid=entry.study.study_instance_uid)
    stored = {kind: uid for kind, uid in uids.items() if uid in {o.sop_instance_uid for o in outcome.stored}}
    if outcome.failed:
        first = outcome.failed[0]
        return "failed", {"status": "failed", "sop_instance_uids": stored,
                          "reason": f"the PACS refused {len(outcome.failed)} of {len(outcome.outcomes)} instance(s) "
                                    f"(first: {Path(first.path).name}: {first.reason})"}
    return "stored", {"status": "stored", "sop_instance_uids": uids,
                      "stored_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}


def _store_all(client: DicomWebClient, cohort: dict[str, CohortSeries], batch: BatchResult, record: dict[str, Any],
               result: PacsBatchResult, progress: Optional[ProgressCallback]) -> None:
    done = sorted(row["case_id"] for row in batch.done if row["case_id"] in cohort)
    for number, case_id in enumerate(done, start=1):
        try:
            what, store = _store_case(client, cohort[case_id], batch.output / "cases" / case_id,
                                      record.get(case_id, {}).get("store") or {})
        except (PacsError, InputFileError) as error:
            what, store = "failed", {"status": "failed", "reason": str(error)}
        record.setdefault(case_id, {})["store"] = store
        if what == "failed":
            result.store_failed.append({"case_id": case_id, "reason": store["reason"]})
            logger.warning("results of %s not stored: %s", case_id, store["reason"])
        else:
            (result.stored if what == "stored" else result.already_stored).append(case_id)
        report(progress, number / len(done), f"store {number}/{len(done)}: {case_id} {what}")


def _add_to_summary(output: Path, result: PacsBatchResult) -> None:
    path = output / "summary.json"
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    summary["pacs"] = {**result.counts(), "retrieve_failures": result.retrieve_failed,
                       "store_failures": result.store_failed}
    write_json(summary, path, overwrite=True)


def run_pacs_batch(pacs_config: Path, query: str | CohortQuery, output: Path, task: str, store_results: bool = False,
                   progress: Optional[ProgressCallback] = None, **batch_options: Any) -> PacsBatchResult:
    """Process the PACS series matching ``query`` as a batch into ``output``; see the module description.

    Args:
        pacs_config: The PACS configuration file (:func:`gynai.pacs.config.load_pacs_config`).
        query: ``Key=Value,…`` text or a parsed query (:mod:`gynai.batch.pacs_query`).
        output: New folder, or the output of an earlier run (resumed).
        task: Segmentation task.
        store_results: Store each finished case's DICOM SEG, SR and PDF into its study (``report_formats``
            then get ``pdf`` and ``dicom`` when they lack them).
        progress: ``progress(fraction, message)`` after every series retrieved, case processed and case stored.
        **batch_options: Passed to :func:`gynai.batch.run.run_batch` unchanged (``workers``, ``device``,
            ``report_formats``, ``modality``, ``case_timeout_s``, …).

    Raises:
        UsageError: The query or an option is malformed.
        PacsConfigError: The configuration file is missing or invalid.
        PacsError: The PACS search failed (nothing is written).
        InputFileError: No series matches (nothing is written).
        OutputPathError: ``output`` is not a batch output of ``task``, or cannot be written.
        ModelError: The task's model is missing or corrupt (nothing is retrieved).
    """
    cohort_query = query if isinstance(query, CohortQuery) else parse_cohort_query(query)
    output = Path(output)
    config = load_pacs_config(pacs_config)
    check_options(batch_options.get("workers", 1), batch_options.get("case_timeout_s"),
                  batch_options.get("scheduler"))            # refused before anything is retrieved
    formats = tuple(batch_options.get("report_formats", ("json", "html")))
    if store_results and not set(STORE_FORMATS) <= set(formats):
        formats += tuple(f for f in STORE_FORMATS if f not in formats)
        logger.info("--store-results: report formats %s (the PDF, SEG and SR are stored on the PACS)",
                    ",".join(formats))
    batch_options["report_formats"] = formats
    check_output(output, task)
    selection.load_task_bundle(task, modality=(batch_options.get("modality") or "").upper() or None)
    result = PacsBatchResult(output)
    with DicomWebClient(config) as client:
        cohort, searched = find_cohort(client, cohort_query, task, look_for_results=store_results)
        if not cohort:
            raise InputFileError(f"no series on the PACS matches the query ({searched} stud"
                                 f"{'y' if searched == 1 else 'ies'} met its study conditions, none of their "
                                 "series the series conditions); nothing was written")
        result.matched = len(cohort)
        studies = len({entry.study.study_instance_uid for entry in cohort})
        logger.info("PACS: %d series in %d stud%s match the query", len(cohort), studies,
                    "y" if studies == 1 else "ies")
        prepare_output(output, task)
        series_dir = output / "pacs" / "series"
        try:
            series_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputPathError(f"cannot write into {output}: {error.strerror or error}") from error
        remove_leftovers(series_dir)                     # a retrieval a killed run left half-way
        record = _read_record(output / RECORD)
        retrieve_end, batch_end = (0.2, 0.9) if store_results else (0.2, 1.0)
        todo = _retrieve_all(client, cohort, series_dir, store_results, record, result,
                             scaled(progress, 0.0, retrieve_end))
    _write_record(output, task, config, cohort_query, record, result)
    if not todo:
        logger.warning("no series to process (%d with results on the PACS, %d not retrieved)",
                       len(result.results_on_pacs), len(result.retrieve_failed))
        return result
    _write_case_list(output / "pacs" / "cases.csv", todo)
    result.batch = run_batch(output / "pacs" / "cases.csv", output, task,
                             progress=scaled(progress, retrieve_end, batch_end), **batch_options)
    if store_results:                                    # a new connection: the batch may have taken hours
        with DicomWebClient(config) as client:
            _store_all(client, {entry.case_id: entry for entry in todo}, result.batch, record, result,
                       scaled(progress, batch_end, 1.0))
    _write_record(output, task, config, cohort_query, record, result)
    _add_to_summary(output, result)
    return result
