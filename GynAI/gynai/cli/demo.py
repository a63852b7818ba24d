"""``gynai demo``: phantom → bundled model → volumes → report, written into one folder.

The folder is assembled in a staged sibling and renamed into place at the end
(:func:`gynai.io.safe_write.staged_folder`), so an interrupted or failed demo leaves nothing behind, and an
existing non-empty folder is never touched.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, Optional

from gynai.case import Case, measure_case
from gynai.image import LabelImage
from gynai.inference import predict
from gynai.io.images import write_image
from gynai.io.safe_write import staged_folder, write_json
from gynai.io.segnrrd import write_seg_nrrd
from gynai.labels.terminology import task_terminology
from gynai.metrics.overlap import dice
from gynai.models import selection
from gynai.phantom import FibroidSpec, PhantomCase, generate_uterus_fibroid
from gynai.progress import ProgressCallback, report, scaled
from gynai.report.html_report import case_report_html
from gynai.tasks import get_task

logger = logging.getLogger("gynai")

TASK = "uterus-fibroid"
FILES = {
    "input.nrrd": "synthetic T2-weighted pelvic MRI phantom (NRRD, LPS geometry)",
    "segmentation.seg.nrrd": "model segmentation: Myometrium, Endometrium, Fibroid (open in 3D Slicer)",
    "ground-truth.seg.nrrd": "the phantom's analytic ground-truth labels, for comparison",
    "metrics.json": "structure volumes (schema gynai.metrics/1) and Dice against the ground truth",
    "report.html": "readable report with volumes and a key image (open in a web browser)",
}


def _demo_fibroids() -> list[FibroidSpec]:
    return [FibroidSpec("2", 28.0), FibroidSpec("4", 22.0), FibroidSpec("6", 26.0)]


def _rounded_dice(first, second) -> Optional[float]:
    value = dice(first, second)
    return None if value is None else round(value, 4)


def _demo_block(phantom: PhantomCase, labels: LabelImage, seed: int) -> dict[str, Any]:
    """The ``demo`` key of the metrics: the phantom's seed, Dice against its truth, its truth volumes."""
    truth = phantom.labels.array
    voxel_mm3 = phantom.image.geometry.voxel_volume_mm3
    return {"phantom_seed": seed,
            "dice_vs_ground_truth": {**{label.id: _rounded_dice(labels.array == label.value, truth == label.value)
                                        for label in labels.labels},
                                     "uterus": _rounded_dice(labels.array > 0, truth > 0)},
            "ground_truth_volume_ml": {label.id: float((truth == label.value).sum()) * voxel_mm3 / 1000
                                       for label in labels.labels}}


def run_demo_case(output: Path, seed: int = 2026, device: str = "auto",
                  progress: Optional[ProgressCallback] = None) -> dict:
    """Run the demo and write the files of :data:`FILES` into ``output``; returns the metrics document.

    Raises:
        OutputPathError: ``output`` exists and is not an empty folder.
    """
    output = Path(output)
    with staged_folder(output) as staging:
        report(progress, 0.0, "generating phantom")
        phantom = generate_uterus_fibroid(seed, _demo_fibroids())
        write_image(phantom.image, staging / "input.nrrd")
        terminology = task_terminology(get_task(TASK))
        write_seg_nrrd(phantom.labels, staging / "ground-truth.seg.nrrd", terminology)
        labels = predict.segment_image(phantom.image, TASK, device, progress=scaled(progress, 0.05, 0.9))
        write_seg_nrrd(labels, staging / "segmentation.seg.nrrd", terminology)
        info = selection.load_task_bundle(TASK)
        case = Case(phantom.image, labels, TASK, model={"name": info.name, "version": info.version},
                    source={"image": "input.nrrd (GynAI phantom, seed %d)" % seed,
                            "segmentation": "segmentation.seg.nrrd"})
        document = measure_case(case).with_extra(demo=_demo_block(phantom, labels, seed)).to_json()
        write_json(document, staging / "metrics.json")
        (staging / "report.html").write_text(case_report_html(phantom.image, labels, document), encoding="utf-8")
    report(progress, 1.0, "done")
    _print_summary(output, document)
    return document


def _print_summary(output: Path, document: dict) -> None:
    lines = [f"GynAI demo finished. Files in {output.resolve()}:"]
    lines += [f"  {name:24s} {description}" for name, description in FILES.items()]
    lines.append("Volumes (model segmentation):")
    for structure_id, values in document["structures"].items():
        score = document["demo"]["dice_vs_ground_truth"].get(structure_id)
        lines.append(f"  {structure_id:12s} {values['volume_ml']:8.1f} mL" + (f"   Dice vs truth {score:.3f}"
                                                                              if score is not None else ""))
    lines.append("Open segmentation.seg.nrrd with input.nrrd in 3D Slicer, or report.html in a browser.")
    sys.stdout.write("\n".join(lines) + "\n")
