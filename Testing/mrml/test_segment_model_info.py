"""GynAISegment's model card summary and modality hint (GynAISegmentLib.model_info) against slicer-core."""

import json
from pathlib import Path

import numpy as np


def test_card_summary_gives_the_held_out_figures_and_caveat():
    from gynai.inference.bundle import load_task_bundle
    from GynAISegmentLib.model_info import model_card_summary

    text = model_card_summary("placenta")
    metadata = json.loads((load_task_bundle("placenta").path / "configs" / "metadata.json").read_text())
    placenta_dice = metadata["gynai"]["evaluation"]["held_out"]["dice_mean"]["placenta"]
    assert f"placenta {placenta_dice:.2f}" in text and "synthetic phantoms" in text and "MB" in text


def test_modality_hint_from_the_dicom_database(scene):
    import slicer

    from gynai.image import Geometry, Image
    from GynAILib.volumes import image_to_volume_node
    from GynAISegmentLib.model_info import modality_hint

    volume = image_to_volume_node(Image(np.zeros((4, 8, 8), np.float32), Geometry()), "ct volume")

    class FakeDatabase:
        def __init__(self, modality):
            self.modality = modality

        def fileForInstance(self, uid):
            return f"/dicom/{uid}.dcm"

        def fileValue(self, path, tag):
            assert tag == "0008,0060" and path == "/dicom/1.2.3.dcm"
            return self.modality

    assert modality_hint(volume, "uterus-fibroid", FakeDatabase("CT")) == ""      # no DICOM UIDs: unknown
    volume.SetAttribute("DICOM.instanceUIDs", "1.2.3 1.2.4")
    hint = modality_hint(volume, "uterus-fibroid", FakeDatabase("CT"))
    assert "is CT" in hint and "expects MR" in hint
    assert modality_hint(volume, "uterus-fibroid", FakeDatabase("MR")) == ""
    assert Path(slicer.__file__).exists()
