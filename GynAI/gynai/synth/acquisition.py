"""Acquisition simulation on the model grid: thick slices along any axis (or oblique), field-of-view cuts.

A 2D multi-slice MRI series samples the anatomy every ``slice spacing`` millimetres through a slice
profile of some thickness; GynAI's inference resamples such a series linearly onto its isotropic model
grid. :func:`simulate_thick_slices` reproduces that on an image already on the model grid: blur with the
slice profile along one axis (Gaussian of FWHM = profile width), sample at the slice positions (random
phase), and interpolate linearly back to every grid position. Oblique slices: rotate, simulate along a
grid axis, rotate back.
"""

from __future__ import annotations

import math

import numpy as np
import torch

SLICE_AXES = ("axial", "coronal", "sagittal")
"""Names of the slice directions by array axis of a [z, y, x] image (z: axial slices, y: coronal, x: sagittal)."""


def blur_along_axis(image: torch.Tensor, axis: int, sigma_voxels: float) -> torch.Tensor:
    """Gaussian blur of a [z, y, x] tensor along one axis (edge values repeated at the borders)."""
    if sigma_voxels <= 0.05:
        return image
    from monai.transforms import GaussianSmooth

    sigma = [0.0, 0.0, 0.0]
    sigma[axis] = float(sigma_voxels)
    return GaussianSmooth(sigma=sigma)(image[None])[0]


def slice_positions(length: int, step_voxels: float, phase: float) -> torch.Tensor:
    """Positions (voxel units) of the slices along an axis of ``length`` voxels: ``phase + k·step`` with
    one slice beyond each end, so every grid position lies between two slices."""
    first = phase - step_voxels * math.ceil(phase / step_voxels + 1e-9)
    count = int(math.ceil((length - 1 - first) / step_voxels)) + 1
    return first + step_voxels * torch.arange(count + 1, dtype=torch.float32)


def _interpolate(values: torch.Tensor, positions: torch.Tensor, axis: int) -> torch.Tensor:
    """Values of ``values`` (along ``axis``) at fractional positions, linear, clamped at the ends."""
    length = values.shape[axis]
    clamped = positions.clamp(0, length - 1)
    low = clamped.floor().long().clamp(max=length - 1)
    high = (low + 1).clamp(max=length - 1)
    weight = (clamped - low.float())
    shape = [1, 1, 1]
    shape[axis] = -1
    weight = weight.reshape(shape)
    return values.index_select(axis, low) * (1 - weight) + values.index_select(axis, high) * weight


def simulate_thick_slices(image: torch.Tensor, axis: int, spacing_mm: float, thickness_mm: float,
                          slice_spacing_mm: float | None = None, profile_fraction: float = 1.0,
                          phase: float = 0.0) -> torch.Tensor:
    """An image on the model grid as if acquired in slices along ``axis`` and resampled back linearly.

    Args:
        image: [z, y, x] float tensor on an isotropic grid of ``spacing_mm``.
        axis: Array axis across the slices (0 axial, 1 coronal, 2 sagittal).
        spacing_mm: Grid spacing.
        thickness_mm: Slice thickness (FWHM of the slice profile is ``profile_fraction · thickness_mm``).
        slice_spacing_mm: Distance between slice centres (default: the thickness, no gap).
        profile_fraction: Width of the slice profile relative to the thickness (1: a full-width profile;
            small: nearly point sampling, as a renderer that samples thick slices without blur).
        phase: Position of the first slice within a step, in grid voxels.

    Returns:
        The simulated image, same shape as ``image``.
    """
    step = (slice_spacing_mm or thickness_mm) / spacing_mm
    if step <= 1.0:
        return image
    sigma = profile_fraction * thickness_mm / (2.0 * math.sqrt(2.0 * math.log(2.0))) / spacing_mm
    blurred = blur_along_axis(image, axis, sigma)
    positions = slice_positions(image.shape[axis], step, phase)
    slices = _interpolate(blurred, positions, axis)
    grid = torch.arange(image.shape[axis], dtype=torch.float32)
    fractional = (grid - positions[0]) / step
    return _interpolate(slices, fractional, axis)


def rotate(image: torch.Tensor, matrix: np.ndarray, mode: str = "bilinear") -> torch.Tensor:
    """Resample a [z, y, x] tensor through a 3x3 rotation about its centre (MONAI Affine, borders
    repeated); ``rotate(rotate(x, m), m.T)`` returns ``x`` up to interpolation."""
    from monai.transforms import Affine

    affine = np.eye(4)
    affine[:3, :3] = matrix
    return Affine(affine=affine, mode=mode, padding_mode="border", image_only=True)(image[None])[0]


def simulate_oblique_slices(image: torch.Tensor, matrix: np.ndarray, axis: int, spacing_mm: float,
                            thickness_mm: float, **options) -> torch.Tensor:
    """Thick slices whose normal is the grid axis ``axis`` turned by the rotation ``matrix``."""
    turned = rotate(image, matrix)
    simulated = simulate_thick_slices(turned, axis, spacing_mm, thickness_mm, **options)
    return rotate(simulated, np.asarray(matrix).T)


def cut_field_of_view(image: torch.Tensor, labels: torch.Tensor, rng: np.random.Generator,
                      max_fraction: float = 0.35) -> tuple[torch.Tensor, torch.Tensor]:
    """Blank (0 image, 0 labels) everything beyond one or two random planes near an edge, as outside an
    acquired field of view."""
    shape = torch.tensor(image.shape, dtype=torch.float32)
    z, y, x = torch.meshgrid(*(torch.arange(n, dtype=torch.float32) for n in image.shape), indexing="ij")
    coordinates = torch.stack([z, y, x], dim=-1) / shape - 0.5
    keep = torch.ones(image.shape, dtype=torch.bool)
    for _ in range(int(rng.integers(1, 3))):
        axis = int(rng.integers(3))
        normal = np.zeros(3)
        normal[axis] = rng.choice([-1.0, 1.0])
        normal += rng.normal(0, 0.15, 3)
        normal /= np.linalg.norm(normal)
        offset = 0.5 - rng.uniform(0.0, max_fraction)
        keep &= coordinates @ torch.tensor(normal, dtype=torch.float32) < offset
    return image * keep, labels * keep
