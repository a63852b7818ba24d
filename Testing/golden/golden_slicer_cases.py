"""Golden cases of the Slicer side: GynAIReport's console logic on scene nodes made from the sample phantoms'
ground truth (needs the headless Slicer context of Testing/mrml, set up by the caller).

Each case writes what the module shows and writes: the metrics of ``compute``, the panel HTML, the
structure and findings tables as text, and the report folder of ``generateReport``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from golden_cases import SAMPLES

MUSCLE = ("muscle", "Muscle")


def _table_text(table_node) -> str:
    table = table_node.GetTable()
    columns = [table.GetColumn(c) for c in range(table.GetNumberOfColumns())]
    lines = ["\t".join(column.GetName() for column in columns)]
    for row in range(table.GetNumberOfRows()):
        lines.append("\t".join(str(column.GetValue(row)) for column in columns))
    return "\n".join(lines) + "\n"


def _nodes(sample: str, task: str, name: str, extra_muscle: bool = False):
    """Volume and segmentation nodes of a sample's image and ground truth (plus a "Muscle" segment)."""
    import numpy as np

    from gynai.image import LabelImage, LabelInfo
    from gynai.io.images import read_image
    from gynai.io.segnrrd import read_seg_nrrd
    from gynai.labels.spec import to_task_labels
    from GynAILib.segmentations import label_image_to_segmentation_node
    from GynAILib.volumes import image_to_volume_node

    image = read_image(SAMPLES / f"{sample}.nrrd")
    labels = to_task_labels(read_seg_nrrd(SAMPLES / f"{sample}-truth.seg.nrrd"), task)
    if extra_muscle:
        array = labels.array.copy()
        array[:6, 20:40, 20:40] = 9                                  # a block of "muscle" away from the uterus
        labels = LabelImage(array, labels.geometry, labels.labels + (LabelInfo(9, *MUSCLE),))
    volume = image_to_volume_node(image, name)
    segmentation = label_image_to_segmentation_node(labels, volume, name=f"{name} segmentation")
    return volume, segmentation, np


def _compute_and_report(volume, segmentation, task: str, template: str, out: Path, **prior) -> Path:
    from GynAIReportLib.report_logic import ReportLogic

    logic = ReportLogic()
    out.mkdir(parents=True)
    metrics, table, html = logic.compute(volume, segmentation, task)
    (out / "compute-metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    (out / "panel.html").write_text(html, encoding="utf-8")
    (out / "structures-table.txt").write_text(_table_text(table), encoding="utf-8")
    (out / "findings-table.txt").write_text(_table_text(logic.findingsTable(metrics)), encoding="utf-8")
    result = logic.generateReport(volume, segmentation, template, out / "report", ("json", "html", "pdf", "dicom"),
                                  **prior)
    (out / "generate-result.json").write_text(json.dumps(
        {"files": sorted(result["files"]), "notes": result["notes"], "followup": result["followup"]}, indent=2)
        + "\n", encoding="utf-8")
    return out


def slicer_pelvis(work: Path) -> Path:
    """The pelvis sample with a "Muscle" reference segment, against a prior without its smallest fibroid."""
    from gynai.metrics.instances import split_instances
    from GynAILib.segmentations import label_image_to_segmentation_node, segmentation_node_to_label_image
    from gynai.tasks import get_task

    volume, segmentation, _ = _nodes("GynAIPhantomPelvisT2", "uterus-fibroid", "pelvis", extra_muscle=True)
    prior_volume, prior_segmentation, _ = _nodes("GynAIPhantomPelvisT2", "uterus-fibroid", "pelvis prior")
    labels = segmentation_node_to_label_image(prior_segmentation, prior_volume, get_task("uterus-fibroid").labels)
    instances = split_instances(labels.array == 3, labels.geometry.spacing_mm)
    labels.array[instances == instances.max()] = 1
    prior_segmentation = label_image_to_segmentation_node(labels, prior_volume, prior_segmentation)
    return _compute_and_report(volume, segmentation, "uterus-fibroid", "fibroid-mapping", work / "out",
                               priorVolumeNode=prior_volume, priorSegmentationNode=prior_segmentation)


def slicer_placenta(work: Path) -> Path:
    volume, segmentation, _ = _nodes("GynAIPhantomPlacentaT2", "placenta", "placenta")
    out = _compute_and_report(volume, segmentation, "placenta", "placenta-accreta", work / "out")
    from GynAIReportLib.report_logic import ReportLogic
    from gynai.io.images import write_image
    from GynAILib.volumes import volume_node_to_image

    thickness = ReportLogic().thicknessMap(volume, segmentation)
    write_image(volume_node_to_image(thickness), out / "thickness.nrrd")
    return out


def slicer_adnexal_us(work: Path) -> Path:
    """The ultrasound sample, its segmentation marked as made by an ultrasound model."""
    from GynAILib.segment_state import mark_as_generated

    volume, segmentation, _ = _nodes("GynAIPhantomAdnexalUS", "adnexal-mass", "ultrasound")
    mark_as_generated(segmentation, "adnexal-mass", {"name": "golden-us", "version": "1.0.0", "task": "adnexal-mass",
                                                     "modality": "US"})
    return _compute_and_report(volume, segmentation, "adnexal-mass", "adnexal-mass", work / "out")


SLICER_CASES: dict[str, Callable[[Path], Path]] = {
    "slicer-pelvis": slicer_pelvis, "slicer-placenta": slicer_placenta, "slicer-adnexal-us": slicer_adnexal_us,
}
