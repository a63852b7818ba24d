"""Issue 19: placenta metrics on the edges the phantom tests leave out, on hand-made label images: a bed
whose wall lies entirely on the edge of the field of view (no thickness, no thin area, a note), a uterus
whose serosa is no ellipsoid (bulge not assessed, a note), and the task's instance map and thickness map
entry points."""

import numpy as np
import pytest

from gynai.image import Geometry, LabelImage
from gynai.metrics.placenta import analyse_placenta, placenta_instances, thickness_map
from gynai.tasks import get_task

LABELS = get_task("placenta").labels
MYOMETRIUM, PLACENTA = 1, 2


def _slab() -> np.ndarray:
    """A box uterus (1 mm voxels): 3 mm of myometrium (z = 2..4) under a flat placenta (z = 5..11, its bed
    40 × 60 voxels at z = 5); the uterus's inside is unlabelled fluid."""
    labels = np.zeros((30, 60, 80), np.uint8)
    labels[2:28, 2:58, 2:78] = MYOMETRIUM
    labels[5:26, 5:55, 5:75] = 0
    labels[5:12, 10:50, 10:70] = PLACENTA
    return labels


def test_a_bed_whose_wall_lies_on_the_edge_of_the_view_has_no_thickness():
    """The slab cut at z = 2: the 3 mm wall under the placenta ends at the image's edge, where it may go on;
    nothing of the bed has a closed wall, so no thickness and no thin area (never a false 3 mm or 0 mm)."""
    labels = LabelImage(_slab()[2:], Geometry(), LABELS)
    analysis = analyse_placenta(labels)
    metrics = analysis.metrics
    for key in ("min_myometrial_thickness_mm", "median_myometrial_thickness_mm", "bed_fraction_thin",
                "thin_myometrium_area_cm2"):
        assert metrics[key] is None, key
    assert ("the uterus reaches the edge of the field of view: myometrial thickness not assessed on 100 % of the "
            "placental bed, where the wall may continue beyond the image") in metrics["notes"]
    assert ("no part of the placental bed has a closed wall: minimum and median myometrial thickness and the thin "
            "area not assessed") in metrics["notes"]
    assert (analysis.thickness_map.array == -1).all()


def test_a_serosa_that_is_no_ellipsoid_has_no_bulge():
    """A cone-shaped uterus (4-voxel wall, placenta on its flat base): the serosa away from the placenta is a
    cone, no ellipsoid to measure a bulge from; the thickness is still measured."""
    kk, jj, ii = np.indices((60, 80, 80))
    across = np.hypot(jj - 39.5, ii - 39.5)
    cone = (across <= 38 * (1 - kk / 60)) & (kk >= 1)
    cavity = (across <= 38 * (1 - kk / 60) - 4) & (kk >= 5)
    labels = np.where(cone, MYOMETRIUM, 0).astype(np.uint8)
    labels[cavity] = 0
    labels[cavity & (kk < 10)] = PLACENTA
    metrics = analyse_placenta(LabelImage(labels, Geometry(), LABELS)).metrics
    assert metrics["bulge_depth_mm"] is None
    assert "the serosa away from the placenta does not fit an ellipsoid: bulge not assessed" in metrics["notes"]
    assert metrics["min_myometrial_thickness_mm"] is not None and metrics["median_myometrial_thickness_mm"] == \
        pytest.approx(4.0, abs=1.0)


def test_a_box_shaped_uterus_has_no_bulge():
    """The box uterus of :func:`_slab`: the serosa away from the placenta is the box's top and part of its
    sides, which fit only a flat ellipsoid (2 mm thick) that covers 14 % of the uterus; the bulge was read as
    47.5 mm from it before. It is not assessed, with a note; the 3 mm wall under the bed is still measured."""
    metrics = analyse_placenta(LabelImage(_slab(), Geometry(), LABELS)).metrics
    assert metrics["bulge_depth_mm"] is None
    assert ("the ellipsoid fitted to the serosa away from the placenta does not describe the uterus (overlap Dice "
            "below 0.8; e.g. a box-shaped or bilobed uterus): bulge not assessed") in metrics["notes"]
    assert metrics["min_myometrial_thickness_mm"] == pytest.approx(3.0, abs=0.5)


