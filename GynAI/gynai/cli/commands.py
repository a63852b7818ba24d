"""Handlers of the ``gynai`` sub-commands (each takes the parsed arguments; errors are GynAIError)."""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from gynai import batch
from gynai.cli.progress_bar import batch_progress
from gynai.case import load_case, measure_case, parse_formats, report_case
from gynai.cli.batch_pacs import run_batch_from_pacs, uses_pacs
from gynai.cli.demo import run_demo_case
from gynai.errors import GynAIError, LabelError, OutputPathError, UsageError
from gynai.image import Image
from gynai.inference import predict
from gynai.io.images import input_notes, read_image, write_image
from gynai.io.safe_write import write_json
from gynai.io.segnrrd import write_seg_nrrd
from gynai.labels.terminology import task_terminology
from gynai.models.bundle import bundle_modality
from gynai.models.catalog import verify_entry
from gynai.models.download import add_bundle_from_url
from gynai.models.selection import all_entries
from gynai.models.user_models import add_bundle, remove_bundle
from gynai.phantom import generate
from gynai.tasks import TASKS, get_task
from gynai.training.evaluate import evaluate_installed, format_table
from gynai.training.train import task_config

logger = logging.getLogger("gynai")

MAX_THREADS = 1024
"""Most CPU threads ``--threads`` accepts (torch refuses zero and negative counts with a traceback)."""
MAX_SEED = 2**32 - 1
"""Largest phantom seed (numpy's random generators take 0 … 2**32 - 1 here)."""


def _progress_logger(prefix: str):
    last = [-1]

    def progress(fraction: float, message: str) -> None:
        percent = int(fraction * 100)
        if percent // 10 != last[0] // 10:
            logger.info("%s %3d%% %s", prefix, percent, message)
            last[0] = percent

    return progress


def run_segment(args: argparse.Namespace) -> dict:
    """``gynai segment IMAGE --task TASK -o OUT.seg.nrrd``; returns the output path and label voxel counts."""
    if not str(args.output).endswith(".seg.nrrd"):
        raise OutputPathError(f"output {args.output} must end with .seg.nrrd (Slicer segmentation file)")
    if args.output.exists() and not args.overwrite:
        raise OutputPathError(f"{args.output} exists; choose another name or pass --overwrite")
    if args.threads is not None:
        check_range("--threads", args.threads, 1, MAX_THREADS)
    image = read_image(args.image, getattr(args, "modality", None),
                       resample_irregular=getattr(args, "resample_irregular_slices", False))
    progress = getattr(args, "progress", None) or _progress_logger("segment")
    warnings: list[str] = list(input_notes(image))
    provenance: dict = {}
    labels = predict.segment_image(image, args.task, args.device, args.overlap, progress, threads=args.threads,
                           model=args.model, warnings=warnings, provenance=provenance)
    write_seg_nrrd(labels, args.output, task_terminology(get_task(args.task)), overwrite=args.overwrite,
                   model=provenance, notes=input_notes(image))
    logger.info("segmentation written to %s", args.output)
    counts = {label.id: int((labels.array == label.value).sum()) for label in labels.labels}
    return {"output": str(Path(args.output).resolve()), "voxels": counts, "warnings": warnings, "model": provenance}


def run_measure(args: argparse.Namespace) -> None:
    """``gynai measure IMAGE SEGMENTATION --task TASK -o metrics.json``."""
    if args.output.exists() and not args.overwrite:
        raise OutputPathError(f"{args.output} exists; choose another name or pass --overwrite")
    map_path = getattr(args, "thickness_map", None)
    thickness = get_task(args.task).thickness_map
    if map_path is not None:
        if thickness is None:
            with_map = " or ".join(task.id for task in TASKS.values() if task.thickness_map is not None)
            raise UsageError(f"--thickness-map is for task {with_map} (retroplacental myometrium)")
        if map_path.exists() and not args.overwrite:
            raise OutputPathError(f"{map_path} exists; choose another name or pass --overwrite")
    case = load_case(args.image, args.segmentation, args.task, label_spec=args.labels, resample=args.resample,
                     rois=args.roi or (), modality=getattr(args, "modality", None),
                     resample_irregular=getattr(args, "resample_irregular_slices", False))
    metrics = measure_case(replace(case, model=None))    # the metrics file records no model (as it always has)
    for note in metrics.notes:
        logger.warning("%s", note)
    thickness_map = thickness.load()(case.labels) if map_path is not None and thickness is not None else None
    if map_path is not None and thickness_map is None:
        raise LabelError("no thickness map: the segmentation has no placenta or no myometrium")
    if thickness_map is not None:
        write_image(thickness_map, map_path, args.overwrite)
        logger.info("thickness map written to %s", map_path)
    try:
        write_json(metrics.to_json(), args.output, args.overwrite)
    except BaseException:
        if thickness_map is not None:
            map_path.unlink(missing_ok=True)
        raise
    logger.info("metrics written to %s", args.output)


