"""Qt-free module logic (GynAIReportLib) against slicer-core: metrics, table node, HTML."""

import numpy as np
import pytest

from gynai.phantom import FibroidSpec, PhantomConfig, generate_uterus_fibroid

SMALL = PhantomConfig(spacing_mm=(1.5, 1.5, 4.0), size_xyz=(96, 96, 24))


def test_report_logic_on_phantom_truth(scene):
    from GynAILib.segmentations import label_image_to_segmentation_node
    from GynAILib.segment_state import place_under_study
    from GynAILib.volumes import image_to_volume_node
    from GynAIReportLib.logic import compute_metrics, metrics_to_table_node, report_html

    case = generate_uterus_fibroid(5, [FibroidSpec("4", 16.0)], SMALL)
    volume = image_to_volume_node(case.image, "phantom")
    segmentation = label_image_to_segmentation_node(case.labels, volume, name="truth")
    place_under_study(segmentation, volume)
    metrics = compute_metrics(volume, segmentation, "uterus-fibroid")
    voxel_ml = case.image.geometry.voxel_volume_mm3 / 1000.0
    for label in case.labels.labels:
        expected = float((case.labels.array == label.value).sum()) * voxel_ml
        assert np.isclose(metrics["structures"][label.id]["volume_ml"], expected)
    assert np.isclose(metrics["structures"]["uterus"]["volume_ml"], float((case.labels.array > 0).sum()) * voxel_ml)
    table = metrics_to_table_node(metrics)
    assert table.GetNumberOfRows() == 4 + metrics["fibroid_map"]["count"] and table.GetColumnName(1) == "Volume (mL)"
    assert table.GetCellText(4, 0).startswith("fibroid 1 (FIGO ")
    row = [table.GetCellText(r, 0) for r in range(4)].index("uterus")
    assert np.isclose(float(table.GetCellText(row, 1)), metrics["structures"]["uterus"]["volume_ml"], rtol=1e-5)
    assert "Myometrium" in report_html(metrics)


def test_metrics_table_columns_and_recompute_after_edit(scene):
    import slicer

    from GynAILib.volumes import image_to_volume_node
    from GynAIReportLib.logic import TABLE_COLUMNS, MetricsAutoUpdate
    from GynAISegmentLib.logic import apply_result

    case = generate_uterus_fibroid(5, [FibroidSpec("4", 16.0)], SMALL)
    volume = image_to_volume_node(case.image, "phantom")
    segmentation = apply_result(case.labels, volume, "uterus-fibroid")
    updates = []
    watcher = MetricsAutoUpdate(volume, segmentation, "uterus-fibroid", on_update=updates.append)
    table = watcher.table_node
    headers = [table.GetColumnName(c) for c in range(table.GetNumberOfColumns())]
    assert headers == ["Structure"] + [h for h, _, _ in TABLE_COLUMNS] + ["Present", "Voxel count"]
    row = [table.GetCellText(r, 0) for r in range(table.GetNumberOfRows())].index("fibroid")
    fibroid = watcher.metrics["structures"]["fibroid"]
    assert float(table.GetCellText(row, 3)) == pytest.approx(fibroid["principal_diameters_mm"][0], rel=1e-5)
    assert table.GetCellText(row, headers.index("Present")) == "yes"
    assert table.GetColumnProperty("Volume (mL)", "dicomQuantity") == "SCT^118565006^Volume"
    assert table.GetColumnProperty("Ellipsoid volume (mL)", "dicomMethod") == "DCM^126029^LWH method for volume of ellipsoid"
    assert table.GetColumnProperty("Diameter 1 (mm)", "dicomUnit") == "UCUM^mm^millimeter"
    mask = slicer.util.arrayFromSegmentBinaryLabelmap(segmentation, "fibroid", volume)
    mask[:] = 0
    slicer.util.updateSegmentBinaryLabelmapFromArray(mask, segmentation, "fibroid", volume)
    assert updates, "the table was not recomputed after the edit"
    assert table.GetCellText(row, headers.index("Present")) == "no"
    assert table.GetCellText(row, headers.index("Volume (mL)")) == "0"
    watcher.stop()
    count = len(updates)
    slicer.util.updateSegmentBinaryLabelmapFromArray(mask, segmentation, "endometrium", volume)
    assert len(updates) == count


