"""A 3D overview of a segmentation: a shaded surface rendering seen from the front, computed with numpy.

The labels are resampled (trilinear interpolation of each label's mask) onto a grid aligned with the patient axes, so oblique
acquisitions render upright. Rays run from anterior to posterior; each label's first surface along a ray
gives a depth map, shaded by its slope (Lambert light from the upper front). Lesions and inner structures
are drawn opaque and the enclosing organs (myometrium, the cystic part of an adnexal lesion) translucent
over them, so fibroids and the placenta show through the uterine wall. Rows run superior → inferior and
columns patient right → left (the radiological front view).
"""

from __future__ import annotations

from typing import Optional

import numpy as np
from scipy import ndimage

from gynai.image import LabelImage
from gynai.report.blocks import Figure
from gynai.report.png import encode_png
from gynai.tasks import TASKS

TRANSLUCENT_IDS = frozenset(spec.label.id for task in TASKS.values() for spec in task.segments if spec.translucent)
"""Labels drawn translucent over the others: the enclosing organs (``SegmentSpec.translucent``)."""
TRANSLUCENT_OPACITY = 0.35
MAX_GRID = 128
"""Largest number of samples along any patient axis (the step grows for large structures)."""
_LIGHT = np.array([0.35, 0.45, 1.0]) / np.linalg.norm([0.35, 0.45, 1.0])
_BACKGROUND = 250


def _patient_grid(labels: LabelImage, margin_mm: float = 8.0) -> Optional[tuple[np.ndarray, np.ndarray, float]]:
    """Voxel coordinates (k, j, i) of an LPS-aligned grid [z, y, x] around the labelled voxels, its step (mm)."""
    indices = np.argwhere(labels.array > 0)
    if indices.size == 0:
        return None
    matrix = labels.geometry.ijk_to_lps()
    corners = np.array([[a, b, c] for a in (0, 1) for b in (0, 1) for c in (0, 1)])
    low_k, high_k = indices.min(axis=0), indices.max(axis=0)
    box_ijk = low_k[::-1] + corners * (high_k - low_k)[::-1]            # (i, j, k) corners of the box
    box_lps = box_ijk @ matrix[:3, :3].T + matrix[:3, 3]
    low, high = box_lps.min(axis=0) - margin_mm, box_lps.max(axis=0) + margin_mm
    step = max(0.5 * min(labels.geometry.spacing_mm), float((high - low).max()) / MAX_GRID)
    axes = [np.arange(low[d], high[d] + step / 2, step) for d in range(3)]           # x, y, z
    z, y, x = np.meshgrid(axes[2][::-1], axes[1], axes[0], indexing="ij")             # z from superior down
    points = np.stack([x, y, z, np.ones_like(x)], axis=-1).reshape(-1, 4)
    ijk = (points @ np.linalg.inv(matrix).T)[:, :3]
    return ijk[:, ::-1].T.copy(), np.array(z.shape), step


def _sample(mask: np.ndarray, coordinates: np.ndarray, shape: np.ndarray, spacing_zyx: np.ndarray) -> np.ndarray:
    """A binary mask, smoothed at half the coarsest spacing and sampled with trilinear interpolation at
    voxel coordinates (k, j, i): smooth surfaces instead of voxel steps."""
    low = np.maximum(np.floor(coordinates.min(axis=1)).astype(int) - 2, 0)
    high = np.minimum(np.ceil(coordinates.max(axis=1)).astype(int) + 3, mask.shape)
    crop = mask[low[0]:high[0], low[1]:high[1], low[2]:high[2]].astype(np.float32)
    smooth = ndimage.gaussian_filter(crop, 0.5 * spacing_zyx.max() / spacing_zyx)
    values = ndimage.map_coordinates(smooth, coordinates - low[:, None], order=1, mode="constant", cval=0.0)
    return values.reshape(tuple(shape)) >= 0.5


def _shade(mask: np.ndarray, step_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """Hit mask and Lambert shading of the first surface of ``mask`` [z, y, x] seen along +y."""
    hit = mask.any(axis=1)
    depth_mm = np.where(hit, mask.argmax(axis=1), mask.shape[1]).astype(float) * step_mm
    depth_mm = np.where(hit, depth_mm, np.nan)
    filled = ndimage.gaussian_filter(np.where(hit, depth_mm, np.nanmax(depth_mm) if hit.any() else 0.0), 1.0)
    dz, dx = np.gradient(filled, step_mm)
    normal = np.stack([dx, -dz, -np.ones_like(dx)], axis=-1)
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
    light = np.clip(-(normal @ _LIGHT), 0, 1)
    return hit, 0.3 + 0.7 * light


def overview_rgb(labels: LabelImage) -> Optional[tuple[np.ndarray, float]]:
    """The front-view rendering as an RGB array and its pixel size in mm (``None`` when nothing is labelled)."""
    sampled = _patient_grid(labels)
    if sampled is None:
        return None
    coordinates, shape, step = sampled
    rgb = np.full((shape[0], shape[2], 3), _BACKGROUND, float)
    ordered = sorted(labels.labels, key=lambda label: label.id in TRANSLUCENT_IDS)
    for label in ordered:
        voxels = labels.array == label.value
        if not voxels.any():
            continue
        mask = _sample(voxels, coordinates, shape, np.array(labels.geometry.spacing_mm[::-1]))
        if not mask.any():
            continue
        hit, shade = _shade(mask, step)
        colour = np.array(label.color_rgb) * 255.0
        layer = shade[..., None] * colour
        opacity = TRANSLUCENT_OPACITY if label.id in TRANSLUCENT_IDS else 1.0
        rgb[hit] = (1 - opacity) * rgb[hit] + opacity * layer[hit]
    scale = max(1, int(round(384 / rgb.shape[1])))
    return np.repeat(np.repeat(rgb, scale, axis=0), scale, axis=1).astype(np.uint8), step / scale


def render_overview(labels: LabelImage) -> Optional[Figure]:
    """The front-view surface rendering of all labels with a scale bar, or ``None`` when nothing is labelled."""
    rendered = overview_rgb(labels)
    if rendered is None:
        return None
    rgb, mm_per_px = rendered
    bar_mm = 50.0 if 50.0 / mm_per_px <= rgb.shape[1] / 3 else 20.0
    rgb[-12:-8, 10:10 + int(round(bar_mm / mm_per_px))] = 40
    caption = (f"3D overview: surface rendering seen from the front (patient right on the left, superior at "
               f"the top); the myometrium is translucent; scale bar {bar_mm:g} mm")
    return Figure("3D overview", encode_png(rgb), (rgb.shape[1], rgb.shape[0]), caption)
