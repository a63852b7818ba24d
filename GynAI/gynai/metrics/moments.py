"""Second moments of a voxel mask with the slice sampling corrected along its thickest axis.

Lattice sums over voxel centres estimate a shape's moments without bias on average, but on thick slices
the estimate of one case depends on where the slices fall: a 10 mm-radius sphere on 5 mm slices centred
on its equator has slices at 0, ±5 mm and none in the outer 2.5 mm caps, so its variance across the
slices reads 25 % low and its ellipsoid volume 8 % low. :func:`profile_index_covariance` integrates the
profile across the slices instead of summing it:

* Along the axis with the largest spacing (the slice axis), each slice gives its area ``A`` (voxel count)
  and the mean and second moments of its voxel indices in the slice plane. For an ellipsoid in any
  orientation ``A`` and these per-slice means and moments are quadratic in the slice position (the cut
  is a scaled, shifted copy of one ellipse), so they are reconstructed between slices by quadratic
  interpolation through the three nearest slices and integrated (exactly, for an ellipsoid, up to the
  in-plane sampling).
* A cap beyond the last slice is where the area extrapolated from the last three slices reaches zero,
  within one slice of it (a "closing" end; a root up to 1.5 slices out is taken as one slice); an end
  whose area does not fall to zero there is flat and ends half a slice beyond the last one, with the last
  slice's values.
* When neither end closes (prisms, boxes), with fewer than three slices or with an empty slice inside,
  the plain lattice sums are kept (None is returned).
"""

from __future__ import annotations

from typing import Optional

import numpy as np

SUBSAMPLES = 64
"""Integration points per slice interval (midpoint rule on the reconstructed profile)."""
CLOSING_REACH = 1.5
"""Farthest root (slices beyond the last one) of the extrapolated area that still counts as a closing end."""


def _slice_moments(mask: np.ndarray) -> np.ndarray:
    """Per slice (axis 0): count, mean p, mean q, mean p², mean q², mean pq (in-plane index units).

    One slice at a time in float32 (exact for counts and index sums of a 512 × 512 slice), so no
    full-size float copy of the mask is made.
    """
    p = np.arange(mask.shape[1], dtype=np.float64)
    q = np.arange(mask.shape[2], dtype=np.float32)
    out = np.zeros((mask.shape[0], 6))
    for k in range(mask.shape[0]):
        plane = mask[k].astype(np.float32)
        rows, columns, row_q = plane.sum(axis=1, dtype=np.float64), plane.sum(axis=0, dtype=np.float64), plane @ q
        count = max(float(rows.sum()), 1.0)
        out[k] = (rows.sum(), rows @ p / count, columns @ q / count, rows @ (p * p) / count,
                  columns @ (q.astype(np.float64) ** 2) / count, float(p @ row_q) / count)
    return out


def _lagrange(values: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Quadratic interpolation (and extrapolation at the ends) of slice samples at positions ``z``."""
    n = len(values)
    base = np.clip(np.rint(z), 1, n - 2).astype(int)
    t = (z - base)[:, None]
    weights = np.concatenate([t * (t - 1) / 2, 1 - t * t, t * (t + 1) / 2], axis=1)
    return (weights[:, :, None] * np.stack([values[base - 1], values[base], values[base + 1]], axis=1)).sum(axis=1)


def _closing_end(areas: np.ndarray) -> Optional[float]:
    """Distance (slices, in (0, 1]) beyond the last slice where the extrapolated area reaches zero, or None.

    The next slice is empty, so the end lies within one slice; a root up to :data:`CLOSING_REACH` slices
    out (a tip between the next slice's voxel centres, or rounding) is taken as one slice.
    """
    a0, a1, a2 = areas[-3:]
    # quadratic through (−2, a0), (−1, a1), (0, a2): a(t) = a2 + b t + c t²
    c = (a0 - 2 * a1 + a2) / 2.0
    b = (a2 - a0) / 2.0 + 2.0 * c
    roots = np.roots([c, b, a2]) if abs(c) > 1e-12 else (np.array([-a2 / b]) if abs(b) > 1e-12 else np.array([]))
    real = [float(r.real) for r in np.atleast_1d(roots) if abs(r.imag) < 1e-9 and 0.0 < r.real <= CLOSING_REACH]
    return min(min(real), 1.0) if real else None


def profile_index_covariance(mask: np.ndarray, axis: int) -> Optional[np.ndarray]:
    """Covariance (i, j, k order, voxel units) of a mask with the slice profile along ``axis`` integrated.

    Args:
        mask: Non-empty boolean mask [k, j, i].
        axis: Array axis of the slices (0 = k).

    Returns:
        The 3×3 covariance, or None when the lattice sums should be kept (see the module docstring).
    """
    moved = np.moveaxis(mask, axis, 0)
    present = np.flatnonzero(moved.any(axis=(1, 2)))
    if len(present) < 3 or present[-1] - present[0] + 1 != len(present):
        return None
    samples = _slice_moments(moved[present[0]:present[-1] + 1])
    areas = samples[:, 0]
    n = len(areas)
    high, low = _closing_end(areas), _closing_end(areas[::-1])
    if high is None and low is None:
        return None
    start, stop = -(low if low is not None else 0.5), n - 1 + (high if high is not None else 0.5)
    steps = int(np.ceil((stop - start) * SUBSAMPLES))
    z = start + (np.arange(steps) + 0.5) * (stop - start) / steps
    values = _lagrange(samples, z)
    flat_low, flat_high = (z < 0) & (low is None), (z > n - 1) & (high is None)
    values[flat_low], values[flat_high] = samples[0], samples[-1]
    weight = np.maximum(values[:, 0], 0.0) * (stop - start) / steps
    total = weight.sum()
    mean_z, mean_p, mean_q = (weight @ z) / total, (weight @ values[:, 1]) / total, (weight @ values[:, 2]) / total
    zz = (weight @ (z * z)) / total - mean_z ** 2
    pp, qq = (weight @ values[:, 3]) / total - mean_p ** 2, (weight @ values[:, 4]) / total - mean_q ** 2
    pq = (weight @ values[:, 5]) / total - mean_p * mean_q
    zp, zq = (weight @ (z * values[:, 1])) / total - mean_z * mean_p, (weight @ (z * values[:, 2])) / total - mean_z * mean_q
    moved_cov = np.array([[zz, zp, zq], [zp, pp, pq], [zq, pq, qq]])        # order: axis, then the others
    order = [axis] + [a for a in range(3) if a != axis]                     # array axes of moved_cov's rows
    array_cov = np.empty((3, 3))
    for r, a in enumerate(order):
        for c, b in enumerate(order):
            array_cov[a, b] = moved_cov[r, c]
    return array_cov[::-1, ::-1].copy()                                     # [k, j, i] → (i, j, k)
