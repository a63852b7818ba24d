"""Fluid–fluid levels: a dependent layer of haemorrhagic fluid is fluid, not wall.

A haemorrhagic (or proteinaceous) cyst can hold two fluids of different signal that settle into layers:
the denser one lies dependent, under a flat interface perpendicular to gravity (the haematocrit effect;
"fluid–fluid level"). A T2-dark dependent layer falls below the Otsu threshold that separates bright fluid
from the dark wall and septa, so the layer was counted as wall (a cyst measured 34 mL of fluid for 51 mL).

:func:`fluid_level_layers` finds such layers among the non-fluid voxels of the cystic part:

* candidates are non-fluid cystic voxels as deep inside the lesion as the fluid reaches next to the wall
  (distance to the outside of the lesion at least the 1st percentile of the fluid voxels' distances: the
  wall is thinner than that), split into 6-connected components of at least :data:`MIN_LAYER_ML` and
  :data:`MIN_LAYER_DEPTH_MM` deep along gravity;
* a component is a layer when its interface with the fluid is a level: flat (the heights of the interface
  voxels along gravity, 5th to 95th percentile, within :data:`LEVEL_FLATNESS_MM` plus a voxel's extent
  along gravity) and one-sided (at least :data:`ONE_SIDED_SHARE` of the interface faces have the fluid on
  the same side along gravity: above a dependent dark layer, or below when the bright layer was the one
  taken for fluid). A clot or debris ball (fluid all around), a septum (fluid on both sides or a tilted
  interface) or the wall at the cavity's poles (not deeper than the wall) is not a layer.

Gravity is the patient's posterior direction (+y in LPS) as for a supine patient: the usual MRI position.
The rules and their limits are GynAI's (no published method): layers thinner than about the wall are not
recognised, and septa or a wall thicker than elsewhere reaching into a layer below the level are counted
with it.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from gynai.image import Geometry

GRAVITY_LPS = np.array([0.0, 1.0, 0.0])
"""Direction of gravity in LPS for a supine patient (posterior)."""
MIN_LAYER_ML = 0.5
"""Smallest layer (a 10 mm ball); smaller non-fluid pockets against the wall are not levels."""
MIN_LAYER_DEPTH_MM = 3.0
"""Smallest depth of a layer along gravity (slivers of the wall's inner surface are not levels)."""
CAVITY_DEPTH_PERCENTILE = 1.0
"""The cavity starts at this percentile of the fluid voxels' depth inside the lesion (the wall is thinner)."""
LEVEL_FLATNESS_MM = 1.0
ONE_SIDED_SHARE = 0.9
_SIX = ndimage.generate_binary_structure(3, 1)


def _heights_mm(shape: tuple[int, ...], geometry: Geometry) -> np.ndarray:
    """Position (mm) of every voxel centre [k, j, i] along gravity (relative to the first voxel)."""
    along = geometry.direction_matrix.T @ GRAVITY_LPS * np.asarray(geometry.spacing_mm, float)   # per i, j, k step
    k, j, i = (np.arange(n, dtype=np.float64) for n in shape)
    return along[2] * k[:, None, None] + along[1] * j[None, :, None] + along[0] * i[None, None, :]


def _interface(component: np.ndarray, fluid: np.ndarray,
               steps_mm: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Interface voxels of a component next to fluid (6-neighbours), and the face counts with the fluid
    above (against gravity) and below it."""
    touching = np.zeros_like(component)
    above = below = 0.0
    for axis in range(3):
        for sign in (-1, 1):
            neighbour_is_fluid = np.zeros_like(component)
            source = [slice(None)] * 3
            target = [slice(None)] * 3
            source[axis] = slice(1, None) if sign < 0 else slice(None, -1)
            target[axis] = slice(None, -1) if sign < 0 else slice(1, None)
            neighbour_is_fluid[tuple(source)] = fluid[tuple(target)]
            faces = component & neighbour_is_fluid
            touching |= faces
            step = sign * steps_mm[2 - axis]                     # height change towards that neighbour
            if step < -1e-6:
                above += float(faces.sum()) * abs(step)
            elif step > 1e-6:
                below += float(faces.sum()) * abs(step)
    return touching, above, below


def fluid_level_layers(cystic: np.ndarray, fluid: np.ndarray, depth_mm: np.ndarray, geometry: Geometry) -> np.ndarray:
    """Non-fluid voxels of the cystic part that are a layer under (or over) a fluid–fluid level.

    Args:
        cystic: The lesion's cystic part [k, j, i].
        fluid: Its voxels found to be fluid so far.
        depth_mm: Distance (mm) of every voxel of the lesion (cystic part and solid tissue) to its outside
            (Euclidean distance transform of the lesion).
        geometry: Grid of the arrays.

    Returns:
        Mask of the layers (empty when there is no level).
    """
    steps_mm = geometry.direction_matrix.T @ GRAVITY_LPS * np.asarray(geometry.spacing_mm, float)   # i, j, k
    if not fluid.any():
        return np.zeros_like(fluid)
    cavity_depth = float(np.percentile(depth_mm[fluid], CAVITY_DEPTH_PERCENTILE))   # where the wall ends
    candidates = cystic & ~fluid & (depth_mm >= cavity_depth)
    components, count = ndimage.label(candidates, structure=_SIX)
    layers = np.zeros_like(candidates)
    if count == 0:
        return layers
    voxel_ml = geometry.voxel_volume_mm3 / 1000.0
    heights = _heights_mm(cystic.shape, geometry)
    tolerance = LEVEL_FLATNESS_MM + float(np.abs(steps_mm).sum())      # a plane's stair steps span this
    for number, box in enumerate(ndimage.find_objects(components), start=1):
        grown = tuple(slice(max(s.start - 1, 0), s.stop + 1) for s in box)
        component = components[grown] == number
        if component.sum() * voxel_ml < MIN_LAYER_ML or np.ptp(heights[grown][component]) < MIN_LAYER_DEPTH_MM:
            continue
        touching, above, below = _interface(component, fluid[grown], np.asarray(steps_mm))
        if not touching.any() or max(above, below) < ONE_SIDED_SHARE * (above + below):
            continue
        low, high = np.percentile(heights[grown][touching], [5, 95])
        if high - low <= tolerance:
            layers[grown] |= component
    return layers

