"""T2-weighted-like rendering: tissue intensities, bias field, slice-thickness blur and Rician noise."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from gynai.phantom.config import PhantomConfig

# Nominal T2-weighted intensities (arbitrary units) of each tissue class.
T2_INTENSITY = {
    "air": 5.0, "fat": 650.0, "muscle": 180.0, "bladder": 1000.0, "rectum": 300.0, "bone": 120.0,
    "myometrium": 450.0, "junctional-zone": 230.0, "endometrium": 820.0, "fibroid": 140.0,
    "fluid": 980.0, "placenta": 560.0, "dark-band": 230.0, "ovary": 520.0, "cyst": 950.0, "septum": 260.0,
    "solid": 480.0,
}


def tissue_intensities(rng: np.random.Generator, randomize: bool) -> dict[str, float]:
    """Per-tissue intensities, each jittered by ±15 % and globally scaled when ``randomize``."""
    if not randomize:
        return dict(T2_INTENSITY)
    scale = float(rng.uniform(0.5, 2.0))
    return {name: value * scale * float(rng.uniform(0.85, 1.15)) for name, value in T2_INTENSITY.items()}


def bias_field(points: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    """Smooth multiplicative field exp(strength · quadratic polynomial of position / 100 mm)."""
    if strength <= 0:
        return np.ones(points.shape[:3], np.float32)
    x, y, z = (points[..., axis] / 100.0 for axis in range(3))
    terms = [x, y, z, x * y, y * z, x * z, x * x, y * y, z * z]
    coefficients = rng.normal(0, 1, len(terms)) / np.sqrt(len(terms))
    field = sum(float(c) * t for c, t in zip(coefficients, terms))
    return np.exp(strength * np.clip(field, -3, 3)).astype(np.float32)


def render(tissue: np.ndarray, names: list[str], points: np.ndarray, rng: np.random.Generator,
           config: PhantomConfig) -> np.ndarray:
    """Image from a tissue-index map: intensities, bias, blur across slices and Rician noise (float32)."""
    values = tissue_intensities(rng, config.randomize)
    lookup = np.array([values[name] for name in names], np.float32)
    image = lookup[tissue]
    texture = ndimage.gaussian_filter(rng.normal(0, 1, image.shape).astype(np.float32), 1.5)
    image *= 1.0 + 0.04 * texture
    image = ndimage.gaussian_filter1d(image, sigma=0.35, axis=0)
    image *= bias_field(points, rng, config.bias_strength)
    sigma = config.noise_fraction * values["myometrium"]
    real = image + rng.normal(0, sigma, image.shape).astype(np.float32)
    imaginary = rng.normal(0, sigma, image.shape).astype(np.float32)
    return np.sqrt(real * real + imaginary * imaginary).astype(np.float32)
