"""Acquisition planning: slice plane, obliquity, field of view, matrix, slice thickness and profile.

Images are stored in acquisition order: the k axis of a sagittal series runs left-right, of a coronal
series anterior-posterior and of an axial series inferior-superior (either sign). Obliquity is either a
small random tilt or, as in uterine protocols, a tilt towards the organ's long or short axis, capped at
30 degrees. The slice profile is a smooth-edged rectangle sampled at a few through-plane points; the
label of a voxel is the majority over the samples inside the nominal slice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from gynai.errors import LabelError
from gynai.heldout.frames import rotation_matrix, unit
from gynai.image import Geometry

PLANES = ("axial", "sagittal", "coronal")
"""Slice planes the held-out generator acquires."""

_STANDARD_AXES = {
    # columns i, j, k in LPS (DICOM-style orientation of each plane before obliquity)
    "axial": np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]).T,
    "sagittal": np.array([[0.0, 1.0, 0.0], [0.0, 0.0, -1.0], [1.0, 0.0, 0.0]]).T,
    "coronal": np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]]).T,
}

MAX_OBLIQUE_DEG = 30.0


@dataclass(frozen=True)
class Acquisition:
    """Where and how a series is acquired.

    Attributes:
        plane: "axial", "sagittal" or "coronal" (before obliquity).
        oblique_deg: Angle between the slice normal and the plane's standard normal.
        geometry: Output voxel grid (LPS).
        shape_zyx: Output array shape (nk, nj, ni).
        slice_thickness_mm: Nominal slice thickness.
        slice_gap_mm: Gap between slices (spacing_k = thickness + gap).
        sub_offsets_mm: Through-plane sample offsets from the slice centre.
        profile_weights: Slice-profile weight of each sample (sum 1).
        label_weights: Weight of each sample in the label majority (samples inside the nominal slice).
        phase_axis: In-plane phase-encoding axis of the array: 2 = i (columns), 1 = j (rows).
        kspace_fraction: Fraction of k-space acquired along (i, j) before zero filling.
        slice_shifts_mm: Optional (nk, 3) LPS displacement of each slice (inter-slice motion).
    """

    plane: str
    oblique_deg: float
    geometry: Geometry
    shape_zyx: tuple[int, int, int]
    slice_thickness_mm: float
    slice_gap_mm: float
    sub_offsets_mm: tuple[float, ...]
    profile_weights: tuple[float, ...]
    label_weights: tuple[float, ...]
    phase_axis: int = 1
    kspace_fraction: tuple[float, float] = (1.0, 1.0)
    slice_shifts_mm: Optional[np.ndarray] = field(default=None, compare=False)

    def describe(self) -> dict[str, Any]:
        """JSON-ready facts of the acquisition."""
        g = self.geometry
        return {
            "plane": self.plane,
            "oblique_deg": round(float(self.oblique_deg), 2),
            "slice_thickness_mm": round(float(self.slice_thickness_mm), 3),
            "slice_gap_mm": round(float(self.slice_gap_mm), 3),
            "spacing_mm": [round(float(s), 4) for s in g.spacing_mm],
            "in_plane_spacing_mm": [round(float(s), 4) for s in g.spacing_mm[:2]],
            "direction": [round(float(d), 6) for d in g.direction],
            "shape_zyx": list(self.shape_zyx),
            "fov_mm": [round(float(n * s), 1) for n, s in zip(self.shape_zyx[::-1], g.spacing_mm)],
            "phase_axis": "i" if self.phase_axis == 2 else "j",
            "kspace_fraction": [round(float(f), 3) for f in self.kspace_fraction],
            "slice_motion": self.slice_shifts_mm is not None,
        }


def slice_samples(thickness_mm: float, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Through-plane sample offsets, profile weights and label weights of one slice.

    Samples cover 1.3 x the nominal thickness: the profile (a rectangle with soft edges) leaks a little
    beyond the nominal slice, while labels come only from samples inside it. ``count`` is made odd, so
    that an odd number of samples vote for the label (no ties, hence no bias towards the background);
    a single sample (thin slices) sits at the slice centre.
    """
    count = max(1, count + 1 - count % 2)
    half = 0.65 * thickness_mm
    offsets = (np.arange(count) + 0.5) / count * 2 * half - half
    profile = 1.0 / (1.0 + np.exp((np.abs(offsets) - thickness_mm / 2) / (0.07 * thickness_mm)))
    inside = (np.abs(offsets) <= thickness_mm / 2 + 1e-6).astype(float)
    if inside.sum() == 0:
        inside[np.argmin(np.abs(offsets))] = 1.0
    return offsets, profile / profile.sum(), inside / inside.sum()


