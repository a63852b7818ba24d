"""Follow-up comparison on phantom pairs with known change: shrunk, removed and new fibroids after a
known rigid patient motion; metrics-only mode; mask overlap against centroid matching; dates and trend;
empty, missing and mismatched inputs."""

import json
import subprocess
import sys

import numpy as np
import pytest
import SimpleITK as sitk
from scipy import ndimage

from gynai.errors import StudyMismatchError, UsageError
from gynai.followup import compare_studies
from gynai.image import Image, LabelImage
from gynai.metrics.document import metrics_document
from gynai.metrics.instances import split_instances
from gynai.phantom import FibroidSpec, PhantomConfig, generate_placenta, generate_uterus_fibroid
from gynai.io.sitk_bridge import array_to_sitk

GRID = PhantomConfig(spacing_mm=(2.0, 2.0, 2.0), size_xyz=(96, 96, 64))
ANGLE_DEG, AXIS = 6.0, np.array([0.25, -0.35, 1.0])           # oblique axis
SHIFT_MM = np.array([7.0, -5.0, 4.0])
GRID_SHIFT_MM = np.array([6.0, -4.0, 4.0])                   # whole voxels: resampling is exact
FIBROID, MYOMETRIUM = 3, 1


def rotation_about(axis: np.ndarray, degrees: float) -> np.ndarray:
    """Rotation matrix (Rodrigues) about ``axis`` by ``degrees``."""
    k = np.asarray(axis, float) / np.linalg.norm(axis)
    cross = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    a = np.radians(degrees)
    return np.eye(3) + np.sin(a) * cross + (1 - np.cos(a)) * cross @ cross


def angle_deg(rotation: np.ndarray) -> float:
    return float(np.degrees(np.arccos(np.clip((np.trace(rotation) - 1) / 2, -1, 1))))


def grid_centre(labels: LabelImage) -> np.ndarray:
    return labels.geometry.index_to_lps((np.array(labels.array.shape[::-1]) - 1) / 2.0)


def moved(array: np.ndarray, labels: LabelImage, rotation: np.ndarray, shift: np.ndarray,
          interpolator=sitk.sitkNearestNeighbor) -> np.ndarray:
    """``array`` with its content moved by x -> R (x - c) + c + t about the grid centre c, same grid."""
    source = array_to_sitk(array, labels.geometry)
    forward = sitk.Euler3DTransform()
    forward.SetCenter(grid_centre(labels).tolist())
    forward.SetMatrix(rotation.reshape(-1).tolist())
    forward.SetTranslation(np.asarray(shift, float).tolist())
    return sitk.GetArrayFromImage(sitk.Resample(source, source, forward.GetInverse(), interpolator, 0))


def _brute_force_feret_mm(mask: np.ndarray, geometry) -> float:
    """Largest distance between two voxel centres: every pair of the convex hull's vertices (scipy only)."""
    from scipy.spatial import ConvexHull
    from scipy.spatial.distance import pdist

    points = np.argwhere(mask)[:, ::-1] * np.asarray(geometry.spacing_mm) @ geometry.direction_matrix.T
    return float(pdist(points[ConvexHull(points).vertices]).max())


def ball(shape, centre_kji, radius_voxels: float) -> np.ndarray:
    k, j, i = np.indices(shape)
    return ((k - centre_kji[0]) ** 2 + (j - centre_kji[1]) ** 2 + (i - centre_kji[2]) ** 2) <= radius_voxels ** 2


