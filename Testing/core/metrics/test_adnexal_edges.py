"""Issue 19: adnexal lesion features on the edges the phantom tests leave out, against hand-made arrays
with known truth: an ultrasound image (fluid dark, no T2 ratios), a cyst without any fluid or without
any wall outside solid tissue, two locules split by solid tissue (no septum), and a myometrium reference
without solid tissue to compare with it."""

import dataclasses

import numpy as np
import pytest

from gynai.image import Geometry, Image, LabelImage
from gynai.metrics.adnexal import adnexal_features, adnexal_lesion_map, lesion_features
from gynai.tasks import get_task

GEOMETRY = Geometry((1.0, 1.0, 1.0))
LABELS = get_task("adnexal-mass").labels
NO_SEPTUM = "no septum between two locules: septal thickness not assessed"
NONE_FOUND = ("2 locules, but no septum between them lies deeper in the lesion than it is far from them (locules "
              "split by solid tissue, or a septum about as thick as the lesion is deep): septal thickness not "
              "assessed")


def _sphere_radius() -> np.ndarray:
    """Distance (mm) of every voxel of a 50³ grid of 1 mm voxels from its centre."""
    kk, jj, ii = np.indices((50, 50, 50))
    return np.sqrt((kk - 24.5) ** 2 + (jj - 24.5) ** 2 + (ii - 24.5) ** 2)


def _features(labels, image, myometrium=None, modality="MR"):
    return adnexal_features(LabelImage(labels, GEOMETRY, LABELS), Image(image, GEOMETRY), myometrium,
                            modality=modality)


def test_ultrasound_reads_dark_fluid_and_measures_no_t2_ratio():
    """A 20 mm-radius cyst with a 2 mm echogenic wall, anechoic fluid and a solid nodule in the wall: the
    fluid is the dark part (every fluid voxel, one locule, a 2 mm wall); the signal ratios are not assessed
    although solid tissue and a myometrium region are there."""
    radius = _sphere_radius()
    labels = (radius <= 20).astype(np.uint8)
    solid = (radius > 17) & (radius <= 20) & (np.indices(radius.shape)[2] > 36) & \
        (np.abs(np.indices(radius.shape)[0] - 24.5) < 4) & (np.abs(np.indices(radius.shape)[1] - 24.5) < 4)
    labels[solid] = 2
    fluid = (radius <= 18) & ~solid
    echoes = np.where(fluid, 10.0, 200.0).astype(np.float32)
    echoes[solid] = 120.0
    myometrium = np.zeros(labels.shape, bool)
    myometrium[:3, :3, :3] = True
    echoes[myometrium] = 80.0
    features = _features(labels, echoes, myometrium, modality="us")
    assert features["modality"] == "US" and features["locule_count"] == 1
    assert features["fluid_volume_ml"] == pytest.approx(np.count_nonzero(fluid) / 1000.0, rel=0.02)
    assert features["wall_thickness_mm"] == pytest.approx(2.0, abs=1.0)
    assert features["solid_volume_ml"] == pytest.approx(np.count_nonzero(solid) / 1000.0)
    assert features["solid_t2_ratio_to_fluid"] is None and features["solid_t2_ratio_to_myometrium"] is None
    assert "ultrasound image: T2 signal ratios not assessed" in features["notes"]


def test_a_uniform_ultrasound_cyst_has_no_fluid_and_no_wall_thickness():
    """Every cystic voxel equally echogenic: nothing is darker than the rest, so there is no fluid, no
    locule and no wall between fluid and outside to measure."""
    labels = (_sphere_radius() <= 20).astype(np.uint8)
    features = _features(labels, np.full(labels.shape, 100.0, np.float32), modality="US")
    assert features["fluid_volume_ml"] == 0.0 and features["locule_count"] == 0
    assert features["wall_thickness_mm"] is None and features["max_wall_thickness_mm"] is None
    assert features["septal_thickness_mm"] is None and NO_SEPTUM in features["notes"]