def plane_axes(plane: str, oblique: np.ndarray | None = None) -> np.ndarray:
    """Direction matrix (columns i, j, k in LPS) of a plane, optionally rotated by ``oblique``."""
    if plane not in _STANDARD_AXES:
        raise LabelError(f"unknown acquisition plane '{plane}'; choose one of: {', '.join(PLANES)}")
    axes = _STANDARD_AXES[plane].copy()
    return axes if oblique is None else oblique @ axes


def tilt_towards(plane: str, desired_normal: np.ndarray, max_deg: float = MAX_OBLIQUE_DEG) -> tuple[np.ndarray, float]:
    """Rotation turning the plane's normal towards ``desired_normal`` by at most ``max_deg``; and its angle."""
    k0 = _STANDARD_AXES[plane][:, 2]
    n = unit(desired_normal)
    if n @ k0 < 0:
        n = -n
    angle = float(np.degrees(np.arccos(np.clip(n @ k0, -1.0, 1.0))))
    if angle < 1e-6:
        return np.eye(3), 0.0
    use = min(angle, max_deg)
    return rotation_matrix(np.cross(k0, n), use), use


def oblique_rotation(rng: np.random.Generator, plane: str, organ_axis_lps: Optional[np.ndarray],
                     align_probability: float) -> tuple[np.ndarray, float]:
    """Obliquity of a series: none, a small random tilt, or a tilt towards the organ's axes."""
    k0 = _STANDARD_AXES[plane][:, 2]
    draw = rng.uniform()
    if organ_axis_lps is not None and draw < align_probability:
        a = unit(organ_axis_lps)
        if plane == "axial":
            desired = a
        else:
            desired = k0 - (k0 @ a) * a
            if np.linalg.norm(desired) < 1e-3:
                return np.eye(3), 0.0
        return tilt_towards(plane, desired)
    if draw < align_probability + 0.3 * (1 - align_probability):
        return np.eye(3), 0.0
    in_plane = _STANDARD_AXES[plane][:, 0] * rng.normal() + _STANDARD_AXES[plane][:, 1] * rng.normal()
    angle = float(rng.uniform(2.0, 15.0))
    return rotation_matrix(in_plane, angle), angle


def build_acquisition(plane: str, rotation: np.ndarray, oblique_deg: float, center_lps: np.ndarray,
                      fov_mm: tuple[float, float], spacing_mm: tuple[float, float], n_slices: int,
                      thickness_mm: float, gap_mm: float = 0.0, k_sign: float = 1.0, sub_count: int = 4,
                      phase_axis: int = 1, kspace_fraction: tuple[float, float] = (1.0, 1.0),
                      slice_shifts_mm: Optional[np.ndarray] = None) -> Acquisition:
    """Assemble an :class:`Acquisition` centred at ``center_lps`` (all lengths in mm)."""
    axes = plane_axes(plane, rotation)
    axes[:, 2] *= 1.0 if k_sign >= 0 else -1.0
    ni = max(int(round(fov_mm[0] / spacing_mm[0])), 8)
    nj = max(int(round(fov_mm[1] / spacing_mm[1])), 8)
    spacing = (float(spacing_mm[0]), float(spacing_mm[1]), float(thickness_mm + gap_mm))
    half = (np.array([ni, nj, n_slices], float) - 1) / 2 * np.array(spacing)
    origin = np.asarray(center_lps, float) - axes @ half
    geometry = Geometry(spacing, tuple(origin), tuple(axes.reshape(-1)))
    offsets, profile, labels = slice_samples(thickness_mm, sub_count)
    return Acquisition(plane, float(oblique_deg), geometry, (int(n_slices), nj, ni), float(thickness_mm),
                       float(gap_mm), tuple(offsets), tuple(profile), tuple(labels), phase_axis,
                       kspace_fraction, slice_shifts_mm)
