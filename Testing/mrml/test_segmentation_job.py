"""GynAISegment logic: child-process job (fake and real children), Cancel, and edit protection."""

import sys
from pathlib import Path

import numpy as np
import pytest

from gynai.errors import CancelledError, OutputPathError, ProcessFailedError
from gynai.phantom import FibroidSpec, PhantomConfig, generate_uterus_fibroid

FAKE = str(Path(__file__).resolve().parents[1] / "fixtures" / "fake_child.py")
SMALL = PhantomConfig(spacing_mm=(1.5, 1.5, 4.0), size_xyz=(96, 96, 24))


def _volume():
    from GynAILib.volumes import image_to_volume_node

    case = generate_uterus_fibroid(3, [FibroidSpec("4", 16.0)], SMALL)
    return case, image_to_volume_node(case.image, "phantom")


def _segmentation_nodes(scene):
    return scene.GetNodesByClass("vtkMRMLSegmentationNode").GetNumberOfItems()


def test_cancel_leaves_scene_and_disk_unchanged(scene, tmp_path):
    from GynAISegmentLib.job import SegmentationJob

    _, volume = _volume()
    before = _segmentation_nodes(scene)
    job = SegmentationJob(volume, "uterus-fibroid", command=[sys.executable, FAKE, "slow", str(tmp_path / "p")])
    folder = job._folder
    assert (folder / "input.nrrd").is_file()
    while job.fraction <= 0.0:
        assert job.poll()
    job.cancel()
    assert not folder.exists()
    with pytest.raises(CancelledError):
        while job.poll():
            pass
    assert _segmentation_nodes(scene) == before


def test_crashing_child_leaves_scene_unchanged(scene):
    from GynAISegmentLib.job import SegmentationJob

    _, volume = _volume()
    before = _segmentation_nodes(scene)
    job = SegmentationJob(volume, "uterus-fibroid", command=[sys.executable, FAKE, "crash"])
    with pytest.raises(ProcessFailedError, match="simulated crash"):
        job.wait(timeout_s=30)
    assert _segmentation_nodes(scene) == before
    assert not job._folder.exists()


def test_child_process_and_in_process_results_are_identical(scene):
    from GynAISegmentLib.job import SegmentationJob
    from GynAISegmentLib.logic import segment_volume_node
    from GynAILib.segmentations import segmentation_node_to_label_image
    from gynai.tasks import get_task
    from gynai.labels.terminology import task_terminology

    _, volume = _volume()
    fractions = []
    job = SegmentationJob(volume, "uterus-fibroid", device="cpu", progress=lambda f, m: fractions.append(f))
    child_node = job.wait(timeout_s=300)
    direct_node = segment_volume_node(volume, "uterus-fibroid", device="cpu")
    labels = get_task("uterus-fibroid").labels
    child = segmentation_node_to_label_image(child_node, volume, labels).array
    direct = segmentation_node_to_label_image(direct_node, volume, labels).array
    assert (child > 0).sum() > 1000
    np.testing.assert_array_equal(child, direct)
    assert fractions and fractions[-1] == 1.0 and fractions == sorted(fractions)
    expected = task_terminology(get_task("uterus-fibroid"))
    segmentation = child_node.GetSegmentation()
    for label_id, entry in expected.items():
        assert segmentation.GetSegment(label_id).GetTerminology() == entry
    assert child_node.GetAttribute("GynAI.task") == "uterus-fibroid"
    # both paths record the model that made the segmentation, for the report's provenance
    from gynai.models.bundle import read_bundle
    from gynai.models.selection import find_entry
    from GynAILib.segment_state import segmentation_provenance

    shipped = read_bundle(find_entry("uterus-fibroid").path)
    for node in (child_node, direct_node):
        assert node.GetAttribute("GynAI.ModelName") == shipped.name
        assert node.GetAttribute("GynAI.ModelVersion") == shipped.version
        assert segmentation_provenance(node) == {"name": shipped.name, "version": shipped.version,
                                                 "task": "uterus-fibroid", "edited": False, "modality": "MR"}


def test_ultrasound_volume_runs_the_ultrasound_model_in_both_paths(scene):
    """A 3D ultrasound volume stated as US (a NRRD has no DICOM header): the console Logic and the GUI's
    child process both pick the ultrasound model and give the same labels, which match the phantom."""
    from GynAILib.segmentations import segmentation_node_to_label_image
    from GynAILib.volumes import image_to_volume_node
    from GynAISegmentLib.segment_logic import SegmentLogic
    from gynai.phantom import evaluation_ultrasound_config, generate_adnexal_mass_us
    from gynai.tasks import get_task

    case = generate_adnexal_mass_us(1000003, evaluation_ultrasound_config(1000003))
    volume = image_to_volume_node(case.image, "ultrasound")
    logic = SegmentLogic()
    direct_node = logic.segment(volume, "adnexal-mass", device="cpu", modality="US")
    child_node = logic.segment(volume, "adnexal-mass", device="cpu", modality="US",
                               waitForCompletion=False).wait(timeout_s=300)
    labels = get_task("adnexal-mass").labels
    direct = segmentation_node_to_label_image(direct_node, volume, labels).array
    child = segmentation_node_to_label_image(child_node, volume, labels).array
    np.testing.assert_array_equal(child, direct)
    truth = case.labels.array > 0
    assert 2 * ((direct > 0) & truth).sum() / ((direct > 0).sum() + truth.sum()) > 0.85
    for node in (direct_node, child_node):
        assert node.GetAttribute("GynAI.ModelModality") == "US"
        assert "ultrasound" in node.GetAttribute("GynAI.ModelName")


def test_edited_segmentation_is_not_overwritten(scene):
    import slicer

    from GynAISegmentLib.logic import apply_result, segment_volume_node
    from GynAILib.segment_state import edited_since_generated

    case, volume = _volume()
    node = apply_result(case.labels, volume, "uterus-fibroid")
    assert not edited_since_generated(node)
    mask = slicer.util.arrayFromSegmentBinaryLabelmap(node, "fibroid", volume)
    mask[:] = 0
    slicer.util.updateSegmentBinaryLabelmapFromArray(mask, node, "fibroid", volume)
    assert edited_since_generated(node)
    with pytest.raises(OutputPathError, match="edited or made by hand"):
        segment_volume_node(volume, "uterus-fibroid", node, device="cpu")
    hand_made = scene.AddNewNodeByClass("vtkMRMLSegmentationNode", "hand made")
    hand_made.GetSegmentation().AddEmptySegment("lesion")
    with pytest.raises(OutputPathError):
        segment_volume_node(volume, "uterus-fibroid", hand_made, device="cpu")
    refilled = apply_result(case.labels, volume, "uterus-fibroid", node)
    assert refilled is node and not edited_since_generated(node)
