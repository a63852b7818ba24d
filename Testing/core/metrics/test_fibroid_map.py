"""Fibroid map against phantoms with known FIGO types and analytic shapes."""

import numpy as np
import pytest

from gynai.image import Geometry, Image, LabelImage
from gynai.metrics.fibroid_map import fibroid_map, funaki_class
from gynai.metrics.instances import split_instances
from gynai.phantom import FibroidSpec, PhantomConfig, generate_uterus_fibroid
from gynai.phantom.uterus import FIGO_TYPES
from gynai.tasks import get_task

GRID = PhantomConfig(spacing_mm=(0.8, 0.8, 2.0), size_xyz=(160, 160, 60))
OBLIQUE = PhantomConfig(spacing_mm=(0.8, 0.8, 2.0), size_xyz=(160, 160, 60), rotation_deg=25.0)
SPACING = (0.8, 0.8, 2.0)


@pytest.mark.parametrize("figo_type", FIGO_TYPES)
@pytest.mark.parametrize("seed, grid", [(0, GRID), (1, GRID), (0, OBLIQUE)], ids=["axial-0", "axial-1", "oblique-0"])
def test_figo_type_of_phantom_fibroids(figo_type, seed, grid):
    """Exact FIGO types on axial and on oblique (25°) anisotropic grids."""
    case = generate_uterus_fibroid(seed, [FibroidSpec(figo_type, 20.0)], grid)
    result = fibroid_map(case.labels, case.image)
    assert result["count"] == 1
    fibroid = result["fibroids"][0]
    assert fibroid["figo_type"] == figo_type
    assert fibroid["volume_ml"] == pytest.approx(case.truth["fibroids"][0]["volume_ml"], rel=0.1)
    if figo_type == "3":
        assert fibroid["touches_endometrium"] and fibroid["distance_to_endometrium_mm"] == 0.0
    if figo_type == "4":
        assert fibroid["distance_to_endometrium_mm"] >= 1.0 and fibroid["distance_to_serosa_mm"] >= 1.0
    if figo_type in ("5", "6", "7", "2-5"):
        assert fibroid["distance_to_serosa_mm"] == 0.0


def _balls(centres_mm, radii_mm, shape=(30, 80, 100)):
    kk, jj, ii = np.indices(shape)
    points = np.stack([ii * SPACING[0], jj * SPACING[1], kk * SPACING[2]], -1)
    return [np.linalg.norm(points - np.array(c), axis=-1) <= r for c, r in zip(centres_mm, radii_mm)]


def test_touching_fibroids_are_separated():
    a, b = _balls([(25.0, 32.0, 30.0), (44.0, 32.0, 30.0)], [11.0, 9.0])    # overlap by 1 mm
    instances = split_instances(a | b, SPACING)
    assert instances.max() == 2
    assert (instances == 1).sum() == pytest.approx(a.sum(), rel=0.05)
    assert (instances == 2).sum() == pytest.approx(b.sum(), rel=0.05)
    assert set(np.unique(instances[a & ~b])) == {1} and set(np.unique(instances[b & ~a])) == {2}


def test_elongated_and_separate_lesions():
    kk, jj, ii = np.indices((30, 80, 100))
    cigar = ((ii - 50) * 0.8 / 30) ** 2 + ((jj - 40) * 0.8 / 10) ** 2 + ((kk - 15) * 2.0 / 8) ** 2 <= 1
    assert split_instances(cigar, SPACING).max() == 1
    a, b = _balls([(20.0, 30.0, 30.0), (60.0, 30.0, 30.0)], [8.0, 6.0])
    instances = split_instances(a | b, SPACING)
    assert instances.max() == 2 and (instances == 1).sum() == a.sum()


