"""Shape metrics against analytic truth: boxes (exact), spheres and ellipsoids (within one voxel), oblique grids."""

import math

import numpy as np
import pytest

from gynai.image import Geometry
from gynai.metrics.shape import bounding_slices, max_feret_diameter_mm, shape_metrics
from gynai.phantom.shapes import rotation_matrix

OBLIQUE = tuple(rotation_matrix(np.array([1.0, 2.0, 3.0]), np.radians(35)).reshape(-1))


def test_box_is_exact():
    spacing = (0.5, 0.8, 2.0)
    mask = np.zeros((20, 40, 50), bool)
    mask[3:13, 5:30, 10:40] = True                       # 30 x 25 x 10 voxels (i, j, k)
    metrics = shape_metrics(mask, Geometry(spacing, (10.0, -5.0, 3.0)))
    assert metrics["voxel_count"] == 7500
    assert metrics["volume_ml"] == pytest.approx(7500 * 0.8 / 1000)
    assert metrics["obb_diameters_mm"] == pytest.approx([20.0, 20.0, 15.0])   # 10*2, 25*0.8, 30*0.5
    # π/6 × the principal diameters: for n voxel centres of spacing s per edge, 2·√(5·s²(n² − 1)/12)
    principal = [2 * math.sqrt(5 * s * s * (n * n - 1) / 12) for s, n in ((2.0, 10), (0.8, 25), (0.5, 30))]
    assert metrics["ellipsoid_volume_ml"] == pytest.approx(math.pi / 6 * math.prod(principal) / 1000)
    assert metrics["max_feret_diameter_mm"] == pytest.approx(math.sqrt((29 * .5) ** 2 + (24 * .8) ** 2 + (9 * 2.) ** 2))
    assert metrics["centroid_lps_mm"] == pytest.approx([10 + 24.5 * .5, -5 + 17 * .8, 3 + 7.5 * 2])
    # true surface 2*(15*20 + 15*20 + 20*20) = 2000 mm2; ITK's estimator (as Segment Statistics) is made for
    # smooth shapes and gives about π/4 of it for faces lying in the grid planes (documented limit)
    assert 0.75 * 2000.0 <= metrics["surface_area_mm2"] <= 0.85 * 2000.0


def _ellipsoid(semi_axes_mm, spacing, shape, rotation=np.eye(3)):
    kk, jj, ii = np.indices(shape, dtype=float)
    centre = (np.array(shape[::-1]) - 1) / 2.0
    points = np.stack([(ii - centre[0]) * spacing[0], (jj - centre[1]) * spacing[1], (kk - centre[2]) * spacing[2]], -1)
    local = points @ rotation
    return ((local / np.array(semi_axes_mm)) ** 2).sum(-1) <= 1.0


def test_sphere_within_one_voxel():
    spacing = (0.5, 0.5, 0.5)
    mask = _ellipsoid((15.0, 15.0, 15.0), spacing, (70, 70, 70))
    metrics = shape_metrics(mask, Geometry(spacing))
    assert metrics["volume_ml"] == pytest.approx(4 / 3 * math.pi * 15 ** 3 / 1000, rel=0.01)
    for diameter in metrics["obb_diameters_mm"]:
        assert abs(diameter - 30.0) <= 0.5 + 1e-9
    assert abs(metrics["max_feret_diameter_mm"] - 30.0) <= 0.5
    assert metrics["surface_area_mm2"] == pytest.approx(4 * math.pi * 15 ** 2, rel=0.03)


def test_ellipsoid_diameters_volume_and_axes():
    spacing = (0.5, 0.5, 1.0)
    mask = _ellipsoid((30.0, 20.0, 10.0), spacing, (26, 90, 130))
    metrics = shape_metrics(mask, Geometry(spacing))
    for got, expected in zip(metrics["obb_diameters_mm"], (60.0, 40.0, 20.0)):
        assert abs(got - expected) <= 1.0
    assert metrics["ellipsoid_volume_ml"] == pytest.approx(4 / 3 * math.pi * 30 * 20 * 10 / 1000, rel=0.05)
    assert metrics["volume_ml"] == pytest.approx(4 / 3 * math.pi * 30 * 20 * 10 / 1000, rel=0.01)
    assert abs(metrics["obb_axes_lps"][0][0]) == pytest.approx(1.0, abs=1e-6)   # long axis along x
    assert abs(metrics["obb_axes_lps"][2][2]) == pytest.approx(1.0, abs=1e-6)   # short axis along z


def test_metrics_do_not_depend_on_grid_orientation():
    spacing = (0.7, 1.1, 2.3)
    mask = _ellipsoid((25.0, 12.0, 9.0), spacing, (14, 30, 80), rotation_matrix(np.array([0, 0, 1.0]), 0.4))
    straight = shape_metrics(mask, Geometry(spacing, (1.0, 2.0, 3.0)))
    oblique_geometry = Geometry(spacing, (1.0, 2.0, 3.0), OBLIQUE)
    oblique = shape_metrics(mask, oblique_geometry)
    for key in ("volume_ml", "ellipsoid_volume_ml", "max_feret_diameter_mm", "surface_area_mm2"):
        assert oblique[key] == pytest.approx(straight[key], rel=1e-9)
    assert oblique["obb_diameters_mm"] == pytest.approx(straight["obb_diameters_mm"], rel=1e-9)
    rotation = oblique_geometry.direction_matrix
    expected = rotation @ (np.array(straight["centroid_lps_mm"]) - [1, 2, 3]) + [1, 2, 3]
    assert oblique["centroid_lps_mm"] == pytest.approx(expected.tolist(), abs=1e-6)


