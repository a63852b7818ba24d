"""Adnexal lesion features against the adnexal phantom's analytic truth and hand-made arrays."""

import numpy as np
import pytest

from gynai.image import Geometry, Image, LabelImage
from gynai.metrics.adnexal import adnexal_features, lesion_features, otsu_threshold
from gynai.metrics.document import metrics_document
from gynai.phantom import PhantomConfig, generate_adnexal_mass
from gynai.tasks import get_task

THIN = PhantomConfig(spacing_mm=(0.7, 0.7, 1.0), size_xyz=(380, 256, 120))      # lesion inside the FOV
OBLIQUE = PhantomConfig(spacing_mm=(0.7, 0.7, 1.0), size_xyz=(360, 320, 170), rotation_deg=25.0)  # lesion inside


@pytest.mark.parametrize("seed, grid", [(0, THIN), (1, THIN), (0, OBLIQUE), (1, OBLIQUE)],
                         ids=["axial-0", "axial-1", "oblique-0", "oblique-1"])
def test_phantom_locules_wall_and_solid(seed, grid):
    case = generate_adnexal_mass(seed, grid)
    lesion = case.labels.array > 0
    assert not any(np.take(lesion, side, axis).any() for axis in range(3) for side in (0, -1))  # not cut by the FOV
    features = adnexal_features(case.labels, case.image)
    truth = case.truth
    assert features["locule_count"] == truth["locules"]
    assert abs(features["wall_thickness_mm"] - truth["mass"]["wall_thickness_mm"]) <= 1.0   # one voxel
    # the phantom's septum (2 mm, random oblique orientation): volume / area, within half a voxel
    assert abs(features["septal_thickness_mm"] - truth["septum_thickness_mm"]) <= 0.35
    assert features["solid_volume_ml"] == pytest.approx(truth["solid"]["voxel_volume_ml"], rel=1e-6)
    assert features["solid_fraction"] == pytest.approx(features["solid_volume_ml"] / features["volume_ml"])
    assert abs(features["max_diameter_mm"] - 2 * max(truth["mass"]["radii_mm"])) <= 2.0
    assert 0.3 < features["solid_t2_ratio_to_fluid"] < 0.8          # solid tissue is intermediate on T2


def test_two_locules_in_a_hand_made_lesion():
    labels = np.zeros((20, 40, 60), np.uint8)
    image = np.full(labels.shape, 100.0, np.float32)
    labels[4:16, 5:35, 5:55] = 1
    image[6:14, 7:33, 7:29] = 1000.0                 # locule 1 (fluid), wall 2 voxels
    image[6:14, 7:33, 31:53] = 1000.0                # locule 2, septum of 2 voxels at i = 29, 30
    labels[8:10, 10:12, 5:7] = 2                     # solid nodule in the wall
    image[labels == 2] = 500.0
    geometry = Geometry((1.0, 1.0, 1.0))
    myometrium = np.zeros(labels.shape, bool)
    myometrium[16:19, 30:38, 2:10] = True
    image[myometrium] = 250.0
    features = adnexal_features(LabelImage(labels, geometry, get_task("adnexal-mass").labels), Image(image, geometry),
                                myometrium)
    assert features["solid_t2_ratio_to_myometrium"] == pytest.approx(2.0) and features["notes"] == []
    assert features["locule_count"] == 2
    assert features["wall_thickness_mm"] == pytest.approx(2.0)
    # 2 voxels; the sharp edges of these box-shaped locules tilt the smoothed normals (area under-estimated)
    assert features["septal_thickness_mm"] == pytest.approx(2.0, abs=0.3)
    assert features["fluid_volume_ml"] == pytest.approx(2 * 8 * 26 * 22 / 1000.0)
    assert features["solid_t2_ratio_to_fluid"] == pytest.approx(0.5)


def test_without_image_or_lesion():
    labels = np.zeros((10, 10, 10), np.uint8)
    empty = adnexal_features(LabelImage(labels, Geometry(), get_task("adnexal-mass").labels))
    assert not empty["present"] and empty["max_diameter_mm"] is None and empty["locule_count"] is None
    labels[2:8, 2:8, 2:8] = 1
    no_image = adnexal_features(LabelImage(labels, Geometry(), get_task("adnexal-mass").labels))
    assert no_image["volume_ml"] == pytest.approx(0.216) and no_image["wall_thickness_mm"] is None
    assert no_image["septal_thickness_mm"] is None and "no image given" in no_image["notes"][0]


