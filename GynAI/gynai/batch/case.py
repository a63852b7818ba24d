"""One case of a batch: segment, measure and report into ``cases/<id>/``, all or nothing.

The case is segmented (the installed model), then measured and reported by the case pipeline
(:mod:`gynai.case`), all in a staged folder (:func:`gynai.io.safe_write.staged_folder`) renamed into place
when everything succeeded; a finished case folder is therefore complete, and a failed case leaves nothing
behind.

Each finished folder's ``case.json`` records the settings that made it (task, model, report formats, the
input's size and modification time, its modality and whether the batch's ``--modality`` supplied it): a
re-run keeps the case only when all of them still match, and otherwise redoes it. A finished folder of another image is never replaced (the case fails instead).
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import SimpleITK as sitk

from gynai.batch.cohort import key_metrics
from gynai.batch.inputs import BatchCase
from gynai.case import Case, build_report, measure_case, write_outputs
from gynai.errors import GynAIError, OutputPathError
from gynai.inference import predict
from gynai.io.images import read_image
from gynai.io.safe_write import staged_folder, write_json
from gynai.io.segnrrd import write_seg_nrrd
from gynai.labels.terminology import task_terminology
from gynai.tasks import get_task

logger = logging.getLogger(__name__)

DONE_FILE = "case.json"
"""Written last into each finished case folder: the case's summary row and its ``settings``."""


def case_folder(cases_dir: Path, case_id: str) -> Path:
    """Where a case's results live."""
    return Path(cases_dir) / case_id


def input_fingerprint(image: Path) -> dict[str, int]:
    """Size and latest modification time of an input file, or of the files of a DICOM series folder.

    Raises:
        OSError: The input cannot be read.
    """
    image = Path(image)
    files = sorted(p for p in image.rglob("*") if p.is_file()) if image.is_dir() else [image]
    stats = [path.stat() for path in files]
    return {"files": len(stats), "bytes": sum(s.st_size for s in stats),
            "mtime_ns": max((s.st_mtime_ns for s in stats), default=0)}


def case_settings(task: str, model: Optional[dict], report_formats: Sequence[str],
                  fingerprint: dict[str, int], modality: str = "", stated_modality: str = "") -> dict[str, Any]:
    """What a case's results depend on, as recorded in (and compared with) its ``case.json``: also the
    input's modality (declared by its file, or stated for the batch; "" when unknown), which chose the
    model, and the batch's stated modality (``--modality``) when it filled in for the file ("" otherwise)."""
    return {"task": task, "model": model, "report_formats": sorted(report_formats), "input": fingerprint,
            "modality": modality, "stated_modality": stated_modality}