def make_pair(rotation: np.ndarray, shift: np.ndarray) -> dict:
    """A prior phantom with fibroids 1–3 and a current one: fibroid 1 eroded by one voxel layer, fibroid 3
    removed, a new 12 mm fibroid in the myometrium, everything then moved rigidly.

    The truth is taken from the label arrays before the motion: voxel counts, and the centroids of the
    shrunk, unchanged and new fibroids carried through the known motion (to find their current ids).
    """
    case = generate_uterus_fibroid(3, [FibroidSpec("4", 26.0), FibroidSpec("2", 18.0), FibroidSpec("6", 16.0)], GRID)
    prior_labels = case.labels
    instances = split_instances(prior_labels.array == FIBROID, prior_labels.geometry.spacing_mm)
    assert instances.max() == 3
    changed = prior_labels.array.copy()
    largest = instances == 1
    changed[largest & ~ndimage.binary_erosion(largest)] = MYOMETRIUM                  # fibroid 1 shrinks
    changed[instances == 3] = MYOMETRIUM                                             # fibroid 3 disappears
    myometrium = np.argwhere(ndimage.binary_erosion(changed == MYOMETRIUM, iterations=6))
    far = myometrium[np.argmax(np.linalg.norm(myometrium - np.argwhere(instances > 0).mean(axis=0), axis=1))]
    new = ball(changed.shape, far, 3) & (changed == MYOMETRIUM)
    changed[new] = FIBROID                                                           # a new fibroid
    current_array = moved(changed, prior_labels, rotation, shift).astype(prior_labels.array.dtype)
    current_labels = LabelImage(current_array, prior_labels.geometry, prior_labels.labels)
    current_image = Image(moved(case.image.array.astype(np.float32), prior_labels, rotation, shift, sitk.sitkLinear),
                          case.image.geometry)
    voxels = {n: int((instances == n).sum()) for n in (1, 2, 3)}
    truth = {"new_voxels": int(new.sum()), "prior_voxels": voxels,
             "shrunk_voxels": int((changed == FIBROID)[largest].sum()),
             "uterus_change_voxels": int((changed > 0).sum()) - int((prior_labels.array > 0).sum())}
    truth["shrink_percent"] = 100.0 * (truth["shrunk_voxels"] - voxels[1]) / voxels[1]
    truth["diameter_change_mm"] = (_brute_force_feret_mm((changed == FIBROID) & largest, prior_labels.geometry)
                                   - _brute_force_feret_mm(largest, prior_labels.geometry))
    centre = grid_centre(prior_labels)
    truth["centroids_lps_mm"] = {
        name: rotation @ (prior_labels.geometry.index_to_lps(np.argwhere(mask)[:, ::-1].mean(axis=0)) - centre)
        + centre + shift
        for name, mask in (("shrunk", (changed == FIBROID) & largest), ("unchanged", instances == 2), ("new", new))}
    return {"prior_doc": metrics_document(case.image, prior_labels, "uterus-fibroid"),
            "current_doc": metrics_document(current_image, current_labels, "uterus-fibroid"),
            "prior_labels": prior_labels, "current_labels": current_labels, "rotation": rotation, "shift": shift,
            "truth": truth, "voxel_ml": prior_labels.geometry.voxel_volume_mm3 / 1000.0}


def current_ids(data: dict) -> dict[str, int]:
    """Current fibroid ids of the shrunk, unchanged and new fibroids: nearest to their moved true centroid."""
    ids = {}
    for name, point in data["truth"]["centroids_lps_mm"].items():
        distances = {f["id"]: np.linalg.norm(np.array(f["centroid_lps_mm"]) - point) for f in data["current_doc"]["fibroids"]}
        ids[name] = min(distances, key=distances.get)
        assert distances[ids[name]] < 2.0
    assert len(set(ids.values())) == 3
    return ids


@pytest.fixture(scope="module")
def pair():
    """Moved by 6° about an oblique axis and (7, −5, 4) mm; compared with both segmentations."""
    data = make_pair(rotation_about(AXIS, ANGLE_DEG), SHIFT_MM)
    progress = []
    data["result"] = compare_studies(data["current_doc"], data["prior_doc"], data["current_labels"],
                                     data["prior_labels"], "2026-09-01", "2026-03-01",
                                     progress=lambda fraction, message: progress.append(fraction))
    data["progress"] = progress
    return data


@pytest.fixture(scope="module")
def shifted_pair():
    """Shifted by whole voxels only (no rotation), so the voxel truth survives the motion exactly."""
    return make_pair(np.eye(3), GRID_SHIFT_MM)


def test_alignment_recovers_the_motion(pair):
    alignment = pair["result"]["alignment"]
    assert alignment["method"] == "rigid registration of organ masks"
    rotation = np.array(alignment["rotation"])
    assert angle_deg(rotation @ pair["rotation"].T) <= 1.0                      # the rotation, axis included
    assert alignment["rotation_deg"] == pytest.approx(ANGLE_DEG, abs=1.0)
    # known displacement of the motion x -> R (x - c) + c + t at the grid centre and at the uterus centroid
    centre = grid_centre(pair["prior_labels"])
    uterus = np.array(pair["prior_doc"]["structures"]["uterus"]["centroid_lps_mm"])
    for point in (centre, uterus):
        expected = pair["rotation"] @ (point - centre) + centre + pair["shift"]
        mapped = rotation @ point + np.array(alignment["translation_mm"])
        assert np.linalg.norm(mapped - expected) <= 2.0                           # within one voxel
    assert alignment["organ_dice_after_alignment"] > 0.95 > alignment["organ_dice_before_alignment"]
    assert pair["progress"][0] == 0.0 and pair["progress"][-1] == 1.0