def test_a_cyst_wrapped_in_solid_tissue_has_no_wall_to_measure():
    """The whole outer 3 mm is solid tissue: the wall is measured outside solid tissue only, so none is left;
    the solid tissue (300) over the fluid (1000) still reads 0.3."""
    radius = _sphere_radius()
    labels = np.where(radius <= 17, 1, np.where(radius <= 20, 2, 0)).astype(np.uint8)
    t2 = np.where(radius <= 17, 1000.0, 300.0).astype(np.float32)
    features = _features(labels, t2)
    assert features["locule_count"] == 1
    assert features["fluid_volume_ml"] == pytest.approx(np.count_nonzero(radius <= 17) / 1000.0)
    assert features["wall_thickness_mm"] is None and features["max_wall_thickness_mm"] is None
    assert features["solid_t2_ratio_to_fluid"] == pytest.approx(0.3)


def _two_locules_split_by_solid() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A box lesion (2 mm wall) with two locules of T2 1000 split by 6 mm of solid tissue (T2 500), and a
    myometrium region of T2 250 outside it."""
    labels = np.zeros((20, 40, 60), np.uint8)
    image = np.full(labels.shape, 100.0, np.float32)
    labels[4:16, 5:35, 5:55] = 1
    image[6:14, 7:33, 7:27] = 1000.0
    image[6:14, 7:33, 33:53] = 1000.0
    labels[6:14, 7:33, 27:33] = 2
    image[labels == 2] = 500.0
    myometrium = np.zeros(labels.shape, bool)
    myometrium[16:19, 30:38, 2:10] = True
    image[myometrium] = 250.0
    return labels, image, myometrium


def test_two_locules_split_by_solid_tissue_have_no_septum():
    """Solid tissue between the locules is not a septum (septa are non-fluid cystic voxels): two locules,
    septal thickness not assessed; the solid tissue's ratios are 500/1000 and 500/250."""
    labels, image, myometrium = _two_locules_split_by_solid()
    features = _features(labels, image, myometrium)
    assert features["locule_count"] == 2
    assert features["septal_thickness_mm"] is None and features["max_septal_thickness_mm"] is None
    assert NONE_FOUND in features["notes"] and NO_SEPTUM not in features["notes"]
    assert features["solid_t2_ratio_to_fluid"] == pytest.approx(0.5)
    assert features["solid_t2_ratio_to_myometrium"] == pytest.approx(2.0)


