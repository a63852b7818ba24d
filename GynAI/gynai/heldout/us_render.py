"""Ultrasound image formation along the beams of a transvaginal sweep, then scan conversion.

Along every beam (r, theta, phi grid): random complex scatterers weighted by each tissue's backscatter,
specular echoes where acoustic impedance jumps, transmission losses behind strong reflectors (bowel gas,
bone, calcification: shadows), frequency-dependent attenuation integrated along the beam (so fluid gives
posterior enhancement and dense tissue shadowing), a depth-dependent point-spread function (axial pulse,
lateral beam, wider elevation), envelope detection, time-gain compensation, a focal-zone gain bump and
log compression. The polar image is resampled onto the Cartesian output grid; outside the cone is 0.
Labels are painted directly on the output grid and kept only inside the cone.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

from gynai.heldout.fields import multiscale_texture
from gynai.heldout.painting import paint_grid
from gynai.heldout.scene import Scene
from gynai.heldout.us_scan import USSweep
from gynai.image import Geometry


def _polar_axes(sweep: USSweep, dr: float, dtheta: float, dphi: float):
    r = np.arange(sweep.near_mm + dr / 2, sweep.depth_mm, dr)
    theta = np.arange(-sweep.lateral_half_rad + dtheta / 2, sweep.lateral_half_rad, dtheta)
    phi = np.arange(-sweep.sweep_half_rad + dphi / 2, sweep.sweep_half_rad, dphi)
    return r, theta, phi


def _polar_maker(sweep: USSweep, r, theta, phi):
    u, v, w = (sweep.frame[:, i] for i in range(3))

    def make(sl):
        p = phi[sl[0]][:, None, None]
        t = theta[sl[1]][None, :, None]
        rr = r[sl[2]][None, None, :].astype(np.float32)
        st, ct = np.sin(t), np.cos(t)
        dirs = [float(u[c]) * st + ct * (float(w[c]) * np.cos(p) + float(v[c]) * np.sin(p)) for c in range(3)]
        return tuple((float(sweep.apex[c]) + rr * dirs[c].astype(np.float32)).astype(np.float32) for c in range(3))

    return make


def _cartesian_probe_coords(geometry: Geometry, shape: tuple[int, int, int], sweep: USSweep):
    nk, nj, ni = shape
    s = geometry.spacing_mm[0]
    half_u = sweep.depth_mm * np.sin(sweep.lateral_half_rad)
    half_v = sweep.depth_mm * np.sin(sweep.sweep_half_rad)
    u = (-half_u + s / 2 + s * np.arange(ni)).astype(np.float32)
    w = (s / 2 + s * np.arange(nj)).astype(np.float32)
    v = (-half_v + s / 2 + s * np.arange(nk)).astype(np.float32)
    return u, v, w


def paint_labels(scene: Scene, sweep: USSweep, geometry: Geometry, shape: tuple[int, int, int]) -> np.ndarray:
    """Labels at the output voxel centres inside the cone (0 outside)."""
    u, v, w = _cartesian_probe_coords(geometry, shape, sweep)
    inside = sweep.inside(u[None, None, :], v[:, None, None], w[None, :, None])
    fu, fv, fw = (sweep.frame[:, i].astype(np.float32) for i in range(3))
    ti, tj = u[:, None] * fu[None, :], w[:, None] * fw[None, :]
    tk = v[:, None] * fv[None, :] + sweep.apex.astype(np.float32)[None, :]

    def make(sl):
        pts = [tk[sl[0], c][:, None, None] + tj[sl[1], c][None, :, None] + ti[sl[2], c][None, None, :]
               for c in range(3)]
        return (*pts, (tk[sl[0]], tj[sl[1]], ti[sl[2]]))

    _, lab = paint_grid(scene, shape, make, (16, 48, 48), skip=lambda sl: not inside[sl].any())
    lab[~inside] = 0
    return lab


def render_us(rng: np.random.Generator, scene: Scene, sweep: USSweep, geometry: Geometry,
              shape: tuple[int, int, int], resolution_scale: float = 1.0) -> tuple[np.ndarray, dict[str, Any]]:
    """Simulate the sweep and scan-convert it onto ``geometry`` (values 0-255, 0 outside the cone)."""
    dr, dtheta, dphi = 0.4 / resolution_scale, np.radians(0.6) / resolution_scale, np.radians(1.2) / resolution_scale
    r, theta, phi = _polar_axes(sweep, dr, dtheta, dphi)
    mat, _ = paint_grid(scene, (len(phi), len(theta), len(r)), _polar_maker(sweep, r, theta, phi), (8, 24, 64))
    materials = scene.materials.jittered(rng, 0.1)
    echo = materials.property_array("echo")[mat]
    tex = materials.property_array("texture")[mat]
    mid = float(np.mean(r))
    coarse = tuple(max(4, n // 2) for n in mat.shape)
    texture = multiscale_texture(rng, coarse, (2 * mid * dphi, 2 * mid * dtheta, 2 * dr), (1.5, 5.0))
    texture = ndimage.zoom(texture, [n / c for n, c in zip(mat.shape, coarse)], order=1)[
        :mat.shape[0], :mat.shape[1], :mat.shape[2]]
    echo *= np.clip(1 + 2.0 * tex * texture, 0.1, None)
    z = materials.property_array("impedance_mrayl")[mat]
    refl = np.zeros_like(z)
    refl[..., 1:] = ((z[..., 1:] - z[..., :-1]) / (z[..., 1:] + z[..., :-1])) ** 2
    transmission = np.cumprod(1.0 - 0.95 * refl, axis=-1)
    f = sweep.frequency_mhz
    atten_db = 2.0 * np.cumsum(materials.property_array("atten_db_cm_mhz")[mat] * f * dr / 10.0, axis=-1)
    field = (rng.standard_normal(mat.shape, dtype=np.float32) + 1j * rng.standard_normal(mat.shape, dtype=np.float32))
    field *= echo
    field += 4.0 * np.sqrt(refl) * np.exp(1j * rng.uniform(0, 2 * np.pi, mat.shape)).astype(np.complex64)
    field *= (transmission * 10.0 ** (-atten_db / 20.0)).astype(np.float32)
    axial = float(rng.uniform(0.3, 0.5)) / dr
    lateral = np.radians(float(rng.uniform(0.35, 0.7))) / dtheta
    elevation = np.radians(float(rng.uniform(0.8, 1.6))) / dphi
    sigma = (elevation, lateral, axial)
    env = np.abs(ndimage.gaussian_filter(field.real, sigma) + 1j * ndimage.gaussian_filter(field.imag, sigma))
    tgc_db_cm = float(rng.uniform(0.35, 0.65)) * f * 2.0
    focus = float(rng.uniform(0.3, 0.8)) * sweep.depth_mm
    env *= (10.0 ** (tgc_db_cm * r / 10.0 / 20.0) * (1.0 + 0.3 * np.exp(-((r - focus) / 20.0) ** 2))).astype(np.float32)
    db = 20.0 * np.log10(env + 1e-6)
    dynamic = float(rng.uniform(45, 65))
    gain = float(rng.uniform(-6, 6))
    top = float(np.percentile(db, 99.9)) + gain
    display = np.clip((db - top + dynamic) / dynamic, 0, 1) * 255.0
    u, v, w = _cartesian_probe_coords(geometry, shape, sweep)
    rr, tt, pp = sweep.to_polar(u[None, None, :], v[:, None, None], w[None, :, None])
    coords = [(pp + sweep.sweep_half_rad) / dphi - 0.5, (tt + sweep.lateral_half_rad) / dtheta - 0.5,
              (rr - sweep.near_mm) / dr - 0.5]
    coords = [np.broadcast_to(c, shape).astype(np.float32) for c in coords]
    image = ndimage.map_coordinates(display.astype(np.float32), coords, order=1, mode="nearest")
    image[~sweep.inside(u[None, None, :], v[:, None, None], w[None, :, None])] = 0.0
    facts = {"dynamic_range_db": round(dynamic, 1), "gain_db": round(gain, 1), "focus_mm": round(focus, 1),
             "polar_samples": list(mat.shape)}
    return np.round(image).astype(np.float32), facts
