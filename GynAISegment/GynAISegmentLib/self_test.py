"""The scenarios of GynAISegment's self-test (``GynAISegmentTest``, Reload and Test / ctest), Qt-free.

Each takes the test case (for its assertions and ``delayDisplay``) and the module logic, and runs in
Slicer's scene.
"""

from __future__ import annotations

import time
from typing import Any

TASK = "uterus-fibroid"


def _phantom_volume(seed: int, figo_type: str, diameter_mm: float) -> Any:
    from gynai.phantom import FibroidSpec, generate_uterus_fibroid
    from GynAILib.volumes import image_to_volume_node

    return image_to_volume_node(generate_uterus_fibroid(seed, [FibroidSpec(figo_type, diameter_mm)]).image, "phantom")


def segment_phantom(test: Any, logic: Any) -> None:
    """A phantom is segmented in-process into segments with the task's names."""
    import slicer

    volume = _phantom_volume(0, "4", 20.0)
    node = logic.segment(volume, TASK, device="cpu")
    segmentation = node.GetSegmentation()
    names = [segmentation.GetNthSegment(i).GetName() for i in range(segmentation.GetNumberOfSegments())]
    test.assertEqual(names, ["Myometrium", "Endometrium", "Fibroid"])
    mask = slicer.util.arrayFromSegmentBinaryLabelmap(node, "myometrium", volume)
    test.assertGreater(int(mask.sum()), 1000)
    test.delayDisplay("GynAISegment test passed")


def background_job_and_cancel(test: Any, logic: Any) -> None:
    """A background job cancelled once it reports progress leaves the scene unchanged; another one finishes."""
    import slicer

    volume = _phantom_volume(1, "2", 18.0)
    job = logic.segment(volume, TASK, device="cpu", waitForCompletion=False)
    deadline = time.monotonic() + 120
    while job.poll() and job.fraction == 0.0 and time.monotonic() < deadline:
        slicer.app.processEvents()
        time.sleep(0.05)
    job.cancel()
    test.assertEqual(slicer.mrmlScene.GetNodesByClass("vtkMRMLSegmentationNode").GetNumberOfItems(), 0)
    node = logic.segment(volume, TASK, device="cpu", waitForCompletion=False).wait(timeout_s=300)
    test.assertEqual(node.GetAttribute("GynAI.task"), TASK)
    test.delayDisplay("GynAISegment background job test passed")