def test_lesions_matched_by_overlap_with_known_change(pair):
    result, truth, voxel_ml = pair["result"], pair["truth"], pair["voxel_ml"]
    prior_fibroids = {f["id"]: f for f in pair["prior_doc"]["fibroids"]}
    current_fibroids = {f["id"]: f for f in pair["current_doc"]["fibroids"]}
    assert len(prior_fibroids) == 3 and len(current_fibroids) == 3             # shrunk, unchanged, new
    assert result["matching"]["method"] == "mask overlap"
    ids = current_ids(pair)
    assert [(m["prior_id"], m["current_id"], m["match_basis"]) for m in result["matched_lesions"]] == \
        [(1, ids["shrunk"], "overlap"), (2, ids["unchanged"], "overlap")]
    assert all(m["overlap_fraction"] > 0.8 for m in result["matched_lesions"])
    assert [(d["prior_id"], d["in_current_field_of_view"]) for d in result["disappeared_lesions"]] == [(3, True)]
    assert [n["current_id"] for n in result["new_lesions"]] == [ids["new"]]
    new = result["new_lesions"][0]
    assert new["volume_ml"] == pytest.approx(current_fibroids[ids["new"]]["volume_ml"])
    assert new["volume_ml"] == pytest.approx(truth["new_voxels"] * voxel_ml, rel=0.15)   # resampled by the motion
    shrunk, unchanged = result["matched_lesions"]
    assert shrunk["change_percent"] == pytest.approx(100.0 * (current_fibroids[ids["shrunk"]]["volume_ml"]
                                                             - prior_fibroids[1]["volume_ml"]) / prior_fibroids[1]["volume_ml"])
    assert shrunk["change_percent"] == pytest.approx(truth["shrink_percent"], abs=5.0)  # NN resampling of the motion
    assert shrunk["change_ml"] == pytest.approx((truth["shrunk_voxels"] - truth["prior_voxels"][1]) * voxel_ml,
                                                rel=0.1)
    assert shrunk["max_diameter_change_mm"] == pytest.approx(truth["diameter_change_mm"], abs=2.0)  # one voxel
    assert truth["diameter_change_mm"] < -2.0
    assert abs(unchanged["change_percent"]) < 8.0                               # unchanged but resampled
    assert unchanged["distance_after_alignment_mm"] < 2.0
    organ = result["organ"]
    assert organ["structure"] == "uterus" and truth["uterus_change_voxels"] == 0
    assert abs(organ["change_percent"]) < 2.0                                   # the uterus itself did not change
    total = result["total_lesion_volume"]
    assert (total["prior_count"], total["current_count"]) == (3, 3)
    assert total["change_ml"] == pytest.approx(sum(f["volume_ml"] for f in current_fibroids.values())
                                               - sum(f["volume_ml"] for f in prior_fibroids.values()))
    assert json.loads(json.dumps(result)) == result                             # JSON-serialisable as is


def test_exact_change_after_a_whole_voxel_shift(shifted_pair):
    """Both modes recover the shift, match the same lesions and give the voxel truth exactly."""
    data, truth = shifted_pair, shifted_pair["truth"]
    with_masks = compare_studies(data["current_doc"], data["prior_doc"], data["current_labels"], data["prior_labels"])
    metrics_only = compare_studies(data["current_doc"], data["prior_doc"])
    assert metrics_only["alignment"]["method"] == "organ centroid translation"
    assert metrics_only["alignment"]["rotation_deg"] == 0.0
    assert np.allclose(metrics_only["alignment"]["translation_mm"], GRID_SHIFT_MM, atol=1e-3)
    assert np.linalg.norm(np.array(with_masks["alignment"]["translation_mm"]) - GRID_SHIFT_MM) < 1.0
    assert with_masks["alignment"]["rotation_deg"] < 0.5
    ids = current_ids(data)
    for result, basis in ((metrics_only, "centroid"), (with_masks, "overlap")):
        assert [(m["prior_id"], m["current_id"], m["match_basis"]) for m in result["matched_lesions"]] == \
            [(1, ids["shrunk"], basis), (2, ids["unchanged"], basis)]
        assert [d["prior_id"] for d in result["disappeared_lesions"]] == [3]
        assert [n["current_id"] for n in result["new_lesions"]] == [ids["new"]]
        shrunk, unchanged = result["matched_lesions"]
        assert shrunk["change_percent"] == pytest.approx(truth["shrink_percent"], abs=1e-9)
        assert unchanged["change_percent"] == pytest.approx(0.0, abs=1e-9)
        assert shrunk["max_diameter_change_mm"] == pytest.approx(truth["diameter_change_mm"], abs=1e-9)
        assert result["new_lesions"][0]["volume_ml"] == pytest.approx(truth["new_voxels"] * data["voxel_ml"])
        assert result["organ"]["change_ml"] == pytest.approx(0.0, abs=1e-9)
        assert unchanged["distance_after_alignment_mm"] < (1e-6 if basis == "centroid" else 0.5)