def test_a_wall_thicker_than_the_bed_reach_says_so_instead_of_blaming_the_ellipsoid():
    """A spherical uterus (1 mm voxels, outer radius 40 mm) with a 25 mm wall and the placenta as a cap in its
    cavity: no serosa lies within 15 mm of the placenta, so there is no bulge to measure, and the note says
    that (the serosa away from the placenta is a sphere, which an ellipsoid fits)."""
    kk, jj, ii = np.indices((86, 86, 86))
    radius = np.sqrt((kk - 42.5) ** 2 + (jj - 42.5) ** 2 + (ii - 42.5) ** 2)
    labels = np.where(radius <= 40, MYOMETRIUM, 0).astype(np.uint8)
    labels[radius <= 15] = 0
    labels[(radius <= 15) & (kk < 36)] = PLACENTA
    metrics = analyse_placenta(LabelImage(labels, Geometry(), LABELS)).metrics
    assert metrics["bulge_depth_mm"] is None
    assert ("no serosa lies within 15 mm of the placenta (a wall thicker than that, or the serosa over the bed "
            "outside the image): bulge not assessed") in metrics["notes"]
    assert not [note for note in metrics["notes"] if "does not fit an ellipsoid" in note]
    assert metrics["min_myometrial_thickness_mm"] == pytest.approx(25.0, abs=1.5)      # 40 - 15 mm


def test_the_placenta_is_instance_one():
    labels = _slab()
    instances = placenta_instances(LabelImage(labels, Geometry(), LABELS))
    assert instances.dtype == np.int32 and set(np.unique(instances)) == {0, 1}
    np.testing.assert_array_equal(instances == 1, labels == PLACENTA)
    none = placenta_instances(LabelImage(np.where(labels == PLACENTA, 0, labels), Geometry(), LABELS))
    assert not none.any()


def test_the_thickness_map_is_the_wall_under_the_bed():
    """3 mm on each of the 40 × 60 bed voxels at z = 5, −1 elsewhere; None without myometrium."""
    labels = _slab()
    image = thickness_map(LabelImage(labels, Geometry(), LABELS))
    assert image.array[5, 10:50, 10:70] == pytest.approx(3.0)
    assert (image.array >= 0).sum() == 40 * 60
    assert thickness_map(LabelImage(np.where(labels == MYOMETRIUM, 0, labels), Geometry(), LABELS)) is None


NOTICE = "research metrics approximating MRI signs of placenta accreta spectrum; not a diagnosis"


def test_without_a_placenta_or_a_myometrium_the_notes_say_so_word_for_word():
    """No placenta: one note, the placenta's shape block (absent) and the notice; a placenta with no
    myometrium and no image: the two notes in order, its thickness still measured (7 voxels = 7 mm)."""
    labels = _slab()
    none = analyse_placenta(LabelImage(np.where(labels == PLACENTA, 0, labels), Geometry(), LABELS))
    assert none.metrics["notes"] == ["no placenta segmented: placenta metrics not assessed"]
    assert none.metrics["notice"] == NOTICE and none.thickness_map is None
    assert none.metrics["placenta"]["present"] is False and none.metrics["present"] is False
    alone = analyse_placenta(LabelImage(np.where(labels == MYOMETRIUM, 0, labels), Geometry(), LABELS)).metrics
    assert alone["notes"] == ["no image given: T2-dark bands not assessed", "no myometrium segmented: myometrial "
                              "thickness, bulge and bladder figures not assessed"]
    assert alone["placenta"]["volume_ml"] == pytest.approx(7 * 40 * 60 / 1000.0) and alone["notice"] == NOTICE
    assert alone["max_thickness_mm"] == pytest.approx(7.0, abs=1.0)


def test_a_label_the_table_does_not_name_is_absent_whatever_its_voxels():
    """Voxels of value 1 with no myometrium in the table are no myometrium (and no placenta or bladder when
    those are missing from the table): the table names the labels, not the voxel values."""
    labels = _slab()
    by_id = {label.id: label for label in LABELS}
    no_myometrium = analyse_placenta(LabelImage(labels, Geometry(), (by_id["placenta"], by_id["bladder"]))).metrics
    assert "no myometrium segmented: myometrial thickness, bulge and bladder figures not assessed" in \
        no_myometrium["notes"] and no_myometrium["min_myometrial_thickness_mm"] is None
    only_myometrium = LabelImage(labels, Geometry(), (by_id["myometrium"],))
    assert analyse_placenta(only_myometrium).metrics["notes"] == ["no placenta segmented: placenta metrics not "
                                                                  "assessed"]
    assert not placenta_instances(only_myometrium).any()
    full = analyse_placenta(LabelImage(labels, Geometry(), LABELS))
    no_bladder = analyse_placenta(LabelImage(labels, Geometry(), (by_id["myometrium"], by_id["placenta"])))
    assert no_bladder.metrics == full.metrics
    np.testing.assert_array_equal(no_bladder.thickness_map.array, full.thickness_map.array)