def test_otsu_separates_two_populations():
    values = np.concatenate([np.full(100, 10.0), np.full(300, 90.0)])
    assert 10.0 < otsu_threshold(values) < 90.0


def _best_split(values: np.ndarray) -> float:
    """Brute force on the raw values: the largest value of the low class of the split with the largest
    between-class variance n_low · n_high · (mean_low − mean_high)²."""
    best = None
    for cut in np.unique(values)[:-1]:
        low, high = values[values <= cut], values[values > cut]
        variance = len(low) * len(high) * (low.mean() - high.mean()) ** 2
        if best is None or variance > best[0]:
            best = (variance, cut)
    return best[1]


@pytest.mark.parametrize("levels, counts", [
    ((68, 78, 129, 161), (5, 4, 1, 5)),     # a bin centre below 78 put the 78s in the high class
    ((154, 186, 247), (3, 5, 2)),           # class weights taken from the whole sample
    ((146, 154, 234), (1, 3, 1)),           # a single lowest value: its class mean is the value itself
    ((69, 107, 220), (3, 4, 1)),            # a single highest value, likewise
    ((0, 200), (7, 1)),
])
def test_otsu_splits_as_the_brute_force_best_split(levels, counts):
    """A few levels, each in its own histogram bin: the values below the threshold are exactly the low
    class of the best split of the raw values (and the values at or above it the high class)."""
    values = np.repeat(np.array(levels, float), counts)
    threshold = otsu_threshold(values)
    assert np.array_equal(values < threshold, values <= _best_split(values))


def test_metrics_document_has_adnexal_block():
    case = generate_adnexal_mass(0, PhantomConfig(spacing_mm=(0.9, 0.9, 4.0), size_xyz=(192, 192, 30)))
    document = metrics_document(case.image, case.labels, "adnexal-mass")
    voxel_ml = float(np.prod(case.labels.geometry.spacing_mm)) / 1000.0
    assert document["adnexal"]["locule_count"] == case.truth["locules"] == 2
    assert document["adnexal"]["volume_ml"] == pytest.approx(np.count_nonzero(case.labels.array) * voxel_ml, rel=1e-9)


def test_focal_wall_thickening_shows_in_the_maximum():
    """Issue 16: the median wall hides a focal thickening; the maximum shows it (a 2 mm wall with a 6 mm
    thickening over one pole of a spherical cyst, 1 mm voxels)."""
    kk, jj, ii = np.indices((50, 50, 50))
    radius = np.sqrt((kk - 24.5) ** 2 + (jj - 24.5) ** 2 + (ii - 24.5) ** 2)
    labels = (radius <= 20.0).astype(np.uint8)
    fluid = (radius <= 18.0) & ~((ii - 24.5 > 0) & (radius > 14.0) & (np.abs(kk - 24.5) < 5) & (np.abs(jj - 24.5) < 5))
    image = np.where(fluid, 1000.0, 100.0).astype(np.float32)
    geometry = Geometry((1.0, 1.0, 1.0))
    features = adnexal_features(LabelImage(labels, geometry, get_task("adnexal-mass").labels), Image(image, geometry))
    assert features["wall_thickness_mm"] == pytest.approx(2.0, abs=1.0)
    assert features["max_wall_thickness_mm"] == pytest.approx(6.0, abs=1.0)


