"""Pregnant uterus for training scenes: myometrial wall, cervix, amniotic fluid, a fetus, and a placenta
anterior, posterior, fundal, lateral or low-lying/praevia, of varied thickness and extent, with T2-dark
bands, sometimes thinned retroplacental myometrium (accreta spectrum) and an outward bulge.

The placenta is the part of the uterine cavity within an angle of its cap axis (seen from the uterine
centre) and within a depth below the inner wall that tapers to the cap's edge (cos² profile).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gynai.synth.canvas import SceneCanvas
from gynai.synth.primitives import Blob, Tube, random_lobes, rotation, smooth_curve, unit

PLACENTA_SITES = {
    "anterior": (0.0, -1.0, 0.1), "posterior": (0.0, 1.0, 0.1), "fundal": (0.0, 0.0, 1.0),
    "left-lateral": (1.0, 0.1, 0.2), "right-lateral": (-1.0, 0.1, 0.2), "low-anterior": (0.0, -0.7, -0.7),
    "praevia": (0.0, 0.15, -1.0),
}
"""Cap axis of each placental site, in the uterine frame (x left, y posterior, z along the uterine axis)."""


@dataclass(frozen=True)
class CapPlacenta:
    """The placental region of a pregnant uterus (an inside test for the canvas)."""

    uterus: Blob
    axis: np.ndarray
    half_angle_rad: float
    wall_mm: float
    thickness_mm: float
    thin_half_angle_rad: float
    thin_wall_mm: float

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Bounds of the uterus."""
        return self.uterus.bounds()

    def depth_and_angle(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Depth below the serosa along the ray from the centre (mm) and angle from the cap axis."""
        local = (points - np.asarray(self.uterus.centre_lps_mm, np.float32)) @ np.asarray(self.uterus.rotation, np.float32)
        distance = np.linalg.norm(local, axis=-1) + 1e-6
        direction = local / distance[..., None]
        surface = 1.0 / np.sqrt(np.sum((direction / np.asarray(self.uterus.radii_mm, np.float32)) ** 2, axis=-1))
        angle = np.arccos(np.clip(direction @ self.axis.astype(np.float32), -1.0, 1.0))
        return surface - distance, angle

    def inside(self, points: np.ndarray) -> np.ndarray:
        """Placental voxels (including where it replaces thinned myometrium)."""
        depth, angle = self.depth_and_angle(points)
        taper = np.cos(np.pi / 2 * np.clip(angle / self.half_angle_rad, 0, 1)) ** 0.5
        wall = np.where(angle < self.thin_half_angle_rad, self.thin_wall_mm, self.wall_mm)
        return (depth > wall) & (depth < self.wall_mm + self.thickness_mm * taper) & (angle < self.half_angle_rad)


def paint_pregnant_uterus(canvas: SceneCanvas, rng: np.random.Generator, inner_half_axes_mm: tuple[float, float],
                          site: str | None = None) -> dict:
    """Paint the pregnant uterus with fetus and placenta, within the abdominal wall (``inner_half_axes_mm``);
    returns a summary (site, thickness, thinning)."""
    size = float(rng.uniform(0.55, 1.3))
    radii = np.array([85.0, 75.0, 115.0]) * size * rng.uniform(0.9, 1.1, 3)
    radii[:2] = np.minimum(radii[:2], np.asarray(inner_half_axes_mm) - 25.0)
    radii = tuple(float(v) for v in radii)
    tilt = rotation([1, 0, 0], np.radians(rng.uniform(-20, 25))) @ rotation([0, 1, 0], np.radians(rng.normal(0, 8)))
    centre = np.array([rng.normal(0, 8), rng.uniform(-15, 15), -45.0 + radii[2] * 0.85])
    uterus = Blob(tuple(centre), radii, tilt, random_lobes(rng, 2, (0.0, 0.06)))
    wall_mm = float(rng.uniform(4.0, 10.0))
    bottom = uterus.surface_point([0.0, 0.2, -1.0])
    cervix_axis = unit(np.asarray(tilt) @ np.array([0.0, 0.35, -1.0]))
    cervix_line = smooth_curve([bottom + cervix_axis * 8.0, bottom - cervix_axis * 2.0 + cervix_axis * float(rng.uniform(25, 45))])
    canvas.paint(Tube(smooth_curve([cervix_line[-1], cervix_line[-1] + np.array([0, 15, -45])]), 15.0, 7.0), "vagina",
                 only=("visceral-fat", "muscle", "fat"))
    canvas.paint(Tube(cervix_line, float(rng.uniform(13, 18)), float(rng.uniform(12, 16))), "cervix")
    canvas.paint(uterus, "myometrium")
    cavity = Blob(uterus.centre_lps_mm, tuple(r - wall_mm for r in radii), tilt, uterus.lobes)
    canvas.paint(cavity, "amniotic-fluid")
    body = Blob(tuple(centre + rng.normal(0, 1, 3) * np.asarray(radii) * 0.1),
                tuple(float(v) for v in np.array([30.0, 25.0, 60.0]) * size * rng.uniform(0.8, 1.2, 3)),
                rotation(rng.normal(size=3), rng.uniform(0, np.pi)), random_lobes(rng, 4, (0.1, 0.4)))
    canvas.paint(body, "fetus", only=("amniotic-fluid",))
    head_at = np.asarray(body.centre_lps_mm) + np.asarray(body.rotation)[:, 2] * body.radii_mm[2] * 1.1
    canvas.paint(Blob(tuple(head_at), (float(40 * size),) * 3), "fetus", only=("amniotic-fluid",))
    site = site or str(rng.choice(list(PLACENTA_SITES)))
    axis = unit(np.asarray(PLACENTA_SITES[site]) + rng.normal(0, 0.15, 3))
    thin = rng.random() < 0.35
    placenta = CapPlacenta(uterus, axis, np.radians(rng.uniform(35, 70)), wall_mm, float(rng.uniform(15, 50)),
                           np.radians(rng.uniform(8, 25)) if thin else 0.0, float(rng.uniform(0.0, 2.0)))
    canvas.paint(placenta, "placenta", only=("amniotic-fluid", "fetus", "myometrium"))
    for _ in range(int(rng.integers(0, 5))):   # T2-dark intraplacental bands
        direction = unit(axis + rng.normal(0, 0.3, 3))
        depth = wall_mm + placenta.thickness_mm * float(rng.uniform(0.3, 0.7))
        band_centre = uterus.surface_point(direction) - (np.asarray(tilt) @ direction) * depth
        band = Blob(tuple(band_centre), tuple(float(v) for v in rng.uniform([2, 2, 6], [5, 6, 18])),
                    rotation(rng.normal(size=3), rng.uniform(0, np.pi)))
        canvas.paint(band, "dark-band", only=("placenta",))
    if thin and rng.random() < 0.4:   # focal outward bulge of the thinned segment, filled by placenta
        normal = np.asarray(tilt) @ axis
        bulge = Blob(tuple(uterus.surface_point(axis)), tuple(float(v) for v in rng.uniform([15, 15, 5], [30, 30, 12])),
                     rotation(np.cross([0, 0, 1.0], normal) + 1e-6, np.arccos(np.clip(normal[2], -1, 1))))
        canvas.paint(bulge, "placenta", only=("visceral-fat", "fat", "bladder-wall", "bowel-wall", "bowel-content",
                                               "myometrium"))
    toward_bladder = unit([0.0, -0.6, -0.8])
    return {"site": site, "size": size,
            "anterior_inferior_lps_mm": uterus.surface_point(np.asarray(tilt).T @ toward_bladder).tolist(), "placenta_thickness_mm": placenta.thickness_mm, "wall_mm": wall_mm,
            "thinned": thin, "centre_lps_mm": centre.tolist(), "radii_mm": list(radii)}
