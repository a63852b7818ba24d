"""The domain-randomised sample generator against known truth: intensity transforms never change the
labels, the simulated slices have the requested thickness and spacing, rotations and flips keep label
volumes, and every random stream follows the seed."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from gynai.synth.acquisition import (blur_along_axis, cut_field_of_view, simulate_oblique_slices,
                                     simulate_thick_slices, slice_positions)
from gynai.synth.appearance import draw_appearance
from gynai.synth.canvas import SceneCanvas
from gynai.synth.engine import SynthSampler, SynthSettings
from gynai.synth.primitives import Blob, rotation
from gynai.synth.scenes import Scene, draw_scene
from gynai.synth.tissues import FLUIDS, TISSUE_PRIORS, TISSUES, tissue_index
from gynai.tasks import get_task

UTERUS = get_task("uterus-fibroid").labels


@pytest.fixture(scope="module")
def scenes():
    return [draw_scene("pelvis", seed, 4.0) for seed in (1, 2)]


def test_labels_do_not_depend_on_appearance_noise_or_intensity_curves(scenes):
    quiet = SynthSettings(fov_cut_probability=0.0, appearance_mode="random", rician_probability=0.0,
                          gaussian_probability=0.0, gamma_probability=0.0, bias_probability=0.0)
    loud = replace(quiet, appearance_mode="ct", rician_probability=1.0, gaussian_probability=1.0,
                   gamma_probability=1.0, bias_probability=1.0, histogram_shift_probability=1.0)
    image_a, labels_a = SynthSampler(scenes, UTERUS, (24, 32, 32), seed=9, settings=quiet).sample()
    image_b, labels_b = SynthSampler(scenes, UTERUS, (24, 32, 32), seed=9, settings=loud).sample()
    assert labels_a.any()
    assert np.array_equal(labels_a, labels_b)
    assert not np.allclose(image_a, image_b)


def test_the_same_seed_gives_the_same_samples_and_reseed_restarts(scenes):
    first = SynthSampler(scenes, UTERUS, (24, 32, 32), seed=4)
    second = SynthSampler(scenes, UTERUS, (24, 32, 32), seed=4)
    a, b = [first.sample() for _ in range(3)], [second.sample() for _ in range(3)]
    for (image_a, labels_a), (image_b, labels_b) in zip(a, b):
        assert np.array_equal(image_a, image_b) and np.array_equal(labels_a, labels_b)
    first.reseed(4)
    again = first.sample()
    assert np.array_equal(again[0], a[0][0])
    other = SynthSampler(scenes, UTERUS, (24, 32, 32), seed=5).sample()
    assert not np.array_equal(other[0], a[0][0])


def test_samples_are_normalised_like_inference_inputs(scenes):
    sampler = SynthSampler(scenes, UTERUS, (32, 32, 32), seed=2)
    for _ in range(4):
        image, labels = sampler.sample()
        assert image.dtype == np.float32 and labels.dtype == np.uint8 and image.shape == (32, 32, 32)
        assert image.min() >= -0.5 and image.max() <= 1.5
        assert set(np.unique(labels)) <= {0, 1, 2, 3}


def _sphere_scene(radius_mm: float = 30.0) -> Scene:
    canvas = SceneCanvas.covering((-80, -80, -80), (80, 80, 80), 2.0, fill="fat")
    canvas.paint(Blob((6.0, -4.0, 2.0), (radius_mm, radius_mm * 0.7, radius_mm * 1.2), rotation([1, 1, 0], 0.5)),
                 "myometrium")
    return Scene("test", 0, canvas)


def test_rotations_and_flips_keep_label_volumes_within_one_percent():
    scene = _sphere_scene()
    truth = int((scene.canvas.tissue == tissue_index("myometrium")).sum())
    settings = SynthSettings(scale_range=0.0, elastic_probability=0.0, flip_probability=1.0, fov_cut_probability=0.0)
    sampler = SynthSampler([scene], UTERUS, (80, 80, 80), seed=3, settings=settings, foreground_probability=0.0)
    centre = np.array(scene.canvas.tissue.shape) // 2
    for _ in range(5):
        _, labels = sampler.sample_scene(0, (80, 80, 80), crop_zyx=(80, 80, 80), centre=centre)
        assert (labels == 1).sum() == pytest.approx(truth, rel=0.01)


def test_the_slice_profile_has_the_requested_width():
    image = torch.zeros(1, 1, 101)
    image[0, 0, 50] = 1.0
    profile = blur_along_axis(image, 2, 6.0 / 2.3548)[0, 0].numpy()
    above = np.flatnonzero(profile >= profile.max() / 2)
    # the half-maximum width, interpolated between voxels, is the requested FWHM of 6 voxels
    left = above[0] - (profile[above[0]] - profile.max() / 2) / (profile[above[0]] - profile[above[0] - 1])
    right = above[-1] + (profile[above[-1]] - profile.max() / 2) / (profile[above[-1]] - profile[above[-1] + 1])
    assert right - left == pytest.approx(6.0, abs=0.15)


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_thick_slices_are_sampled_at_the_requested_spacing_along_the_requested_axis(axis):
    rng = np.random.default_rng(axis)
    image = torch.from_numpy(rng.normal(size=(40, 40, 40)).astype(np.float32))
    spacing_mm, thickness_mm, slice_spacing_mm, phase = 1.0, 5.0, 6.0, 2.5
    result = simulate_thick_slices(image, axis, spacing_mm, thickness_mm, slice_spacing_mm, 0.5, phase)
    profile = result.numpy().take(np.arange(40), axis=axis).swapaxes(0, axis)[:, 7, 9].astype(float)
    kinks = np.flatnonzero(np.abs(np.diff(profile, 2)) > 1e-4) + 1
    positions = slice_positions(40, slice_spacing_mm / spacing_mm, phase).numpy()
    # the profile is piecewise linear between slices 6 mm apart: it bends only next to a slice position
    assert len(kinks) >= 6
    assert all(np.min(np.abs(positions - k)) < 1.0 for k in kinks)
    assert np.allclose(np.diff(positions), slice_spacing_mm)
    # across the other axes nothing is blurred: neighbours keep their independent noise
    other = (axis + 1) % 3
    lines = result.numpy().swapaxes(0, other)
    assert np.corrcoef(lines[10].ravel(), lines[11].ravel())[0, 1] < 0.2


def test_a_linear_ramp_survives_thick_slices_unchanged():
    ramp = torch.arange(30, dtype=torch.float32)[None, None, :].expand(30, 30, 30).clone()
    result = simulate_thick_slices(ramp, 2, 1.0, 4.0, 4.0, profile_fraction=0.01, phase=1.0)
    assert torch.allclose(result[:, :, 2:-2], ramp[:, :, 2:-2], atol=1e-4)


def test_oblique_slices_blur_along_the_turned_direction():
    image = torch.zeros(48, 48, 48)
    image[:, :, 24:] = 1.0   # an edge across x
    along_x = simulate_oblique_slices(image, np.eye(3), 2, 1.0, 6.0)
    across = simulate_oblique_slices(image, rotation([1.0, 0, 0], np.pi / 2), 2, 1.0, 6.0)
    edge_width = lambda line: int(((line > 0.05) & (line < 0.95)).sum())  # noqa: E731
    assert edge_width(along_x[24, 24].numpy()) >= 4     # slices across the edge blur it
    assert edge_width(across[24, 24].numpy()) <= 1      # slices parallel to the edge keep it sharp


def test_field_of_view_cuts_blank_image_and_labels_together():
    image, labels = torch.ones(20, 20, 20), torch.ones(20, 20, 20, dtype=torch.long)
    cut_image, cut_labels = cut_field_of_view(image, labels, np.random.default_rng(0), max_fraction=0.35)
    blank = cut_image == 0
    assert blank.any() and not blank.all()
    assert torch.equal(blank, cut_labels == 0)


def test_appearance_modes():
    rng = np.random.default_rng(0)
    fluids = [TISSUES.index(name) for name in FLUIDS]
    myometrium, fibroid = TISSUES.index("myometrium"), TISSUES.index("fibroid")
    nominal = np.array([TISSUE_PRIORS[name][0] for name in TISSUES])
    inverted = 0
    for _ in range(60):
        t2 = draw_appearance(rng, "t2")
        ratios = t2.mean[fluids] / (nominal[fluids] / 1000.0)
        assert np.allclose(ratios, ratios[0], rtol=1e-5)       # water is one contrast on T2
        random = draw_appearance(rng, "random")
        inverted += random.mean[fibroid] > random.mean[myometrium]
        for sample in (t2, random, draw_appearance(rng, "ct")):
            assert sample.mean[TISSUES.index("air")] <= 0.05   # air is dark in every mode
    assert 10 < inverted < 50   # random contrast: either order of any two tissues occurs


def test_the_curriculum_ramps_from_easy_to_the_full_ranges(scenes):
    settings = SynthSettings(curriculum_samples=100)
    sampler = SynthSampler(scenes, UTERUS, (16, 16, 16), seed=1, settings=settings)
    assert sampler.difficulty == 0.0
    assert sampler._mode_weights[0] == 0.0 and sampler._fov_cut_probability == 0.0   # no random contrast yet
    for _ in range(50):
        sampler.sample()
    assert sampler.difficulty == pytest.approx(0.5)
    assert 0.0 < sampler._mode_weights[0] < 0.3 and sampler.rician.prob < settings.rician_probability
    for _ in range(50):
        sampler.sample()
    assert sampler.difficulty == 1.0 and sampler._thick_slice_probability == settings.thick_slice_probability
    assert sampler.histogram.prob == settings.histogram_shift_probability
    sampler.reseed(1)
    assert sampler.difficulty == 0.0
    full = SynthSampler(scenes, UTERUS, (16, 16, 16), seed=1)
    assert full.difficulty == 1.0 and full._elastic_probability == SynthSettings().elastic_probability


def test_randomised_ultrasound_labels_the_mass_only_inside_the_scanned_cone():
    from gynai.synth.scenes import draw_pelvis_scene
    from gynai.synth.ultrasound import generate_ultrasound_case

    # the first scene with an adnexal lesion (scenes without one give negative examples)
    seed = next(s for s in range(20) if draw_pelvis_scene(s, 6.0).summary["lesions"])
    case = generate_ultrasound_case(seed)
    again = generate_ultrasound_case(seed)
    assert np.array_equal(case.image.array, again.image.array)          # the seed decides everything
    image, labels = case.image.array, case.labels.array
    assert case.image.metadata["modality"] == "US" and image.min() >= 0 and image.max() <= 255
    outside = ~case.sector
    assert 0.2 < outside.mean() < 0.9                                   # scan-converted: a cone in a box
    assert not image[outside].any() and not labels[outside].any()      # 0 beyond the cone, labels too
    assert case.summary["lesions"] and labels.any()                    # aimed at a lesion of the scene
    assert np.isin(np.unique(labels), [0, 1, 2]).all()


def test_the_appearance_mix_and_t2_spread_follow_the_settings(scenes, monkeypatch):
    import gynai.synth.engine as engine
    drawn = []

    def recording(rng, mode, weights, t2_spread):
        drawn.append((mode, tuple(weights), t2_spread))
        return draw_appearance(rng, mode, weights, t2_spread)

    monkeypatch.setattr(engine, "draw_appearance", recording)
    settings = SynthSettings(mode_weights=(0.0, 1.0, 0.0), t2_spread=0.05, fov_cut_probability=0.0)
    sampler = SynthSampler(scenes, UTERUS, (16, 16, 16), seed=3, settings=settings)
    for _ in range(3):
        sampler.sample()
    assert drawn == [(None, (0.0, 1.0, 0.0), 0.05)] * 3
    easy = SynthSampler(scenes, UTERUS, (16, 16, 16), seed=3, settings=replace(settings, curriculum_samples=100))
    assert easy._t2_spread == 0.05          # a spread below the curriculum's easy one is not widened at the start
    rng = np.random.default_rng(5)
    nominal = np.array([TISSUE_PRIORS[name][0] for name in TISSUES]) / 1000.0
    myometrium = TISSUES.index("myometrium")
    ratios = [draw_appearance(rng, None, (0.0, 1.0, 0.0), 0.05).mean[myometrium] / nominal[myometrium]
              for _ in range(200)]
    assert 0.035 < float(np.std(np.log(ratios))) < 0.065   # the log-normal spread asked for
