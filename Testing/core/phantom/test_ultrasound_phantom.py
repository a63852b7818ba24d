"""The 3D transvaginal ultrasound phantom of the adnexal mass: sector, truth, B-mode physics, features."""

import numpy as np
import pytest

from gynai.errors import LabelError
from gynai.metrics.adnexal import adnexal_features
from gynai.phantom import (UltrasoundConfig, evaluation_ultrasound_config, generate, generate_adnexal_mass_us,
                           training_ultrasound_config)
from gynai.phantom.pelvis import TISSUES
from gynai.phantom.ultrasound import Probe, probe_canvas, ray_attenuation, render_ultrasound, sector_mask

RAYLEIGH_DB_STD = 5.57
"""Standard deviation of 20·log10 of a Rayleigh variable (fully developed speckle), whatever its scale."""


@pytest.fixture(scope="module")
def case():
    return generate_adnexal_mass_us(1000000, evaluation_ultrasound_config(1000000))


def small_probe() -> Probe:
    return Probe(np.zeros(3), np.array([1.0, 0, 0]), np.array([0, 1.0, 0]), np.array([0, 0, 1.0]))


def probe_frame(case) -> np.ndarray:
    """Probe-frame coordinates of every voxel of a case, from its recorded apex and axis."""
    geometry = case.image.geometry
    k, j, i = np.indices(case.image.array.shape)
    points = geometry.index_to_lps(np.stack([i.ravel(), j.ravel(), k.ravel()], axis=1))
    direction = geometry.direction_matrix
    relative = points - np.asarray(case.truth["probe"]["apex_lps_mm"])
    return (relative @ direction).reshape(case.image.array.shape + (3,))


def test_signal_and_labels_only_inside_the_scanned_cone(case):
    config = evaluation_ultrasound_config(1000000)
    assert np.allclose(case.image.geometry.direction_matrix[:, 2], case.truth["probe"]["axis_lps"])
    inside = sector_mask(probe_frame(case), config)
    assert 0.2 < inside.mean() < 0.9
    assert not case.image.array[~inside].any()
    assert not case.labels.array[~inside].any()
    assert case.image.metadata["modality"] == "US"
    assert 0.0 <= case.image.array.min() and case.image.array.max() <= 255.0


def test_label_volume_matches_the_analytic_mass(case):
    assert case.truth["scanned_fraction"] == 1.0          # this mass lies wholly inside the cone
    voxel_ml = case.image.geometry.voxel_volume_mm3 / 1000.0
    labelled_ml = float((case.labels.array > 0).sum()) * voxel_ml
    assert labelled_ml == pytest.approx(case.truth["mass"]["volume_ml"], rel=0.03)
    solid_ml = float((case.labels.array == 2).sum()) * voxel_ml
    assert solid_ml == pytest.approx(case.truth["solid"]["voxel_volume_ml"], rel=1e-9)


def test_cyst_fluid_is_dark_and_septa_and_solid_tissue_echogenic(case):
    array, labels = case.image.array, case.labels.array
    assert np.median(array[labels == 2]) > np.median(array[labels == 1]) + 40
    assert np.median(array[(labels == 0) & (array > 0)]) > np.median(array[labels == 1]) + 40


def test_uniform_attenuation_integrates_to_rate_times_depth():
    config = UltrasoundConfig(spacing_mm=1.0, depth_mm=40.0, half_angle_deg=50.0, randomize=False)
    probe = small_probe()
    canvas = probe_canvas(probe, config)
    local = probe.local(canvas.points)
    inside = sector_mask(local, config)
    rate = 0.02
    attenuation = ray_attenuation(canvas, np.full(canvas.tissue.shape, rate, np.float32), probe, local, config)
    depth = np.sqrt(np.sum(local * local, axis=-1))
    assert np.allclose(attenuation[inside], rate * depth[inside], atol=rate * 0.05)