def test_distances_and_burden_on_a_layered_block():
    labels = np.zeros((20, 60, 60), np.uint8)
    labels[2:18, 5:55, 5:55] = 1                      # myometrium block
    labels[2:18, 5:55, 5:10] = 2                      # endometrium slab at i = 5..9
    labels[8:12, 25:35, 20:30] = 3                    # fibroid at i = 20..29
    geometry = Geometry((1.0, 1.0, 2.0))
    result = fibroid_map(LabelImage(labels, geometry, get_task("uterus-fibroid").labels))
    fibroid = result["fibroids"][0]
    assert fibroid["distance_to_endometrium_mm"] == pytest.approx(10.0)   # i = 10..19 in between: 10 x 1 mm
    assert fibroid["distance_to_serosa_mm"] == pytest.approx(12.0)        # k = 2..7 in between: 6 x 2 mm
    assert fibroid["figo_type"] == "4"
    assert result["burden_percent"] == pytest.approx(100 * 400 / (16 * 50 * 50))
    assert result["dominant_fibroid_id"] == 1


def test_t2_ratio_and_funaki():
    case = generate_uterus_fibroid(2, [FibroidSpec("4", 16.0)], GRID)
    fibroid = fibroid_map(case.labels, case.image)["fibroids"][0]
    myometrium = case.image.array[case.labels.array == 1]
    inside = case.image.array[case.instances == 1]
    assert fibroid["t2_ratio_to_myometrium"] == pytest.approx(np.median(inside) / np.median(myometrium), rel=0.05)
    assert fibroid["t2_ratio_to_myometrium"] < 1.0 and fibroid["funaki_class"] == "I/II"
    assert funaki_class(100.0, 300.0, 90.0) == "I"
    assert funaki_class(200.0, 300.0, 90.0) == "II"
    assert funaki_class(320.0, 300.0, 90.0) == "III"
    assert funaki_class(320.0, 300.0, None) == "III"


def test_no_fibroid():
    labels = np.zeros((10, 20, 20), np.uint8)
    labels[2:8, 5:15, 5:15] = 1
    result = fibroid_map(LabelImage(labels, Geometry(), get_task("uterus-fibroid").labels),
                         Image(np.ones((10, 20, 20), np.float32), Geometry()))
    assert result["count"] == 0 and result["dominant_fibroid_id"] is None and result["burden_percent"] == 0.0


def _layered_block() -> tuple[np.ndarray, Geometry]:
    labels = np.zeros((20, 60, 60), np.uint8)
    labels[2:18, 5:55, 5:55] = 1                      # myometrium block
    labels[2:18, 5:55, 5:10] = 2                      # endometrium slab
    labels[8:12, 25:35, 20:30] = 3                    # fibroid, 400 voxels
    return labels, Geometry((1.0, 1.0, 2.0))


def test_t2_ratio_to_muscle_is_the_ratio_of_medians():
    labels, geometry = _layered_block()
    image = np.full(labels.shape, 300.0, np.float32)  # myometrium
    image[labels == 3] = 150.0
    muscle = np.zeros(labels.shape, bool)
    muscle[0:2, 0:4, 0:4] = True
    image[muscle] = 60.0
    result = fibroid_map(LabelImage(labels, geometry, get_task("uterus-fibroid").labels), Image(image, geometry),
                         muscle)
    fibroid = result["fibroids"][0]
    assert fibroid["t2_ratio_to_muscle"] == pytest.approx(150.0 / 60.0)
    assert fibroid["t2_ratio_to_myometrium"] == pytest.approx(0.5)
    assert fibroid["funaki_class"] == "II"            # (150 - 60) / (300 - 60) = 0.375
    without = fibroid_map(LabelImage(labels, geometry, get_task("uterus-fibroid").labels), Image(image, geometry))
    assert without["fibroids"][0]["t2_ratio_to_muscle"] is None and without["muscle_reference"] is False