def _box_uterus_case(spheres: list[tuple[tuple[int, int, int], float]]) -> tuple[Image, LabelImage]:
    """A small ellipsoidal uterus (myometrium, endometrium) with fibroid balls (centre kji, radius voxels)."""
    from gynai.tasks import get_task

    shape = (32, 64, 64)
    k, j, i = np.indices(shape)
    array = np.zeros(shape, np.uint8)
    array[((k - 16) / 12.0) ** 2 + ((j - 32) / 20.0) ** 2 + ((i - 32) / 27.0) ** 2 <= 1] = 1
    array[((k - 16) / 3.0) ** 2 + ((j - 32) / 4.0) ** 2 + ((i - 32) / 12.0) ** 2 <= 1] = 2
    for centre, radius in spheres:
        array[ball(shape, centre, radius)] = FIBROID
    from gynai.image import Geometry

    geometry = Geometry((2.0, 2.0, 2.0), (-64.0, -64.0, -32.0))
    labels = LabelImage(array, geometry, get_task("uterus-fibroid").labels)
    return Image(100.0 + 50.0 * array, geometry), labels


def test_mask_overlap_is_stricter_than_centroid_distance():
    """A lesion that disappeared and a new one 14 mm away (6 mm apart at the surface) are paired by the
    centroid gate (15 mm) but not by mask overlap; a lesion that moved within its own outline matches both ways."""
    prior_image, prior_labels = _box_uterus_case([((16, 32, 12), 4.0), ((16, 20, 44), 2.0)])
    current_image, current_labels = _box_uterus_case([((16, 32, 14), 4.0), ((16, 20, 51), 2.0)])
    prior_doc = metrics_document(prior_image, prior_labels, "uterus-fibroid")
    current_doc = metrics_document(current_image, current_labels, "uterus-fibroid")
    by_centroid = compare_studies(current_doc, prior_doc)
    assert [(m["prior_id"], m["current_id"]) for m in by_centroid["matched_lesions"]] == [(1, 1), (2, 2)]
    assert by_centroid["matched_lesions"][1]["distance_after_alignment_mm"] == pytest.approx(14.0)
    by_masks = compare_studies(current_doc, prior_doc, current_labels, prior_labels)
    assert by_masks["alignment"]["rotation_deg"] < 0.5
    assert [(m["prior_id"], m["current_id"], m["match_basis"]) for m in by_masks["matched_lesions"]] == \
        [(1, 1, "overlap")]
    assert [d["prior_id"] for d in by_masks["disappeared_lesions"]] == [2]
    assert [n["current_id"] for n in by_masks["new_lesions"]] == [2]


def test_no_lesions_at_either_time_gives_zero_counts():
    case = generate_uterus_fibroid(5, [], GRID)
    current_labels = LabelImage(moved(case.labels.array, case.labels, np.eye(3), GRID_SHIFT_MM).astype(np.uint8),
                                case.labels.geometry, case.labels.labels)
    prior_doc = metrics_document(case.image, case.labels, "uterus-fibroid")
    current_doc = metrics_document(case.image, current_labels, "uterus-fibroid")
    for result in (compare_studies(current_doc, prior_doc, current_labels, case.labels),
                   compare_studies(current_doc, prior_doc)):
        assert result["matched_lesions"] == [] and result["new_lesions"] == [] and result["disappeared_lesions"] == []
        total = result["total_lesion_volume"]
        assert (total["prior_count"], total["current_count"], total["prior_ml"], total["current_ml"]) == (0, 0, 0.0, 0.0)
        assert total["change_ml"] == 0.0 and total["change_percent"] is None    # 0 mL before: no percentage
        assert result["organ"]["change_ml"] == pytest.approx(0.0, abs=1e-9)
        assert [p["lesion_count"] for p in result["trend"]] == [0, 0]
        assert result["matching"]["method"].startswith("none")


