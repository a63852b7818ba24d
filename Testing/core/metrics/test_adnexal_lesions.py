"""Several adnexal lesions: each measured on its own voxels, reported, coded and followed separately.

Two analytic ellipsoidal cysts on one grid: lesion A (larger) is unilocular with a solid nodule of known
voxels; lesion B (smaller) has a full septum (two locules) and darker fluid, so that only a per-lesion
Otsu threshold finds its fluid. A 27-voxel speck lies apart. Truth = the voxel counts of the arrays.
"""

import highdicom as hd
import numpy as np
import pytest

from gynai.dicom.seg import build_seg
from gynai.dicom.source import synthesize_series
from gynai.dicom.sr import build_sr
from gynai.followup import compare_studies
from gynai.image import Geometry, Image, LabelImage
from gynai.metrics.adnexal import MIN_LESION_ML, adnexal_features, adnexal_lesion_map
from gynai.metrics.document import metrics_document
from gynai.metrics.findings import findings
from gynai.report.html_report import case_report_html
from gynai.labels.matching import label_for_segment
from gynai.tasks import get_task

GEOMETRY = Geometry((0.9, 0.9, 1.5), (-40.0, -30.0, 10.0))
SHAPE = (26, 64, 104)                                  # k, j, i
MASS, SOLID = 1, 2
LABELS = get_task("adnexal-mass").labels


def ellipsoid(centre_kji, radii_kji) -> np.ndarray:
    k, j, i = np.indices(SHAPE)
    return sum(((axis - c) / r) ** 2 for axis, c, r in zip((k, j, i), centre_kji, radii_kji)) <= 1.0


def make_case() -> dict:
    labels = np.zeros(SHAPE, np.uint8)
    t2 = np.full(SHAPE, 20.0, np.float32)
    # lesion A: wall 100, fluid 1000, a 4 × 4 × 4 solid nodule (500) on the inner side of the wall
    outer_a, inner_a = ellipsoid((13, 32, 30), (9, 18, 22)), ellipsoid((13, 32, 30), (7, 16, 20))
    labels[outer_a], t2[outer_a], t2[inner_a] = MASS, 100.0, 1000.0
    nodule = np.zeros(SHAPE, bool)
    nodule[11:15, 30:34, 11:15] = True
    assert (nodule <= inner_a).all()
    labels[nodule], t2[nodule] = SOLID, 500.0
    # lesion B: wall 50, fluid 300 (darker than A's fluid: a shared threshold would miss it), septum 2 voxels
    outer_b, inner_b = ellipsoid((13, 30, 80), (7, 13, 15)), ellipsoid((13, 30, 80), (5, 11, 13))
    labels[outer_b], t2[outer_b], t2[inner_b] = MASS, 50.0, 300.0
    t2[:, :, 79:81][inner_b[:, :, 79:81]] = 50.0
    # a speck far from both (27 voxels = 0.033 mL < MIN_LESION_ML)
    labels[1:4, 58:61, 98:101], t2[1:4, 58:61, 98:101] = MASS, 1000.0
    voxel_ml = GEOMETRY.voxel_volume_mm3 / 1000.0
    assert 27 * voxel_ml < MIN_LESION_ML < outer_b.sum() * voxel_ml < outer_a.sum() * voxel_ml
    return {"labels": LabelImage(labels, GEOMETRY, LABELS), "image": Image(t2, GEOMETRY), "a": outer_a, "b": outer_b,
            "nodule": nodule, "voxel_ml": voxel_ml}


@pytest.fixture(scope="module")
def case():
    data = make_case()
    data["document"] = metrics_document(data["image"], data["labels"], "adnexal-mass")
    return data