def test_missing_myometrium_or_endometrium_is_not_guessed():
    labels, geometry = _layered_block()
    image = Image(np.full(labels.shape, 300.0, np.float32), geometry)
    table = get_task("uterus-fibroid").labels
    only_fibroid = np.where(labels == 3, 3, 0).astype(np.uint8)
    result = fibroid_map(LabelImage(only_fibroid, geometry, table), image)
    fibroid = result["fibroids"][0]
    assert result["count"] == 1 and fibroid["volume_ml"] == pytest.approx(400 * 2.0 / 1000)   # size still measured
    assert result["uterine_volume_ml"] is None and result["burden_percent"] is None
    assert fibroid["figo_type"] is None and fibroid["distance_to_serosa_mm"] is None
    assert fibroid["t2_ratio_to_myometrium"] is None and fibroid["funaki_class"] is None
    assert "no myometrium" in result["notes"][0]
    no_cavity = np.where(labels == 2, 1, labels).astype(np.uint8)
    result = fibroid_map(LabelImage(no_cavity, geometry, table), image)
    fibroid = result["fibroids"][0]
    assert fibroid["figo_type"] is None and fibroid["distance_to_endometrium_mm"] is None
    assert fibroid["distance_to_serosa_mm"] == pytest.approx(12.0)                      # still measurable
    assert result["burden_percent"] == pytest.approx(100 * 400 / (16 * 50 * 50))
    assert "no endometrium" in result["notes"][0]
    assert fibroid_map(LabelImage(labels, geometry, table), image)["notes"] == []


def test_a_fibroid_away_from_the_uterus_is_left_to_the_reader():
    """Not typed 8 ("parasitic"): its stalk may not have been segmented (issue 16)."""
    labels, geometry = _layered_block()
    labels[8:12, 25:35, 20:30] = 1                    # no intramural fibroid
    labels[8:12, 25:35, 57:60] = 3                    # parasitic: 2 voxels of air between it and the serosa
    result = fibroid_map(LabelImage(labels, geometry, get_task("uterus-fibroid").labels))
    fibroid = result["fibroids"][0]
    assert fibroid["figo_type"] is None and fibroid["figo_note"].startswith("unclassified — reader to decide")
    assert fibroid["fraction_outside_uterus"] is None and fibroid["touches_endometrium"] is False


def test_the_myometrial_reference_leaves_out_the_junctional_zone():
    """Issue 16: the Funaki / T2 reference included the dark junctional zone (inner 8 mm of myometrium next
    to the endometrium). A 16 mm wall: JZ (T2 100) at 1–8 mm from the endometrium, outer myometrium (300) at
    9–16 mm holding a fibroid (150). Before: median over the whole myometrium = the JZ's 100, ratio 1.5
    (class III); now the outer myometrium's 300: ratio 0.5 (I/II)."""
    labels = np.zeros((20, 40, 40), np.uint8)
    labels[2:18, 5:35, 5:26] = 1                      # myometrium i = 10..25 beside the endometrium
    labels[2:18, 5:35, 5:10] = 2                      # endometrium slab at i = 5..9
    labels[6:14, 12:28, 20:24] = 3                    # fibroid in the outer myometrium
    image = np.full(labels.shape, 20.0, np.float32)
    image[:, :, 10:18] = 100.0                        # junctional zone, 8 mm
    image[:, :, 18:26] = 300.0                        # outer myometrium
    image[labels == 2] = 400.0
    image[labels == 3] = 150.0
    geometry = Geometry((1.0, 1.0, 2.0))
    result = fibroid_map(LabelImage(labels, geometry, get_task("uterus-fibroid").labels), Image(image, geometry))
    fibroid = result["fibroids"][0]
    assert fibroid["t2_ratio_to_myometrium"] == pytest.approx(0.5)
    assert fibroid["funaki_class"] == "I/II" and result["notes"] == []


def test_a_wall_thinner_than_the_junctional_zone_keeps_the_whole_myometrium_with_a_note():
    labels = np.zeros((20, 40, 40), np.uint8)
    labels[2:18, 5:35, 5:16] = 1                      # 6 mm of myometrium only
    labels[2:18, 5:35, 5:10] = 2
    labels[6:14, 12:28, 12:14] = 3
    image = np.where(labels == 1, 300.0, 150.0).astype(np.float32)
    geometry = Geometry((1.0, 1.0, 2.0))
    result = fibroid_map(LabelImage(labels, geometry, get_task("uterus-fibroid").labels), Image(image, geometry))
    assert result["fibroids"][0]["t2_ratio_to_myometrium"] == pytest.approx(0.5)
    assert any("junctional zone" in note for note in result["notes"])
