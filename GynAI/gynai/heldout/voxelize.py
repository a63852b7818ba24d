"""Sampling a scene on an acquisition's internal grid (in-plane voxel centres x through-plane samples).

The internal grid has the output in-plane grid and ``len(sub_offsets_mm)`` samples per slice, stored as
fine slice index ``k * n_sub + s``. Materials are kept per sample (the renderers average signal over the
slice profile: partial volume); labels are the weighted majority of the samples inside the nominal slice.
"""

from __future__ import annotations

import numpy as np

from gynai.heldout.acquisition import Acquisition
from gynai.heldout.painting import paint_grid
from gynai.heldout.scene import Scene

TARGET_BLOCK_POINTS = 160_000


def _block_shape(shape: tuple[int, int, int]) -> tuple[int, int, int]:
    nj, ni = shape[1], shape[2]
    bj, bi = min(nj, 96), min(ni, 96)
    bk = max(1, min(shape[0], TARGET_BLOCK_POINTS // (bj * bi)))
    return bk, bj, bi


def affine_point_maker(scene: Scene, origin_lps: np.ndarray, axes_lps: np.ndarray,
                       i_mm: np.ndarray, j_mm: np.ndarray, k_offsets_lps: np.ndarray):
    """Point maker for grids ``origin + axes[:,0] i + axes[:,1] j + k_offsets[k]`` (LPS) in body coordinates.

    Args:
        scene: Scene (its pose maps LPS to the body frame).
        origin_lps: Grid origin (3,).
        axes_lps: Columns = unit i and j axes (the third column is unused).
        i_mm: (ni,) positions along i; j_mm: (nj,) positions along j.
        k_offsets_lps: (nk, 3) LPS offset of each (fine) slice, including the k axis term.
    """
    rot_t = scene.pose_rotation.T
    o = rot_t @ (np.asarray(origin_lps, float) - scene.pose_translation_mm)
    ti = (rot_t @ axes_lps[:, 0])[None, :] * np.asarray(i_mm, float)[:, None]
    tj = (rot_t @ axes_lps[:, 1])[None, :] * np.asarray(j_mm, float)[:, None]
    tk = np.asarray(k_offsets_lps, float) @ rot_t.T + o
    ti, tj, tk = ti.astype(np.float32), tj.astype(np.float32), tk.astype(np.float32)

    def make(sl: tuple[slice, slice, slice]):
        out = []
        for c in range(3):
            out.append(tk[sl[0], c][:, None, None] + tj[sl[1], c][None, :, None] + ti[sl[2], c][None, None, :])
        out.append((tk[sl[0]], tj[sl[1]], ti[sl[2]]))
        return tuple(out)

    return make


def fine_slice_offsets(acq: Acquisition) -> np.ndarray:
    """(nk * n_sub, 3) LPS offsets from the origin of every fine slice (motion included)."""
    axes = acq.geometry.direction_matrix
    nk = acq.shape_zyx[0]
    k_spacing = acq.geometry.spacing_mm[2]
    offsets = np.asarray(acq.sub_offsets_mm)
    positions = (np.arange(nk)[:, None] * k_spacing + offsets[None, :]).reshape(-1)
    result = positions[:, None] * axes[:, 2][None, :]
    if acq.slice_shifts_mm is not None:
        result = result + np.repeat(np.asarray(acq.slice_shifts_mm, float), len(offsets), axis=0)
    return result


def sample_acquisition(scene: Scene, acq: Acquisition) -> tuple[np.ndarray, np.ndarray]:
    """Materials per through-plane sample and majority labels per voxel.

    Returns:
        (materials (nk * n_sub, nj, ni) uint8, labels (nk, nj, ni) uint8).
    """
    nk, nj, ni = acq.shape_zyx
    n_sub = len(acq.sub_offsets_mm)
    g = acq.geometry
    maker = affine_point_maker(scene, np.asarray(g.origin_lps_mm), g.direction_matrix,
                               np.arange(ni) * g.spacing_mm[0], np.arange(nj) * g.spacing_mm[1],
                               fine_slice_offsets(acq))
    shape = (nk * n_sub, nj, ni)
    mat, lab = paint_grid(scene, shape, maker, _block_shape(shape))
    return mat, majority_labels(lab.reshape(nk, n_sub, nj, ni), np.asarray(acq.label_weights))


def majority_labels(lab: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted majority over axis 1 of a (nk, n_sub, nj, ni) label array (ties go to the lower value)."""
    values = np.unique(lab)
    if len(values) == 1:
        return np.full(lab.shape[:1] + lab.shape[2:], values[0], dtype=np.uint8)
    best = np.zeros(lab.shape[:1] + lab.shape[2:], dtype=np.uint8)
    best_score = np.full(best.shape, -1.0, dtype=np.float32)
    for value in values:
        score = np.zeros(best.shape, dtype=np.float32)
        for s, w in enumerate(weights):
            if w > 0:
                score += float(w) * (lab[:, s] == value)
        better = score > best_score + 1e-6
        best[better] = value
        best_score[better] = score[better]
    return best


def profile_average(table: np.ndarray, mat: np.ndarray, n_sub: int, weights: np.ndarray) -> np.ndarray:
    """Slice-profile average of a per-material quantity: ``sum_s w_s table[mat[k, s]]`` (float32)."""
    nkf, nj, ni = mat.shape
    fine = mat.reshape(nkf // n_sub, n_sub, nj, ni)
    out = np.zeros((nkf // n_sub, nj, ni), dtype=np.float32)
    table = np.asarray(table, dtype=np.float32)
    for s, w in enumerate(weights):
        out += float(w) * table[fine[:, s]]
    return out