def run_report(args: argparse.Namespace) -> dict:
    """``gynai report IMAGE SEGMENTATION --task TASK -o DIR [--format json,html,dicom]``."""
    formats = parse_formats(args.format)
    case = load_case(args.image, args.segmentation, args.task, label_spec=args.labels, resample=args.resample,
                     rois=args.roi or (), modality=getattr(args, "modality", None), priors=args.prior or (),
                     prior_segmentation=args.prior_segmentation,
                     resample_irregular=getattr(args, "resample_irregular_slices", False))
    identity = {"patient_id": getattr(args, "patient_id", None), "patient_name": getattr(args, "patient_name", None)}
    _, _, written = report_case(case, args.output, formats, _progress_logger("report"), identity)
    logger.info("report written to %s", args.output)
    return {"output": str(Path(args.output).resolve()), **written}


def run_batch(args: argparse.Namespace) -> dict:
    """``gynai batch INPUT OUTPUT --task TASK [--workers N] [--scheduler ADDRESS]``; exit code 3 when any case
    failed."""
    formats = () if args.report_format.strip().lower() == "none" else parse_formats(args.report_format)

    if uses_pacs(args):                                            # --from-pacs … OUTPUT: gynai.cli.batch_pacs
        return run_batch_from_pacs(args, formats, getattr(args, "progress", None) or batch_progress())
    result = batch.run_batch(args.input, args.output, args.task, args.workers, args.device, formats,
                             getattr(args, "progress", None) or batch_progress(), getattr(args, "modality", None),
                             getattr(args, "case_timeout_s", None), getattr(args, "scheduler", None))
    result.log_outcome(logger)
    return {"output": str(Path(args.output).resolve()), "done": len(result.done), "failed": len(result.failed),
            "resumed": result.resumed, "skipped": len(result.skipped), "exit_code": 0 if result.ok else 3}


def check_range(option: str, value: int, low: int, high: int) -> None:
    """Refuse a whole-number option outside ``[low, high]`` with a one-line message.

    Raises:
        UsageError: ``value`` is outside the range.
    """
    if not low <= value <= high:
        raise UsageError(f"{option} must be from {low} to {high}, got {value}")


def run_demo(args: argparse.Namespace) -> None:
    """``gynai demo -o DIR``."""
    check_range("--seed", args.seed, 0, MAX_SEED)
    run_demo_case(args.output, seed=args.seed, device=args.device, progress=_progress_logger("demo"))


def run_phantom(args: argparse.Namespace) -> dict:
    """``gynai phantom --task TASK [--modality US] -o IMAGE [--truth TRUTH.seg.nrrd]``."""
    check_range("--seed", args.seed, 0, MAX_SEED)
    if args.truth is not None and not args.truth.name.endswith(".seg.nrrd"):
        raise UsageError(f"--truth {args.truth.name}: the ground truth is written as a .seg.nrrd; name it so")
    for path in (args.output, args.truth):
        if path is not None and path.exists() and not args.overwrite:
            raise OutputPathError(f"{path} exists; choose another name or pass --overwrite")
    case = generate(args.task, args.seed, modality=args.modality)
    stored = np.uint8 if args.modality == "US" else np.int16         # as scanners store them: 8-bit B-mode
    image = Image(np.rint(case.image.array).astype(stored), case.image.geometry, dict(case.image.metadata))
    write_image(image, args.output, overwrite=args.overwrite)
    if args.truth is not None:
        try:
            write_seg_nrrd(case.labels, args.truth, task_terminology(get_task(args.task)), overwrite=args.overwrite)
        except BaseException:                      # the pair is written whole or not at all
            args.output.unlink(missing_ok=True)
            raise
    voxel_ml = case.image.geometry.voxel_volume_mm3 / 1000.0
    truth_ml = {label.id: float((case.labels.array == label.value).sum()) * voxel_ml for label in case.labels.labels}
    logger.info("%s phantom (%s, seed %d) written to %s; ground-truth volumes: %s", args.task, args.modality,
                args.seed, args.output, ", ".join(f"{name} {value:.1f} mL" for name, value in truth_ml.items()))
    return {"image": str(Path(args.output).resolve()), "truth": str(Path(args.truth).resolve()) if args.truth else None,
            "task": args.task, "modality": args.modality, "seed": args.seed, "truth_volume_ml": truth_ml}


