"""B-mode rendering of a phantom as a scan-converted 3D transvaginal ultrasound volume.

The probe's apex sits below the mass and its beam axis points at it. The grid is aligned with the probe
(i and j across the beam, k along it) and only the cone of the scanned sector carries signal; outside it
the volume is 0, as in scan-converted 3D ultrasound. The B-mode model, per voxel:

* backscatter: the tissue's echogenicity times complex white noise, blurred by a Gaussian point-spread
  (narrow along the beam, wide across it); the envelope of that field is fully developed speckle;
* attenuation along the ray from the apex (each tissue its own rate, fluid almost none, bone a lot),
  compensated by a time-gain slope with a small error: tissue behind a cyst is brighter (posterior
  enhancement), behind bone dark (shadowing);
* electronic noise, then log compression to the displayed dynamic range, 0–255.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from gynai.phantom.config import UltrasoundConfig
from gynai.phantom.pelvis import TISSUES, Canvas
from gynai.phantom.shapes import grid_geometry, rotation_matrix, voxel_points

# Echogenicity (backscatter amplitude relative to fat) of each tissue class; fluids are anechoic.
ECHOGENICITY = {
    "air": 0.0, "fat": 1.0, "muscle": 0.35, "bladder": 0.005, "rectum": 0.75, "bone": 1.4,
    "myometrium": 0.45, "junctional-zone": 0.35, "endometrium": 0.8, "fibroid": 0.4,
    "fluid": 0.005, "placenta": 0.6, "dark-band": 0.3, "ovary": 0.4, "cyst": 0.03, "septum": 0.9,
    "solid": 0.55,
}
FLUIDS = ("bladder", "fluid", "cyst")
BONE_ATTENUATION_PER_MM = 0.4
NEAR_FIELD_MM = 3.0
MAX_HALF_WIDTH_MM = 80.0
"""The grid stops this far from the beam axis (wide cones are cut by the volume's box, as in scanners)."""
RAY_DIRECTIONS = 64


@dataclass(frozen=True)
class Probe:
    """A transvaginal probe: apex (LPS mm), unit axes across the beam (``across_1``, ``across_2``) and along it."""

    apex_lps_mm: np.ndarray
    across_1: np.ndarray
    across_2: np.ndarray
    axis: np.ndarray

    def local(self, points: np.ndarray) -> np.ndarray:
        """Coordinates of LPS points in the probe frame (across 1, across 2, depth along the axis), mm."""
        frame = np.stack([self.across_1, self.across_2, self.axis], axis=1).astype(np.float32)
        return (points - self.apex_lps_mm.astype(np.float32)) @ frame


def aim_probe(rng: np.random.Generator, target_lps_mm: np.ndarray, fornix_lps_mm: np.ndarray,
              reach_mm: float, config: UltrasoundConfig) -> Probe:
    """A probe aimed from the vaginal fornix at a target, tilted and rolled at random.

    ``reach_mm`` is the target's extent towards the probe; the apex lies that far plus a random gap from
    the target's centre.
    """
    axis = np.asarray(target_lps_mm, float) - np.asarray(fornix_lps_mm, float)
    axis /= np.linalg.norm(axis)
    tilt = rotation_matrix(rng.normal(size=3), np.radians(rng.uniform(-config.tilt_deg, config.tilt_deg)))
    axis = tilt @ axis
    helper = np.array([0.0, 1.0, 0.0]) if abs(axis[1]) < 0.9 else np.array([1.0, 0.0, 0.0])
    across_1 = np.cross(helper, axis)
    across_1 /= np.linalg.norm(across_1)
    roll = float(rng.uniform(0, 2 * np.pi)) if config.randomize else 0.0
    across_1 = rotation_matrix(axis, roll) @ across_1
    across_2 = np.cross(axis, across_1)
    apex = np.asarray(target_lps_mm, float) - axis * (reach_mm + float(rng.uniform(*config.gap_mm)))
    return Probe(apex, across_1, across_2, axis)


def probe_canvas(probe: Probe, config: UltrasoundConfig) -> Canvas:
    """The probe-aligned grid covering the scanned cone (i, j across the beam, k along it), filled with air."""
    half_width = min(config.depth_mm * np.sin(np.radians(config.half_angle_deg)), MAX_HALF_WIDTH_MM)
    spacing = float(config.spacing_mm)
    size = (int(2 * half_width / spacing), int(2 * half_width / spacing), int(config.depth_mm / spacing))
    direction = np.stack([probe.across_1, probe.across_2, probe.axis], axis=1)
    centre = probe.apex_lps_mm + probe.axis * config.depth_mm / 2.0
    geometry = grid_geometry(size, (spacing,) * 3, direction, centre)  # type: ignore[arg-type]
    points = voxel_points(geometry, size)
    shape = points.shape[:3]
    return Canvas(geometry, size, points, np.full(shape, TISSUES.index("air"), np.uint8), np.zeros(shape, np.uint8))


def sector_mask(local: np.ndarray, config: UltrasoundConfig) -> np.ndarray:
    """Voxels inside the scanned cone (probe-frame coordinates from :meth:`Probe.local`)."""
    radius = np.sqrt(np.sum(local * local, axis=-1))
    depth = local[..., 2]
    cos_half = np.cos(np.radians(config.half_angle_deg))
    return (depth > 0) & (depth >= cos_half * radius) & (radius <= config.depth_mm) & (radius >= NEAR_FIELD_MM)


def _ray_angles(local: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.arctan2(local[..., 0], local[..., 2]), np.arctan2(local[..., 1], local[..., 2])


def ray_attenuation(canvas: Canvas, rates_per_mm: np.ndarray, probe: Probe, local: np.ndarray,
                    config: UltrasoundConfig) -> np.ndarray:
    """Attenuation (nepers) accumulated from the apex to every voxel along its ray.

    The rates are sampled on a fan of rays (``RAY_DIRECTIONS`` × ``RAY_DIRECTIONS`` angles across the
    cone, one sample per voxel spacing along each), integrated along the rays, and interpolated back.
    """
    half = np.radians(config.half_angle_deg)
    angles = np.linspace(-half, half, RAY_DIRECTIONS)
    step_mm = float(config.spacing_mm)
    radii = np.arange(0.0, config.depth_mm + step_mm, step_mm)
    a, b, r = np.meshgrid(np.tan(angles), np.tan(angles), radii, indexing="ij")
    norm = np.sqrt(a * a + b * b + 1.0)
    local_fan = np.stack([a * r / norm, b * r / norm, r / norm], axis=-1)
    frame = np.stack([probe.across_1, probe.across_2, probe.axis], axis=1)
    lps = probe.apex_lps_mm + local_fan.reshape(-1, 3) @ frame.T
    ijk = canvas.geometry.lps_to_index(lps)
    sampled = ndimage.map_coordinates(rates_per_mm, [ijk[:, 2], ijk[:, 1], ijk[:, 0]], order=1, mode="nearest")
    rates_on_rays = sampled.reshape(r.shape)
    cumulative = np.zeros_like(rates_on_rays)         # attenuation from the apex up to each sample (r = 0: none)
    cumulative[..., 1:] = np.cumsum(rates_on_rays[..., :-1], axis=-1) * step_mm
    alpha, beta = _ray_angles(local)
    scale = (RAY_DIRECTIONS - 1) / (2 * half)
    coordinates = [(alpha + half) * scale, (beta + half) * scale,
                   np.sqrt(np.sum(local * local, axis=-1)) / step_mm]
    return ndimage.map_coordinates(cumulative, coordinates, order=1, mode="nearest").astype(np.float32)


def render_ultrasound(canvas: Canvas, probe: Probe, rng: np.random.Generator,
                      config: UltrasoundConfig) -> tuple[np.ndarray, np.ndarray]:
    """B-mode image (float32, 0–255, 0 outside the sector) and the sector mask of a painted canvas."""
    jitter = (lambda: float(rng.uniform(0.8, 1.2))) if config.randomize else (lambda: 1.0)
    echo = {name: value * jitter() for name, value in ECHOGENICITY.items()}
    echo["cyst"] = config.cyst_echo
    lookup = np.array([echo[name] for name in TISSUES], np.float32)
    rate = config.attenuation_per_mm
    rates = np.array([0.0005 if name in FLUIDS else BONE_ATTENUATION_PER_MM if name == "bone"
                      else 0.0 if name == "air" else rate * jitter() for name in TISSUES], np.float32)
    amplitude = lookup[canvas.tissue]
    sigma_voxels = [config.speckle_mm[0] / config.spacing_mm] + [config.speckle_mm[1] / config.spacing_mm] * 2
    field = []
    for _ in range(2):  # in-phase and quadrature parts of the backscattered signal
        scatter = amplitude * rng.normal(0, 1, amplitude.shape).astype(np.float32)
        field.append(ndimage.gaussian_filter(scatter, sigma_voxels))
    envelope = np.sqrt(field[0] ** 2 + field[1] ** 2)
    local = probe.local(canvas.points)
    sector = sector_mask(local, config)
    depth_mm = np.sqrt(np.sum(local * local, axis=-1))
    slope_error = float(rng.uniform(-config.tgc_error_per_mm, config.tgc_error_per_mm))
    gain_exponent = ray_attenuation(canvas, rates[canvas.tissue], probe, local, config) \
        - (rate + slope_error) * depth_mm
    envelope *= np.exp(-np.clip(gain_exponent, -3.0, 8.0))
    return log_compress(envelope, sector, jitter(), rng, config), sector


def log_compress(envelope: np.ndarray, sector: np.ndarray, gain: float, rng: np.random.Generator,
                 config: UltrasoundConfig) -> np.ndarray:
    """The displayed B-mode image (float32, 0–255) of an attenuated echo envelope: the 99.5th percentile
    inside the sector times ``gain`` is 0 dB, receiver noise makes the envelope Rician, log compression
    over ``config.dynamic_range_db``, and 0 outside the sector."""
    reference = (float(np.percentile(envelope[sector], 99.5)) if sector.any() else 1.0) * gain
    noise = config.noise_fraction * reference
    envelope = np.hypot(envelope + rng.normal(0, noise, envelope.shape).astype(np.float32),
                        rng.normal(0, noise, envelope.shape).astype(np.float32))
    decibels = 20.0 * np.log10(np.maximum(envelope / reference, 1e-6))
    image = np.clip(1.0 + decibels / config.dynamic_range_db, 0.0, 1.0) * 255.0
    image[~sector] = 0.0
    return image.astype(np.float32)