def _read_done(folder: Path) -> Optional[dict[str, Any]]:
    try:
        row = json.loads((folder / DONE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return row if isinstance(row, dict) and row.get("status") == "done" else None


def finished_row(cases_dir: Path, case: BatchCase, task: str, model_for: Callable[[str], Optional[dict]],
                 report_formats: Sequence[str], stated_modality: str = "") -> Optional[dict[str, Any]]:
    """The summary row of a case finished earlier on the same image with the same settings, or ``None``.

    ``model_for(modality)`` is the model the batch would now run on an input of that modality (the case's
    recorded one: an unchanged file keeps its modality). ``None`` means the case is to be (re)done; a
    changed setting is logged.
    """
    row = _read_done(case_folder(cases_dir, case.case_id))
    if row is None or row.get("image") != str(case.image):
        return None
    recorded = row.get("settings") or {}
    modality = str(recorded.get("modality") or "")
    # the batch's modality matters only for a file that declares none (recorded: no modality, or the stated one)
    stated = stated_modality if not modality or recorded.get("stated_modality") else ""
    try:
        expected = case_settings(task, model_for(modality), report_formats, input_fingerprint(case.image),
                                 modality, stated)
    except OSError:
        return None
    changed = [key.replace("_", " ") for key in expected if recorded.get(key) != expected[key]]
    if changed:
        logger.info("case %s is redone: %s changed since its result", case.case_id, ", ".join(changed))
        return None
    return {key: value for key, value in row.items() if key != "settings"}


def limit_threads(threads: int) -> None:
    """Use at most ``threads`` CPU threads in this process, in torch and in SimpleITK (whose filters otherwise
    take every core: two workers on two cores would then fight over them)."""
    import torch

    torch.set_num_threads(int(threads))
    sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(int(threads))


def failure_reason(error: BaseException) -> str:
    """One line: a GynAI error's own message, otherwise the exception type and message."""
    if isinstance(error, GynAIError):
        text = str(error)
    else:
        text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return " ".join(text.split())


def failed_row(case: BatchCase, reason: str, seconds: float = 0.0) -> dict[str, Any]:
    """The summary row of a failed case."""
    return {"case_id": case.case_id, "image": str(case.image), "status": "failed", "seconds": round(seconds, 2),
            "reason": reason}


def _run(case: BatchCase, task: str, staging: Path, device: str, threads: Optional[int],
         report_formats: Sequence[str], stated_modality: str) -> tuple[dict, list[str], str, str]:
    """Segment, measure and report one case in ``staging``: its metrics, warnings, modality (declared by the
    file or stated for the batch, "" when unknown) and the stated modality when it was used ("" otherwise)."""
    image = read_image(case.image)
    used = image.state_modality(stated_modality, strict=False)    # the batch's --modality fills in, never overrides
    warnings: list[str] = []
    provenance: dict = {}
    labels = predict.segment_image(image, task, device, threads=threads, warnings=warnings, provenance=provenance)
    write_seg_nrrd(labels, staging / "segmentation.seg.nrrd", task_terminology(get_task(task)), model=provenance)
    study = Case(image, labels, task, model={"name": provenance["name"], "version": provenance["version"]},
                 source={"image": case.image.name, "segmentation": "segmentation.seg.nrrd"})
    document = measure_case(study)
    write_json(document.to_json(), staging / "metrics.json")
    if report_formats:
        write_outputs(build_report(study, document, report_formats), image, labels, staging / "report",
                      tuple(report_formats))
    return document.to_json(), warnings, image.modality, used


def _check_own_folder(final: Path, case: BatchCase) -> None:
    earlier = _read_done(final)
    if earlier is not None and earlier.get("image") != str(case.image):
        raise OutputPathError(f"{final} holds the finished result of another image ({earlier.get('image')}); "
                              "move that folder away or choose a new output folder")


def process_case(case: BatchCase, task: str, cases_dir: Path, device: str = "cpu", threads: Optional[int] = None,
                 report_formats: Sequence[str] = ("json", "html"), stated_modality: str = "") -> dict[str, Any]:
    """Segment, measure and report one case; returns its summary row (``status`` ``done`` or ``failed``).

    ``stated_modality`` (``MR``, ``US``; "" none) is the modality of inputs whose file does not declare one.

    Never raises for an error of the case (any :class:`Exception`): the row then says ``failed`` with a
    one-line reason (the exception type and message, or a GynAI error's own message).
    """
    start = time.perf_counter()
    row: dict[str, Any] = {"case_id": case.case_id, "image": str(case.image)}
    final = case_folder(cases_dir, case.case_id)
    try:
        if threads:
            limit_threads(threads)
        fingerprint = input_fingerprint(case.image)          # before reading: a later change redoes the case
        _check_own_folder(final, case)
        with staged_folder(final, replace=True) as staging:  # replaces this image's earlier or unfinished result
            document, warnings, modality, used = _run(case, task, staging, device, threads, report_formats,
                                                      stated_modality)
            settings = case_settings(task, document.get("model"), report_formats, fingerprint, modality, used)
            row.update({"status": "done", "seconds": round(time.perf_counter() - start, 2), "warnings": warnings,
                        **key_metrics(document)})
            (staging / DONE_FILE).write_text(json.dumps({**row, "settings": settings}, indent=2) + "\n",
                                             encoding="utf-8")
    except Exception as error:  # noqa: BLE001 - any error of one case is that case's failure, never the batch's
        row = failed_row(case, failure_reason(error), time.perf_counter() - start)
        logger.warning("case %s failed: %s", case.case_id, row["reason"])
    return row