def run_train(args: argparse.Namespace) -> None:
    """``gynai train --task TASK -o BUNDLE``."""
    # Training threads wait for each other thousands of times per step; spinning OpenMP threads made a
    # step 1.5-8x slower whenever another process shared the cores (docs/benchmarks.md). Set before
    # torch loads its OpenMP runtime; an explicit setting of the user wins.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

    from gynai.training.run import smoke_config, train_bundle

    if not re.fullmatch(r"\d+\.\d+\.\d+", args.bundle_version):
        raise UsageError(f"--version {args.bundle_version!r} is not a version; give MAJOR.MINOR.PATCH, e.g. 0.2.0")
    modality = getattr(args, "modality", "MR")
    check_range("--steps", args.steps, 1, 10_000_000)
    check_range("--phantoms", args.phantoms, 0, 100_000)
    scenes = getattr(args, "scenes", None)
    if scenes is not None and scenes < 0:
        raise UsageError(f"--scenes must be 0 or more, got {scenes}")
    if args.smoke:
        config = smoke_config(modality)
    else:
        config = task_config(args.task, modality, randomized=not getattr(args, "classic", False), steps=args.steps)
    if scenes is not None and not args.smoke:
        config = replace(config, synth_scenes=scenes)
    config = replace(config, device=args.device)
    phantoms = 2 if args.smoke else args.phantoms
    path = train_bundle(args.task, args.output, args.datalist, phantoms, 1 if args.smoke else 4,
                        1 if args.smoke else 10, config, version=args.bundle_version, overwrite=args.overwrite,
                        progress=_progress_logger("train"), init_from=getattr(args, "init_from", None),
                        scene_cache=getattr(args, "scene_cache", None))
    logger.info("bundle written to %s (model card: %s)", path, path / "docs" / "README.md")


def run_evaluate(args: argparse.Namespace) -> dict:
    """``gynai evaluate --task TASK``: held-out phantom Dice of an installed model."""
    if args.cases < 1:
        raise GynAIError(f"--cases must be at least 1, got {args.cases}")
    result = evaluate_installed(args.task, args.model, args.cases, args.device, _progress_logger("evaluate"),
                                style=getattr(args, "style", "train"))
    sys.stdout.write(format_table(result) + "\n")
    if args.output is not None:
        write_json(result, args.output)
    return result


def run_models(args: argparse.Namespace) -> dict:
    """``gynai models list|verify|add|remove``."""
    if args.action in ("add", "remove") and not args.source:
        raise GynAIError(f"'gynai models {args.action}' needs "
                         f"{'a bundle folder or .zip' if args.action == 'add' else 'the model name'}")
    if args.action == "add":
        if "://" in args.source:
            if not args.sha256:
                raise GynAIError("a model from a URL needs --sha256 (the digest its publisher gives)")
            entry = add_bundle_from_url(args.source, args.sha256, args.name, args.overwrite)
        else:
            entry = add_bundle(Path(args.source), args.name, args.overwrite)
        sys.stdout.write(f"added {entry.name}: task={entry.task} version={entry.version} "
                         f"{entry.size_bytes / 1e6:.2f} MB\n")
        return {"name": entry.name, "task": entry.task, "version": entry.version}
    if args.action == "remove":
        remove_bundle(args.source)
        sys.stdout.write(f"removed {args.source}\n")
        return {"name": args.source}
    failures = 0
    for entry in all_entries():
        origin = "shipped" if entry.bundled else "user"
        line = (f"{entry.name:20s} task={entry.task:15s} modality={bundle_modality(entry.path) or '?':3s} "
                f"version={entry.version:8s} {origin:7s} {entry.size_bytes / 1e6:6.2f} MB")
        if args.action == "verify":
            try:
                verify_entry(entry)
                line += "  OK"
            except GynAIError as error:
                failures += 1
                line += f"  FAILED: {error}"
        sys.stdout.write(line + "\n")
    if failures:
        raise GynAIError(f"{failures} bundle(s) failed verification; reinstall them")
    return {}
