"""Random geometry of a training sample: rotation, scaling and a smooth elastic deformation in one
resampling, built from MONAI's grid transforms.

MONAI's ``Rand3DElastic`` smooths a random offset per voxel with a wide Gaussian, which costs more than
the network's training step on a CPU; like MONAI's ``Rand2DElastic``, this draws the offsets on a
coarse control grid (``RandDeformGrid``), applies the random affine to it (``RandAffineGrid``) and
interpolates it to the output size, so the deformation is just as smooth at a fraction of the cost.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch


class RandCoarseElastic:
    """Random affine + elastic warp of a channel-first 3D tensor.

    Args:
        rotate_range_rad: Maximum rotation about each axis.
        scale_range: Maximum relative scaling per axis (0.15: 0.85–1.15).
        control_spacing_voxels: Distance between the control points of the deformation.
        magnitude_voxels: Range of the standard deviation of the control points' random offsets.
        mode: ``nearest`` (tissue maps) or ``bilinear``.
    """

    def __init__(self, rotate_range_rad: float, scale_range: float, control_spacing_voxels: int = 16,
                 magnitude_voxels: tuple[float, float] = (0.0, 3.0), mode: str = "nearest") -> None:
        from monai.transforms import RandAffineGrid, RandDeformGrid, Resample

        self.control_spacing = int(control_spacing_voxels)
        self.deform = RandDeformGrid(spacing=(self.control_spacing,) * 3, magnitude_range=magnitude_voxels)
        self.affine = RandAffineGrid(rotate_range=(rotate_range_rad,) * 3, scale_range=(scale_range,) * 3)
        self.resample = Resample(mode=mode, padding_mode="zeros")
        self.magnitude_voxels = magnitude_voxels

    def set_random_state(self, seed: int) -> None:
        """Seed both random parts."""
        rng = np.random.default_rng(seed)
        self.deform.set_random_state(seed=int(rng.integers(2 ** 31)))
        self.affine.set_random_state(seed=int(rng.integers(2 ** 31)))

    def __call__(self, image: torch.Tensor, spatial_size: Sequence[int], elastic: bool = True) -> torch.Tensor:
        """Warp ``image`` (C, z, y, x) into an output of ``spatial_size`` centred on the input's centre."""
        from monai.transforms import CenterSpatialCrop

        size = tuple(int(n) for n in spatial_size)
        self.deform.magnitude = self.magnitude_voxels if elastic else (0.0, 0.0)
        grid = self.deform(spatial_size=size)
        grid = self.affine(grid=grid)
        grid = torch.nn.functional.interpolate(grid[None], scale_factor=[float(self.control_spacing)] * 3,
                                               mode="trilinear", align_corners=False, recompute_scale_factor=True)
        grid = CenterSpatialCrop(roi_size=size)(grid[0])
        return self.resample(image, grid)
