"""The scenario of the GynAI home module's self-test (``GynAITest``, Reload and Test / ctest), Qt-free."""

from __future__ import annotations

from typing import Any


def sample_phantom(test: Any, logic: Any) -> None:
    """The shipped sample phantom loads with its geometry and named segments."""
    volume, segmentation = logic.loadSamplePhantom()
    test.assertEqual(volume.GetName(), "GynAIPhantomPelvisT2")
    test.assertEqual(volume.GetImageData().GetDimensions(), (192, 192, 30))
    names = [segmentation.GetSegmentation().GetNthSegment(i).GetName() for i in range(3)]
    test.assertEqual(names, ["Myometrium", "Endometrium", "Fibroid"])
    test.delayDisplay("GynAI test passed")
