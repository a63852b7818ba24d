"""Unit tests of the placenta metrics' building blocks, written to kill mutation-test survivors of
:mod:`gynai.metrics.placenta` (one-line bugs the phantom tests let through). Every expected value is
independent of the code under test: the local placental mean is checked against a brute-force normalized
Gaussian convolution written here, the dark bands against hand-made bands of known voxel counts, the
hole filling, field-of-view faces and border mask against hand-built masks, and the bulge against a
sphere whose serosa over the placenta is pushed out or dented by a known amount and a box placenta 14.5 or
15.5 mm from the serosa (the 15 mm bed reach)."""

from __future__ import annotations

import numpy as np
import pytest

from gynai.image import Geometry, Image, LabelImage
from gynai.metrics import placenta as pm
from gynai.tasks import get_task

LABELS = get_task("placenta").labels
MYOMETRIUM, PLACENTA = 1, 2
SIGMA_MM = 15.0
"""The documented Gaussian window of the local placental mean."""
NOT_ASSESSED_KEYS = ("max_thickness_mm", "min_myometrial_thickness_mm", "median_myometrial_thickness_mm",
                     "bed_fraction_thin", "thin_myometrium_area_cm2", "dark_band_volume_ml", "dark_band_fraction",
                     "bulge_depth_mm", "bladder_contact", "bladder_contact_area_cm2", "bladder_interface_length_mm")

# (spacing z, y, x in mm, block factors floor(3 mm / spacing) per axis): the factors differ per axis, and
# one case has a factor of 1 (no blocking along z), the other none.
ANISOTROPIC = [((3.0, 0.7, 0.8), (1, 4, 3)), ((1.5, 0.7, 1.0), (2, 4, 3))]


# --------------------------------------------------------------------------------------------------------------
# Local placental mean and band reference against a brute-force normalized Gaussian convolution


def _gaussian_rows(centres_mm: np.ndarray, positions_mm: np.ndarray) -> np.ndarray:
    """Unnormalized Gaussian weights (σ = 15 mm) of every position seen from every centre."""
    offsets = centres_mm[:, None] - positions_mm[None, :]
    return np.exp(-offsets ** 2 / (2.0 * SIGMA_MM ** 2))


