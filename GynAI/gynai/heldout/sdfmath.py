"""Arithmetic helpers of the signed-distance primitives: fast powers and roots, smooth min and max."""

from __future__ import annotations

import numpy as np


def power(a: np.ndarray, p: float) -> np.ndarray:
    """``a ** p`` with multiplications and roots for the exponents the phantom uses."""
    if p == 1.0:
        return a
    if p == 2.0:
        return a * a
    if p == 3.0:
        return a * a * a
    if p == 4.0:
        a2 = a * a
        return a2 * a2
    if p == 6.0:
        a3 = a * a * a
        return a3 * a3
    if p == 0.5:
        return np.sqrt(a)
    if p == 1.5:
        return a * np.sqrt(a)
    if p == 2.0 / 3.0:
        c = np.cbrt(a)
        return c * c
    return a ** p


def root(a: np.ndarray, p: float) -> np.ndarray:
    """``a ** (1/p)`` with square and cube roots where possible."""
    if p == 2.0:
        return np.sqrt(a)
    if p == 3.0:
        return np.cbrt(a)
    if p == 4.0:
        return np.sqrt(np.sqrt(a))
    if p == 6.0:
        return np.sqrt(np.cbrt(a))
    return a ** (1.0 / p)


def smooth_min(a: np.ndarray, b: np.ndarray, k_mm: float) -> np.ndarray:
    """Polynomial smooth minimum; blends the two surfaces over about ``k_mm`` (plain min when 0)."""
    if k_mm <= 0:
        return np.minimum(a, b)
    h = np.clip(0.5 + 0.5 * (b - a) / k_mm, 0.0, 1.0)
    return b + (a - b) * h - k_mm * h * (1.0 - h)


def smooth_max(a: np.ndarray, b: np.ndarray, k_mm: float) -> np.ndarray:
    """Polynomial smooth maximum (smooth intersection of two insides)."""
    return -smooth_min(-a, -b, k_mm)