def test_findings_table_and_muscle_reference_segment(scene):
    import slicer

    from GynAILib.volumes import image_to_volume_node
    from GynAIReportLib.findings_table import FINDINGS_COLUMNS, findings_to_table_node
    from GynAIReportLib.logic import compute_metrics
    from GynAISegmentLib.logic import apply_result
    from gynai.labels.regions import sphere_mask

    case = generate_uterus_fibroid(5, [FibroidSpec("4", 16.0)], SMALL)
    volume = image_to_volume_node(case.image, "phantom")
    segmentation = apply_result(case.labels, volume, "uterus-fibroid")
    without = compute_metrics(volume, segmentation, "uterus-fibroid")
    assert without["reference_regions"] == [] and not without["fibroid_map"]["muscle_reference"]
    centre = np.asarray(case.truth["pelvis"]["muscle_centres_lps_mm"][0])
    muscle = sphere_mask(case.image.geometry, case.image.array.shape, centre, 6.0)
    segment_id = segmentation.GetSegmentation().AddEmptySegment("", "Muscle")
    slicer.util.updateSegmentBinaryLabelmapFromArray(muscle.astype(np.uint8), segmentation, segment_id, volume)
    metrics = compute_metrics(volume, segmentation, "uterus-fibroid")
    assert metrics["reference_regions"] == ["muscle"] and metrics["fibroid_map"]["muscle_reference"]
    table = findings_to_table_node(metrics)
    headers = [table.GetColumnName(c) for c in range(table.GetNumberOfColumns())]
    assert tuple(headers) == FINDINGS_COLUMNS
    rows = {(table.GetCellText(r, 0), table.GetCellText(r, 1)): r for r in range(table.GetNumberOfRows())}
    figo_row = rows[("fibroid 1", "FIGO type")]
    assert table.GetCellText(figo_row, 2) == metrics["fibroids"][0]["figo_type"]
    assert table.GetCellText(figo_row, 4) == "99GYNAI^GYNAI-0100^FIGO leiomyoma type"
    burden = rows[("uterus", "Fibroid burden")]
    assert float(table.GetCellText(burden, 2)) == pytest.approx(metrics["fibroid_map"]["burden_percent"], abs=0.05)
    assert table.GetCellText(burden, 3) == "%"
    metrics["fibroids"][0]["funaki_class"] = None
    assert findings_to_table_node(metrics, table).GetCellText(rows[("fibroid 1", "Funaki class")], 2) == "not assessed"


def test_placenta_thickness_map_node(scene):
    from gynai.image import LabelImage
    from gynai.metrics.placenta import analyse_placenta
    from gynai.phantom import generate_placenta
    from GynAILib.volumes import image_to_volume_node
    from GynAIReportLib.logic import thickness_map_volume_node
    from GynAISegmentLib.logic import apply_result
    import slicer

    case = generate_placenta(1, 0.0)
    volume = image_to_volume_node(case.image, "pregnant")
    segmentation = apply_result(case.labels, volume, "placenta")
    node = thickness_map_volume_node(volume, segmentation)
    expected = analyse_placenta(case.labels).thickness_map.array
    assert np.array_equal(slicer.util.arrayFromVolume(node), expected)
    assert node.GetDisplayNode().GetApplyThreshold() == 1
    no_placenta = LabelImage(np.where(case.labels.array == 2, 0, case.labels.array), case.labels.geometry,
                             case.labels.labels)
    assert thickness_map_volume_node(volume, apply_result(no_placenta, volume, "placenta")) is None


def _strip_volatile(document: dict) -> dict:
    return {key: value for key, value in document.items() if key not in ("created", "source")}


@pytest.mark.parametrize("task", ["uterus-fibroid", "placenta", "adnexal-mass"])
def test_report_logic_equals_the_cli_metrics_for_user_named_segments(scene, task):
    """Segments named as a user would (numbered, synonyms, a muscle reference, an unrelated segment) give
    the same metrics document in Slicer as `gynai measure` computes from the same segmentation."""
    from gynai.image import LabelImage, LabelInfo
    from gynai.metrics.document import metrics_document
    from gynai.phantom import generate
    from gynai.labels.matching import match_segments
    from GynAILib.segmentations import label_image_to_segmentation_node
    from GynAILib.volumes import image_to_volume_node
    from GynAIReportLib.logic import compute_metrics

    case = generate(task, 2, PhantomConfig(spacing_mm=(2.0, 2.0, 4.0), size_xyz=(96, 96, 24)))
    renamed = {"myometrium": "myometrium", "endometrium": "Endometrium", "fibroid": "Leiomyoma 1",
               "placenta": "Placenta", "bladder": "Urinary bladder", "adnexal-mass": "Cyst", "solid-tissue": "Solid"}
    labels = [LabelInfo(label.value, f"s{label.value}", renamed[label.id]) for label in case.labels.labels]
    array = case.labels.array.astype(np.uint8).copy()
    muscle_value, other_value = len(labels) + 1, len(labels) + 2
    array[0:2, 0:6, 0:6] = muscle_value
    array[0:2, -6:, -6:] = other_value
    labels += [LabelInfo(muscle_value, "muscle-ref", "Skeletal muscle"), LabelInfo(other_value, "ruler", "Ruler")]
    user = LabelImage(array, case.labels.geometry, tuple(labels))
    volume = image_to_volume_node(case.image, "image")
    segmentation = label_image_to_segmentation_node(user, volume, name="user")
    in_slicer = compute_metrics(volume, segmentation, task)
    matched = match_segments(user, task)
    on_cli = metrics_document(case.image, matched.labels, task, None, None, matched.references)
    assert _strip_volatile(in_slicer) == _strip_volatile(on_cli)
    assert in_slicer["reference_regions"] == ["muscle"]
    for label in case.labels.labels:
        assert in_slicer["structures"][label.id]["voxel_count"] == int((case.labels.array == label.value).sum())


def test_report_logic_refuses_a_segmentation_of_another_task(scene):
    from gynai.errors import LabelError
    from gynai.phantom import generate_placenta
    from GynAILib.volumes import image_to_volume_node
    from GynAIReportLib.logic import compute_metrics
    from GynAISegmentLib.logic import apply_result

    case = generate_placenta(1, 2.0, PhantomConfig(spacing_mm=(2.0, 2.0, 4.0), size_xyz=(96, 96, 24)))
    volume = image_to_volume_node(case.image, "pregnant")
    segmentation = apply_result(case.labels, volume, "placenta")
    with pytest.raises(LabelError, match="is a label of task 'adnexal-mass'"):
        compute_metrics(volume, segmentation, "adnexal-mass")