def test_two_lesions_measured_separately(case):
    adnexal, voxel_ml = case["document"]["adnexal"], case["voxel_ml"]
    assert adnexal["present"] and adnexal["lesion_count"] == 2
    first, second = adnexal["lesions"]
    assert (first["id"], second["id"]) == (1, 2)
    assert first["volume_ml"] == pytest.approx(case["a"].sum() * voxel_ml, rel=1e-12)
    assert second["volume_ml"] == pytest.approx(case["b"].sum() * voxel_ml, rel=1e-12)
    assert adnexal["total_volume_ml"] == pytest.approx((case["a"].sum() + case["b"].sum()) * voxel_ml, rel=1e-12)
    assert first["solid_volume_ml"] == pytest.approx(64 * voxel_ml, rel=1e-12)
    assert first["solid_fraction"] == pytest.approx(64 / case["a"].sum(), rel=1e-12)
    assert second["solid_volume_ml"] == 0.0 and second["solid_fraction"] == 0.0
    assert (first["locule_count"], second["locule_count"]) == (1, 2)
    assert second["septal_thickness_mm"] is not None and first["septal_thickness_mm"] is None
    assert second["solid_t2_ratio_to_fluid"] is None                  # no solid tissue
    assert first["solid_t2_ratio_to_fluid"] == pytest.approx(0.5)    # 500 / 1000
    centre_a = GEOMETRY.index_to_lps(np.argwhere(case["a"])[:, ::-1].mean(axis=0))
    assert first["centroid_lps_mm"] == pytest.approx(list(centre_a), abs=1e-6)
    assert first["lesion"]["max_feret_diameter_mm"] == first["max_diameter_mm"]          # largest diameter (O-RADS)


def test_dominant_lesion_keeps_the_single_lesion_keys(case):
    adnexal = case["document"]["adnexal"]
    first = adnexal["lesions"][0]
    for key in ("volume_ml", "lesion", "max_diameter_mm", "solid_volume_ml", "solid_fraction", "fluid_volume_ml",
                "locule_count", "wall_thickness_mm", "septal_thickness_mm", "solid_t2_ratio_to_fluid",
                "solid_t2_ratio_to_myometrium"):
        assert adnexal[key] == first[key], key
    assert any("2 adnexal lesions" in note for note in adnexal["notes"])
    assert any("1 segmented fragment" in note for note in adnexal["notes"])
    assert {"lesion_count", "total_volume_ml"} <= set(case["document"]["measurement_codes"])


def test_each_lesion_measures_as_if_alone(case):
    """Lesion 2 of the pair equals the only lesion of an image without lesion 1 (own box, own threshold)."""
    alone = case["labels"].array.copy()
    alone[case["a"]] = 0
    single = adnexal_features(LabelImage(alone, GEOMETRY, LABELS), case["image"])
    assert single["lesion_count"] == 1 and single["locule_count"] == 2
    lesion = case["document"]["adnexal"]["lesions"][1]
    for key, value in single["lesions"][0].items():
        if key not in ("id", "notes"):
            assert close(lesion[key], value), key


