"""``gynai pacs query|retrieve|store``: DICOMweb exchange with a PACS named by an explicit ``--config`` file.

This module defines the arguments and the handler; the DICOMweb client is :mod:`gynai.pacs.client`.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import replace
from pathlib import Path

from gynai.errors import PacsError, UsageError
from gynai.pacs.client import DicomWebClient
from gynai.pacs.config import load_pacs_config

logger = logging.getLogger(__name__)

QUERY_FORMATS = ("table", "jsonl")


def add_pacs_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``pacs`` and its actions to the ``gynai`` sub-commands."""
    parser = sub.add_parser("pacs", help="query, retrieve from or store to a PACS over DICOMweb (needs --config)",
                            description="DICOMweb exchange with the PACS described in a JSON file (docs/pacs.md). "
                                        "Nothing is sent anywhere without --config.")
    actions = parser.add_subparsers(dest="pacs_action", metavar="ACTION", required=True)
    config_help = "PACS configuration JSON file (url, credentials, timeout_s, verify_tls)"

    query = actions.add_parser("query", help="search studies (QIDO-RS) and list their series")
    query.add_argument("--config", required=True, type=Path, help=config_help)
    query.add_argument("--patient-id", default=None, help="Patient ID to match (DICOM wildcards * and ? allowed)")
    query.add_argument("--study-date", default=None, help="YYYYMMDD or a range YYYYMMDD-YYYYMMDD")
    query.add_argument("--modality", default=None, help="a modality in the study, e.g. MR")
    query.add_argument("--limit", type=int, default=100, help="at most this many studies (default 100)")
    query.add_argument("--no-series", action="store_true", help="list the studies only, not their series")
    query.add_argument("--format", default="table", choices=QUERY_FORMATS,
                       help="table (default) or jsonl: one JSON object per study")

    retrieve = actions.add_parser("retrieve", help="download every instance of a series (WADO-RS) into a folder")
    retrieve.add_argument("--config", required=True, type=Path, help=config_help)
    retrieve.add_argument("study_uid", metavar="STUDY_UID", help="Study Instance UID")
    retrieve.add_argument("series_uid", metavar="SERIES_UID", help="Series Instance UID")
    retrieve.add_argument("-o", "--output", required=True, type=Path, help="output folder (new or empty)")

    store = actions.add_parser("store", help="send DICOM files (e.g. the report's SEG, SR and PDF) with STOW-RS")
    store.add_argument("--config", required=True, type=Path, help=config_help)
    store.add_argument("paths", metavar="FILE_OR_FOLDER", nargs="+", type=Path,
                       help="DICOM files, or folders searched for DICOM files")
    store.add_argument("--study", default=None, metavar="STUDY_UID",
                       help="store into this study only (the PACS refuses instances of other studies)")
    parser.set_defaults(handler=run_pacs)


def _write(line: str) -> None:
    sys.stdout.write(line + "\n")


def _study_lines(study) -> list[str]:
    counts = f"{study.number_of_series if study.number_of_series is not None else '?'} series, " \
             f"{study.number_of_instances if study.number_of_instances is not None else '?'} instances"
    lines = [f"study  {study.study_instance_uid}  patient {study.patient_id or '-'} ({study.patient_name or '-'})  "
             f"date {study.study_date or '-'}  {','.join(study.modalities) or '-'}  {counts}"
             + (f"  {study.study_description}" if study.study_description else "")]
    for series in study.series:
        number = series.series_number if series.series_number is not None else "-"
        images = series.number_of_instances if series.number_of_instances is not None else "?"
        lines.append(f"  series {series.series_instance_uid}  #{number}  {series.modality or '-'}  {images} instances"
                     + (f"  {series.series_description}" if series.series_description else ""))
    return lines


def _query(client, args: argparse.Namespace) -> dict:
    if args.limit < 1:
        raise UsageError(f"--limit must be at least 1, got {args.limit}")
    studies = client.search_studies(args.patient_id, args.study_date, args.modality, args.limit)
    if not args.no_series:
        studies = [replace(study, series=tuple(client.search_series(study.study_instance_uid))) for study in studies]
    for study in studies:
        if args.format == "jsonl":
            _write(json.dumps(study.to_dict()))
        else:
            for line in _study_lines(study):
                _write(line)
    if not studies:
        logger.info("no study matches the filters")
    return {"studies": [study.to_dict() for study in studies]}


def _retrieve(client, args: argparse.Namespace) -> dict:
    files = client.retrieve_series(args.study_uid, args.series_uid, args.output)
    _write(f"retrieved {len(files)} instance(s) of series {args.series_uid} into {args.output}")
    return {"output": str(Path(args.output).resolve()), "instances": len(files)}


def _store(client, args: argparse.Namespace) -> dict:
    report = client.store(args.paths, study_uid=args.study)
    for outcome in report.failed:
        _write(f"refused  {outcome.path}  {outcome.reason}")
    _write(f"stored {len(report.stored)} of {len(report.outcomes)} instance(s)")
    if report.failed:
        first = report.failed[0]
        raise PacsError(f"the PACS refused {len(report.failed)} of {len(report.outcomes)} instance(s) (first: "
                        f"{Path(first.path).name}: {first.reason}); local files are unchanged")
    return report.to_dict()


def run_pacs(args: argparse.Namespace) -> dict:
    """``gynai pacs query|retrieve|store --config PACS.json …``; errors are GynAIError (exit code 2)."""
    config = load_pacs_config(args.config)
    handlers = {"query": _query, "retrieve": _retrieve, "store": _store}
    with DicomWebClient(config) as client:
        return handlers[args.pacs_action](client, args)
