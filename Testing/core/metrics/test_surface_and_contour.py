"""Stair-step corrected boundary area and the ellipsoid fit of an organ contour, against exact geometry."""

import numpy as np
import pytest

from gynai.metrics.contour import FittedEllipsoid, describes, fit_ellipsoid
from gynai.metrics.surface import boundary_area_mm2


def _grid(shape, spacing_zyx):
    axes = [np.arange(n) * s for n, s in zip(shape, spacing_zyx)]
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)


@pytest.mark.parametrize("spacing_zyx", [(1.0, 1.0, 1.0), (2.5, 0.8, 0.8)])
def test_sphere_area_within_three_percent(spacing_zyx):
    spacing = np.array(spacing_zyx)
    points = _grid((int(70 / spacing[0]), int(70 / spacing[1]), int(70 / spacing[2])), spacing)
    sphere = np.linalg.norm(points - 35.0, axis=-1) <= 25.0
    area = boundary_area_mm2(sphere, ~sphere, spacing).sum()
    assert area == pytest.approx(4 * np.pi * 25.0 ** 2, rel=0.03)
    naive_faces = sum((np.diff(sphere.astype(np.int8), axis=a) != 0).sum() * np.prod(np.delete(spacing, a))
                      for a in range(3))
    assert naive_faces > 1.3 * area          # the uncorrected face count is well off


def test_oblique_plane_patch_area():
    spacing = np.array([1.0, 1.0, 1.0])
    points = _grid((60, 60, 60), spacing)
    normal = np.array([2.0, 1.0, 1.0]) / np.sqrt(6.0)
    below = points @ normal < np.full(3, 30.0) @ normal          # through the grid centre
    yx = points[..., 1:]
    window = np.all((yx >= 20) & (yx < 40), axis=-1)             # 20 × 20 voxel columns in y, x
    area = boundary_area_mm2(below, ~below, spacing)[window].sum()
    # the plane over a 20 × 20 mm square of (y, x) has area 400 / |n_z|
    assert area == pytest.approx(400.0 / normal[0], rel=0.05)


def test_ellipsoid_fit_recovers_a_rotated_ellipsoid_and_ignores_a_bulge():
    rng = np.random.default_rng(0)
    directions = rng.normal(size=(3000, 3))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    radii = np.array([60.0, 50.0, 80.0])
    rotation, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    local = directions / np.sqrt(((directions / radii) ** 2).sum(axis=1, keepdims=True))
    centre = np.array([10.0, -20.0, 5.0])
    points = local @ rotation.T + centre + rng.normal(0, 0.3, (3000, 3))
    outliers = points[:200] + 8.0 * (points[:200] - centre) / np.linalg.norm(points[:200] - centre, axis=1)[:, None]
    fitted = fit_ellipsoid(np.vstack([outliers, points[200:]]))
    assert fitted is not None
    assert np.allclose(fitted.centre, centre, atol=0.5)
    assert np.sort(1 / np.sqrt(np.linalg.eigvalsh(fitted.matrix))) == pytest.approx(np.sort(radii), abs=0.7)
    assert fitted.radial_excess_mm(outliers) == pytest.approx(np.full(200, 8.0), abs=1.0)


def test_fit_refuses_too_few_or_non_ellipsoidal_points():
    assert fit_ellipsoid(np.zeros((10, 3))) is None
    x, y = np.meshgrid(np.linspace(-1, 1, 20), np.linspace(-1, 1, 20))
    saddle = np.stack([x.ravel(), y.ravel(), (x * x - y * y).ravel()], axis=1) * 30
    assert fit_ellipsoid(saddle) is None


def test_the_solid_ellipsoid_has_its_analytic_volume_on_an_anisotropic_grid():
    """Semi-axes 20, 30, 40 mm along z, y, x centred at (40, 45, 50) mm: 4/3 π abc = 100.53 mL, counted on
    a 2 × 1 × 1 mm grid within 1 %."""
    fitted = FittedEllipsoid(np.array([40.0, 45.0, 50.0]), np.diag(1.0 / np.array([20.0, 30.0, 40.0]) ** 2))
    inside = fitted.inside((41, 91, 101), np.array([2.0, 1.0, 1.0]))
    assert inside.shape == (41, 91, 101)
    assert inside.sum() * 2.0 / 1000.0 == pytest.approx(4 / 3 * np.pi * 20 * 30 * 40 / 1000.0, rel=0.01)
    assert inside[20, 45, 50] and inside[20, 45, 89] and not inside[20, 45, 91] and not inside[31, 45, 50]


def test_a_fit_describes_the_organ_only_when_the_solid_overlaps_it():
    """A ball of radius 30 mm: its own sphere describes it (Dice 1); a sphere of radius 19 mm (Dice
    2·19³/(19³ + 30³) = 0.41) or one shifted by 12 mm (Dice 0.70) does not (threshold 0.8); a ball cut by
    the field of view is compared only with the part of the sphere in view."""
    spacing = np.array([1.0, 1.0, 1.0])
    kk, jj, ii = np.indices((70, 70, 70))
    ball = (kk - 35) ** 2 + (jj - 35) ** 2 + (ii - 35) ** 2 <= 30 ** 2
    centre = np.array([35.0, 35.0, 35.0])
    assert describes(FittedEllipsoid(centre, np.eye(3) / 30 ** 2), ball, spacing)
    assert not describes(FittedEllipsoid(centre, np.eye(3) / 19 ** 2), ball, spacing)
    assert not describes(FittedEllipsoid(centre + [0, 0, 12], np.eye(3) / 30 ** 2), ball, spacing)
    assert describes(FittedEllipsoid(centre + [0, 0, 3], np.eye(3) / 30 ** 2), ball, spacing)
    cut = ball[:40]
    assert describes(FittedEllipsoid(centre, np.eye(3) / 30 ** 2), cut, spacing)