def test_other_task_or_document_is_refused_with_a_typed_error(shifted_pair):
    current_doc = shifted_pair["current_doc"]
    placenta = generate_placenta(0, 3.0, PhantomConfig(spacing_mm=(2.0, 2.0, 4.0), size_xyz=(100, 100, 40)))
    placenta_doc = metrics_document(placenta.image, placenta.labels, "placenta")
    with pytest.raises(StudyMismatchError, match="not 'uterus-fibroid'") as caught:
        compare_studies(current_doc, placenta_doc, prior_label="2026-03-01")
    assert isinstance(caught.value, UsageError) and "\n" not in str(caught.value)
    with pytest.raises(StudyMismatchError, match="'older'"):
        compare_studies(current_doc, current_doc, earlier=[("older", placenta_doc)])
    with pytest.raises(StudyMismatchError, match="gynai.report/1"):
        compare_studies(current_doc, {"schema": "gynai.report/1", "task": "uterus-fibroid"})
    with pytest.raises(UsageError, match="not a date"):
        compare_studies(current_doc, current_doc, prior_date="last spring")
    # the placenta is its own lesion: the same study against itself, with both segmentations
    same = compare_studies(placenta_doc, placenta_doc, placenta.labels, placenta.labels)
    assert same["lesion_kind"] == "placenta" and same["matching"]["method"] == "mask overlap"
    assert [(m["prior_id"], m["current_id"], m["change_percent"]) for m in same["matched_lesions"]] == [(1, 1, 0.0)]
    assert same["matched_lesions"][0]["overlap_fraction"] == pytest.approx(1.0, abs=0.01)
    assert same["organ"]["change_ml"] == 0.0 and same["alignment"]["rotation_deg"] < 0.5


def test_missing_structures_give_none_not_errors(shifted_pair):
    current_doc = shifted_pair["current_doc"]
    bare = {"schema": "gynai.metrics/1", "task": "uterus-fibroid"}
    result = compare_studies(current_doc, bare)
    assert result["organ"]["prior_ml"] is None and result["organ"]["change_percent"] is None
    assert result["alignment"]["method"] == "none"
    assert len(result["new_lesions"]) == 3 and result["total_lesion_volume"]["prior_count"] == 0
    partial = dict(current_doc, fibroid_map={"fibroids": [{"id": 1, "volume_ml": None, "centroid_lps_mm": None}]})
    result = compare_studies(partial, current_doc)
    assert result["matched_lesions"] == [] and [n["current_id"] for n in result["new_lesions"]] == [1]
    assert result["total_lesion_volume"]["current_ml"] is None and result["trend"][-1]["lesion_volume_ml"] is None
    # the segmentation given is not the one the prior document was measured on: centroids are used instead
    data = shifted_pair
    fallback = compare_studies(data["current_doc"], data["prior_doc"], data["current_labels"], data["current_labels"])
    assert fallback["matching"]["method"] == "centroid distance"


def test_dates_and_trend_across_priors(shifted_pair):
    prior_doc, current_doc = shifted_pair["prior_doc"], shifted_pair["current_doc"]
    oldest = dict(prior_doc, source={"image": "a.nrrd", "study_date": "20250310"})
    result = compare_studies(current_doc, prior_doc, current_label="this", prior_label="last",
                             earlier=[("second", prior_doc, "2025-09-15"), ("first", oldest)],   # sorted by date
                             current_date="2026-09-01", prior_date="20260301")
    assert (result["prior_date"], result["current_date"], result["interval_days"]) == ("2026-03-01", "2026-09-01", 184)
    assert [(p["label"], p["date"]) for p in result["trend"]] == \
        [("first", "2025-03-10"), ("second", "2025-09-15"), ("last", "2026-03-01"), ("this", "2026-09-01")]
    assert result["trend"][-1]["organ_volume_ml"] == current_doc["structures"]["uterus"]["volume_ml"]
    assert result["trend"][-1]["lesion_volume_ml"] == pytest.approx(current_doc["fibroid_map"]["total_fibroid_volume_ml"])
    assert [p["lesion_count"] for p in result["trend"]] == [3, 3, 3, 3]
    undated = compare_studies(current_doc, prior_doc)
    assert undated["interval_days"] is None and [p["label"] for p in undated["trend"]] == ["prior", "current"]


def test_report_with_priors_shows_the_comparison_and_trend(pair, tmp_path):
    from gynai.io.images import write_image
    from gynai.io.segnrrd import write_seg_nrrd

    prior_doc, prior_labels, current_labels = pair["prior_doc"], pair["prior_labels"], pair["current_labels"]
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
