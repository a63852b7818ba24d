"""Phantom configuration: grid (size, spacing, orientation) and appearance randomisation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class PhantomConfig:
    """How a phantom is sampled and rendered.

    Attributes:
        spacing_mm: Voxel spacing along i, j, k in millimetres.
        size_xyz: Grid size along i, j, k.
        rotation_deg: Maximum rotation of the grid direction about a random axis (0 = axial, axis-aligned).
        randomize: Randomise tissue contrast and field-of-view shift from the seed.
        noise_fraction: Noise standard deviation relative to the myometrium intensity.
        bias_strength: Amplitude of the smooth multiplicative bias field (0 = none).
        shift_mm: Maximum random shift of the field of view from the anatomy centre.
    """

    spacing_mm: tuple[float, float, float] = (0.9, 0.9, 4.0)
    size_xyz: tuple[int, int, int] = (192, 192, 30)
    rotation_deg: float = 0.0
    randomize: bool = True
    noise_fraction: float = 0.03
    bias_strength: float = 0.2
    shift_mm: float = 8.0


def training_config(seed: int) -> PhantomConfig:
    """Domain-randomised grid for training: 0.6–1.5 mm in-plane, 3–6 mm slices, up to 20° rotation."""
    rng = np.random.default_rng([seed, 7])
    in_plane = float(rng.uniform(0.6, 1.5))
    thickness = float(rng.uniform(3.0, 6.0))
    fov_mm = float(rng.uniform(200, 260))
    depth_mm = float(rng.uniform(100, 140))
    return PhantomConfig((in_plane, in_plane, thickness), (int(fov_mm / in_plane), int(fov_mm / in_plane),
                                                           int(depth_mm / thickness)),
                         rotation_deg=20.0, noise_fraction=float(rng.uniform(0.01, 0.06)),
                         bias_strength=float(rng.uniform(0.0, 0.35)), shift_mm=15.0)


def evaluation_config(seed: int) -> PhantomConfig:
    """A different distribution for held-out evaluation: up to 30° rotation, 3.5–5.5 mm slices."""
    rng = np.random.default_rng([seed, 11])
    in_plane = float(rng.uniform(0.7, 1.2))
    thickness = float(rng.uniform(3.5, 5.5))
    return PhantomConfig((in_plane, in_plane, thickness), (int(230 / in_plane), int(230 / in_plane),
                                                           int(120 / thickness)),
                         rotation_deg=30.0, noise_fraction=float(rng.uniform(0.02, 0.05)),
                         bias_strength=float(rng.uniform(0.1, 0.3)), shift_mm=12.0)
