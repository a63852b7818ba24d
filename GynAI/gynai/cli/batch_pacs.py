"""``gynai batch --from-pacs PACS.json --query … OUTPUT --task TASK [--store-results]``: its arguments, the
checks of which positional arguments go with which options, and its handler (:mod:`gynai.batch.pacs_cohort`).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from gynai.batch.pacs_cohort import PacsBatchResult, run_pacs_batch
from gynai.batch.pacs_query import EXAMPLE, KEYS
from gynai.errors import UsageError

logger = logging.getLogger("gynai")


def add_pacs_batch_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--from-pacs``, ``--query`` and ``--store-results`` to the ``gynai batch`` parser (and its usage
    line names both forms)."""
    parser.usage = ("gynai batch INPUT OUTPUT --task TASK [options]\n"
                    "       gynai batch --from-pacs PACS.json --query KEY=VALUE,... OUTPUT --task TASK "
                    "[--store-results] [options]")
    group = parser.add_argument_group(
        "cohort from a PACS (DICOMweb; docs/pacs.md)",
        "The series matching --query are retrieved into OUTPUT/pacs/series and processed as the batch's cases; "
        "OUTPUT/pacs.json records them and what was stored. A re-run retrieves and stores nothing twice. Exit "
        "code 3 also when a series could not be retrieved or a case's results could not be stored.")
    group.add_argument("--from-pacs", type=Path, default=None, metavar="PACS.json",
                       help="take the cases from the PACS described in this configuration file: give OUTPUT only "
                            "(no INPUT) and --query; the matching series are retrieved into OUTPUT/pacs/series")
    group.add_argument("--query", default=None, metavar="KEY=VALUE,…",
                       help=f"the series to process, comma-separated Key=Value with keys {', '.join(KEYS)} "
                            f"(descriptions and PatientID take DICOM wildcards * and ?), e.g. '{EXAMPLE}'")
    group.add_argument("--store-results", action="store_true",
                       help="store each finished case's DICOM SEG, SR and PDF into its study on the PACS (adds the "
                            "pdf and dicom report formats); a re-run does not store a result twice")


def uses_pacs(args: argparse.Namespace) -> bool:
    """Check which ``gynai batch`` form the arguments are (``INPUT OUTPUT``, or ``--from-pacs … OUTPUT``);
    with ``--from-pacs`` the one positional argument becomes ``args.output``.

    Raises:
        UsageError: A combination that does not fit either form.
    """
    from_pacs = getattr(args, "from_pacs", None) is not None
    if not from_pacs:
        if getattr(args, "query", None) is not None:
            raise UsageError("--query selects series of a PACS: use it with --from-pacs PACS.json")
        if getattr(args, "store_results", False):
            raise UsageError("--store-results stores results on a PACS: use it with --from-pacs PACS.json")
        if args.input is None or args.output is None:
            raise UsageError("gynai batch needs INPUT and OUTPUT (or --from-pacs PACS.json --query … OUTPUT)")
        return False
    if args.output is not None:
        raise UsageError(f"--from-pacs takes the cases from the PACS: give OUTPUT only, not INPUT ({args.input}) too")
    if args.input is None:
        raise UsageError("--from-pacs needs OUTPUT, the batch output folder")
    if args.query is None:
        raise UsageError(f"--from-pacs needs --query, e.g. --query '{EXAMPLE}'")
    args.output, args.input = args.input, None
    return True


def _summary_line(result: PacsBatchResult, store: bool) -> str:
    counts = result.counts()
    line = (f"PACS: {counts['matched']} series matched, {counts['retrieved']} retrieved, {counts['reused']} kept "
            f"from earlier runs, {counts['results_on_pacs']} skipped (results already on the PACS), "
            f"{counts['retrieve_failed']} not retrieved")
    if store:
        line += (f"; results stored for {counts['stored']} case(s), {counts['already_stored']} already stored, "
                 f"{counts['store_failed']} failed to store")
    return line


def run_batch_from_pacs(args: argparse.Namespace, formats: tuple[str, ...], progress: Any) -> dict:
    """``gynai batch --from-pacs PACS.json --query … OUTPUT --task TASK``; exit code 3 when a series was not
    retrieved, a case failed or a case's results were not stored."""
    result = run_pacs_batch(args.from_pacs, args.query, args.output, args.task, store_results=args.store_results,
                            progress=progress, workers=args.workers, device=args.device, report_formats=formats,
                            modality=getattr(args, "modality", None),
                            case_timeout_s=getattr(args, "case_timeout_s", None),
                            scheduler=getattr(args, "scheduler", None))
    batch = result.batch
    if batch is not None:
        batch.log_outcome(logger)
    logger.info("%s; record %s", _summary_line(result, args.store_results), Path(args.output) / "pacs.json")
    return {"output": str(Path(args.output).resolve()), **result.counts(),
            "done": len(batch.done) if batch else 0, "failed": len(batch.failed) if batch else 0,
            "resumed": batch.resumed if batch else 0, "exit_code": 0 if result.ok else 3}
