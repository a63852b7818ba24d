"""Pregnant uterus phantom: myometrial shell, amniotic fluid, placenta with T2-dark bands, bladder.

The placenta is a cap of the inner uterine cavity (depth ≤ ``thickness``) facing anterior-inferior, over
the bladder. Under the centre of the cap, within ``thin_radius_mm``, the myometrium is thinned to
``myometrium_thickness_mm`` (0 = absent): there the placenta reaches that distance below the serosa,
measured along the ray from the uterine centre. With ``bulge_mm`` > 0 the serosa over the placenta bulges
outward by up to that depth (a smooth cos² profile over ``1.5 × thin_radius_mm``) and the placenta fills
the bulge. Truth includes the area of the thinned zone on the serosa (``thin_area_cm2``, numerically
integrated on the ellipsoid; 0 when the thinned myometrium is 1 mm or more) and the bulge depth.
"""

from __future__ import annotations

import numpy as np

from gynai.phantom.pelvis import Canvas
from gynai.phantom.shapes import Ellipsoid, rotation_matrix

MYOMETRIUM, PLACENTA, BLADDER = 1, 2, 3


def _cap_area_cm2(radii_mm: tuple, axis: np.ndarray, cos_limit: float, steps: int = 600) -> float:
    """Area of the ellipsoid surface whose direction from the centre is within the cone around ``axis``."""
    polar = np.linspace(0.0, np.pi, steps + 1)
    azimuth = np.linspace(0.0, 2 * np.pi, 2 * steps + 1)
    p, a = np.meshgrid(polar, azimuth, indexing="ij")
    unit = np.stack([np.sin(p) * np.cos(a), np.sin(p) * np.sin(a), np.cos(p)], axis=-1)
    surface = unit / np.sqrt(np.sum((unit / np.asarray(radii_mm)) ** 2, axis=-1))[..., None]
    d_polar, d_azimuth = np.diff(surface, axis=0)[:, :-1], np.diff(surface, axis=1)[:-1]
    patch_mm2 = np.linalg.norm(np.cross(d_polar, d_azimuth), axis=-1)
    centres = unit[:-1, :-1] + unit[1:, 1:]
    centres /= np.linalg.norm(centres, axis=-1, keepdims=True) + 1e-12
    return float(patch_mm2[centres @ axis > cos_limit].sum() / 100.0)


def paint_pregnant_uterus(canvas: Canvas, rng: np.random.Generator, myometrium_thickness_mm: float,
                          centre: np.ndarray, bulge_mm: float = 0.0) -> dict:
    """Paint the pregnant uterus, placenta and bladder; return the truth dict."""
    rotation = tuple(rotation_matrix(np.array([1.0, 0, 0]), np.radians(rng.uniform(-10, 10))).reshape(-1))
    outer_radii = tuple(float(v) for v in np.array([62, 55, 82]) * rng.uniform(0.92, 1.08, 3))
    wall_mm = float(rng.uniform(6, 9))
    outer = Ellipsoid(tuple(centre), outer_radii, rotation)
    inner = Ellipsoid(tuple(centre), tuple(r - wall_mm for r in outer_radii), rotation)
    points = canvas.points
    local = outer.local(points)
    distance = np.linalg.norm(local, axis=-1) + 1e-6
    unit = local / distance[..., None]
    s_out = 1.0 / np.sqrt(np.sum((unit / np.asarray(outer_radii, np.float32)) ** 2, axis=-1))
    cap_axis = np.array([0.0, -0.8, -0.6])
    cap_axis /= np.linalg.norm(cap_axis)
    cosine = unit @ cap_axis.astype(np.float32)
    thin_radius_mm = 18.0
    bulge_angle = 1.5 * thin_radius_mm / float(np.mean(outer_radii))
    angle = np.arccos(np.clip(cosine, -1.0, 1.0))
    bulge = (bulge_mm * np.where(angle < bulge_angle, np.cos(np.pi / 2 * angle / bulge_angle) ** 2, 0.0)
             ).astype(np.float32)
    depth_below_serosa = s_out - distance
    in_uterus = outer.contains(points)
    if bulge_mm > 0:
        depth_below_serosa = depth_below_serosa + bulge
        in_uterus |= depth_below_serosa >= 0
    placenta_thickness_mm = float(rng.uniform(28, 40))
    cap = (cosine > np.cos(np.radians(55))) & in_uterus
    placenta = cap & (depth_below_serosa > wall_mm) & (depth_below_serosa < wall_mm + placenta_thickness_mm + bulge)
    thin_limit = np.cos(thin_radius_mm / float(np.mean(outer_radii)))
    thin_zone = cosine > thin_limit
    thinned = in_uterus & thin_zone & (depth_below_serosa > myometrium_thickness_mm) \
        & (depth_below_serosa <= wall_mm)
    canvas.paint(in_uterus, "myometrium", MYOMETRIUM)
    canvas.paint(inner.contains(points), "fluid", 0)
    canvas.paint(placenta | thinned, "placenta", PLACENTA)
    bands = []
    cap_centre_depth = wall_mm + placenta_thickness_mm / 2.0
    for _ in range(int(rng.integers(2, 4))):
        direction = cap_axis + rng.normal(0, 0.25, 3)
        direction /= np.linalg.norm(direction)
        position = outer.to_lps(direction * (outer.surface_distance_along(direction) - cap_centre_depth))
        band = Ellipsoid(tuple(position), tuple(float(v) for v in rng.uniform([3, 3, 8], [5, 5, 14])),
                         tuple(rotation_matrix(rng.normal(size=3), rng.uniform(0, np.pi)).reshape(-1)))
        mask = band.contains(points) & (canvas.labels == PLACENTA)
        canvas.paint(mask, "dark-band")
        bands.append(mask)
    bladder_centre = outer.to_lps(cap_axis * (outer.surface_distance_along(cap_axis) + 22.0))
    bladder = Ellipsoid(tuple(bladder_centre), (40.0, 24.0, 24.0))
    bladder_mask = bladder.contains(points) & ~in_uterus
    canvas.paint(bladder_mask, "bladder", BLADDER)
    band_union = np.any(bands, axis=0) if bands else np.zeros(canvas.labels.shape, bool)
    voxel_ml = canvas.geometry.voxel_volume_mm3 / 1000.0
    return {"uterus_envelope": {"radii_mm": list(outer_radii), "volume_ml": outer.volume_ml},
            "wall_thickness_mm": wall_mm, "placenta_thickness_mm": placenta_thickness_mm,
            "myometrium_thickness_mm": float(myometrium_thickness_mm), "thin_radius_mm": thin_radius_mm,
            "placenta_cap_axis_local": cap_axis.tolist(), "bulge_depth_mm": float(bulge_mm),
            "thin_area_cm2": (_cap_area_cm2(outer_radii, cap_axis, float(thin_limit))
                              if myometrium_thickness_mm < 1.0 else 0.0),
            "dark_band_volume_ml": float(band_union.sum() * voxel_ml), "dark_band_count": len(bands)}
