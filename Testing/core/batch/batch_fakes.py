"""Stand-ins for ``gynai.batch.case.process_case`` that worker processes can import (spawn start method)."""

import os
import time

CRASH = "crash"
"""The case whose worker process dies."""


def crash_or_done(case, task, cases_dir, device, threads, report_formats, stated_modality=""):
    """Kill the worker process for the case named ``crash``; report the others done after a short while."""
    if case.case_id == CRASH:
        os._exit(70)
    time.sleep(0.3)
    return {"case_id": case.case_id, "image": str(case.image), "status": "done", "seconds": 0.3, "warnings": []}

SLOW = "slow"
"""The case that takes far longer than any deadline of the tests."""


def slow_or_done(case, task, cases_dir, device, threads, report_formats, stated_modality=""):
    """Hang on the case named ``slow``; report the others done at once."""
    if case.case_id == SLOW:
        time.sleep(600)
    return {"case_id": case.case_id, "image": str(case.image), "status": "done", "seconds": 0.0, "warnings": []}


def record_pid_then_hang(case, task, cases_dir, device, threads, report_formats, stated_modality=""):
    """In the case's staged folder (as the real case does), write this worker's process id beside the batch
    output (``<pid>.worker``), then hang."""
    from gynai.io.safe_write import staged_folder

    with staged_folder(cases_dir / case.case_id, replace=True) as staging:
        (staging / "segmentation.seg.nrrd").write_text("half written")
        (cases_dir.parent.parent / f"{os.getpid()}.worker").write_text("")
        time.sleep(600)
    return {"case_id": case.case_id, "image": str(case.image), "status": "done", "seconds": 0.0, "warnings": []}


def slow_with_pid(case, task, cases_dir, device, threads, report_formats, stated_modality=""):
    """Leave ``<case_id>.<pid>.running`` beside the batch's cases folder, take 1.5 s, then report done."""
    from pathlib import Path

    (Path(cases_dir).parent / f"{case.case_id}.{os.getpid()}.running").write_text("")
    time.sleep(1.5)
    return {"case_id": case.case_id, "image": str(case.image), "status": "done", "seconds": 1.5, "warnings": []}