def close(a, b) -> bool:
    """Equal up to float rounding (the documents are computed on differently cropped grids)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(close(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return b == pytest.approx(a, rel=1e-9, abs=1e-9)
    return a == b


def test_speck_below_the_minimum_is_not_a_lesion():
    labels = np.zeros(SHAPE, np.uint8)
    labels[1:4, 58:61, 98:101] = MASS
    lesion_map, fragments = adnexal_lesion_map(LabelImage(labels, GEOMETRY, LABELS))
    assert lesion_map.max() == 0 and fragments == 1
    features = adnexal_features(LabelImage(labels, GEOMETRY, LABELS))
    assert not features["present"] and features["lesion_count"] == 0 and features["lesions"] == []
    assert features["volume_ml"] == 0.0 and features["max_diameter_mm"] is None
    assert features["notes"][0].startswith(f"no adnexal lesion of at least {MIN_LESION_ML:g} mL")


def test_findings_report_and_summary_show_both_lesions(case):
    rows = findings(case["document"])
    groups = {row.group for row in rows}
    assert groups == {"adnexal lesions", "adnexal lesion 1", "adnexal lesion 2"}
    locules = {row.group: row.value for row in rows if row.key == "locule_count"}
    assert locules == {"adnexal lesion 1": 1, "adnexal lesion 2": 2}
    html = case_report_html(case["image"], case["labels"], case["document"])
    assert "Lesion 1</th>" in html and "Lesion 2</th>" in html and "2 adnexal lesions" in html
    assert "2 (multilocular)" in html and "1 (unilocular)" in html and "No O-RADS MRI score" in html
    assert "Adnexal lesion 1:" in html and "Adnexal lesion 2:" in html          # one key image per lesion


def test_sr_has_one_group_per_lesion_on_its_own_segment(case, tmp_path, dciodvfy_errors):
    source = synthesize_series(case["image"])
    seg, entries = build_seg(case["labels"], source, "adnexal-mass")
    assert [entry.name for entry in entries] == ["Adnexal mass", "Solid tissue", "Adnexal lesion 1 (whole)",
                                                 "Adnexal lesion 2 (whole)"]
    # re-measuring the SEG (Slicer) leaves the overlapping whole-lesion segments out instead of merging them
    assert [label_for_segment(entry.name, LABELS) for entry in entries[2:]] == [None, None]
    sr = build_sr(case["document"], seg, entries, source)
    seg.save_as(tmp_path / "seg.dcm")
    sr.save_as(tmp_path / "sr.dcm")
    assert dciodvfy_errors(tmp_path / "seg.dcm") == [] and dciodvfy_errors(tmp_path / "sr.dcm") == []
    back_seg = hd.seg.segread(tmp_path / "seg.dcm")
    uids = [ds.SOPInstanceUID for ds in source.datasets]
    for number, mask in ((3, case["a"]), (4, case["b"])):           # each lesion segment = its voxels
        pixels = back_seg.get_pixels_by_source_instance(uids, segment_numbers=[number])[..., 0]
        assert np.array_equal(pixels > 0, mask)
    groups = hd.sr.srread(tmp_path / "sr.dcm").content.get_volumetric_roi_measurement_groups()
    lesion_groups = [g for g in groups if g.referenced_segment.referenced_segment_numbers[0] in (3, 4)]
    assert len(groups) == 4 and len(lesion_groups) == 2
    for group, lesion in zip(lesion_groups, case["document"]["adnexal"]["lesions"]):
        values = {(m.name.value, m.method.value if m.method else None): m.value for m in group.get_measurements()}
        assert values[("118565006", "126030")] == pytest.approx(lesion["volume_ml"], rel=1e-6)
        assert values[("GYNAI-0108", None)] == lesion["locule_count"]
        assert values[("GYNAI-0107", None)] == pytest.approx(lesion["solid_fraction"], abs=1e-9)


def test_followup_matches_both_lesions_by_overlap(case):
    """Current study: lesion B loses the voxels beyond i = 88 (a known count), everything shifted by
    3 voxels along i; both lesions are matched by mask overlap with the exact volume changes."""
    prior_labels, voxel_ml = case["labels"], case["voxel_ml"]
    changed = prior_labels.array.copy()
    cut = case["b"].copy()
    cut[:, :, :89] = False
    changed[cut] = 0
    current_array = np.roll(changed, 3, axis=2)
    current_image = Image(np.roll(case["image"].array, 3, axis=2), GEOMETRY)
    current_labels = LabelImage(current_array, GEOMETRY, LABELS)
    current_doc = metrics_document(current_image, current_labels, "adnexal-mass")
    result = compare_studies(current_doc, case["document"], current_labels, prior_labels)
    assert result["matching"]["method"] == "mask overlap"
    assert [(m["prior_id"], m["current_id"], m["match_basis"]) for m in result["matched_lesions"]] == \
        [(1, 1, "overlap"), (2, 2, "overlap")]
    unchanged, shrunk = result["matched_lesions"]
    assert unchanged["change_ml"] == pytest.approx(0.0, abs=1e-12)
    assert shrunk["change_ml"] == pytest.approx(-int(cut.sum()) * voxel_ml, rel=1e-9)
    assert cut.sum() > 0 and result["new_lesions"] == [] and result["disappeared_lesions"] == []
    assert result["total_lesion_volume"]["prior_count"] == result["total_lesion_volume"]["current_count"] == 2
