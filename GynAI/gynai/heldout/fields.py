"""Smooth random fields: surface displacement in the body frame and voxel-grid texture.

Surfaces of the held-out phantom are perturbed by a sum of a few random plane waves evaluated at each
point (a displacement in millimetres added to a signed distance), which gives low-frequency bumps and
lobulation without any voxel grid. Intra-tissue texture is band-limited Gaussian noise made on the image
grid itself, with a correlation length given in millimetres.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from gynai.heldout.frames import random_unit_vector


@dataclass(frozen=True)
class PlaneWaves:
    """Sum of random plane waves: ``f(p) = sum_k a_k sin(w_k . p + phi_k)`` in millimetres.

    Attributes:
        wave_vectors: (K, 3) angular wave vectors in rad/mm.
        amplitudes_mm: (K,) amplitudes; their sum bounds ``|f|``.
        phases: (K,) phases in radians.
    """

    wave_vectors: np.ndarray
    amplitudes_mm: np.ndarray
    phases: np.ndarray

    @classmethod
    def random(cls, rng: np.random.Generator, amplitude_mm: float, wavelength_mm: tuple[float, float],
               count: int = 4) -> "PlaneWaves":
        """Random waves whose amplitudes add up to ``amplitude_mm``, wavelengths log-uniform in the range."""
        lengths = np.exp(rng.uniform(np.log(wavelength_mm[0]), np.log(wavelength_mm[1]), count))
        vectors = np.stack([random_unit_vector(rng) * (2 * np.pi / length) for length in lengths])
        weights = rng.uniform(0.5, 1.0, count)
        amplitudes = amplitude_mm * weights / weights.sum()
        return cls(vectors, amplitudes, rng.uniform(0, 2 * np.pi, count))

    @property
    def max_abs_mm(self) -> float:
        """Upper bound of ``|f|`` in millimetres."""
        return float(np.sum(np.abs(self.amplitudes_mm)))

    def __call__(self, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Evaluate the field at body-frame points (arrays of one shape)."""
        total = np.zeros(np.shape(x), dtype=np.float32)
        for (kx, ky, kz), amp, phase in zip(self.wave_vectors, self.amplitudes_mm, self.phases):
            total += float(amp) * np.sin(float(kx) * x + float(ky) * y + float(kz) * z + float(phase))
        return total


def grid_noise(rng: np.random.Generator, shape_zyx: tuple[int, ...], spacing_zyx_mm: tuple[float, ...],
               correlation_mm: float) -> np.ndarray:
    """Gaussian noise smoothed to a correlation length, normalised to unit standard deviation (float32)."""
    white = rng.standard_normal(shape_zyx, dtype=np.float32)
    sigma = [max(correlation_mm / s, 0.0) for s in spacing_zyx_mm]
    smooth = ndimage.gaussian_filter(white, sigma, mode="wrap", truncate=3.0)
    std = float(smooth.std())
    return smooth / std if std > 0 else smooth


def multiscale_texture(rng: np.random.Generator, shape_zyx: tuple[int, ...],
                       spacing_zyx_mm: tuple[float, ...], scales_mm: tuple[float, ...] = (1.2, 4.0)) -> np.ndarray:
    """Texture made of noise at several correlation lengths (unit standard deviation, float32)."""
    total = np.zeros(shape_zyx, dtype=np.float32)
    for scale in scales_mm:
        total += grid_noise(rng, shape_zyx, spacing_zyx_mm, scale)
    std = float(total.std())
    return total / std if std > 0 else total