def test_fluid_in_the_path_gives_posterior_enhancement():
    config = UltrasoundConfig(spacing_mm=1.0, depth_mm=40.0, half_angle_deg=50.0, randomize=False)
    probe = small_probe()
    canvas = probe_canvas(probe, config)
    local = probe.local(canvas.points)
    rates = np.full(canvas.tissue.shape, 0.02, np.float32)
    slab = (local[..., 2] > 10) & (local[..., 2] < 20) & (local[..., 0] > 0)      # 10 mm of fluid, one side only
    rates[slab] = 0.0
    attenuation = ray_attenuation(canvas, rates, probe, local, config)
    inside = sector_mask(local, config)
    behind = inside & (local[..., 2] > 30) & (local[..., 0] > 5)
    beside = inside & (local[..., 2] > 30) & (local[..., 0] < -5)
    depth = np.sqrt(np.sum(local * local, axis=-1))
    saved = (0.02 * depth - attenuation)
    assert np.median(saved[beside]) == pytest.approx(0.0, abs=0.01)
    assert np.median(saved[behind]) > 0.02 * 10 * 0.9          # at least the 10 mm of fluid on the axis


def test_homogeneous_tissue_gives_fully_developed_speckle():
    config = UltrasoundConfig(spacing_mm=0.5, depth_mm=40.0, half_angle_deg=45.0, randomize=False,
                              tgc_error_per_mm=0.0, noise_fraction=0.0, dynamic_range_db=80.0)
    probe = small_probe()
    canvas = probe_canvas(probe, config)
    canvas.tissue[:] = TISSUES.index("fat")
    image, inside = render_ultrasound(canvas, probe, np.random.default_rng(3), config)
    decibels = (image[inside & (image > 0)] / 255.0 - 1.0) * config.dynamic_range_db
    assert np.std(decibels) == pytest.approx(RAYLEIGH_DB_STD, abs=0.3)


def test_configurations_vary_with_the_seed_and_stay_in_range():
    training = [training_ultrasound_config(seed) for seed in range(20)]
    assert len({round(c.spacing_mm, 6) for c in training}) == 20
    assert all(0.7 <= c.spacing_mm <= 1.1 and 45 <= c.half_angle_deg <= 70 for c in training)
    echoes = {c.cyst_echo for c in training}
    assert len(echoes) >= 4 and echoes <= {0.003, 0.01, 0.03, 0.1, 0.2, 0.3}
    evaluation = [evaluation_ultrasound_config(seed) for seed in range(1000000, 1000010)]
    assert all(0.75 <= c.spacing_mm <= 0.95 for c in evaluation)


def test_only_the_adnexal_mass_has_an_ultrasound_phantom():
    with pytest.raises(LabelError, match="no US phantom for task 'uterus-fibroid'"):
        generate("uterus-fibroid", 1, modality="US")
    assert generate("adnexal-mass", 1, UltrasoundConfig(spacing_mm=1.0), modality="US").image.metadata["modality"] == "US"


@pytest.mark.parametrize("seed", [1000000, 1000001, 1000002])
def test_adnexal_features_read_ultrasound_fluid_as_dark(seed):
    case = generate_adnexal_mass_us(seed, evaluation_ultrasound_config(seed))
    features = adnexal_features(case.labels, case.image, None, "US")
    wall_mm = case.truth["mass"]["wall_thickness_mm"]
    assert features["modality"] == "US" and features["locule_count"] == 2
    assert abs(features["wall_thickness_mm"] - wall_mm) <= 1.0            # about one voxel, speckle-limited
    assert case.truth["septum_thickness_mm"] <= features["septal_thickness_mm"] <= case.truth["septum_thickness_mm"] + 2
    assert features["solid_t2_ratio_to_fluid"] is None and "T2 signal ratios not assessed" in features["notes"][0]
    as_mri = adnexal_features(case.labels, case.image, None, "MR")           # read as T2: fluid taken for wall
    assert as_mri["locule_count"] != 2 or abs(as_mri["wall_thickness_mm"] - wall_mm) > 1.0
