"""Adnexal mass phantom: a septated cystic ovarian mass with a solid mural nodule, beside a small uterus."""

from __future__ import annotations

import numpy as np

from gynai.phantom.pelvis import Canvas
from gynai.phantom.shapes import Ellipsoid

MASS, SOLID = 1, 2


def paint_adnexal_mass(canvas: Canvas, rng: np.random.Generator, centre: np.ndarray) -> dict:
    """Paint uterus (label 0), the cystic mass (label 1: wall, septum, fluid) and solid tissue (label 2)."""
    points = canvas.points
    uterus = Ellipsoid((0.0, -5.0, 10.0), (22.0, 18.0, 35.0))
    canvas.paint(uterus.contains(points), "myometrium")
    side = float(rng.choice([-1.0, 1.0]))
    radii = tuple(float(v) for v in rng.uniform(20, 50, 3))
    mass_centre = np.asarray(centre) + np.array([side * (radii[0] + 30.0), 5.0, 0.0])
    mass = Ellipsoid(tuple(mass_centre), radii)
    wall_mm = float(rng.uniform(1.5, 3.0))
    lumen = Ellipsoid(tuple(mass_centre), tuple(r - wall_mm for r in radii))
    in_mass = mass.contains(points)
    canvas.paint(in_mass, "septum", MASS)
    canvas.paint(lumen.contains(points), "cyst", MASS)
    septum_normal = rng.normal(size=3)
    septum_normal /= np.linalg.norm(septum_normal)
    offset = (points - mass_centre.astype(np.float32)) @ septum_normal.astype(np.float32)
    canvas.paint(in_mass & (np.abs(offset) < 1.0), "septum", MASS)
    nodule_direction = rng.normal(size=3)
    nodule_direction /= np.linalg.norm(nodule_direction)
    nodule_radius = float(rng.uniform(5, min(14, min(radii) / 2)))
    surface = mass.surface_distance_along(nodule_direction)
    nodule = Ellipsoid(tuple(mass.to_lps(nodule_direction * (surface - wall_mm - nodule_radius * 0.6))),
                       (nodule_radius,) * 3)
    solid = nodule.contains(points) & in_mass
    canvas.paint(solid, "solid", SOLID)
    voxel_ml = canvas.geometry.voxel_volume_mm3 / 1000.0
    return {"mass": {"center_lps_mm": mass_centre.tolist(), "radii_mm": list(radii), "volume_ml": mass.volume_ml,
                     "wall_thickness_mm": wall_mm},
            "solid": {"radius_mm": nodule_radius, "voxel_volume_ml": float(solid.sum() * voxel_ml)},
            "locules": 2, "septum_thickness_mm": 2.0}
