"""Property-based tests (hypothesis) of geometry invariants: the same physical object stored with permuted
or flipped axes, or on a rotated (oblique) grid, has the same volume and diameters; LPS⇄RAS and
index⇄LPS round trips are exact; ``.seg.nrrd`` write-read is the identity for any label layout.

The examples are derandomised (the same ones on every run) so that CI cannot fail by chance; a failing
example is printed by hypothesis and can be added as a plain test.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from gynai.image import Geometry, LabelImage
from gynai.io.segnrrd import read_seg_nrrd, write_seg_nrrd
from gynai.metrics.shape import shape_metrics
from gynai.tasks import get_task

PROPERTY = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

spacings = st.tuples(*[st.floats(0.4, 5.0, allow_nan=False) for _ in range(3)])
origins = st.tuples(*[st.floats(-300.0, 300.0, allow_nan=False) for _ in range(3)])
rotations = st.tuples(*[st.floats(-1.0, 1.0, allow_nan=False) for _ in range(4)]).filter(
    lambda q: np.linalg.norm(q) > 0.1).map(lambda q: Rotation.from_quat(q).as_matrix())


@st.composite
def masks(draw) -> np.ndarray:
    """A non-empty mask [k, j, i] of up to 14 × 16 × 18 voxels: the union of one to three boxes."""
    shape = (draw(st.integers(3, 14)), draw(st.integers(3, 16)), draw(st.integers(3, 18)))
    mask = np.zeros(shape, bool)
    for _ in range(draw(st.integers(1, 3))):
        low = [draw(st.integers(0, n - 1)) for n in shape]
        high = [draw(st.integers(lo + 1, n)) for lo, n in zip(low, shape)]
        mask[tuple(slice(lo, hi) for lo, hi in zip(low, high))] = True
    return mask


def geometry_of(matrix: np.ndarray) -> Geometry:
    """A Geometry from a 4x4 IJK-to-LPS matrix with orthogonal columns."""
    spacing = np.linalg.norm(matrix[:3, :3], axis=0)
    return Geometry(tuple(spacing), tuple(matrix[:3, 3]), tuple((matrix[:3, :3] / spacing).reshape(-1)))


def restored(mask: np.ndarray, geometry: Geometry, order: tuple[int, int, int], flips: tuple[bool, bool, bool]):
    """The same voxels stored with axes reordered (``order`` of i, j, k) and flipped, on the geometry that
    puts every voxel at the same LPS position."""
    ijk = mask.transpose(2, 1, 0).transpose(order)
    new_to_old = np.zeros((4, 4))
    new_to_old[3, 3] = 1.0
    for axis, (old_axis, flip) in enumerate(zip(order, flips)):
        if flip:
            ijk = np.flip(ijk, axis=axis)
            new_to_old[old_axis, axis], new_to_old[old_axis, 3] = -1.0, ijk.shape[axis] - 1
        else:
            new_to_old[old_axis, axis] = 1.0
    return np.ascontiguousarray(ijk.transpose(2, 1, 0)), geometry_of(geometry.ijk_to_lps() @ new_to_old)


def _same_shape_metrics(first: dict, second: dict) -> None:
    assert second["voxel_count"] == first["voxel_count"]
    assert second["volume_ml"] == pytest.approx(first["volume_ml"], rel=1e-9)
    assert second["max_feret_diameter_mm"] == pytest.approx(first["max_feret_diameter_mm"], rel=1e-9, abs=1e-9)
    assert second["principal_diameters_mm"] == pytest.approx(first["principal_diameters_mm"], rel=1e-6, abs=1e-6)
    assert second["centroid_lps_mm"] == pytest.approx(first["centroid_lps_mm"], abs=1e-6)
    if first["ellipsoid_volume_ml"] is not None:
        assert second["ellipsoid_volume_ml"] == pytest.approx(first["ellipsoid_volume_ml"], rel=1e-6, abs=1e-6)


@PROPERTY
@given(mask=masks(), spacing=spacings, origin=origins, order=st.permutations([0, 1, 2]),
       flips=st.tuples(st.booleans(), st.booleans(), st.booleans()))
def test_volume_and_diameters_do_not_depend_on_how_the_axes_are_stored(mask, spacing, origin, order, flips):
    geometry = Geometry(spacing, origin)
    stored, stored_geometry = restored(mask, geometry, tuple(order), flips)
    _same_shape_metrics(shape_metrics(mask, geometry), shape_metrics(stored, stored_geometry))


@PROPERTY
@given(mask=masks(), spacing=spacings, origin=origins, rotation=rotations)
def test_volume_and_diameters_do_not_change_on_an_oblique_grid(mask, spacing, origin, rotation):
    """Rotating the whole grid (an oblique acquisition of the same object, turned with it) keeps every
    distance: volume, Feret and principal diameters stay; the centroid turns with the grid."""
    upright = Geometry(spacing, origin)
    oblique = Geometry(spacing, tuple(rotation @ np.asarray(origin)), tuple(rotation.reshape(-1)))
    first, second = shape_metrics(mask, upright), shape_metrics(mask, oblique)
    first["centroid_lps_mm"] = list(rotation @ np.asarray(first["centroid_lps_mm"]))
    _same_shape_metrics(first, second)


@PROPERTY
@given(spacing=spacings, origin=origins, rotation=rotations,
       points=st.lists(st.tuples(*[st.floats(-50, 50, allow_nan=False) for _ in range(3)]), min_size=1, max_size=5))
def test_lps_ras_and_index_round_trips(spacing, origin, rotation, points):
    geometry = Geometry(spacing, origin, tuple(rotation.reshape(-1)))
    assert Geometry.from_ijk_to_ras(geometry.ijk_to_ras()).allclose(geometry, tol_mm=1e-6)
    ras = geometry.ijk_to_ras()
    lps = geometry.ijk_to_lps()
    assert np.allclose(ras[:2], -lps[:2]) and np.allclose(ras[2:], lps[2:])     # RAS = LPS with x, y negated
    ijk = np.asarray(points)
    assert np.allclose(geometry.lps_to_index(geometry.index_to_lps(ijk)), ijk, atol=1e-6)


@st.composite
def label_layouts(draw) -> np.ndarray:
    shape = (draw(st.integers(1, 6)), draw(st.integers(1, 7)), draw(st.integers(1, 8)))
    values = draw(st.lists(st.integers(0, 3), min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
    return np.asarray(values, np.uint8).reshape(shape)


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(labels=label_layouts(), spacing=spacings, origin=origins, rotation=rotations)
def test_seg_nrrd_write_read_is_the_identity(labels, spacing, origin, rotation):
    table = get_task("uterus-fibroid").labels
    image = LabelImage(labels, Geometry(spacing, origin, tuple(rotation.reshape(-1))), table)
    with tempfile.TemporaryDirectory() as folder:
        path = write_seg_nrrd(image, Path(folder) / "labels.seg.nrrd")
        back = read_seg_nrrd(path)
    assert np.array_equal(back.array, labels)
    assert back.geometry.allclose(image.geometry, tol_mm=1e-4)
    assert [(label.value, label.id) for label in back.labels] == [(label.value, label.id) for label in table]
