"""Random acquisition plans for MR and CT series of a scene (field of view, matrix, slices).

MR series are sagittal, axial or coronal, sometimes tilted towards the organ (up to 30 degrees), with
3-6 mm slices (sometimes with gaps), 0.5-1.2 mm in-plane voxels and a rectangular field of view that
may cut organs at its edges. CT series are axial, 1.25-5 mm, with a reconstruction field of view that
holds the whole body cross-section. Voxel budgets keep a case within a few seconds on a laptop CPU.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from gynai.heldout.acquisition import Acquisition, build_acquisition, oblique_rotation
from gynai.heldout.scene import Scene
from gynai.tasks import get_task

MAX_OUTPUT_VOXELS = 4_000_000
MAX_FINE_SAMPLES = 11_000_000
CT_MAX_FINE_SAMPLES = 15_000_000

def _slice_motion(rng: np.random.Generator, n: int, axes: np.ndarray) -> np.ndarray:
    steps = rng.normal(0, 0.6, (n, 2))
    walk = np.clip(np.cumsum(steps, axis=0), -3.0, 3.0)
    return walk[:, :1] * axes[:, 0] + walk[:, 1:] * axes[:, 1]


def plan_mr(rng: np.random.Generator, scene: Scene, task: str, plane: str | None = None,
            resolution_scale: float = 1.0) -> Acquisition:
    """Plan an MR series for ``scene`` (``plane`` forces the slice plane)."""
    weights, align, fov_range, coverage_range, thick_range = get_task(task).heldout.mr_planes
    if plane is None:
        plane = str(rng.choice(["axial", "sagittal", "coronal"], p=weights))
    axis_lps = scene.pose_rotation @ scene.target_axis
    rotation, oblique = oblique_rotation(rng, plane, axis_lps, align)
    fov_ro = float(rng.uniform(*fov_range))
    fov = (fov_ro, fov_ro * float(rng.uniform(0.75, 1.0)))
    spacing = float(rng.uniform(0.5, 1.2))
    spacing = max(spacing, max(fov) / 400.0)
    thickness = float(rng.uniform(*thick_range))
    gap = 0.0 if rng.uniform() < 0.55 else min(thickness * float(rng.uniform(0.1, 0.3)), 1.5)
    n_slices = int(np.clip(round(float(rng.uniform(*coverage_range)) / (thickness + gap)), 12, 48))
    n_inplane = (fov[0] / spacing) * (fov[1] / spacing)
    if n_inplane * n_slices > MAX_OUTPUT_VOXELS:
        spacing = min(1.2, spacing * np.sqrt(n_inplane * n_slices / MAX_OUTPUT_VOXELS))
        n_inplane = (fov[0] / spacing) * (fov[1] / spacing)
        n_slices = int(max(12, min(n_slices, MAX_OUTPUT_VOXELS // n_inplane)))
    spacing /= resolution_scale
    n_inplane = (fov[0] / spacing) * (fov[1] / spacing)
    sub = 5 if thickness >= 4.0 else 3
    if n_inplane * n_slices * sub > MAX_FINE_SAMPLES:
        sub = 3
    phase_axis = int(rng.choice([1, 2]))
    pe_fraction, ro_fraction = float(rng.uniform(0.55, 1.0)), float(rng.uniform(0.8, 1.0))
    kfrac = (pe_fraction, ro_fraction) if phase_axis == 2 else (ro_fraction, pe_fraction)
    center = scene.body_to_lps(scene.target_center_mm[None, :])[0]
    center = center + rng.normal(0, 0.08 * fov_ro, 3)
    acq = build_acquisition(plane, rotation, oblique, center, fov, (spacing, spacing), n_slices, thickness,
                            gap, float(rng.choice([-1.0, 1.0])), sub, phase_axis, kfrac)
    if rng.uniform() < 0.15:
        acq = replace(acq, slice_shifts_mm=_slice_motion(rng, n_slices, acq.geometry.direction_matrix))
    return acq


def plan_ct(rng: np.random.Generator, scene: Scene, resolution_scale: float = 1.0) -> Acquisition:
    """Plan an axial CT series covering the target, reconstructed on the whole body cross-section."""
    body = scene.facts.get("body", {})
    width = float(body.get("hip_width_mm", 360.0))
    depth = float(body.get("back_y_mm", 130.0) - body.get("front_y_mm", -120.0))
    dfov = float(np.clip(max(width, depth) + rng.uniform(20, 70), 320, 480))
    thickness = float(rng.choice([1.25, 2.0, 2.5, 3.0, 5.0], p=[0.1, 0.15, 0.25, 0.2, 0.3]))
    sub = 1 if thickness <= 1.5 else 3
    matrix = 320 if 1.5 < thickness <= 3.0 else int(rng.choice([320, 384, 400]))
    spacing = dfov / matrix / resolution_scale
    budget = CT_MAX_FINE_SAMPLES / (dfov / spacing) ** 2 / sub
    n_slices = int(np.clip(round(float(rng.uniform(140, 240)) / thickness), 10, max(10, int(budget))))
    center_body = np.array([rng.normal(0, 8), float(body.get("front_y_mm", -120.0) + depth / 2) + rng.normal(0, 8),
                            scene.target_center_mm[2] + rng.normal(0, 15)])
    center = scene.body_to_lps(center_body[None, :])[0]
    return build_acquisition("axial", np.eye(3), 0.0, center, (dfov, dfov), (spacing, spacing), n_slices,
                             thickness, 0.0, float(rng.choice([-1.0, 1.0])), sub)
