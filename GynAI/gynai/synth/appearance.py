"""Random appearance of a tissue map: every tissue gets its own random intensity and texture per sample.

Three modes, drawn per sample (:data:`MODE_WEIGHTS`; a curriculum starts from :data:`EASY_MODE_WEIGHTS`):

- ``random`` (SynthSeg): each tissue's mean uniform in [0, 1], independent of the others, so any
  contrast, inversions included, occurs; only air stays dark (it is dark on every MR, CT and US image).
- ``t2``: T2-weighted-like: the nominal T2 signal of each tissue (:data:`gynai.synth.tissues.TISSUE_PRIORS`)
  times a log-normal factor per tissue; the water-like tissues share one factor, so a cyst is as
  bright as urine and only shape and place tell them apart.
- ``ct``: Hounsfield-like: nominal CT number plus a random offset per tissue, windowed like a soft-tissue
  CT.

Within a tissue, intensity varies by a smooth random texture and by white noise, each of random size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from gynai.synth.tissues import FLUIDS, TISSUE_PRIORS, TISSUES

MODES = ("random", "t2", "ct")
MODE_WEIGHTS = (0.3, 0.6, 0.1)
"""How often each mode is drawn (at full curriculum difficulty)."""
EASY_MODE_WEIGHTS = (0.0, 0.9, 0.1)
"""The mode weights at the start of a curriculum (difficulty 0)."""


@dataclass(frozen=True)
class Appearance:
    """Per-tissue mean and spreads of one sample (indexed like :data:`TISSUES`)."""

    mode: str
    mean: np.ndarray
    texture: np.ndarray
    noise: np.ndarray


def draw_appearance(rng: np.random.Generator, mode: str | None = None,
                    weights: tuple[float, float, float] = MODE_WEIGHTS) -> Appearance:
    """Draw the per-tissue intensities of one sample (in ``mode``, or a mode drawn by ``weights``)."""
    mode = mode or str(rng.choice(MODES, p=np.asarray(weights) / np.sum(weights)))
    count = len(TISSUES)
    if mode == "random":
        mean = rng.uniform(0.0, 1.0, count)
    elif mode == "t2":
        nominal = np.array([TISSUE_PRIORS[name][0] for name in TISSUES]) / 1000.0
        factor = np.exp(rng.normal(0.0, 0.3, count))
        factor[[TISSUES.index(name) for name in FLUIDS]] = np.exp(rng.normal(0.0, 0.08))
        mean = nominal * factor
    else:
        hounsfield = np.array([TISSUE_PRIORS[name][1] for name in TISSUES]) + rng.normal(0.0, 12.0, count)
        low, width = rng.uniform(-250, -120), rng.uniform(350, 600)
        mean = np.clip((hounsfield - low) / width, -0.1, 1.2)
    mean[TISSUES.index("air")] = rng.uniform(0.0, 0.05)
    texture = rng.uniform(0.0, 0.08, count) * np.maximum(mean, 0.05)
    noise = rng.uniform(0.0, 0.05, count) * np.maximum(mean, 0.05)
    return Appearance(mode, mean.astype(np.float32), texture.astype(np.float32), noise.astype(np.float32))


def _smooth_noise(shape: tuple[int, ...], generator: torch.Generator, sigma_voxels: float) -> torch.Tensor:
    """Unit-variance random field with correlation length ~``sigma_voxels`` (box-filter approximation)."""
    field = torch.randn((1, 1) + tuple(shape), generator=generator)
    size = max(int(round(sigma_voxels * 2)) | 1, 1)
    if size > 1:
        for axis in range(3):
            kernel_shape = [1, 1, 1]
            kernel_shape[axis] = size
            kernel = torch.full((1, 1, *kernel_shape), 1.0 / size)
            padding = [0, 0, 0]
            padding[axis] = size // 2
            field = torch.nn.functional.conv3d(field, kernel, padding=tuple(padding))
    field = field[0, 0]
    return field / (field.std() + 1e-6)


def render_tissues(tissue: torch.Tensor, appearance: Appearance, generator: torch.Generator,
                   texture_sigma_voxels: float = 2.0) -> torch.Tensor:
    """Image of a tissue map (long tensor [z, y, x]): mean + smooth texture + white noise per tissue."""
    index = tissue.long()
    mean = torch.from_numpy(appearance.mean)[index]
    texture = torch.from_numpy(appearance.texture)[index] * _smooth_noise(tuple(tissue.shape), generator,
                                                                            texture_sigma_voxels)
    noise = torch.from_numpy(appearance.noise)[index] * torch.randn(tuple(tissue.shape), generator=generator)
    return (mean + texture + noise).float()
