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
