"""Follow-up comparison on phantom pairs with known change: shrunk, removed and new fibroids after a
known rigid patient motion."""

import numpy as np
import pytest
import SimpleITK as sitk
from scipy import ndimage

from gynai.errors import UsageError
from gynai.followup import compare_studies
from gynai.image import Image, LabelImage
from gynai.metrics.document import metrics_document
from gynai.metrics.instances import split_instances
from gynai.phantom import FibroidSpec, PhantomConfig, generate_placenta, generate_uterus_fibroid
from gynai.sitk_bridge import array_to_sitk

GRID = PhantomConfig(spacing_mm=(2.0, 2.0, 2.0), size_xyz=(96, 96, 64))
ANGLE_DEG, SHIFT_MM = 6.0, np.array([7.0, -5.0, 4.0])


def moved(labels: LabelImage, rotation: np.ndarray, shift: np.ndarray) -> LabelImage:
    """The anatomy moved by x -> R (x - c) + c + t about the grid centre c, on the same voxel grid."""
    source = array_to_sitk(labels.array, labels.geometry)
    centre = labels.geometry.index_to_lps((np.array(labels.array.shape[::-1]) - 1) / 2.0)
    forward = sitk.Euler3DTransform()
    forward.SetCenter(centre.tolist())
    forward.SetMatrix(rotation.reshape(-1).tolist())
    forward.SetTranslation(shift.tolist())
    array = sitk.GetArrayFromImage(sitk.Resample(source, source, forward.GetInverse(), sitk.sitkNearestNeighbor, 0))
    return LabelImage(array.astype(labels.array.dtype), labels.geometry, labels.labels)


def rotation_z(degrees: float) -> np.ndarray:
    a = np.radians(degrees)
    return np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])


@pytest.fixture(scope="module")
def pair():
    case = generate_uterus_fibroid(3, [FibroidSpec("4", 26.0), FibroidSpec("2", 18.0), FibroidSpec("6", 16.0)], GRID)
    prior_labels = case.labels
    instances = split_instances(prior_labels.array == 3, prior_labels.geometry.spacing_mm)
    assert instances.max() == 3
    changed = prior_labels.array.copy()
    largest = instances == 1
    changed[largest & ~ndimage.binary_erosion(largest, iterations=2)] = 1     # fibroid 1 shrinks (to myometrium)
    changed[instances == 3] = 1                                              # fibroid 3 disappears
    myometrium = np.argwhere(ndimage.binary_erosion(changed == 1, iterations=6))
    far = myometrium[np.argmax(np.linalg.norm(myometrium - np.argwhere(instances > 0).mean(axis=0), axis=1))]
    k, j, i = np.indices(changed.shape)
    new = (((k - far[0]) ** 2 + (j - far[1]) ** 2 + (i - far[2]) ** 2) <= 9) & (changed == 1)
    changed[new] = 3                                                          # a new small fibroid
    rotation = rotation_z(ANGLE_DEG)
    current_labels = moved(LabelImage(changed, prior_labels.geometry, prior_labels.labels), rotation, SHIFT_MM)
    current_image = Image(case.image.array, case.image.geometry)
    prior_doc = metrics_document(case.image, prior_labels, "uterus-fibroid")
    current_doc = metrics_document(current_image, current_labels, "uterus-fibroid")
    voxel_ml = prior_labels.geometry.voxel_volume_mm3 / 1000.0
    truth = {"new_ml": float(new.sum()) * voxel_ml,
             "shrink_percent": 100.0 * (float((changed == 3)[largest].sum()) - largest.sum()) / largest.sum()}
    return prior_doc, current_doc, prior_labels, current_labels, rotation, truth


def test_alignment_recovers_the_motion(pair):
    prior_doc, current_doc, prior_labels, current_labels, rotation, _ = pair
    result = compare_studies(current_doc, prior_doc, current_labels, prior_labels)
    alignment = result["alignment"]
    assert alignment["method"] == "rigid registration of organ masks"
    assert alignment["rotation_deg"] == pytest.approx(ANGLE_DEG, abs=1.0)
    # the motion was about the grid centre: map that centre and compare with the known displacement
    centre = prior_labels.geometry.index_to_lps((np.array(prior_labels.array.shape[::-1]) - 1) / 2.0)
    mapped = np.array(alignment["rotation"]) @ centre + np.array(alignment["translation_mm"])
    assert np.linalg.norm(mapped - (centre + SHIFT_MM)) <= 2.0                 # within one voxel
    assert alignment["organ_dice_after_alignment"] > 0.95


