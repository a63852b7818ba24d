"""The ``gynai`` command line: argument parsing, logging set-up and error handling.

Exit codes: 0 success, 2 bad input (one-line message on stderr, no output left), 1 unexpected failure,
3 ``gynai batch`` finished but some cases failed (their reasons are in the batch summary).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Optional, Sequence

import SimpleITK as sitk

from gynai import __version__
from gynai.cli import commands
from gynai.cli.batch_pacs import add_pacs_batch_arguments
from gynai.cli.jsonlines import emit, json_progress
from gynai.cli.pacs_command import add_pacs_parser
from gynai.cli.signals import StoppedBySignal, stop_on_signals
from gynai.errors import GynAIError
from gynai.io.safe_write import os_error_message
from gynai.tasks import TASKS

logger = logging.getLogger("gynai")

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT, EXIT_CASES_FAILED = 0, 1, 2, 3


def _add_segment(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("segment", help="segment a volume with a bundled model, write a Slicer .seg.nrrd")
    parser.add_argument("image", type=Path, help="input volume: NRRD, NIfTI, MHA or a DICOM series folder")
    parser.add_argument("--task", required=True, choices=sorted(TASKS), help="segmentation task")
    parser.add_argument("-o", "--output", required=True, type=Path, help="output segmentation (.seg.nrrd)")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="compute device")
    parser.add_argument("--overlap", type=float, default=0.25, help="sliding-window overlap in [0, 1)")
    parser.add_argument("--resample-irregular-slices", action="store_true",
                        help="a DICOM series with irregular slice positions (a missing slice, uneven gaps) is refused; "
                             "with this flag its slices are resampled onto a regular grid (noted in the outputs)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch")
    parser.add_argument("--model", default=None,
                        help="installed model to use (default: the one trained for the image's modality)")
    parser.add_argument("--modality", default=None, choices=["MR", "US"],
                        help="the image's modality when its file does not record one (NRRD, NIfTI): picks the model "
                             "trained for it and how intensities are read (US: ultrasound, adnexal-mass only)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output file")


def _add_measure(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("measure", help="compute structure volumes from an image and a segmentation")
    parser.add_argument("image", type=Path, help="input volume")
    parser.add_argument("segmentation", type=Path, help=".seg.nrrd, or a labelmap (NRRD/NIfTI) with --labels")
    parser.add_argument("--task", required=True, choices=sorted(TASKS), help="task of the segmentation")
    parser.add_argument("--labels", default=None,
                        help="label values of a plain labelmap, e.g. 1=myometrium,2=endometrium,3=fibroid")
    parser.add_argument("-o", "--output", required=True, type=Path, help="metrics JSON file")
    parser.add_argument("--resample-irregular-slices", action="store_true",
                        help="a DICOM series with irregular slice positions (a missing slice, uneven gaps) is refused; "
                             "with this flag its slices are resampled onto a regular grid (noted in the outputs)")
    parser.add_argument("--resample", action="store_true",
                        help="resample a segmentation on another voxel grid onto the image (nearest neighbour)")
    parser.add_argument("--roi", action="append", metavar="NAME=X,Y,Z,R",
                        help="reference sphere in LPS mm: muscle (fibroid Funaki class) or myometrium "
                             "(adnexal solid-tissue ratio); repeatable")
    parser.add_argument("--modality", default=None, choices=["MR", "US"],
                        help="the image's modality when its file does not record one (NRRD, NIfTI): picks the model "
                             "trained for it and how intensities are read (US: ultrasound, adnexal-mass only)")
    parser.add_argument("--thickness-map", type=Path, default=None,
                        help="placenta: also write the retroplacental myometrial thickness map (mm) to this file")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output file")


def _add_report(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("report", help="write the report of a case: JSON, HTML, PDF and DICOM SEG + SR")
    parser.add_argument("image", type=Path, help="input volume (a DICOM series folder keeps its identity)")
    parser.add_argument("segmentation", type=Path, help=".seg.nrrd, or a labelmap (NRRD/NIfTI) with --labels")
    parser.add_argument("--task", required=True, choices=sorted(TASKS), help="task of the segmentation")
    parser.add_argument("--labels", default=None, help="label values of a plain labelmap")
    parser.add_argument("-o", "--output", required=True, type=Path, help="output folder (new or empty)")
    parser.add_argument("--resample-irregular-slices", action="store_true",
                        help="a DICOM series with irregular slice positions (a missing slice, uneven gaps) is refused; "
                             "with this flag its slices are resampled onto a regular grid (noted in the outputs)")
    parser.add_argument("--format", default="json,html,pdf,dicom",
                        help="comma-separated formats: json, html, pdf, dicom (default: all)")
    parser.add_argument("--resample", action="store_true", help="resample a segmentation on another grid")
    parser.add_argument("--modality", default=None, choices=["MR", "US"],
                        help="the image's modality when its file does not record one (NRRD, NIfTI): picks the model "
                             "trained for it and how intensities are read (US: ultrasound, adnexal-mass only)")
    parser.add_argument("--roi", action="append", metavar="NAME=X,Y,Z,R", help="reference sphere (see measure)")
    parser.add_argument("--prior", action="append", type=Path, metavar="METRICS_OR_REPORT_JSON",
                        help="a prior study's metrics.json or report.json for the follow-up comparison; repeat "
                             "for a trend, oldest first (the last one is compared lesion by lesion)")
    parser.add_argument("--patient-id", default=None,
                        help="non-DICOM input: Patient ID of the DICOM objects (default: a pseudonym derived from "
                             "the voxels, GYNAI-<digest>)")
    parser.add_argument("--patient-name", default=None,
                        help="non-DICOM input: Patient Name of the DICOM objects, e.g. 'Doe^Jane' (default: a "
                             "pseudonym)")
    parser.add_argument("--prior-segmentation", type=Path, default=None,
                        help="the last prior's .seg.nrrd: aligns the studies rigidly by their organ masks "
                             "(otherwise by the organ centroid)")


def _add_batch(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "batch", help="segment, measure and report every case of a folder or CSV list",
        description="Segment, measure and report every case into OUTPUT/cases/<id>/, then write OUTPUT/cohort.csv "
                    "and summary.json. A failing case is recorded and the others continue. Re-running on the same "
                    "OUTPUT resumes: a finished case is kept only when its image file, the model and the report "
                    "formats are unchanged (otherwise it is redone); failed cases are tried again. An OUTPUT holding "
                    "a batch of another task is refused (exit code 2). Exit code 0: all cases done, 3: some failed.")
    parser.add_argument("input", type=Path, nargs="?",       # optional only for the --from-pacs form (batch_pacs)
                        help="folder of volumes and DICOM series folders, or a CSV (column image); "
                             "not with --from-pacs")
    parser.add_argument("output", type=Path, nargs="?",
                        help="output folder (new, or an earlier batch output of the same task to resume)")
    parser.add_argument("--task", required=True, choices=sorted(TASKS), help="segmentation task")
    parser.add_argument("--workers", type=int, default=1,
                        help="cases processed in parallel (processes of this machine, or of --scheduler local)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="run the cases on a Dask cluster: a scheduler address such as tcp://HOST:8786 (input "
                             "and output on a filesystem the workers share, same paths), or 'local' for a "
                             "LocalCluster of --workers processes; default: this machine's processes")
    parser.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda"], help="compute device")
    parser.add_argument("--case-timeout-s", type=float, default=None, metavar="SECONDS",
                        help="stop a case that runs longer and record it as failed (each case then runs in a "
                             "process of its own); default: no limit")
    parser.add_argument("--report-format", default="json,html",
                        help="report formats per case: json, html, pdf, dicom, or 'none' (default: json,html)")
    parser.add_argument("--modality", default=None, choices=["MR", "US"],
                        help="modality of the inputs whose files do not record one (NRRD, NIfTI); DICOM series "
                             "and GynAI-written NRRD keep theirs. Each case runs the model trained for its modality")
    add_pacs_batch_arguments(parser)


def _add_demo(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("demo", help="generate a phantom, segment it, measure it and write a report")
    parser.add_argument("-o", "--output", required=True, type=Path, help="output folder (must not exist or be empty)")
    parser.add_argument("--seed", type=int, default=2026, help="phantom random seed")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="compute device")


def _add_phantom(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("phantom", help="write a synthetic phantom image and its analytic ground truth",
                            description="Write a GynAI synthetic phantom (the kind the bundled models were trained "
                                        "and evaluated on): the image, and optionally its ground-truth .seg.nrrd.")
    parser.add_argument("--task", required=True, choices=sorted(TASKS), help="what the phantom shows")
    parser.add_argument("--modality", default="MR", choices=["MR", "US"],
                        help="MR: T2-weighted MRI; US: 3D transvaginal ultrasound (adnexal-mass only)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same phantom)")
    parser.add_argument("-o", "--output", required=True, type=Path, help="image file (.nrrd, .nii.gz, .mha)")
    parser.add_argument("--truth", type=Path, default=None, help="also write the ground truth (.seg.nrrd)")
    parser.add_argument("--overwrite", action="store_true", help="replace existing output files")


def _add_train(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("train", help="train a model bundle on phantoms or on a MONAI-style datalist")
    parser.add_argument("--task", required=True, choices=sorted(TASKS), help="segmentation task")
    parser.add_argument("-o", "--output", required=True, type=Path, help="bundle folder to create")
    parser.add_argument("--datalist", type=Path, default=None, help="MONAI datalist JSON (default: phantoms)")
    parser.add_argument("--phantoms", type=int, default=40, help="number of classic training phantoms")
    parser.add_argument("--scenes", type=int, default=None,
                        help="number of domain-randomised training scenes (default: the task's recipe; 0: none)")
    parser.add_argument("--classic", action="store_true",
                        help="the classic recipe: classic phantoms only, anisotropic 1.6x1.6x3.2 mm grid")
    parser.add_argument("--scene-cache", type=Path, default=None, metavar="DIR",
                        help="keep the drawn scenes in this folder and reuse them in later runs")
    parser.add_argument("--steps", type=int, default=1500, help="training steps")
    parser.add_argument("--version", default="0.1.0", dest="bundle_version", help="version of the bundle written")
    parser.add_argument("--modality", default="MR", choices=["MR", "US"],
                        help="modality of the training phantoms and of the model (US: adnexal-mass only)")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="compute device")
    parser.add_argument("--init-from", type=Path, default=None, metavar="BUNDLE_DIR",
                        help="start from the weights of this bundle (fine-tuning; same network)")
    parser.add_argument("--smoke", action="store_true", help="a tiny network and 3 steps (checks the pipeline)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing bundle folder")


def _add_evaluate(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("evaluate", help="Dice of an installed model on held-out phantoms (model card figures)")
    parser.add_argument("--task", required=True, choices=sorted(TASKS), help="segmentation task")
    parser.add_argument("--model", default=None, help="installed model (default: the shipped one)")
    parser.add_argument("--cases", type=int, default=10, help="number of held-out phantoms per style")
    parser.add_argument("--style", default="train", choices=["train", "heldout", "ct", "all"],
                        help="train: the training generator's held-out phantoms; heldout: a second generator written "
                             "separately; ct: that generator as CT (no target); all: every style that applies")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="compute device")
    parser.add_argument("-o", "--output", type=Path, default=None, help="also write the result as JSON")


def _add_models(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("models", help="list, verify, add or remove model bundles")
    parser.add_argument("action", choices=["list", "verify", "add", "remove"],
                        help="list bundles, check every file's SHA-256, add a bundle (folder or .zip), remove one")
    parser.add_argument("source", nargs="?", default=None,
                        help="add: bundle folder, .zip or URL of a .zip; remove: name of a user-installed model")
    parser.add_argument("--name", default=None, help="add: catalog name (default: from the folder/zip name)")
    parser.add_argument("--overwrite", action="store_true", help="add: replace a user model of the same name")
    parser.add_argument("--sha256", default=None, help="add from a URL: the SHA-256 of the .zip (required)")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser of ``gynai``."""
    parser = argparse.ArgumentParser(
        prog="gynai", description="GynAI: deep-learning segmentation and quantification for gynecologic imaging "
                                  "(research use only).")
    parser.add_argument("--version", action="version", version=f"gynai {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="show debug messages")
    parser.add_argument("-q", "--quiet", action="store_true", help="show warnings and errors only")
    parser.add_argument("--json-progress", action="store_true",
                        help="write progress, result and errors as JSON lines on stdout (for GUIs)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in (_add_demo, _add_phantom, _add_segment, _add_measure, _add_report, _add_batch, _add_train,
                _add_evaluate, _add_models, add_pacs_parser):
        add(sub)
    return parser


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of the message (it may be replaced, e.g. by tests)."""

    @property  # type: ignore[override]
    def stream(self):  # noqa: D102
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def _configure_logging(verbose: bool, quiet: bool) -> None:
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    logger.propagate = False
    # ITK prints its warnings (multi-line) on stderr; GynAI checks what they warn of and says it in one line
    sitk.ProcessObject.SetGlobalWarningDisplay(verbose)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``gynai`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    _configure_logging(args.verbose, args.quiet)
    handler = getattr(args, "handler", None) or getattr(commands, f"run_{args.command}")
    args.progress = json_progress() if args.json_progress else None
    try:
        with stop_on_signals():
            result = handler(args)
    except StoppedBySignal as stopped:
        sys.stderr.write(f"gynai: stopped by {stopped.name}; files being written were removed\n")
        return 128 + stopped.number
    except GynAIError as error:
        sys.stderr.write(f"gynai: error: {error}\n")
        if args.json_progress:
            emit("error", message=str(error), type=type(error).__name__)
        return EXIT_BAD_INPUT
    except OSError as error:              # a file-system failure no command turned into a GynAIError
        action = f"cannot use {error.filename}" if error.filename else "a file operation failed"
        message = os_error_message(error, action)
        sys.stderr.write(f"gynai: error: {message}\n")
        if args.json_progress:
            emit("error", message=message, type=type(error).__name__)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        sys.stderr.write("gynai: interrupted\n")
        return EXIT_FAILURE
    if args.json_progress:
        emit("done", **(result if isinstance(result, dict) else {}))
    return int(result.get("exit_code", EXIT_OK)) if isinstance(result, dict) else EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