def test_feret_of_two_separate_voxels_and_single_voxel():
    mask = np.zeros((5, 10, 10), bool)
    mask[0, 0, 0] = mask[4, 9, 9] = True
    geometry = Geometry((1.0, 2.0, 3.0))
    assert max_feret_diameter_mm(mask, geometry) == pytest.approx(math.sqrt(9 ** 2 + 18 ** 2 + 12 ** 2))
    single = np.zeros((3, 3, 3), bool)
    single[1, 1, 1] = True
    metrics = shape_metrics(single, geometry)
    assert metrics["max_feret_diameter_mm"] == 0.0 and metrics["voxel_count"] == 1


def test_empty_mask_and_bounding_slices():
    assert bounding_slices(np.zeros((3, 4, 5), bool)) is None
    metrics = shape_metrics(np.zeros((3, 4, 5), bool), Geometry())
    assert not metrics["present"] and metrics["obb_diameters_mm"] is None and metrics["ellipsoid_volume_ml"] == 0.0
    mask = np.zeros((6, 6, 6), bool)
    mask[2:4, 0:2, 5] = True
    assert bounding_slices(mask) == (slice(1, 5), slice(0, 3), slice(4, 6))


@pytest.mark.parametrize("hull_first", [False, True])
def test_max_feret_diameter_equals_brute_force(hull_first, monkeypatch):
    """The pruned search gives exactly the largest voxel-centre distance, for blobs, shells and a ball
    (where the bound prunes little), on an oblique anisotropic grid; with the hull path forced too."""
    from scipy import ndimage
    from scipy.spatial.distance import pdist

    from gynai.image import Geometry
    from gynai.metrics import shape

    if hull_first:
        monkeypatch.setattr(shape, "MAX_PAIR_CANDIDATES", 0)
    rng = np.random.default_rng(7)
    direction = np.linalg.qr(rng.normal(size=(3, 3)))[0]
    geometry = Geometry((0.7, 1.1, 2.3), (5.0, -3.0, 12.0), tuple(direction.reshape(-1)))
    k, j, i = np.indices((18, 22, 26))
    ball = (k - 9) ** 2 + (j - 11) ** 2 + (i - 13) ** 2 <= 64
    masks = [ball, ball & ~ndimage.binary_erosion(ball, iterations=2)]
    for _ in range(4):
        masks.append(ndimage.binary_opening(ndimage.gaussian_filter(rng.random((18, 22, 26)), 2.0) > 0.52))
    for mask in masks:
        assert mask.any()
        centres = geometry.index_to_lps(np.argwhere(mask)[:, ::-1].astype(float))
        assert shape.max_feret_diameter_mm(mask, geometry) == pytest.approx(float(pdist(centres).max()), rel=1e-12)


def test_diameter_of_a_large_flat_structure_whose_hull_cannot_be_built():
    """A one-slice disk of radius 2000 voxels (0.1 mm) with shallow notches at the 13 probe directions' in-plane
    angles (0°, 45°, 90°, 135°): the distance bound keeps ~7000 rim points, too many to compare pairwise, and
    their convex hull cannot be built (all coplanar), so they are compared as they are. Truth: no two points of
    the disk are farther apart than 2R, and (±1200, ±1600) voxels, both on the rim and outside the notches,
    are exactly 2R = 400 mm apart."""
    radius = 2000
    offsets = np.arange(-radius, radius + 1, dtype=np.int32)
    jj, ii = offsets[:, None], offsets[None, :]
    squared = jj * jj + ii * ii
    angle = np.degrees(np.arctan2(jj, ii).astype(np.float32)) % 45.0
    notch = (np.minimum(angle, 45.0 - angle) < 3.0) & (squared > (radius - 50) ** 2)
    mask = ((squared <= radius * radius) & ~notch)[None]
    assert mask[0, radius + 1600, radius + 1200] and mask[0, radius - 1600, radius - 1200]
    assert max_feret_diameter_mm(mask, Geometry((0.1, 0.1, 1.0))) == pytest.approx(400.0, abs=1e-9)


def test_a_one_voxel_thick_plate_has_no_thickness_and_one_voxel_is_present():
    """Second moments of n voxel centres 1 mm apart: variance (n² − 1)/12, so a 10 × 6 plate one voxel thick
    has principal diameters 2·√(5·99/12), 2·√(5·35/12) and exactly 0 (no variance across it); a single voxel
    is present, with all three diameters 0 and an ellipsoid volume of 0."""
    plate = np.zeros((3, 8, 12), bool)
    plate[1, 1:7, 1:11] = True
    metrics = shape_metrics(plate, Geometry())
    assert metrics["principal_diameters_mm"] == pytest.approx([2 * math.sqrt(5 * 99 / 12),
                                                                2 * math.sqrt(5 * 35 / 12), 0.0])
    axes = np.abs(np.array(metrics["principal_axes_lps"]))                # longest first: along i, j, then k
    assert axes == pytest.approx(np.eye(3))
    single = np.zeros((3, 3, 3), bool)
    single[1, 1, 1] = True
    metrics = shape_metrics(single, Geometry())
    assert metrics["present"] is True and metrics["volume_ml"] == pytest.approx(0.001)
    assert metrics["principal_diameters_mm"] == [0.0, 0.0, 0.0] and metrics["ellipsoid_volume_ml"] == 0.0


def test_an_empty_mask_has_every_figure_and_none_of_them_measured():
    metrics = shape_metrics(np.zeros((3, 4, 5), bool), Geometry())
    assert metrics == {"present": False, "voxel_count": 0, "volume_ml": 0.0, "centroid_lps_mm": None,
                       "obb_diameters_mm": None, "obb_axes_lps": None, "principal_diameters_mm": None,
                       "principal_axes_lps": None, "ellipsoid_volume_ml": 0.0, "max_feret_diameter_mm": None,
                       "surface_area_mm2": None}