def test_lesions_matched_with_known_change(pair):
    prior_doc, current_doc, prior_labels, current_labels, _, truth = pair
    result = compare_studies(current_doc, prior_doc, current_labels, prior_labels, "2026-09-01", "2026-03-01")
    prior_fibroids = {f["id"]: f for f in prior_doc["fibroids"]}
    current_fibroids = {f["id"]: f for f in current_doc["fibroids"]}
    assert len(current_fibroids) == 3                                          # shrunk, unchanged, new
    matched = {m["prior_id"]: m for m in result["matched_lesions"]}
    assert set(matched) == {1, 2}
    assert [d["prior_id"] for d in result["disappeared_lesions"]] == [3]
    assert len(result["new_lesions"]) == 1
    new = result["new_lesions"][0]
    assert new["volume_ml"] == pytest.approx(current_fibroids[new["current_id"]]["volume_ml"])
    assert new["volume_ml"] == pytest.approx(truth["new_ml"], rel=0.15)     # the sphere added, resampled
    # fibroid 1 lost its two outer voxel layers; the change is that of the voxel truth before the motion
    shrunk = matched[1]
    measured = 100.0 * (current_fibroids[shrunk["current_id"]]["volume_ml"] - prior_fibroids[1]["volume_ml"]) \
        / prior_fibroids[1]["volume_ml"]
    assert shrunk["change_percent"] == pytest.approx(measured, abs=1e-9)
    assert shrunk["change_percent"] == pytest.approx(truth["shrink_percent"], abs=5.0)   # resampling by the motion
    assert abs(matched[2]["change_percent"]) < 8.0                              # unchanged but resampled
    assert matched[2]["distance_after_alignment_mm"] < 3.0
    organ = result["organ"]
    assert organ["change_ml"] == pytest.approx(current_doc["structures"]["uterus"]["volume_ml"]
                                               - prior_doc["structures"]["uterus"]["volume_ml"])
    assert [p["label"] for p in result["trend"]] == ["2026-03-01", "2026-09-01"]
    assert result["trend"][0]["lesion_count"] == 3 and result["trend"][1]["lesion_count"] == 3


def test_metrics_only_uses_the_centroid_shift(pair):
    prior_doc, current_doc, _, _, _, _ = pair
    result = compare_studies(current_doc, prior_doc)
    assert result["alignment"]["method"] == "organ centroid translation"
    assert {m["prior_id"] for m in result["matched_lesions"]} == {1, 2}
    assert [d["prior_id"] for d in result["disappeared_lesions"]] == [3]


def test_other_task_is_refused_and_no_lesions_is_fine(pair):
    prior_doc, current_doc, _, _, _, _ = pair
    placenta = generate_placenta(0, 3.0, PhantomConfig(spacing_mm=(2.0, 2.0, 4.0), size_xyz=(100, 100, 40)))
    placenta_doc = metrics_document(placenta.image, placenta.labels, "placenta")
    with pytest.raises(UsageError, match="not 'uterus-fibroid'"):
        compare_studies(current_doc, placenta_doc)
    empty = dict(current_doc, fibroid_map={**current_doc["fibroid_map"], "fibroids": [], "count": 0})
    result = compare_studies(empty, dict(prior_doc, fibroid_map={**prior_doc["fibroid_map"], "fibroids": []}))
    assert result["matched_lesions"] == [] and result["new_lesions"] == [] and result["disappeared_lesions"] == []
    assert result["total_lesion_volume"]["change_percent"] is None              # 0 mL before: no percentage
    same = compare_studies(placenta_doc, placenta_doc)
    assert same["matched_lesions"][0]["change_percent"] == 0.0 and same["organ"]["change_ml"] == 0.0


def test_report_with_priors_shows_the_comparison_and_trend(pair, tmp_path):
    import json
    import subprocess
    import sys

    from gynai.io.images import write_image
    from gynai.io.segnrrd import write_seg_nrrd

    prior_doc, current_doc, prior_labels, current_labels, _, _ = pair
    image = Image(np.zeros(prior_labels.array.shape, np.float32) + 100 * (current_labels.array > 0) + 50,
                  current_labels.geometry)
    write_image(image, tmp_path / "current.nrrd")
    write_seg_nrrd(current_labels, tmp_path / "current.seg.nrrd")
    write_seg_nrrd(prior_labels, tmp_path / "prior.seg.nrrd")
    (tmp_path / "prior.json").write_text(json.dumps(dict(prior_doc, source={"image": "2026-03-01.nrrd"})))
    (tmp_path / "older.json").write_text(json.dumps(dict(prior_doc, source={"image": "2025-09-01.nrrd"})))
    run = lambda *extra: subprocess.run([sys.executable, "-m", "gynai.cli.main", "report", str(tmp_path / "current.nrrd"),  # noqa: E731
                                         str(tmp_path / "current.seg.nrrd"), "--task", "uterus-fibroid",
                                         "--format", "json,html", *map(str, extra)],
                                        capture_output=True, text=True, timeout=300)
    result = run("-o", tmp_path / "out", "--prior", tmp_path / "older.json", "--prior", tmp_path / "prior.json",
                 "--prior-segmentation", tmp_path / "prior.seg.nrrd")
    assert result.returncode == 0, result.stderr
    model = json.loads((tmp_path / "out" / "report.json").read_text())
    followup = model["followup"]
    assert followup["schema"] == "gynai.followup/1" and followup["prior_label"] == "2026-03-01.nrrd"
    assert followup["alignment"]["method"] == "rigid registration of organ masks"
    assert [p["label"] for p in followup["trend"]] == ["2025-09-01.nrrd", "2026-03-01.nrrd", "current"]
    assert {m["prior_id"] for m in followup["matched_lesions"]} == {1, 2}
    html = (tmp_path / "out" / "report.html").read_text()
    assert "Follow-up comparison" in html and "disappeared" in html and html.count("<svg") == 2  # bars + trend
    wrong = run("-o", tmp_path / "bad", "--prior-segmentation", tmp_path / "prior.seg.nrrd")
    assert wrong.returncode == 2 and "--prior-segmentation needs --prior" in wrong.stderr
    (tmp_path / "junk.json").write_text("{}")
    junk = run("-o", tmp_path / "bad", "--prior", tmp_path / "junk.json")
    assert junk.returncode == 2 and "not a GynAI metrics.json or report.json" in junk.stderr
    assert not (tmp_path / "bad").exists()
