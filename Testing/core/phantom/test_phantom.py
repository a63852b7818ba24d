"""Phantom generator: labels against analytic shapes, FIGO placement, determinism, oblique grids."""

import numpy as np
import pytest

from gynai.phantom import FibroidSpec, PhantomConfig, generate, generate_placenta, generate_uterus_fibroid
from gynai.phantom.shapes import Ellipsoid
from gynai.tasks import get_task

FINE = PhantomConfig(spacing_mm=(1.0, 1.0, 1.0), size_xyz=(120, 120, 130), randomize=False, noise_fraction=0.0,
                     bias_strength=0.0, shift_mm=0.0)


def label_ml(case, value, mask=None):
    selected = case.labels.array == value if mask is None else mask
    return float(selected.sum()) * case.image.geometry.voxel_volume_mm3 / 1000.0


@pytest.fixture(scope="module")
def fine_case():
    return generate_uterus_fibroid(4, [FibroidSpec("3", 16.0), FibroidSpec("4", 14.0), FibroidSpec("6", 24.0)],
                                   FINE)


def test_fibroid_volumes_match_analytic_ellipsoids(fine_case):
    for fibroid in fine_case.truth["fibroids"]:
        measured = label_ml(fine_case, 3, fine_case.instances == fibroid["id"])
        assert measured == pytest.approx(fibroid["volume_ml"], rel=0.05)


def test_uterus_envelope_volume(fine_case):
    envelope = fine_case.truth["uterus_envelope"]
    shape = Ellipsoid(tuple(envelope["center_lps_mm"]), tuple(envelope["radii_mm"]), tuple(envelope["rotation"]))
    points = fine_case.image.geometry.index_to_lps(np.argwhere(fine_case.labels.array > 0)[:, ::-1])
    inside = shape.contains(points.astype(np.float32))
    # Voxels of the envelope itself: within 5 % of the analytic ellipsoid volume.
    assert float(inside.sum()) / 1000.0 == pytest.approx(envelope["volume_ml"], rel=0.05)


def _envelope(case):
    envelope = case.truth["uterus_envelope"]
    return Ellipsoid(tuple(envelope["center_lps_mm"]), tuple(envelope["radii_mm"]), tuple(envelope["rotation"]))


def _fraction_outside(case, fibroid_id):
    kji = np.argwhere(case.instances == fibroid_id)
    points = case.image.geometry.index_to_lps(kji[:, ::-1]).astype(np.float32)
    return float((~_envelope(case).contains(points)).mean())


def _touches(case, fibroid_id, value):
    from scipy import ndimage

    grown = ndimage.binary_dilation(case.instances == fibroid_id, iterations=1)
    return bool((grown & (case.labels.array == value)).any())


def test_figo_positions(fine_case):
    types = {f["figo_type"]: f["id"] for f in fine_case.truth["fibroids"]}
    assert _touches(fine_case, types["3"], 2) and _fraction_outside(fine_case, types["3"]) == 0.0
    assert not _touches(fine_case, types["4"], 2) and _fraction_outside(fine_case, types["4"]) == 0.0
    assert _fraction_outside(fine_case, types["6"]) > 0.5


def test_labels_are_the_task_table_and_intensities_are_ordered(fine_case):
    assert fine_case.labels.labels == get_task("uterus-fibroid").labels
    image, labels = fine_case.image.array, fine_case.labels.array
    means = [float(image[labels == value].mean()) for value in (3, 1, 2)]
    assert means[0] < means[1] < means[2]


def test_determinism_per_seed():
    small = PhantomConfig(size_xyz=(64, 64, 12), spacing_mm=(3.0, 3.0, 5.0))
    a, b, c = (generate("uterus-fibroid", seed, small) for seed in (1, 1, 2))
    assert np.array_equal(a.image.array, b.image.array) and np.array_equal(a.labels.array, b.labels.array)
    assert not np.array_equal(a.image.array, c.image.array)


def test_oblique_grid_gives_same_physical_volume():
    fibroids = [FibroidSpec("4", 14.0)]
    straight = generate_uterus_fibroid(9, fibroids, FINE)
    oblique_config = PhantomConfig(spacing_mm=(1.0, 1.0, 1.5), size_xyz=(130, 130, 100), rotation_deg=30.0,
                                   randomize=False, noise_fraction=0.0, bias_strength=0.0, shift_mm=0.0)
    oblique = generate_uterus_fibroid(9, fibroids, oblique_config)
    assert not np.allclose(oblique.image.geometry.direction_matrix, np.eye(3))
    assert label_ml(oblique, 1) + label_ml(oblique, 2) + label_ml(oblique, 3) == pytest.approx(
        label_ml(straight, 1) + label_ml(straight, 2) + label_ml(straight, 3), rel=0.03)


def test_placenta_thinned_myometrium_and_bands():
    config = PhantomConfig(spacing_mm=(1.5, 1.5, 1.5), size_xyz=(130, 130, 140), randomize=False,
                           noise_fraction=0.0, bias_strength=0.0, shift_mm=0.0)
    case = generate_placenta(2, myometrium_thickness_mm=3.0, config=config)
    assert {1, 2, 3} <= set(np.unique(case.labels.array).tolist())
    assert case.truth["dark_band_volume_ml"] > 0
    placenta = case.labels.array == 2
    bands = case.image.array < 0.6 * float(np.median(case.image.array[placenta]))
    assert float((bands & placenta).sum()) * 1.5 ** 3 / 1000 == pytest.approx(case.truth["dark_band_volume_ml"],
                                                                             rel=0.25)
