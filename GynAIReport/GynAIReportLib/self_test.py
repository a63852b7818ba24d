"""The scenarios of GynAIReport's self-test (``GynAIReportTest``, Reload and Test / ctest), Qt-free: phantom
labels → segmentation node → metrics, table and report files."""

from __future__ import annotations

import os
import tempfile
from typing import Any

TASK = "uterus-fibroid"


def _phantom_nodes() -> tuple[Any, Any, Any]:
    from gynai.phantom import FibroidSpec, generate_uterus_fibroid
    from GynAILib.segmentations import label_image_to_segmentation_node
    from GynAILib.volumes import image_to_volume_node

    case = generate_uterus_fibroid(0, [FibroidSpec("4", 20.0)])
    volume = image_to_volume_node(case.image, "phantom")
    return case, volume, label_image_to_segmentation_node(case.labels, volume, name="truth")


def volumes_of_phantom(test: Any, logic: Any) -> None:
    """The uterine volume of the phantom's truth, a table row per structure and fibroid, an HTML report."""
    case, volume, segmentation = _phantom_nodes()
    metrics, table, html = logic.compute(volume, segmentation, TASK)
    voxel_ml = case.image.geometry.voxel_volume_mm3 / 1000.0
    expected = float((case.labels.array > 0).sum()) * voxel_ml
    test.assertAlmostEqual(metrics["structures"]["uterus"]["volume_ml"], expected, places=6)
    test.assertEqual(table.GetNumberOfRows(), 4 + metrics["fibroid_map"]["count"])
    test.assertIn("Myometrium", html)
    test.delayDisplay("GynAIReport metrics test passed")


def report_files(test: Any, logic: Any) -> None:
    """The fibroid-mapping report as HTML and PDF files."""
    _, volume, segmentation = _phantom_nodes()
    folder = os.path.join(tempfile.mkdtemp(), "report")
    result = logic.generateReport(volume, segmentation, "fibroid-mapping", folder, ("html", "pdf"))
    test.assertTrue(os.path.getsize(result["files"]["pdf"]) > 0)
    with open(result["files"]["html"], encoding="utf-8") as stream:
        test.assertIn("Fibroid mapping", stream.read())
    test.delayDisplay("GynAIReport report files test passed")