def _flat_cyst(depth_mm: int, septum_mm: int) -> dict:
    """Features of a box-shaped cyst 40 × 40 mm across and ``depth_mm`` deep (1 mm voxels, 2 mm wall) split by
    a septum of ``septum_mm`` across its whole height."""
    shape = (depth_mm + 4, 44, 44)
    labels = np.zeros(shape, np.uint8)
    labels[2:2 + depth_mm, 2:42, 2:42] = 1
    fluid = np.zeros(shape, bool)
    fluid[4:depth_mm, 4:40, 4:40] = True
    fluid[:, :, 22 - septum_mm // 2:22 - septum_mm // 2 + septum_mm] = False
    return _features(labels, np.where(fluid, 1000.0, np.where(labels > 0, 200.0, 100.0)).astype(np.float32))


@pytest.mark.parametrize("depth_mm, septum_mm", [(12, 2), (12, 3), (30, 4)])
def test_the_septum_of_a_flat_cyst_is_measured(depth_mm, septum_mm):
    features = _flat_cyst(depth_mm, septum_mm)
    assert features["locule_count"] == 2 and features["wall_thickness_mm"] == pytest.approx(2.0)
    assert features["septal_thickness_mm"] == pytest.approx(septum_mm, abs=0.5)
    assert features["max_septal_thickness_mm"] == pytest.approx(septum_mm)


@pytest.mark.parametrize("depth_mm, septum_mm", [(12, 5), (30, 8)])
def test_a_septum_about_as_thick_as_the_cyst_is_deep_has_no_mean(depth_mm, septum_mm):
    """Volume / area read 9.7 mm for a 5 mm septum in a 12 mm-deep cyst and 11.0 mm for an 8 mm one in a
    30 mm-deep cyst (only the septum's middle counts as septum, its faces only partly): a mean above the
    thickest point by more than a voxel is not reported; the maximum (5 and 8 mm) is."""
    features = _flat_cyst(depth_mm, septum_mm)
    assert features["septal_thickness_mm"] is None
    assert features["max_septal_thickness_mm"] == pytest.approx(septum_mm)
    assert [note for note in features["notes"] if note.startswith("mean septal thickness (")
            and note.endswith(f"exceeds the thickest point of the septum ({septum_mm:.1f} mm): a septum about as "
                              "thick as the lesion is deep, whose faces are only partly found; mean septal "
                              "thickness not assessed")]


@pytest.mark.parametrize("depth_mm, septum_mm", [(12, 6), (12, 7), (12, 8), (30, 12)])
def test_a_septum_whose_faces_are_not_found_still_has_its_thickest_point(depth_mm, septum_mm):
    """Only the middle of a septum this thick lies deeper in the lesion than it is far from the second
    locule, so none of its faces is found (these lesions once read "no septum between two locules"): the
    mean is not assessed, with a note; the thickest point is the septum's thickness."""
    features = _flat_cyst(depth_mm, septum_mm)
    assert features["locule_count"] == 2 and features["septal_thickness_mm"] is None
    assert features["max_septal_thickness_mm"] == pytest.approx(septum_mm)
    assert f"the septum's faces are not found (its thickest point, {septum_mm:.1f} mm, is about as thick as the " \
        "lesion is deep): mean septal thickness not assessed" in features["notes"]
    assert NO_SEPTUM not in features["notes"]


def test_a_septum_as_thick_as_the_cyst_is_deep_is_not_called_no_septum():
    """A 12 mm septum in a 12 mm-deep cyst (8 mm of fluid): no voxel of it is deeper in the lesion than it is
    far from both locules, so nothing is measured; the note says why instead of "no septum"."""
    features = _flat_cyst(12, 12)
    assert features["locule_count"] == 2
    assert features["septal_thickness_mm"] is None and features["max_septal_thickness_mm"] is None
    assert NONE_FOUND in features["notes"] and NO_SEPTUM not in features["notes"]


def test_a_myometrium_reference_without_solid_tissue_gives_no_ratio_and_no_note():
    """With a myometrium region but no solid tissue there is nothing to compare: no ratio, and no note that
    the reference is missing (it is not)."""
    labels = np.zeros((20, 40, 60), np.uint8)
    image = np.full(labels.shape, 100.0, np.float32)
    labels[4:16, 5:35, 5:55] = 1
    image[6:14, 7:33, 7:29] = 1000.0
    image[6:14, 7:33, 31:53] = 1000.0
    myometrium = np.zeros(labels.shape, bool)
    myometrium[16:19, 30:38, 2:10] = True
    image[myometrium] = 250.0
    features = _features(labels, image, myometrium)
    assert features["solid_volume_ml"] == 0.0
    assert features["solid_t2_ratio_to_myometrium"] is None and features["solid_t2_ratio_to_fluid"] is None
    assert not any("myometrium" in note for note in features["notes"])
    assert features["locule_count"] == 2 and features["notes"] == []


def test_septal_voxels_lie_within_10_mm_of_both_locules():
    """A septal voxel lies less than 10 mm (the septum reach) from both locules' surfaces: a 17 mm septum
    still has one (its middle: 9 and 9 mm), an 18 mm one has none (9 and 10 mm at best) and is not measured."""
    within, beyond = _flat_cyst(30, 17), _flat_cyst(30, 18)
    assert within["max_septal_thickness_mm"] == pytest.approx(17.0)
    assert beyond["locule_count"] == 2 and beyond["max_septal_thickness_mm"] is None
    assert NONE_FOUND in beyond["notes"]


@pytest.mark.parametrize("voxels, locules", [(50, 2), (49, 1)])
def test_a_locule_counts_from_0_05_ml(voxels, locules):
    """A 20 × 20 × 10 mm locule and, across a 2 mm septum, a second pocket of fluid of 50 voxels of 1 mm³
    (0.05 mL: a locule) or 49 (too small to count)."""
    labels = np.zeros((14, 30, 40), np.uint8)
    labels[1:13, 1:29, 1:39] = 1
    image = np.where(labels > 0, 200.0, 100.0).astype(np.float32)
    image[2:12, 5:25, 5:25] = 1000.0
    pocket = np.zeros(labels.shape, bool)
    pocket[4:6, 5:10, 27:32] = True                                      # 2 × 5 × 5 = 50 voxels
    if voxels == 49:
        pocket[5, 9, 31] = False
    image[pocket] = 1000.0
    features = _features(labels, image)
    assert features["locule_count"] == locules
    assert features["fluid_volume_ml"] == pytest.approx((4000 + voxels) / 1000.0)


def test_the_dominant_lesion_at_the_top_level_has_no_id_or_centroid():
    """Two lesions: the top level repeats the largest lesion's figures but not its number or centroid
    (those belong to the list, where each lesion has its own)."""
    labels = np.zeros((20, 40, 70), np.uint8)
    labels[4:16, 5:35, 5:35] = 1
    labels[6:14, 10:30, 45:60] = 1
    image = np.where(labels > 0, 1000.0, 100.0).astype(np.float32)
    features = _features(labels, image)
    assert features["lesion_count"] == 2 and [lesion["id"] for lesion in features["lesions"]] == [1, 2]
    assert "id" not in features and "centroid_lps_mm" not in features
    assert all(len(lesion["centroid_lps_mm"]) == 3 for lesion in features["lesions"])
    assert features["volume_ml"] == features["lesions"][0]["volume_ml"] == pytest.approx(12 * 30 * 30 / 1000.0)


def test_an_empty_segmentation_has_no_lesion_and_no_fragment():
    features = _features(np.zeros((10, 10, 10), np.uint8), np.full((10, 10, 10), 100.0, np.float32))
    assert not features["present"] and features["lesion_count"] == 0 and features["lesions"] == []
    assert features["notes"] == ["no adnexal lesion segmented: features not assessed"]


def test_lesion_parts_touching_at_a_corner_are_one_lesion():
    """Lesions are 26-connected: two 10 mm cubes of cyst that share only one corner point are one lesion
    (2 mL), not two."""
    labels = np.zeros((24, 24, 24), np.uint8)
    labels[2:12, 2:12, 2:12] = 1
    labels[12:22, 12:22, 12:22] = 1
    features = _features(labels, np.where(labels > 0, 1000.0, 100.0).astype(np.float32))
    assert features["lesion_count"] == 1 and features["volume_ml"] == pytest.approx(2.0)


@pytest.mark.parametrize("wall_voxels", [1, 2])
def test_a_one_voxel_septum_on_half_millimetre_voxels_reads_half_a_millimetre(wall_voxels):
    """Across 0.5 mm voxels a septum one voxel thick is 0.5 mm at its thickest (no floor at 1 mm), and about
    0.5 mm on average, whether the wall is 1 or 2 mm thick in z and y: the wall's voxels beside the septum's
    base lie off the line between their two nearest locule voxels and are no septum (a 2 mm wall read 1.0 mm
    at the thickest and 1.13 mm on average before)."""
    labels = np.zeros((16, 44, 84), np.uint8)
    labels[4 - wall_voxels:12 + wall_voxels, 4 - wall_voxels:40 + wall_voxels, 2:82] = 1
    fluid = np.zeros(labels.shape, bool)
    fluid[4:12, 4:40, 8:76] = True
    fluid[:, :, 42] = False
    image = np.where(fluid, 1000.0, np.where(labels > 0, 200.0, 100.0)).astype(np.float32)
    geometry = Geometry((0.5, 1.0, 1.0))
    features = adnexal_features(LabelImage(labels, geometry, LABELS), Image(image, geometry))
    assert features["locule_count"] == 2
    assert features["max_septal_thickness_mm"] == pytest.approx(0.5)
    assert features["septal_thickness_mm"] == pytest.approx(0.5, abs=0.05)


def test_three_locules_in_a_row_report_their_thickest_septum():
    """Locules side by side behind a 2 mm and a 4 mm septum: the thickest point is the 4 mm septum's, each
    septal voxel measured between its own two locules."""
    labels = np.zeros((24, 44, 74), np.uint8)
    labels[2:22, 2:42, 2:72] = 1
    fluid = np.zeros(labels.shape, bool)
    fluid[4:20, 4:40, 4:70] = True
    fluid[:, :, 24:26] = False
    fluid[:, :, 46:50] = False
    features = _features(labels, np.where(fluid, 1000.0, np.where(labels > 0, 200.0, 100.0)).astype(np.float32))
    assert features["locule_count"] == 3
    assert features["max_septal_thickness_mm"] == pytest.approx(4.0)


def test_a_septum_at_45_degrees_reads_its_perpendicular_thickness():
    """A septum across the cyst at 45° in-plane, three 1 mm voxels wide along each row: 3 / √2 = 2.12 mm
    thick across, which its thickest point reads within 0.1 mm (not the 3 mm along the grid)."""
    labels = np.zeros((24, 60, 60), np.uint8)
    labels[2:22, 2:58, 2:58] = 1
    fluid = np.zeros(labels.shape, bool)
    fluid[4:20, 4:56, 4:56] = True
    rows, columns = np.indices((60, 60))
    fluid[:, np.abs(columns - rows) <= 1] = False
    features = _features(labels, np.where(fluid, 1000.0, np.where(labels > 0, 200.0, 100.0)).astype(np.float32))
    assert features["locule_count"] == 2
    assert features["max_septal_thickness_mm"] == pytest.approx(3 / np.sqrt(2), abs=0.1)


def test_a_lesion_under_1_ml_has_its_solid_fraction():
    """An 8 mm cube (0.512 mL) whose quarter is solid tissue: solid fraction 0.25 however small the lesion."""
    labels = np.zeros((12, 12, 12), np.uint8)
    labels[2:10, 2:10, 2:10] = 1
    labels[2:4, 2:10, 2:10] = 2
    features = _features(labels, np.where(labels == 1, 1000.0, 300.0).astype(np.float32))
    assert features["volume_ml"] == pytest.approx(0.512) and features["solid_fraction"] == pytest.approx(0.25)


@pytest.mark.parametrize("voxels, is_lesion", [(50, True), (49, False)])
def test_a_lesion_of_exactly_a_tenth_of_a_millilitre_counts(voxels, is_lesion):
    """50 voxels of 1 × 1 × 2 mm are 0.1 mL, the smallest lesion; 49 are a fragment. A second, larger lesion
    keeps its number 1 either way."""
    labels = np.zeros((12, 30, 30), np.uint8)
    labels[2:8, 2:12, 2:12] = 1                                     # 600 voxels: lesion 1
    small = np.zeros(labels.shape, bool)
    small[9:11, 20:30, 0:3] = True                                  # 2 × 10 × 3 = 60 voxels
    small[10, 20:30, 2] = False                                     # 50
    small[10, 29, 1] = voxels == 50                                 # 50 or 49
    labels[small] = 2
    lesion_map, fragments = adnexal_lesion_map(LabelImage(labels, Geometry((1.0, 1.0, 2.0)), LABELS))
    assert (lesion_map == 1).sum() == 600
    assert ((lesion_map == 2).sum(), fragments) == ((voxels, 0) if is_lesion else (0, 1))
    notes = adnexal_features(LabelImage(labels, Geometry((1.0, 1.0, 2.0)), LABELS))["notes"]
    fragment_note = "1 segmented fragment(s) smaller than 0.1 mL not counted as lesions"
    assert (fragment_note in notes) != is_lesion


NOT_ASSESSED_KEYS = ("locule_count", "wall_thickness_mm", "max_wall_thickness_mm", "septal_thickness_mm",
                     "max_septal_thickness_mm", "fluid_volume_ml", "solid_t2_ratio_to_fluid",
                     "solid_t2_ratio_to_myometrium")


@pytest.mark.parametrize("case", ["no image", "no cystic part"])
def test_a_lesion_without_an_image_or_a_cystic_part_lists_every_figure_as_not_assessed(case):
    """A 4 × 4 × 4 voxel lesion (2 mm voxels, 0.512 mL): without an image, or all solid tissue, its volume and
    solid figures are given and every intensity figure is present as None, with the note word for word."""
    lesion = np.zeros((8, 8, 8), bool)
    lesion[2:6, 2:6, 2:6] = True
    geometry = Geometry((2.0, 2.0, 2.0))
    if case == "no image":
        features = lesion_features(lesion, np.zeros_like(lesion), geometry)
        note, solid_ml, fraction = "no image given: fluid, locules, wall, septa and T2 ratios not assessed", 0.0, 0.0
    else:
        features = lesion_features(np.zeros_like(lesion), lesion, geometry, np.full(lesion.shape, 500.0))
        note, solid_ml, fraction = "no cystic part segmented: locules, wall and septa not assessed", 0.512, 1.0
    assert set(features) == {"volume_ml", "centroid_lps_mm", "lesion", "max_diameter_mm", "solid_volume_ml",
                             "solid_fraction", *NOT_ASSESSED_KEYS, "notes"}
    assert all(features[key] is None for key in NOT_ASSESSED_KEYS)
    assert features["notes"] == [note]
    assert features["volume_ml"] == pytest.approx(0.512) and features["solid_volume_ml"] == pytest.approx(solid_ml)
    assert features["solid_fraction"] == pytest.approx(fraction)


def test_the_notes_of_several_lesions_name_each_lesion_word_for_word():
    """A cyst (lesion 1) and two blocks of solid tissue (lesions 2 and 3, smaller): the dominant lesion's
    notes, the count note, then each other lesion's own note under its number."""
    labels = np.zeros((20, 40, 60), np.uint8)
    labels[2:18, 2:22, 2:22] = 1
    labels[4:8, 28:34, 30:36] = 2                                    # 144 voxels
    labels[12:16, 28:33, 42:48] = 2                                  # 120 voxels
    fluid = np.zeros(labels.shape, bool)
    fluid[4:16, 4:20, 4:20] = True
    image = np.where(fluid, 1000.0, np.where(labels > 0, 200.0, 100.0)).astype(np.float32)
    features = adnexal_features(LabelImage(labels, Geometry(), LABELS), Image(image, Geometry()))
    assert [lesion["id"] for lesion in features["lesions"]] == [1, 2, 3]
    cystic = "no cystic part segmented: locules, wall and septa not assessed"
    assert features["lesions"][1]["notes"] == features["lesions"][2]["notes"] == [cystic]
    assert "no myometrium reference region: solid tissue ratio to myometrium not assessed" in \
        features["lesions"][0]["notes"]
    assert features["notes"] == features["lesions"][0]["notes"] + [
        "3 adnexal lesions: the single-lesion figures describe lesion 1 (the largest); every lesion is measured in "
        "'lesions'", f"lesion 2: {cystic}", f"lesion 3: {cystic}"]


@pytest.mark.parametrize("named", ["adnexal-mass", "solid-tissue"])
def test_a_table_naming_one_lesion_label_at_value_1_measures_only_that_part(named):
    """A table with only the mass, or only the solid tissue, stored as value 1: the lesion is that part, and
    the part the table does not name is empty (not taken from the value 1 of the other)."""
    labels = np.zeros((12, 16, 16), np.uint8)
    labels[2:10, 2:14, 2:14] = 1                                     # 8 × 12 × 12 = 1152 voxels
    label = next(label for label in LABELS if label.id == named)
    table = (dataclasses.replace(label, value=1),)
    image = np.full(labels.shape, 500.0, np.float32)
    lesion = adnexal_features(LabelImage(labels, Geometry(), table), Image(image, Geometry()))["lesions"][0]
    assert lesion["volume_ml"] == pytest.approx(1.152)
    assert lesion["solid_volume_ml"] == pytest.approx(1.152 if named == "solid-tissue" else 0.0)
    assert (lesion["notes"][0] == "no cystic part segmented: locules, wall and septa not assessed") == \
        (named == "solid-tissue")


def test_a_myometrium_mask_without_an_image_is_not_read():
    """A myometrium reference region given with no image: nothing to read it from; no crash, the figures
    that need the image are not assessed."""
    labels = np.zeros((12, 16, 16), np.uint8)
    labels[2:10, 2:14, 2:14] = 1
    myometrium = np.zeros(labels.shape, bool)
    myometrium[0, :, :] = True
    features = adnexal_features(LabelImage(labels, Geometry(), LABELS), None, myometrium)
    assert features["notes"] == ["no image given: fluid, locules, wall, septa and T2 ratios not assessed"]
    assert features["solid_t2_ratio_to_myometrium"] is None
