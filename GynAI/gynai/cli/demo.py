"""``gynai demo``: phantom → bundled model → volumes → report, written into one folder.

The folder is assembled in a temporary sibling and renamed into place at the end, so an interrupted
or failed demo leaves nothing behind, and an existing non-empty folder is never touched.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import Optional

import numpy as np

from gynai.errors import OutputPathError
from gynai.progress import ProgressCallback, report, scaled

logger = logging.getLogger("gynai")

TASK = "uterus-fibroid"
FILES = {
    "input.nrrd": "synthetic T2-weighted pelvic MRI phantom (NRRD, LPS geometry)",
    "segmentation.seg.nrrd": "model segmentation: Myometrium, Endometrium, Fibroid (open in 3D Slicer)",
    "ground-truth.seg.nrrd": "the phantom's analytic ground-truth labels, for comparison",
    "metrics.json": "structure volumes (schema gynai.metrics/1) and Dice against the ground truth",
    "report.html": "readable report with volumes and a key image (open in a web browser)",
}


def _demo_fibroids():
    from gynai.phantom import FibroidSpec

    return [FibroidSpec("2", 28.0), FibroidSpec("4", 22.0), FibroidSpec("6", 26.0)]


def _dice(a: np.ndarray, b: np.ndarray) -> Optional[float]:
    total = int(a.sum()) + int(b.sum())
    return None if total == 0 else round(2.0 * int((a & b).sum()) / total, 4)


def run_demo_case(output: Path, seed: int = 2026, device: str = "auto",
                  progress: Optional[ProgressCallback] = None) -> dict:
    """Run the demo and write the files of :data:`FILES` into ``output``; returns the metrics document."""
    from gynai.io.safe_write import write_json
    from gynai.models.selection import load_task_bundle
    from gynai.inference.predict import segment_image
    from gynai.io.images import write_image
    from gynai.io.segnrrd import write_seg_nrrd
    from gynai.metrics.document import metrics_document
    from gynai.phantom import generate_uterus_fibroid
    from gynai.report.html_report import case_report_html
    from gynai.tasks import get_task
    from gynai.labels.terminology import task_terminology

    output = Path(output)
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise OutputPathError(f"{output} exists and is not an empty folder; choose a new output folder")
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}-", dir=output.parent))
    try:
        report(progress, 0.0, "generating phantom")
        case = generate_uterus_fibroid(seed, _demo_fibroids())
        write_image(case.image, staging / "input.nrrd")
        terminology = task_terminology(get_task(TASK))
        write_seg_nrrd(case.labels, staging / "ground-truth.seg.nrrd", terminology)
        labels = segment_image(case.image, TASK, device, progress=scaled(progress, 0.05, 0.9))
        write_seg_nrrd(labels, staging / "segmentation.seg.nrrd", terminology)
        info = load_task_bundle(TASK)
        document = metrics_document(case.image, labels, TASK, {"name": info.name, "version": info.version},
                                    {"image": "input.nrrd (GynAI phantom, seed %d)" % seed,
                                     "segmentation": "segmentation.seg.nrrd"})
        truth = case.labels.array
        document["demo"] = {
            "phantom_seed": seed,
            "dice_vs_ground_truth": {
                **{label.id: _dice(labels.array == label.value, truth == label.value) for label in labels.labels},
                "uterus": _dice(labels.array > 0, truth > 0)},
            "ground_truth_volume_ml": {label.id: float((truth == label.value).sum())
                                       * case.image.geometry.voxel_volume_mm3 / 1000 for label in labels.labels},
        }
        write_json(document, staging / "metrics.json")
        (staging / "report.html").write_text(case_report_html(case.image, labels, document), encoding="utf-8")
        if output.exists():
            output.rmdir()
        staging.rename(output)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    report(progress, 1.0, "done")
    _print_summary(output, document)
    return document


def _print_summary(output: Path, document: dict) -> None:
    import sys

    lines = [f"GynAI demo finished. Files in {output.resolve()}:"]
    lines += [f"  {name:24s} {description}" for name, description in FILES.items()]
    lines.append("Volumes (model segmentation):")
    for structure_id, values in document["structures"].items():
        dice = document["demo"]["dice_vs_ground_truth"].get(structure_id)
        lines.append(f"  {structure_id:12s} {values['volume_ml']:8.1f} mL" + (f"   Dice vs truth {dice:.3f}"
                                                                              if dice is not None else ""))
    lines.append("Open segmentation.seg.nrrd with input.nrrd in 3D Slicer, or report.html in a browser.")
    sys.stdout.write("\n".join(lines) + "\n")