def _brute_local_mean(t2: np.ndarray, mask: np.ndarray, spacing: np.ndarray, factors: tuple[int, int, int]
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Σ g·mask·t2 / Σ g·mask with an infinite-domain Gaussian, evaluated at the physical centre of every
    block of ``factors`` voxels and spread over the block, and the normalized weight Σ g·mask / Σ g at the
    same centres (the local share of the mask). Separable: one Gaussian matrix per axis over the mask's box."""
    where = np.argwhere(mask)
    low, high = where.min(axis=0), where.max(axis=0) + 1
    box = tuple(slice(a, b) for a, b in zip(low, high))
    rows, totals = [], []
    for axis in range(3):
        count, factor = mask.shape[axis], factors[axis]
        centres = (np.arange(0, count, factor) + (factor - 1) / 2.0) * spacing[axis]
        rows.append(_gaussian_rows(centres, np.arange(low[axis], high[axis]) * spacing[axis]))
        everywhere = np.arange(-10 * count, 11 * count) * spacing[axis]      # the whole line, for the share
        totals.append(_gaussian_rows(centres, everywhere).sum(axis=1))
    inside = mask[box].astype(float)
    numerator = np.einsum("ai,bj,ck,ijk->abc", *rows, inside * t2[box], optimize=True)
    denominator = np.einsum("ai,bj,ck,ijk->abc", *rows, inside, optimize=True)
    share = denominator / np.einsum("a,b,c->abc", *totals)
    with np.errstate(invalid="ignore", divide="ignore"):
        coarse = numerator / denominator

    def spread(values: np.ndarray) -> np.ndarray:
        full = values.repeat(factors[0], 0).repeat(factors[1], 1).repeat(factors[2], 2)
        return full[tuple(slice(0, n) for n in mask.shape)]

    return spread(coarse), spread(share)


def _axis_reach_mm(mask: np.ndarray, spacing: np.ndarray) -> np.ndarray:
    """The largest per-axis distance (mm) from every voxel to the mask's bounding box."""
    where = np.argwhere(mask)
    low, high = where.min(axis=0), where.max(axis=0)
    reach = np.zeros(mask.shape)
    for axis, (first, last) in enumerate(zip(low, high)):
        index = np.arange(mask.shape[axis])
        gap = np.maximum(np.maximum(first - index, index - last), 0) * spacing[axis]
        reach = np.maximum(reach, np.expand_dims(gap, [a for a in range(3) if a != axis]))
    return reach


def _graded_box(spacing: np.ndarray, factors: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A 24 × 30 × 24 mm box placenta on a grid with 66 mm of background on every side (more than the
    Gaussian's 4σ reach, so no image edge is seen), whose T2 is a linear gradient along all three axes
    (different slopes, so a mix-up of axes shows) on 1.76 to 2.69; the background's T2 is 0.25."""
    box_mm = np.array([24.0, 30.0, 24.0])
    size = np.round(box_mm / spacing).astype(int)
    margin = np.ceil(66.0 / spacing).astype(int)
    shape = tuple(int(np.ceil((s + 2 * m) / f) * f) for s, m, f in zip(size, margin, factors))
    placenta = np.zeros(shape, bool)
    placenta[tuple(slice(m, m + s) for m, s in zip(margin, size))] = True
    z, y, x = (np.indices(shape) - margin[:, None, None, None]) * spacing[:, None, None, None]
    t2 = np.where(placenta, 2.0 + 0.01 * z + 0.015 * y - 0.01 * x, 0.25).astype(np.float32)
    return t2, placenta


def _tolerance(truth: np.ndarray) -> float:
    """Blocks average the input over at most 3 mm per axis before the Gaussian (a box blur of variance
    ≤ 0.75 mm² against σ² = 225 mm²) and the coarse Gaussian is sampled every 3 mm = σ / 5: both move the
    mean by far less than 0.5 % of its spread over the placenta, which is the tolerance."""
    return 0.005 * float(np.ptp(truth))


@pytest.mark.parametrize("spacing, factors", ANISOTROPIC)
def test_the_local_mean_is_a_gaussian_mean_on_blocks_of_3_mm(spacing, factors):
    """On anisotropic voxels the local mean is constant on blocks of floor(3 mm / spacing) voxels per axis
    and equals the brute-force Gaussian-weighted mean of the placenta at the block centres; outside the
    placenta it is the same ratio wherever the placenta's local share of the window is at least 2 × 10⁻⁶
    (the weight floor is 1 × 10⁻⁶), and 0 where the window misses the placenta."""
    spacing = np.array(spacing)
    t2, placenta = _graded_box(spacing, factors)
    local = pm._local_placental_mean(t2, placenta, spacing)
    truth, share = _brute_local_mean(t2, placenta, spacing, factors)
    blocks = local.reshape(local.shape[0] // factors[0], factors[0], local.shape[1] // factors[1], factors[1],
                           local.shape[2] // factors[2], factors[2])
    assert (blocks == blocks[:, :1, :, :1, :, :1]).all()
    np.testing.assert_allclose(local[placenta], truth[placenta], rtol=0, atol=_tolerance(truth[placenta]))
    reach = _axis_reach_mm(placenta, spacing)
    faint = (share >= 1.15e-6) & (share < 1.8e-6) & (reach <= 54.0)
    assert faint.sum() > 100
    np.testing.assert_allclose(local[faint], truth[faint], rtol=0.05)
    assert (reach > 64.0).sum() > 100 and (local[reach > 64.0] == 0).all()


@pytest.mark.parametrize("spacing, factors", ANISOTROPIC)
def test_the_band_reference_is_the_mean_of_the_bright_voxels(spacing, factors):
    """The graded box with a dark slab (half the signal) through it and a darker cube (0.3 ×): the reference
    is the brute-force Gaussian mean of the voxels at least 0.8 × the placenta's own local mean (the bright
    ones: the slab and the cube fall well below it, the rest well above), not of the whole placenta nor of
    the background."""
    spacing = np.array(spacing)
    t2, placenta = _graded_box(spacing, factors)
    where = np.argwhere(placenta)
    low, high = where.min(axis=0), where.max(axis=0) + 1
    middle = (low + high) // 2
    slab = np.zeros_like(placenta)
    slab[:, middle[1] - 3:middle[1] + 3, :] = True
    cube = np.zeros_like(placenta)
    cube[low[0]:low[0] + 4, low[1]:low[1] + 6, high[2] - 6:high[2]] = True
    t2 = np.where(slab & placenta, 0.5 * t2, t2)
    t2 = np.where(cube & placenta, 0.3 * t2, t2).astype(np.float32)
    first, _ = _brute_local_mean(t2, placenta, spacing, factors)
    ratio = t2[placenta] / first[placenta]
    assert not ((ratio > 0.7) & (ratio < 0.9)).any()          # no voxel anywhere near the 0.8 cut
    bright = placenta & (t2 >= 0.8 * first)
    assert bright.sum() < placenta.sum() - (slab & placenta).sum() + 1
    truth, _ = _brute_local_mean(t2, bright, spacing, factors)
    reference = pm.band_reference(t2, placenta, spacing)
    np.testing.assert_allclose(reference[placenta], truth[placenta], rtol=0, atol=_tolerance(truth[placenta]))


@pytest.mark.parametrize("spacing, factors", ANISOTROPIC)
def test_the_local_mean_sees_no_placenta_beyond_the_array_edge(spacing, factors):
    """The metrics pass a crop one voxel larger than the placenta, so the Gaussian window always reaches past
    the array's edge: no placenta lies there (a reflected edge would count the voxels along it twice and pull
    the mean towards them). The graded box cut to its own bounding box plus one voxel, on an array that is
    no multiple of the blocks, reads the brute-force mean of the whole-line Gaussian."""
    spacing = np.array(spacing)
    t2, placenta = _graded_box(spacing, factors)
    where = np.argwhere(placenta)
    crop = tuple(slice(a - 1, b + 2) for a, b in zip(where.min(axis=0), where.max(axis=0)))
    t2, placenta = t2[crop], placenta[crop]
    assert any(n % f for n, f in zip(placenta.shape, factors) if f > 1)
    local = pm._local_placental_mean(t2, placenta, spacing)
    truth, _ = _brute_local_mean(t2, placenta, spacing, factors)
    np.testing.assert_allclose(local[placenta], truth[placenta], rtol=0, atol=_tolerance(truth[placenta]))


def test_a_placenta_with_no_bright_voxel_keeps_its_own_mean():
    """A uniform placenta of T2 1.0 (its own mean, exactly: signal and weight are the same array) counts as
    bright (≥ 0.8 × 1.0), so the reference is 1.0 throughout it."""
    placenta = np.zeros((8, 12, 12), bool)
    placenta[2:6, 3:9, 3:9] = True
    t2 = np.where(placenta, 1.0, 5.0).astype(np.float32)
    reference = pm.band_reference(t2, placenta, np.array([2.0, 1.0, 1.0]))
    np.testing.assert_allclose(reference[placenta], 1.0, rtol=1e-6)


# --------------------------------------------------------------------------------------------------------------
# Dark bands: hand-made bands of known voxel counts in a placenta of T2 1.0


def _band_case() -> tuple[np.ndarray, np.ndarray]:
    """A 20 × 40 × 40-voxel placenta (label 2, no myometrium) in a 26 × 46 × 46 grid, T2 1.0, background 0."""
    labels = np.zeros((26, 46, 46), np.uint8)
    labels[3:23, 3:43, 3:43] = PLACENTA
    t2 = np.where(labels == PLACENTA, 1.0, 0.0).astype(np.float32)
    return labels, t2


def _metrics(labels: np.ndarray, t2: np.ndarray, spacing_xyz: tuple[float, float, float] = (1.0, 1.0, 1.0)) -> dict:
    """The placenta metrics of ``labels`` with the T2 image ``t2`` on voxels of ``spacing_xyz`` mm."""
    geometry = Geometry(spacing_mm=spacing_xyz)
    return pm.placenta_metrics(LabelImage(labels, geometry, LABELS), Image(t2, geometry))


def test_a_band_of_exactly_the_minimum_size_counts_and_one_voxel_less_does_not():
    """1 mm voxels (0.001 mL): a 4 × 5 × 5 band (100 voxels = 0.1 mL = MIN_BAND_ML) at 0.3 counts, a
    3 × 3 × 11 one (99 voxels) does not; the bright rest reads exactly 1.0, so the volume is exactly 0.1 mL."""
    labels, t2 = _band_case()
    t2[5:9, 6:11, 6:11] = 0.3
    t2[15:18, 25:28, 25:36] = 0.3
    metrics = _metrics(labels, t2)
    assert metrics["dark_band_volume_ml"] == pytest.approx(0.100, abs=1e-9)
    assert metrics["dark_band_fraction"] == pytest.approx(100 / (20 * 40 * 40), abs=1e-12)


def test_a_band_on_anisotropic_voxels_is_sized_in_millilitres():
    """Voxels 0.5 × 1 × 2 mm (0.001 mL): the same 100- and 99-voxel bands, the same answer; on 2 × 1 × 1 mm
    voxels (0.002 mL) both count: 0.398 mL."""
    labels, t2 = _band_case()
    t2[5:9, 6:11, 6:11] = 0.3
    t2[15:18, 25:28, 25:36] = 0.3
    assert _metrics(labels, t2, (0.5, 1.0, 2.0))["dark_band_volume_ml"] == pytest.approx(0.100, abs=1e-9)
    assert _metrics(labels, t2, (2.0, 1.0, 1.0))["dark_band_volume_ml"] == pytest.approx(0.398, abs=1e-9)


def test_two_halves_touching_at_a_corner_are_one_band():
    """Two 50-voxel cubes (5 × 5 × 2) meeting only along an edge line are one 26-connected band of 100
    voxels (0.1 mL, kept); apart they would each be 0.05 mL and dropped."""
    labels, t2 = _band_case()
    t2[6:11, 6:11, 6:8] = 0.3
    t2[11:16, 11:16, 8:10] = 0.3
    assert _metrics(labels, t2)["dark_band_volume_ml"] == pytest.approx(0.100, abs=1e-9)


def test_a_region_at_exactly_the_band_ratio_is_not_a_band():
    """Bands are darker than 0.6 × the reference: a 300-voxel region at exactly 0.6 (the reference is
    exactly 1.0 here) is not one; a 300-voxel region at 0.59 is."""
    labels, t2 = _band_case()
    t2[5:8, 5:15, 5:15] = np.float32(0.6)
    assert _metrics(labels, t2)["dark_band_volume_ml"] == 0.0
    t2[5:8, 5:15, 5:15] = np.float32(0.59)
    assert _metrics(labels, t2)["dark_band_volume_ml"] == pytest.approx(0.300, abs=1e-9)


def test_a_placenta_without_bands_reads_zero():
    labels, t2 = _band_case()
    metrics = _metrics(labels, t2)
    assert metrics["dark_band_volume_ml"] == 0.0 and metrics["dark_band_fraction"] == 0.0


# --------------------------------------------------------------------------------------------------------------
# Figures not assessed: every key present and None


def test_without_myometrium_every_wall_figure_is_present_and_none():
    """A placenta alone, no image: all the figures but the placenta's own thickness are present and None."""
    labels, _ = _band_case()
    metrics = pm.placenta_metrics(LabelImage(labels, Geometry(), LABELS))
    assert metrics["max_thickness_mm"] == pytest.approx(20.0, abs=1.0)
    for key in NOT_ASSESSED_KEYS[1:]:
        assert key in metrics and metrics[key] is None, key


def test_without_placenta_every_figure_is_present_and_none():
    labels = np.zeros((10, 12, 12), np.uint8)
    labels[2:8, 2:10, 2:10] = MYOMETRIUM
    metrics = pm.placenta_metrics(LabelImage(labels, Geometry(), LABELS))
    for key in NOT_ASSESSED_KEYS:
        assert key in metrics and metrics[key] is None, key


# --------------------------------------------------------------------------------------------------------------
# Hole filling with closed faces, field-of-view faces, border mask

FACES = [(axis, side) for axis in range(3) for side in (0, -1)]


def _solid_with_a_dent(axis: int, side: int) -> tuple[np.ndarray, tuple[int, ...]]:
    """A 7 × 8 × 9 solid mask with one background voxel (the dent, returned) in the middle of one face, on
    that face's outermost layer only, and a one-voxel cavity at (3, 3, 4)."""
    mask = np.ones((7, 8, 9), bool)
    dent = [3, 4, 4]
    dent[axis] = 0 if side == 0 else mask.shape[axis] - 1
    mask[tuple(dent)] = False
    mask[3, 3, 4] = False
    return mask, tuple(dent)


@pytest.mark.parametrize("axis, side", FACES)
def test_a_dent_on_an_open_face_stays_open_and_a_cavity_is_filled(axis, side):
    """The dent touches its face (index 0 or the last index): it is outside while that face counts as
    border, also when another face is closed; filled when its own face is closed, or when all six are
    (then all count again). The enclosed cavity is always filled, and the mask always kept."""
    mask, dent = _solid_with_a_dent(axis, side)
    other = next(face for face in FACES if face != (axis, side))
    for closed, filled in (((), False), ((other,), False), (((axis, side),), True), (tuple(FACES), False)):
        result = pm._fill_holes(mask, closed)
        assert result[dent] == filled, closed
        assert result[3, 3, 4] and result[mask].all(), closed


@pytest.mark.parametrize("axis, side", FACES)
def test_a_dent_on_a_closed_face_is_filled_only_with_the_last_open_face_closed(axis, side):
    """Five faces closed and the dent's face open: the dent stays outside; all six closed: all count."""
    mask, dent = _solid_with_a_dent(axis, side)
    five = tuple(face for face in FACES if face != (axis, side))
    assert not pm._fill_holes(mask, five)[dent]
    assert not pm._fill_holes(mask, tuple(FACES))[dent]


def test_the_field_of_view_faces_are_the_crop_faces_on_the_array_edge():
    full = (10, 20, 30)
    assert pm._fov_faces((slice(0, 10), slice(1, 19), slice(2, 30)), full) == ((0, 0), (0, -1), (2, -1))
    assert pm._fov_faces((slice(1, 9), slice(0, 20), slice(0, 29)), full) == ((1, 0), (2, 0), (1, -1))
    assert pm._fov_faces((slice(1, 9), slice(1, 19), slice(1, 29)), full) == ()


def test_the_border_mask_marks_the_crop_faces_on_the_array_edge():
    """Crop (3, 5, 6) of a (10, 20, 30) array: it starts at the array's first index along z, ends at its
    last along x, and neither along y (starts at 1): the mask is the first z layer and the last x layer."""
    shape, full = (3, 5, 6), (10, 20, 30)
    mask = pm._border_mask(shape, (slice(0, 3), slice(1, 6), slice(24, 30)), full)
    expected = np.zeros(shape, bool)
    expected[0] = True
    expected[:, :, -1] = True
    np.testing.assert_array_equal(mask, expected)
    mask = pm._border_mask(shape, (slice(7, 10), slice(0, 5), slice(1, 7)), full)
    expected = np.zeros(shape, bool)
    expected[-1] = True
    expected[:, 0] = True
    np.testing.assert_array_equal(mask, expected)
    assert not pm._border_mask(shape, (slice(1, 4), slice(1, 6), slice(1, 7)), full).any()


# --------------------------------------------------------------------------------------------------------------
# Bulge: a sphere pushed out or dented over the placenta

SPHERE_SPACING = np.array([1.25, 1.0, 0.8])         # z, y, x mm
RADIUS_MM, WALL_MM = 24.0, 4.0


def _sphere(change_mm: float, cone_deg: float = 30.0, placenta_deg: float = 40.0) -> tuple[np.ndarray, np.ndarray]:
    """A spherical uterus (outer radius 24 mm, 4 mm wall) on anisotropic voxels whose serosa within
    ``cone_deg`` of the +z pole lies at 24 + ``change_mm`` (pushed out or dented), and a placenta lining
    the cavity within ``placenta_deg`` of that pole; returns (uterus with the cavity filled, placenta)."""
    shape = np.ceil((2 * RADIUS_MM + 20.0) / SPHERE_SPACING).astype(int)
    mm = np.indices(shape) * SPHERE_SPACING[:, None, None, None]
    centre = shape * SPHERE_SPACING / 2.0
    offset = mm - centre[:, None, None, None]
    radius = np.sqrt((offset ** 2).sum(axis=0))
    polar = np.degrees(np.arccos(np.clip(offset[0] / np.maximum(radius, 1e-9), -1.0, 1.0)))
    outer = np.where(polar < cone_deg, RADIUS_MM + change_mm, RADIUS_MM)
    uterus = radius <= outer
    placenta = (radius <= RADIUS_MM - WALL_MM) & (radius > RADIUS_MM - WALL_MM - 6.0) & (polar < placenta_deg)
    return uterus, placenta


@pytest.mark.parametrize("push_mm", [3.0, 6.0])
def test_the_bulge_is_how_far_the_serosa_over_the_placenta_is_pushed_out(push_mm):
    """The serosa over the placenta pushed out by 3 or 6 mm reads that bulge within one voxel (the rest of
    the serosa is the 24 mm sphere)."""
    uterus, placenta = _sphere(push_mm)
    depth, note = pm._bulge_depth_mm(uterus, placenta, np.zeros_like(uterus), SPHERE_SPACING)
    assert note is None
    assert depth == pytest.approx(push_mm, abs=float(SPHERE_SPACING.max()))


def test_a_serosa_dented_inside_the_fitted_ellipsoid_reads_no_bulge():
    """Dented by 3 mm within 55° of the pole, over a placenta within 8° of it: all the serosa within 15 mm
    of the placenta is dented (the dent's rim at 55° is 17 mm from the placenta's edge) and lies inside the
    sphere fitted to the rest, so the bulge is 0, not negative and not any positive floor."""
    uterus, placenta = _sphere(-3.0, cone_deg=55.0, placenta_deg=8.0)
    depth, note = pm._bulge_depth_mm(uterus, placenta, np.zeros_like(uterus), SPHERE_SPACING)
    assert note is None and depth == 0.0


def test_serosa_on_the_field_of_view_border_is_ignored():
    """The pushed-out sphere with its pushed-out top marked as lying on the image border: that serosa is
    ignored, the rest over the bed is the sphere, so the bulge drops to about 0."""
    uterus, placenta = _sphere(6.0)
    mm_z = np.indices(uterus.shape)[0] * SPHERE_SPACING[0]
    centre_z = uterus.shape[0] * SPHERE_SPACING[0] / 2.0
    border = mm_z > centre_z + RADIUS_MM * np.cos(np.radians(32.0))
    depth, _ = pm._bulge_depth_mm(uterus, placenta, border, SPHERE_SPACING)
    assert depth == pytest.approx(0.0, abs=float(SPHERE_SPACING.max()))


@pytest.mark.parametrize("gap_voxels, over_bed", [(29, True), (31, False)])
def test_the_bed_reach_is_15_mm(gap_voxels, over_bed):
    """A box uterus on 0.5 mm slices around a box placenta whose faces lie 14.5 or 15.5 mm (29 or 31 slices)
    from the serosa along z and 20 mm along y and x: at 15.5 mm no serosa lies within the 15 mm reach of
    the placenta (not assessed, that note); at 14.5 mm some does, and the bulge goes on to be assessed."""
    spacing = np.array([0.5, 1.0, 1.0])
    uterus = np.zeros((100, 60, 60), bool)
    uterus[5:95, 5:55, 5:55] = True
    placenta = np.zeros_like(uterus)
    placenta[5 + gap_voxels:95 - gap_voxels, 25:35, 25:35] = True
    depth, note = pm._bulge_depth_mm(uterus, placenta, np.zeros_like(uterus), spacing)
    if over_bed:
        assert note != pm.NO_SEROSA_OVER_BED
    else:
        assert depth is None and note == pm.NO_SEROSA_OVER_BED
