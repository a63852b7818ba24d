"""The domain-randomised sample generator: a tissue scene in, a (normalised image, labels) patch out.

Every sample is drawn afresh (SynthSeg, Billot et al., Medical Image Analysis 2023):

1. a patch centre (on a task label, or anywhere in the body) and a crop of the scene around it;
2. geometry: rotation up to ±30° about each axis, scaling, elastic deformation (MONAI's
   ``RandAffineGrid`` and ``RandDeformGrid``, :mod:`gynai.synth.spatial`; nearest neighbour on the tissue
   map), left-right flip (``RandFlip``);
3. appearance: per-tissue random intensities and textures (:mod:`gynai.synth.appearance`), partial-volume
   blur (``RandGaussianSmooth``), multiplicative bias field (``RandBiasField``);
4. acquisition: thick slices of 2–7 mm along a random axis — axial, coronal, sagittal or oblique —
   resampled back to the model grid (:mod:`gynai.synth.acquisition`), or a coarser isotropic resolution
   (``RandSimulateLowResolution``); Rician or Gaussian noise (``RandRicianNoise``, ``RandGaussianNoise``);
   gamma (``RandAdjustContrast``) and a non-linear intensity curve (``RandHistogramShift``); sometimes a
   field-of-view edge that blanks part of the patch;
5. the same percentile normalisation as inference (:func:`gynai.inference.preprocess.normalize_intensity`).

Labels are read from the transformed tissue map, so intensity transforms never change them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from gynai.inference.preprocess import normalize_intensity
from gynai.synth.acquisition import cut_field_of_view, simulate_oblique_slices, simulate_thick_slices
from gynai.synth.appearance import (EASY_MODE_WEIGHTS, MODE_WEIGHTS, T2_SPREAD, Appearance, draw_appearance,
                                    render_tissues)
from gynai.synth.primitives import random_rotation
from gynai.synth.scenes import Scene
from gynai.synth.spatial import RandCoarseElastic
from gynai.synth.tissues import label_lookup


@dataclass(frozen=True)
class SynthSettings:
    """Randomisation ranges of the sample generator (defaults: the ranges the bundled models use)."""

    rotation_deg: float = 30.0
    scale_range: float = 0.15
    elastic_probability: float = 0.6
    elastic_control_spacing_voxels: int = 16
    elastic_magnitude_voxels: tuple[float, float] = (0.0, 3.0)
    flip_probability: float = 0.5
    partial_volume_probability: float = 0.6
    bias_probability: float = 0.8
    bias_coefficients: tuple[float, float] = (0.0, 0.5)
    thick_slice_probability: float = 0.85
    thickness_mm: tuple[float, float] = (2.0, 7.0)
    axis_weights: tuple[float, float, float, float] = (0.35, 0.25, 0.25, 0.15)
    """Slice direction: axial, coronal, sagittal, oblique (up to 30° off an axis)."""
    low_resolution_probability: float = 0.15
    rician_probability: float = 0.5
    gaussian_probability: float = 0.3
    noise_std: float = 0.08
    gamma_probability: float = 0.5
    gamma: tuple[float, float] = (0.6, 1.7)
    histogram_shift_probability: float = 0.2
    fov_cut_probability: float = 0.2
    appearance_mode: str | None = None
    """Force one appearance mode (``random``, ``t2``, ``ct``); None draws one per sample."""
    mode_weights: tuple[float, float, float] = MODE_WEIGHTS
    """How often the ``random``, ``t2`` and ``ct`` modes are drawn at full difficulty."""
    t2_spread: float = T2_SPREAD
    """Log-normal spread of each tissue's signal in the t2 mode at full difficulty."""
    curriculum_samples: int = 0
    """Samples over which the randomisation ramps up from easy (T2-like contrast close to nominal, few thick
    slices, little noise, no elastic warp or field-of-view cuts) to the full ranges above; 0: full ranges
    from the start."""


def _ramp(easy: float, hard: float, difficulty: float) -> float:
    return easy + (hard - easy) * difficulty


def _plain(tensor) -> torch.Tensor:
    """A plain torch tensor (MONAI returns MetaTensors)."""
    return tensor.as_tensor() if hasattr(tensor, "as_tensor") else torch.as_tensor(tensor)


