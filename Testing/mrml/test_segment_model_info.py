"""GynAISegment's model card summary and modality hint (GynAISegmentLib.model_info) against slicer-core."""

import json
from pathlib import Path

import numpy as np


def test_card_summary_gives_the_held_out_figures_and_caveat():
    from gynai.models.selection import load_task_bundle
    from GynAISegmentLib.model_info import model_card_summary

    text = model_card_summary("placenta")
    metadata = json.loads((load_task_bundle("placenta").path / "configs" / "metadata.json").read_text())
    placenta_dice = metadata["gynai"]["evaluation"]["held_out"]["dice_mean"]["placenta"]
    assert f"placenta {placenta_dice:.2f}" in text and "synthetic phantoms" in text and "MB" in text


def test_card_of_the_model_for_the_volumes_modality():
    from GynAISegmentLib.model_info import model_card_facts

    assert model_card_facts("adnexal-mass").modality == "MR"
    ultrasound = model_card_facts("adnexal-mass", "US")
    assert ultrasound.modality == "US" and "ultrasound" in ultrasound.name and ultrasound.held_out_dice
    assert model_card_facts("uterus-fibroid", "US").modality == "MR"      # no ultrasound model: the default's card


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
    # ultrasound: the adnexal-mass task has a model for it, the uterus task does not
    assert modality_hint(volume, "adnexal-mass", FakeDatabase("US")) == ""
    assert "is US" in modality_hint(volume, "uterus-fibroid", FakeDatabase("US"))
    # what the user states wins over the header; "auto" keeps the header's
    assert "is US" in modality_hint(volume, "placenta", FakeDatabase("MR"), stated="US")
    assert modality_hint(volume, "placenta", FakeDatabase("MR"), stated="auto") == ""
    assert Path(slicer.__file__).exists()