@pytest.mark.parametrize("spacing", [(1.0, 1.0, 1.0), (0.7, 0.7, 1.0)], ids=["1mm", "0.7x0.7x1mm"])
def test_focal_septal_thickening_shows_in_the_maximum(spacing):
    """Issue 16: the mean septal thickness hides focal thickening; the maximum shows it. A box-shaped
    cyst (2 mm wall) with two locules split by a 2 mm septum normal to i, thickened to 6 mm over a 10 × 10 mm
    patch in its middle; mean within half a voxel of 2 mm plus the patch's share, maximum 6 mm ± one voxel."""
    geometry = Geometry(spacing)
    s_i, s_j, s_k = spacing
    kk, jj, ii = np.indices((int(34 / s_k), int(44 / s_j), int(64 / s_i)), dtype=float)
    x, y, z = ii * s_i, jj * s_j, kk * s_k                                  # mm from the first voxel centre
    lesion = (x > 1) & (x < 62) & (y > 1) & (y < 42) & (z > 1) & (z < 32)
    inner = (x > 3) & (x < 60) & (y > 3) & (y < 40) & (z > 3) & (z < 30)
    half = np.where((np.abs(y - 21.5) < 5) & (np.abs(z - 16.5) < 5), 3.0, 1.0)   # septum half-thickness (mm)
    fluid = inner & (np.abs(x - 31.5) > half)
    labels = lesion.astype(np.uint8)
    image = np.where(fluid, 1000.0, 100.0).astype(np.float32)
    features = adnexal_features(LabelImage(labels, geometry, get_task("adnexal-mass").labels), Image(image, geometry))
    assert features["locule_count"] == 2
    thick = 6.0 * 100 + 2.0 * (37 * 27 - 100)                               # septal volume (mm³) over 37 × 27 mm
    assert features["septal_thickness_mm"] == pytest.approx(thick / (37 * 27), abs=0.5 * s_i + 0.2)
    assert features["max_septal_thickness_mm"] == pytest.approx(6.0, abs=max(spacing))
    assert features["max_septal_thickness_mm"] > features["septal_thickness_mm"] + 3.0


def test_no_septum_is_not_assessed_with_a_note():
    labels = np.zeros((20, 30, 30), np.uint8)
    labels[2:18, 2:28, 2:28] = 1
    image = np.full(labels.shape, 100.0, np.float32)
    image[4:16, 4:26, 4:26] = 1000.0                                         # one locule
    geometry = Geometry((1.0, 1.0, 1.0))
    features = adnexal_features(LabelImage(labels, geometry, get_task("adnexal-mass").labels), Image(image, geometry))
    assert features["locule_count"] == 1
    assert features["septal_thickness_mm"] is None and features["max_septal_thickness_mm"] is None
    assert any("no septum" in note for note in features["notes"])


def test_otsu_splits_a_uniform_ramp_in_its_middle():
    """0, 1, …, 255 once each (one value per histogram bin, neighbours in neighbouring bins): every split
    has the same difference of class means (128), so the best one has equal classes, 0-127 and 128-255."""
    values = np.arange(256, dtype=float)
    threshold = otsu_threshold(values)
    assert np.array_equal(values < threshold, values <= 127)


def test_mr_fluid_includes_the_voxels_at_the_threshold():
    """Integer T2 values 0…256 repeated over a cyst (256 bins of width 1): Otsu's threshold falls on an integer
    that voxels have (the lower edge of the bright class's first bin); those voxels are fluid, as the rest of
    their bin is."""
    cystic = np.zeros((10, 12, 12), bool)
    cystic[1:9, 1:11, 1:11] = True
    t2 = np.zeros(cystic.shape, np.float32)
    t2[cystic] = np.arange(cystic.sum()) % 257
    threshold = otsu_threshold(t2[cystic])
    assert (t2[cystic] == threshold).sum() == 3
    features = lesion_features(cystic, np.zeros_like(cystic), Geometry(), t2)
    assert features["fluid_volume_ml"] == pytest.approx((t2[cystic] >= threshold).sum() / 1000.0)


def test_ultrasound_speckle_across_a_septum_does_not_open_it():
    """On 0.5 mm voxels, a line of dark speckle through a 1.5 mm echogenic septum: smoothed over 0.7 mm
    (1.4 voxels) it stays a septum and the cyst two locules; smoothed over 0.7 voxels it would be a hole."""
    cystic = np.zeros((30, 40, 60), bool)
    cystic[2:28, 2:38, 2:58] = True
    fluid = np.zeros_like(cystic)
    fluid[6:24, 6:34, 6:54] = True
    fluid[:, :, 29:32] = False
    echoes = np.where(fluid, 20.0, 200.0).astype(np.float32)
    echoes[15, 20, 28:33] = 20.0
    features = lesion_features(cystic, np.zeros_like(cystic), Geometry((0.5, 0.5, 0.5)), echoes, modality="US")
    assert features["locule_count"] == 2
