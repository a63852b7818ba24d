"""Spherical reference regions (e.g. skeletal muscle for the Funaki class) given in patient LPS mm."""

from __future__ import annotations

import numpy as np

from gynai.errors import GeometryError, LabelError
from gynai.image import Geometry

REFERENCE_ROIS = ("muscle", "myometrium")
"""Reference tissues the metrics accept: skeletal muscle (fibroid Funaki class), myometrium (adnexal)."""


def parse_roi(spec: str) -> tuple[str, np.ndarray, float]:
    """Parse ``NAME=X,Y,Z,RADIUS`` (LPS mm) into name, centre and radius.

    Raises:
        LabelError: Unknown name or malformed numbers.
    """
    name, _, numbers = spec.partition("=")
    name = name.strip().lower()
    if name not in REFERENCE_ROIS:
        raise LabelError(f"--roi '{spec}': the name must be one of {', '.join(REFERENCE_ROIS)}")
    try:
        values = [float(v) for v in numbers.split(",")]
    except ValueError:
        values = []
    if len(values) != 4 or not np.all(np.isfinite(values)) or values[3] <= 0:
        raise LabelError(f"--roi '{spec}': give NAME=X,Y,Z,RADIUS in LPS millimetres with RADIUS > 0, "
                         "e.g. muscle=-80,20,10,8")
    return name, np.array(values[:3]), values[3]


def sphere_mask(geometry: Geometry, shape_kji: tuple[int, int, int], centre_lps_mm: np.ndarray,
                radius_mm: float) -> np.ndarray:
    """Voxels whose centres lie within ``radius_mm`` of ``centre_lps_mm``.

    Raises:
        GeometryError: The sphere contains no voxel centre of the grid.
    """
    centre_ijk = geometry.lps_to_index(centre_lps_mm)
    reach = radius_mm / np.asarray(geometry.spacing_mm) + 1
    low = np.maximum(np.floor(centre_ijk - reach).astype(int), 0)
    high = np.minimum(np.ceil(centre_ijk + reach).astype(int) + 1, np.array(shape_kji[::-1]))
    mask = np.zeros(shape_kji, bool)
    if np.any(high <= low):
        raise GeometryError(f"the region at {centre_lps_mm.tolist()} mm (LPS) is outside the image; "
                            "check the coordinates (Slicer shows RAS: negate x and y)")
    i, j, k = np.meshgrid(*(np.arange(a, b) for a, b in zip(low, high)), indexing="ij")
    index = np.stack([i, j, k], axis=-1).reshape(-1, 3)
    inside = np.linalg.norm(geometry.index_to_lps(index) - centre_lps_mm, axis=1) <= radius_mm
    chosen = index[inside]
    if len(chosen) == 0:
        raise GeometryError(f"the region at {centre_lps_mm.tolist()} mm (LPS) with radius {radius_mm} mm "
                            "contains no voxel; enlarge it or check the coordinates")
    mask[chosen[:, 2], chosen[:, 1], chosen[:, 0]] = True
    return mask
