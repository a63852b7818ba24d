"""Fast morphology and voxel k-d trees give exactly what the generic SciPy versions give."""

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

from gynai.metrics.grid_tree import grid_tree
from gynai.metrics.morphology import boundary_6


def test_boundary_6_equals_erosion_complement_including_the_array_border():
    rng = np.random.default_rng(3)
    for shape in [(7, 9, 11), (1, 5, 5), (12, 3, 8)]:
        for threshold in (0.5, 0.2):
            mask = ndimage.gaussian_filter(rng.random(shape), 1.0) > threshold
            mask[0, 0, :] = True                                  # touches the border
            expected = mask & ~ndimage.binary_erosion(mask)        # 6-neighbourhood, border_value=0
            assert np.array_equal(boundary_6(mask), expected)
    full = np.ones((4, 4, 4), bool)
    assert boundary_6(full).sum() == 64 - 8                        # only the 2×2×2 core is interior


def test_grid_tree_distances_equal_the_default_tree_on_lattice_points():
    rng = np.random.default_rng(5)
    spacing = np.array([2.0, 0.7, 0.7])
    targets = np.argwhere(rng.random((20, 30, 30)) < 0.05) * spacing
    queries = np.argwhere(rng.random((20, 30, 30)) < 0.02) * spacing
    fast, _ = grid_tree(targets).query(queries, distance_upper_bound=1.5)
    default, _ = cKDTree(targets).query(queries, distance_upper_bound=1.5)
    assert np.array_equal(fast, default) and np.isfinite(fast).any() and np.isinf(fast).any()


def test_dilate_cube_and_inside_distance_equal_scipy():
    from gynai.metrics.morphology import dilate_cube, inside_distance_mm

    rng = np.random.default_rng(11)
    spacing = np.array([2.5, 0.45, 0.6])
    for threshold in (0.55, 0.45):
        mask = ndimage.gaussian_filter(rng.random((14, 40, 33)), 1.5) > threshold
        mask[:, 0, :3] = True                                              # touches the border
        assert np.array_equal(dilate_cube(mask), ndimage.binary_dilation(mask, np.ones((3, 3, 3), bool)))
        expected = ndimage.distance_transform_edt(mask, sampling=spacing)
        assert np.allclose(inside_distance_mm(mask, spacing), expected, rtol=1e-5, atol=1e-4)
    full = np.ones((3, 4, 5), bool)
    assert np.array_equal(inside_distance_mm(full, spacing), ndimage.distance_transform_edt(full, sampling=spacing))