class SynthSampler:
    """Draws domain-randomised training patches of one task from a list of scenes.

    Args:
        scenes: Tissue scenes on the model grid (all with the same spacing).
        task_labels: The task's label table (``Task.labels``).
        patch_zyx: Output patch size.
        seed: Seed of every random draw (same seed, same sequence of samples).
        settings: Randomisation ranges.
        foreground_probability: Share of patches centred on a task label.
        class_balanced: Draw the centre's label uniformly among the labels present.
    """

    def __init__(self, scenes: Sequence[Scene], task_labels, patch_zyx: tuple[int, int, int], seed: int = 0,
                 settings: SynthSettings | None = None, foreground_probability: float = 0.7,
                 class_balanced: bool = False) -> None:
        if not scenes:
            raise ValueError("the sampler needs at least one scene")
        self.scenes = list(scenes)
        self.lookup = label_lookup(task_labels)
        self.patch_zyx = tuple(int(p) for p in patch_zyx)
        self.settings = settings or SynthSettings()
        self.foreground_probability = foreground_probability
        self.class_balanced = class_balanced
        self.spacing_mm = float(self.scenes[0].canvas.spacing_mm)
        self._foreground = [self._foreground_points(scene) for scene in self.scenes]
        self._build_transforms()
        self.reseed(seed)

    @property
    def difficulty(self) -> float:
        """Where the curriculum stands: 0 (easy) … 1 (the full randomisation ranges)."""
        ramp = self.settings.curriculum_samples
        return 1.0 if ramp <= 0 else min(1.0, self.drawn / ramp)

    def _apply_difficulty(self) -> None:
        """Set the transforms' probabilities and ranges for the current difficulty."""
        s, d = self.settings, self.difficulty
        self.elastic.affine.rotate_range = (np.radians(s.rotation_deg) * _ramp(0.5, 1.0, d),) * 3
        self.smooth.prob = s.partial_volume_probability
        self.bias.prob = s.bias_probability
        self.rician.prob = _ramp(0.2, s.rician_probability, d)
        self.gaussian.prob = _ramp(0.1, s.gaussian_probability, d)
        self.gamma.prob = _ramp(0.2, s.gamma_probability, d)
        self.histogram.prob = _ramp(0.0, s.histogram_shift_probability, d)
        self._elastic_probability = _ramp(0.0, s.elastic_probability, d)
        self._thick_slice_probability = _ramp(0.4, s.thick_slice_probability, d)
        self._fov_cut_probability = _ramp(0.0, s.fov_cut_probability, d)
        self._mode_weights = tuple(_ramp(e, h, d) for e, h in zip(EASY_MODE_WEIGHTS, s.mode_weights))
        self._noise_scale = _ramp(0.4, 1.0, d)
        self._t2_spread = _ramp(min(0.1, s.t2_spread), s.t2_spread, d)

    def reseed(self, seed: int) -> None:
        """Restart every random stream (own draws, torch noise, each MONAI transform) from ``seed``."""
        self.drawn = 0
        self._apply_difficulty()
        self.rng = np.random.default_rng([seed, 77])
        self.generator = torch.Generator().manual_seed(int(self.rng.integers(2 ** 31)))
        for transform in (self.elastic, self.flip, self.smooth, self.bias, self.low_resolution, self.rician,
                          self.gaussian, self.gamma, self.histogram):
            transform.set_random_state(seed=int(self.rng.integers(2 ** 31)))

    def _foreground_points(self, scene: Scene, limit: int = 20000) -> dict[int, np.ndarray]:
        labels = self.lookup[scene.canvas.tissue]
        rng = np.random.default_rng([scene.seed, 78])
        points = {}
        for value in np.unique(labels):
            if value == 0:
                continue
            found = np.argwhere(labels == value)
            if len(found) > limit:
                found = found[rng.choice(len(found), limit, replace=False)]
            points[int(value)] = found.astype(np.int32)
        return points

    def _build_transforms(self) -> None:
        from monai.transforms import (RandAdjustContrast, RandBiasField, RandFlip,
                                      RandGaussianNoise, RandGaussianSmooth, RandHistogramShift, RandRicianNoise,
                                      RandSimulateLowResolution)

        s = self.settings
        self.elastic = RandCoarseElastic(np.radians(s.rotation_deg), s.scale_range, s.elastic_control_spacing_voxels,
                                         s.elastic_magnitude_voxels)
        self.flip = RandFlip(prob=s.flip_probability, spatial_axis=2)
        self.smooth = RandGaussianSmooth((0.2, 0.9), (0.2, 0.9), (0.2, 0.9), prob=s.partial_volume_probability)
        self.bias = RandBiasField(degree=3, coeff_range=s.bias_coefficients, prob=s.bias_probability)
        self.low_resolution = RandSimulateLowResolution(prob=s.low_resolution_probability, zoom_range=(0.5, 0.9))
        self.rician = RandRicianNoise(prob=s.rician_probability, std=s.noise_std, relative=True, sample_std=True)
        self.gaussian = RandGaussianNoise(prob=s.gaussian_probability, std=s.noise_std * 0.5, sample_std=True)
        self.gamma = RandAdjustContrast(prob=s.gamma_probability, gamma=s.gamma)
        self.histogram = RandHistogramShift(num_control_points=(5, 10), prob=s.histogram_shift_probability)

    def _centre(self, index: int) -> np.ndarray:
        tissue = self.scenes[index].canvas.tissue
        points = self._foreground[index]
        if points and self.rng.random() < self.foreground_probability:
            values = list(points)
            value = values[int(self.rng.integers(len(values)))] if self.class_balanced else None
            pool = points[value] if value is not None else np.concatenate(list(points.values()))
            return pool[int(self.rng.integers(len(pool)))]
        return np.array([self.rng.integers(n) for n in tissue.shape])

    def _crop(self, tissue: np.ndarray, centre: np.ndarray, size: Sequence[int]) -> np.ndarray:
        """A window of ``size`` around ``centre`` (air beyond the scene)."""
        out = np.zeros(tuple(size), np.uint8)
        start = [int(np.clip(int(c) - s // 2, 0, n - s)) if n >= s else int(c) - s // 2
                 for c, s, n in zip(centre, size, tissue.shape)]
        source = tuple(slice(max(b, 0), min(b + s, n)) for b, s, n in zip(start, size, tissue.shape))
        target = tuple(slice(src.start - b, src.stop - b) for src, b in zip(source, start))
        out[target] = tissue[source]
        return out

    def spatial(self, tissue: np.ndarray, output_zyx: Sequence[int]) -> torch.Tensor:
        """Random rotation, scaling, elastic deformation and flip of a tissue crop (nearest neighbour)."""
        s = self.settings
        warped = self.elastic(torch.from_numpy(tissue[None].astype(np.float32)), output_zyx,
                              elastic=bool(self.rng.random() < self._elastic_probability))
        return _plain(self.flip(warped))[0].round().long()

    def acquire(self, image: torch.Tensor) -> torch.Tensor:
        """Thick slices along a random direction, or a coarser isotropic resolution."""
        s = self.settings
        if self.rng.random() < self._thick_slice_probability:
            thickness = float(self.rng.uniform(*s.thickness_mm))
            options = {"slice_spacing_mm": thickness * float(self.rng.uniform(1.0, 1.25)),
                       "profile_fraction": float(self.rng.uniform(0.3, 1.0)),
                       "phase": float(self.rng.uniform(0, thickness / self.spacing_mm))}
            direction = int(self.rng.choice(4, p=s.axis_weights))
            if direction < 3:
                return simulate_thick_slices(image, direction, self.spacing_mm, thickness, **options)
            return simulate_oblique_slices(image, random_rotation(self.rng, 30.0), int(self.rng.integers(3)),
                                           self.spacing_mm, thickness, **options)
        return _plain(self.low_resolution(image[None]))[0]

    def render(self, tissue: torch.Tensor) -> torch.Tensor:
        """Random appearance, bias, acquisition, noise and intensity curve of a tissue map (not normalised)."""
        appearance = draw_appearance(self.rng, self.settings.appearance_mode, self._mode_weights, self._t2_spread)
        if self._noise_scale < 1.0:
            appearance = Appearance(appearance.mode, appearance.mean, appearance.texture * self._noise_scale,
                                    appearance.noise * self._noise_scale)
        image = render_tissues(tissue, appearance, self.generator)
        image = _plain(self.smooth(image[None]))[0]
        image = _plain(self.bias(image[None]))[0]
        image = _plain(self.acquire(image))
        image = image.clamp(min=0.0)
        image = _plain(self.rician(image[None]))[0]
        image = _plain(self.gaussian(image[None]))[0].clamp(min=0.0)
        image = _plain(self.gamma(image[None]))[0]
        return _plain(self.histogram(image[None]))[0]

    def sample_scene(self, index: int, output_zyx: Sequence[int], crop_zyx: Sequence[int] | None = None,
                     centre: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """One sample of scene ``index``: normalised float32 image and uint8 labels of ``output_zyx``."""
        tissue = self.scenes[index].canvas.tissue
        centre = self._centre(index) if centre is None else centre
        crop = self._crop(tissue, centre, crop_zyx or [int(np.ceil(n * 1.3)) for n in output_zyx])
        warped = self.spatial(crop, output_zyx)
        labels = torch.from_numpy(self.lookup)[warped]
        image = self.render(warped)
        if self.rng.random() < self._fov_cut_probability:
            image, labels = cut_field_of_view(image, labels, self.rng)
        return normalize_intensity(image.numpy()), labels.numpy().astype(np.uint8)

    def sample(self) -> tuple[np.ndarray, np.ndarray]:
        """A training patch of ``patch_zyx`` from a random scene (advances the curriculum)."""
        patch = self.sample_scene(int(self.rng.integers(len(self.scenes))), self.patch_zyx)
        self.drawn += 1
        if self.settings.curriculum_samples > 0 and self.drawn % 50 == 0:
            self._apply_difficulty()
        return patch

    def whole_scene(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """A whole scene rendered once (a validation volume)."""
        shape = self.scenes[index].canvas.tissue.shape
        centre = np.array([n // 2 for n in shape])
        return self.sample_scene(index, shape, crop_zyx=shape, centre=centre)
