"""Held-out phantom primitives: closed-form volumes, smooth unions, swept sections and exact culling."""

import numpy as np
import pytest

import gynai.heldout.painting as painting_module
from gynai.heldout.acquisition import build_acquisition
from gynai.heldout.api import build_scene, streams
from gynai.heldout.frames import rotation_matrix
from gynai.heldout.painting import paint_points
from gynai.heldout.scene import Scene, ShapePart
from gynai.heldout.shapes import Superellipsoid, Tube, smooth_min
from gynai.heldout.sweep import Centerline, SweptSection
from gynai.heldout.voxelize import sample_acquisition


def grid_volume_ml(shape, spacing_mm=0.5):
    lo, hi = shape.bounds
    axes = [np.arange(lo[c] + spacing_mm / 2, hi[c], spacing_mm, dtype=np.float32) for c in range(3)]
    x, y, z = np.meshgrid(*axes, indexing="ij")
    return float(np.count_nonzero(shape.sdf(x, y, z) <= 0)) * spacing_mm ** 3 / 1000.0


@pytest.mark.parametrize("e1,e2", [(1.0, 1.0), (2 / 3, 2 / 3), (0.5, 1.0), (2 / 3, 1.0), (1 / 3, 1 / 3), (0.8, 0.9)])
def test_superellipsoid_volume_matches_closed_form(e1, e2):
    shape = Superellipsoid(np.array([3.0, -2.0, 5.0]), (12.0, 20.0, 9.0), e1, e2, rotation_matrix((1, 2, 3), 35))
    analytic = shape.volume_mm3 / 1000.0
    assert grid_volume_ml(shape) == pytest.approx(analytic, rel=0.015)


def test_sphere_closed_form_is_the_textbook_value():
    assert Superellipsoid(np.zeros(3), (10.0, 10.0, 10.0)).volume_mm3 == pytest.approx(4 / 3 * np.pi * 1000)
    assert Superellipsoid(np.zeros(3), (1.0, 2.0, 3.0), 1e-3, 1e-3).volume_mm3 == pytest.approx(48.0, rel=0.01)


def one_shape_scene(shape):
    scene = Scene("uterus-fibroid")
    scene.add(ShapePart("probe", shape, scene.materials.index("myometrium"), 1))
    return scene


@pytest.mark.parametrize("plane,thickness", [("axial", 3.0), ("sagittal", 5.0), ("coronal", 4.0)])
def test_voxel_count_of_a_superellipsoid_matches_its_volume(plane, thickness):
    shape = Superellipsoid(np.array([5.0, -10.0, 30.0]), (30.0, 22.0, 26.0), 2 / 3, 1.0,
                           rotation_matrix((0, 1, 1), 20))
    acq = build_acquisition(plane, rotation_matrix((1, 0, 0), 7), 7.0, np.array([5.0, -10.0, 30.0]),
                            (90.0, 90.0), (0.9, 0.9), int(90 / thickness), thickness, 0.0, 1.0, 5)
    _, labels = sample_acquisition(one_shape_scene(shape), acq)
    voxel_ml = acq.geometry.voxel_volume_mm3 / 1000.0
    assert np.count_nonzero(labels == 1) * voxel_ml == pytest.approx(shape.volume_mm3 / 1000.0, rel=0.03)


def test_smooth_min_blends_only_near_the_crossing():
    a = np.linspace(-10, 10, 201, dtype=np.float32)
    b = np.zeros_like(a)
    blended = smooth_min(a, b, 4.0)
    assert np.all(blended <= np.minimum(a, b) + 1e-6)
    far = np.abs(a - b) >= 4.0
    assert np.allclose(blended[far], np.minimum(a, b)[far])
    assert blended[100] == pytest.approx(-1.0)
    assert np.array_equal(smooth_min(a, b, 0.0), np.minimum(a, b))


def test_capsule_volume():
    tube = Tube(np.array([[0.0, 0.0, 0.0], [10.0, 20.0, 30.0]]), np.array([6.0, 6.0]))
    length = np.linalg.norm([10.0, 20.0, 30.0])
    expected = (np.pi * 36 * length + 4 / 3 * np.pi * 216) / 1000.0
    assert grid_volume_ml(tube, 0.4) == pytest.approx(expected, rel=0.015)


def test_straight_swept_section_volume_with_domed_ends():
    length, a, b, caps = 60.0, 14.0, 9.0, (5.0, 11.0)
    line = Centerline(np.array([[0.0, 0.0, 0.0], [0.0, 0.0, length / 2], [0.0, 0.0, length]]))
    section = SweptSection(line, np.array([0.0, length]), [a, a], [b, b], (0.0, length), caps)
    expected = (np.pi * a * b * length + 2 / 3 * np.pi * a * b * sum(caps)) / 1000.0
    assert grid_volume_ml(section, 0.5) == pytest.approx(expected, rel=0.02)


def test_swept_section_follows_a_bent_centre_line():
    points = np.array([[0, 0, 0], [0, 0, 20], [0, -10, 38], [0, -30, 50]], float)
    section = SweptSection(Centerline(points), np.array([0.0, 80.0]), [10, 10], [6, 6], (0.0, 75.0), (3, 3))
    mid = (points[1:] + points[:-1]) / 2
    inside = section.sdf(*(mid[:, c].astype(np.float32) for c in range(3)))
    assert np.all(inside < -5.0)
    lateral = mid + np.array([13.0, 0.0, 0.0])
    assert np.all(section.sdf(*(lateral[:, c].astype(np.float32) for c in range(3))) > 0)


def test_tube_painted_in_pieces_equals_the_whole_tube():
    rng = np.random.default_rng(3)
    path = np.cumsum(rng.normal(0, 15, (6, 3)), axis=0)
    tube = Tube(path, rng.uniform(3, 8, 6))
    split, whole = Scene("uterus-fibroid"), Scene("uterus-fibroid")
    split.add_shape("tube", tube, "myometrium", 1)
    whole.add(ShapePart("tube", tube, whole.materials.index("myometrium"), 1))
    assert len(split.parts) == 5 and len(whole.parts) == 1
    points = rng.uniform(path.min(axis=0) - 10, path.max(axis=0) + 10, (40000, 3))
    assert np.array_equal(paint_points(split, points)[1], paint_points(whole, points)[1])


def test_block_culling_never_changes_the_painted_phantom(monkeypatch):
    rng = streams("uterus-fibroid", 4)[0]
    scene = build_scene("uterus-fibroid", rng)
    center = scene.body_to_lps(scene.target_center_mm[None, :])[0]
    acq = build_acquisition("coronal", rotation_matrix((1, 0, 0), 20), 20.0, center, (120.0, 110.0), (1.2, 1.2),
                            14, 4.0, 0.5, -1.0, 3)
    culled = sample_acquisition(scene, acq)

    def paint_everything(scene, x, y, z, mat, lab, terms=None):
        for part in scene.parts:
            part.paint(x, y, z, mat, lab)

    monkeypatch.setattr(painting_module, "paint_block", paint_everything)
    monkeypatch.setattr(Tube, "exact_mm", 1e9, raising=False)
    for part in scene.parts:
        shape = getattr(part, "shape", None)
        if isinstance(shape, Tube):
            monkeypatch.setattr(shape, "exact_mm", 1e9)
    brute = sample_acquisition(scene, acq)
    assert np.array_equal(culled[0], brute[0])
    assert np.array_equal(culled[1], brute[1])
    assert len(np.unique(culled[1])) >= 3
