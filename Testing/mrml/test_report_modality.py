"""GynAIReport reads a volume's intensities as its modality: from the DICOM database for a volume loaded
from DICOM, else from the model that made the segmentation, else as MR (slicer-core)."""

import pytest

from gynai.phantom import UltrasoundConfig, generate_adnexal_mass_us

TASK = "adnexal-mass"


class FakeDatabase:
    """The two calls of slicer.dicomDatabase that the modality lookup makes."""

    def __init__(self, modality: str) -> None:
        self.modality = modality

    def fileForInstance(self, uid: str) -> str:
        return f"/dicom/{uid}.dcm"

    def fileValue(self, path: str, tag: str) -> str:
        assert tag == "0008,0060" and path == "/dicom/1.2.3.dcm"
        return self.modality


@pytest.fixture()
def nodes(scene):
    from GynAILib.segmentations import label_image_to_segmentation_node
    from GynAILib.volumes import image_to_volume_node
    from gynai.image import Image

    case = generate_adnexal_mass_us(6, UltrasoundConfig(spacing_mm=1.0, depth_mm=100.0))
    volume = image_to_volume_node(Image(case.image.array, case.image.geometry), "ultrasound")   # no modality known
    segmentation = label_image_to_segmentation_node(case.labels, volume)                         # hand-made: no model
    return case, volume, segmentation


def test_hand_made_segmentation_of_a_dicom_ultrasound_reads_as_ultrasound(nodes, monkeypatch):
    import slicer

    from GynAIReportLib.logic import compute_metrics

    case, volume, segmentation = nodes
    assert compute_metrics(volume, segmentation, TASK)["adnexal"]["modality"] == "MR"     # nothing says otherwise
    volume.SetAttribute("DICOM.instanceUIDs", "1.2.3 1.2.4")
    monkeypatch.setattr(slicer, "dicomDatabase", FakeDatabase("US"), raising=False)
    metrics = compute_metrics(volume, segmentation, TASK)
    assert metrics["image"]["modality"] == "US" and metrics["adnexal"]["modality"] == "US"
    assert metrics["adnexal"]["solid_t2_ratio_to_fluid"] is None and metrics["adnexal"]["locule_count"] == 2


def test_the_segmenting_models_modality_is_used_for_a_file_volume(nodes):
    from GynAILib.segment_state import mark_as_generated
    from GynAIReportLib.logic import compute_metrics

    _, volume, segmentation = nodes
    mark_as_generated(segmentation, TASK, {"name": "GynAI adnexal-mass ultrasound", "version": "0.1.0",
                                           "modality": "US"})
    metrics = compute_metrics(volume, segmentation, TASK)
    assert metrics["model"]["modality"] == "US" and metrics["adnexal"]["modality"] == "US"