def test_a_thin_patch_gives_its_share_of_the_bed_and_its_area():
    """A 10 × 15 voxel hole through the 3 mm wall under the bed: the bed over it and its ring of diagonal
    neighbours (√2 − 1 mm from the hole's edge) are thin, 12 × 17 of the 40 × 60 bed voxels, each with one
    1 mm² face on the wall or outside; no bladder, so its figures are not assessed."""
    labels = _slab()
    labels[2:5, 20:30, 30:45] = 0
    analysis = analyse_placenta(LabelImage(labels, Geometry(), LABELS))
    metrics = analysis.metrics
    assert metrics["min_myometrial_thickness_mm"] == 0.0
    assert metrics["bed_fraction_thin"] == pytest.approx(12 * 17 / (40 * 60))
    assert metrics["thin_myometrium_area_cm2"] == pytest.approx(12 * 17 / 100.0)
    assert "no bladder segmented: placenta-bladder figures not assessed" in metrics["notes"]
    for key in ("bladder_interface_length_mm", "bladder_contact", "bladder_contact_area_cm2"):
        assert metrics[key] is None, key
    assert analysis.thickness_map.metadata == {"quantity": "myometrial thickness (mm)"}


def test_a_bladder_away_from_the_bed_has_no_interface():
    """A bladder below the top of the box, far from the bed at z = 5: interface 0 mm, no contact."""
    labels = _slab()
    labels[29, 20:40, 20:40] = 3
    metrics = analyse_placenta(LabelImage(np.pad(labels, ((0, 2), (0, 0), (0, 0))), Geometry(), LABELS)).metrics
    assert metrics["bladder_interface_length_mm"] == 0.0 and metrics["bladder_contact"] is False
    assert metrics["bladder_contact_area_cm2"] == 0.0
    assert not [note for note in metrics["notes"] if "bladder" in note]


@pytest.mark.parametrize("rows, measured", [(1, False), (2, True)])
def test_the_view_margin_is_one_of_the_largest_voxel_size(rows, measured):
    """The box's 3 mm floor with 1 or 2 rows of background under it before the image ends, on 2 × 2 × 1 mm
    voxels: a bed whose distance to the image's edge (4.5 or 5.5 mm) is within its thickness plus the largest
    voxel size (3 + 2 mm) may have wall beyond the image and is not measured; one row further it is."""
    labels = _slab()[2 - rows:]
    metrics = analyse_placenta(LabelImage(labels, Geometry((2.0, 2.0, 1.0)), LABELS)).metrics
    assert (metrics["min_myometrial_thickness_mm"] == pytest.approx(3.0)) if measured else \
        (metrics["min_myometrial_thickness_mm"] is None)


def test_a_floor_reaching_the_edge_of_the_view_under_part_of_the_bed_gives_that_share():
    """The box's floor thickened to the image's edge under x < 40 (half the bed's 60 columns) and left with
    two rows of background under x >= 40: the bed over the thick part may have wall beyond the image; the
    note's share is the bed left without a thickness (the 2400-voxel bed minus the thickness map's voxels),
    neither none nor all of it."""
    labels = _slab()
    labels[0:2, 2:58, 2:40] = MYOMETRIUM
    analysis = analyse_placenta(LabelImage(labels, Geometry(), LABELS))
    measured = int((analysis.thickness_map.array >= 0).sum())
    share = 100.0 * (40 * 60 - measured) / (40 * 60)
    assert 0 < share < 100
    assert (f"the uterus reaches the edge of the field of view: myometrial thickness not assessed on {share:.0f} % of "
            "the placental bed, where the wall may continue beyond the image") in analysis.metrics["notes"]
    assert not [note for note in analysis.metrics["notes"] if "internal os" in note or "does not close" in note]
