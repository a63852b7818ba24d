"""Adnexal mass phantom: a septated cystic ovarian mass with a solid mural nodule, beside a small uterus.

The mass is drawn first (:func:`draw_adnexal_mass`: every random choice, no grid) and painted on a grid
afterwards (:func:`paint_adnexal_shape`), so the ultrasound phantom can centre its field of view on the
mass before any voxel exists, while the MRI phantom keeps its random draws in the original order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gynai.phantom.pelvis import Canvas
from gynai.phantom.shapes import Ellipsoid

MASS, SOLID = 1, 2
SEPTUM_HALF_THICKNESS_MM = 1.0


@dataclass(frozen=True)
class AdnexalMassShape:
    """The analytic shape of one adnexal mass in LPS millimetres."""

    mass: Ellipsoid
    lumen: Ellipsoid
    wall_thickness_mm: float
    septum_normal: np.ndarray
    nodule: Ellipsoid

    @property
    def centre_lps_mm(self) -> np.ndarray:
        """Centre of the mass."""
        return np.asarray(self.mass.centre_lps_mm, float)


def draw_adnexal_mass(rng: np.random.Generator, centre: np.ndarray) -> AdnexalMassShape:
    """Draw side, size, wall, septum and mural nodule of a mass lateral to ``centre`` (LPS mm)."""
    side = float(rng.choice([-1.0, 1.0]))
    radii = tuple(float(v) for v in rng.uniform(20, 50, 3))
    mass_centre = np.asarray(centre) + np.array([side * (radii[0] + 30.0), 5.0, 0.0])
    mass = Ellipsoid(tuple(mass_centre), radii)
    wall_mm = float(rng.uniform(1.5, 3.0))
    lumen = Ellipsoid(tuple(mass_centre), tuple(r - wall_mm for r in radii))
    septum_normal = rng.normal(size=3)
    septum_normal /= np.linalg.norm(septum_normal)
    nodule_direction = rng.normal(size=3)
    nodule_direction /= np.linalg.norm(nodule_direction)
    nodule_radius = float(rng.uniform(5, min(14, min(radii) / 2)))
    surface = mass.surface_distance_along(nodule_direction)
    nodule = Ellipsoid(tuple(mass.to_lps(nodule_direction * (surface - wall_mm - nodule_radius * 0.6))),
                       (nodule_radius,) * 3)
    return AdnexalMassShape(mass, lumen, wall_mm, septum_normal, nodule)


def paint_adnexal_shape(canvas: Canvas, shape: AdnexalMassShape) -> dict:
    """Paint the mass (label 1: wall, septum, fluid) and its solid tissue (label 2); return the truth."""
    points = canvas.points
    in_mass = shape.mass.contains(points)
    canvas.paint(in_mass, "septum", MASS)
    canvas.paint(shape.lumen.contains(points), "cyst", MASS)
    offset = (points - shape.centre_lps_mm.astype(np.float32)) @ shape.septum_normal.astype(np.float32)
    canvas.paint(in_mass & (np.abs(offset) < SEPTUM_HALF_THICKNESS_MM), "septum", MASS)
    solid = shape.nodule.contains(points) & in_mass
    canvas.paint(solid, "solid", SOLID)
    voxel_ml = canvas.geometry.voxel_volume_mm3 / 1000.0
    return {"mass": {"center_lps_mm": shape.centre_lps_mm.tolist(), "radii_mm": list(shape.mass.radii_mm),
                     "volume_ml": shape.mass.volume_ml, "wall_thickness_mm": shape.wall_thickness_mm},
            "solid": {"radius_mm": shape.nodule.radii_mm[0], "voxel_volume_ml": float(solid.sum() * voxel_ml)},
            "locules": 2, "septum_thickness_mm": 2.0 * SEPTUM_HALF_THICKNESS_MM}


def paint_uterus_beside(canvas: Canvas) -> None:
    """The small non-pregnant uterus of the adnexal phantoms (tissue only, label 0)."""
    uterus = Ellipsoid((0.0, -5.0, 10.0), (22.0, 18.0, 35.0))
    canvas.paint(uterus.contains(canvas.points), "myometrium")


def paint_adnexal_mass(canvas: Canvas, rng: np.random.Generator, centre: np.ndarray) -> dict:
    """Paint uterus (label 0), the cystic mass (label 1: wall, septum, fluid) and solid tissue (label 2)."""
    paint_uterus_beside(canvas)
    return paint_adnexal_shape(canvas, draw_adnexal_mass(rng, centre))
