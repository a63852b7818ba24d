"""FIGO (PALM-COEIN) leiomyoma type of one fibroid from a segmentation. GynAI's method; FIGO gives none.

Inputs: the fibroid F, the endometrium C (cavity with its lining) and the whole uterus U (myometrium ∪
endometrium ∪ all fibroids), as masks on one grid.

1. Expected outer envelope without the fibroid: ``E = closing_R(U \\ F)`` (morphological closing with a
   ball of radius ``R`` = twice the fibroid's largest radius + 2 mm, computed with Euclidean distance maps
   in mm, within 2R of the fibroid, on a grid of at least 1 mm). A ball twice the fibroid's size cannot
   dip far into the dent the fibroid leaves. It fills the dent left by removing an exophytic fibroid, so the part of F outside E lies beyond
   the expected serosa: ``f_outside = |F \\ E| / |F|``.
2. Expected cavity: ``K = closing_R(C)``. A submucous fibroid pushes into the cavity and the endometrium
   drapes around it; the closing fills that cup, so ``f_cavity = |F ∩ K| / |F|``. A convex cavity is not
   changed by closing, so an intramural fibroid that only touches the endometrium has ``f_cavity = 0``.
3. ``f_intramural = 1 − f_cavity − f_outside``; contact with the endometrium is tested with a one-voxel
   (26-neighbour) dilation of F.
4. Cavity side: ``f_cavity > 0.5`` with less than 10 % of the fibroid's surface on myometrium (attached
   by a stalk) → 0; ``> 0.5`` → 1; ``≥ 0.03`` → 2; touching the endometrium → 3. Serosal side:
   ``f_outside ≥ 0.9`` → 7 (pedunculated subserous); ``> 0.5`` → 6; ``≥ 0.03`` → 5. Both sides → hybrid
   "a-b" (e.g. "2-5"); neither → 4. A fibroid that touches no uterine tissue → 8 (e.g. parasitic). The
   0.03 tolerance absorbs one-voxel partial-volume effects.

Limits: FIGO percentages are not defined as volume fractions; the thresholds are GynAI's; the type of
fibroids that distort the uterus heavily (or of a collapsed cavity) needs a reader's check.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from gynai.metrics.shape import bounding_slices

CONNECTIVITY_26 = np.ones((3, 3, 3), bool)
INVOLVED_FRACTION = 0.03
PEDUNCULATED_FRACTION = 0.9
STALK_CONTACT_FRACTION = 0.1
COARSE_SPACING_MM = 1.5
"""Envelopes are reconstructed on a grid of at least this spacing (they are smooth; speed)."""


@dataclass(frozen=True)
class FigoResult:
    """FIGO type of one fibroid and the figures it was derived from."""

    figo_type: str
    fraction_cavity: float
    fraction_intramural: float
    fraction_outside: float
    touches_endometrium: bool
    wall_contact_fraction: float


def closing_mm(mask: np.ndarray, radius_mm: float, spacing_zyx: np.ndarray) -> np.ndarray:
    """Morphological closing with a Euclidean ball of ``radius_mm`` (via distance maps, exact in mm)."""
    pad = [int(np.ceil(radius_mm / s)) + 1 for s in spacing_zyx]
    padded = np.pad(mask, [(p, p) for p in pad])
    dilated = ndimage.distance_transform_edt(~padded, sampling=spacing_zyx) <= radius_mm
    closed = ndimage.distance_transform_edt(dilated, sampling=spacing_zyx) > radius_mm
    return closed[tuple(slice(p, -p) for p in pad)]


def _coarse_closing(mask: np.ndarray, radius_mm: float, spacing_zyx: np.ndarray) -> np.ndarray:
    """:func:`closing_mm` on a grid no finer than :data:`COARSE_SPACING_MM`, returned on the input grid."""
    factors = np.maximum(1, np.round(COARSE_SPACING_MM / spacing_zyx)).astype(int)
    if (factors == 1).all():
        return closing_mm(mask, radius_mm, spacing_zyx)
    padded_shape = [int(np.ceil(n / f)) * f for n, f in zip(mask.shape, factors)]
    padded = np.zeros(padded_shape, bool)
    padded[tuple(slice(0, n) for n in mask.shape)] = mask
    blocks = padded.reshape(padded_shape[0] // factors[0], factors[0], padded_shape[1] // factors[1], factors[1],
                            padded_shape[2] // factors[2], factors[2])
    coarse = blocks.mean(axis=(1, 3, 5)) >= 0.5
    closed = closing_mm(coarse, radius_mm, spacing_zyx * factors)
    fine = closed.repeat(factors[0], 0).repeat(factors[1], 1).repeat(factors[2], 2)
    return fine[tuple(slice(0, n) for n in mask.shape)] | mask


def _cavity_code(f_cavity: float, touches: bool, wall_contact: float) -> str | None:
    if f_cavity > 0.5 and wall_contact < STALK_CONTACT_FRACTION:
        return "0"
    if f_cavity > 0.5:
        return "1"
    if f_cavity >= INVOLVED_FRACTION:
        return "2"
    return "3" if touches else None


def _serosal_code(f_outside: float) -> str | None:
    if f_outside >= PEDUNCULATED_FRACTION:
        return "7"
    if f_outside > 0.5:
        return "6"
    return "5" if f_outside >= INVOLVED_FRACTION else None


def _grow(box: tuple[slice, slice, slice], margin_mm: float, spacing_zyx: np.ndarray,
          shape: tuple[int, ...]) -> tuple[slice, slice, slice]:
    margin = np.ceil(margin_mm / spacing_zyx).astype(int)
    return tuple(slice(max(s.start - m, 0), min(s.stop + m, n))  # type: ignore[return-value]
                 for s, m, n in zip(box, margin, shape))


def classify_fibroid(fibroid: np.ndarray, endometrium: np.ndarray, uterus: np.ndarray,
                     spacing_xyz_mm: tuple[float, float, float], radius_mm: float) -> FigoResult:
    """FIGO type of one fibroid (masks [k, j, i] on one grid; see the module docstring).

    Args:
        fibroid: This fibroid's voxels.
        endometrium: Endometrium/cavity voxels.
        uterus: Myometrium ∪ endometrium ∪ all fibroids.
        spacing_xyz_mm: Voxel spacing.
        radius_mm: Largest radius of the fibroid (half its longest diameter).
    """
    spacing_zyx = np.array(spacing_xyz_mm[::-1], dtype=float)
    box = bounding_slices(fibroid, margin=0)
    if box is None:
        raise ValueError("empty fibroid mask")
    size = int(fibroid[box].sum())
    near = _grow(box, 2.0 * float(spacing_zyx.max()), spacing_zyx, fibroid.shape)   # contact tests
    f_near, e_near, u_near = fibroid[near], endometrium[near], uterus[near]
    rest_near = u_near & ~f_near
    neighbourhood = ndimage.binary_dilation(f_near, CONNECTIVITY_26)
    if not (neighbourhood & rest_near).any():
        return FigoResult("8", 0.0, 0.0, 1.0, False, 0.0)
    boundary = f_near & ~ndimage.binary_erosion(f_near, CONNECTIVITY_26)
    wall_near = ndimage.binary_dilation(rest_near & ~e_near, CONNECTIVITY_26)
    wall_contact = float((boundary & wall_near).sum() / max(boundary.sum(), 1))
    touches = bool((neighbourhood & e_near).any())
    closing_radius = 2.0 * radius_mm + 2.0                                        # envelopes, coarse grid
    wide = _grow(box, 2.0 * closing_radius + 2.0, spacing_zyx, fibroid.shape)
    f_wide, e_wide = fibroid[wide], endometrium[wide]
    envelope = _coarse_closing(uterus[wide] & ~f_wide, closing_radius, spacing_zyx)
    cavity = _coarse_closing(e_wide, closing_radius, spacing_zyx) if e_wide.any() else e_wide
    f_cavity = float((f_wide & cavity).sum() / size)
    f_outside = float((f_wide & ~envelope & ~cavity).sum() / size)
    inner, outer = _cavity_code(f_cavity, touches, wall_contact), _serosal_code(f_outside)
    if inner and outer:
        figo = f"{inner}-{outer}"
    else:
        figo = inner or outer or "4"
    return FigoResult(figo, f_cavity, 1.0 - f_cavity - f_outside, f_outside, touches, wall_contact)
