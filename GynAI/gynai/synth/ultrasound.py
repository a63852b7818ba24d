"""Domain-randomised 3D transvaginal ultrasound of training scenes (the adnexal-mass ultrasound model).

A pelvis scene with an adnexal lesion is drawn finely around the lesion, seen from a probe in the vaginal
fornix aimed at it (random tilt, roll, depth and cone), and rendered in B-mode with every acoustic
property drawn afresh: echogenicity of each tissue (around its nominal value, or fully random), speckle
size, attenuation and its time-gain compensation error, gain, dynamic range and electronic noise. The
physics (speckle as the envelope of blurred complex scatter, attenuation integrated along each ray,
log compression, 0 outside the cone) follows :mod:`gynai.phantom.ultrasound`; the anatomy is the
training scenes' (:mod:`gynai.synth.scenes`), so every O-RADS morphology is seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
from scipy import ndimage

from gynai.image import Image, LabelImage
from gynai.phantom.config import UltrasoundConfig
from gynai.phantom.shapes import grid_geometry, voxel_points
from gynai.phantom.ultrasound import Probe, aim_probe, log_compress, ray_attenuation, sector_mask
from gynai.synth.scenes import draw_pelvis_scene
from gynai.synth.tissues import FLUIDS, TISSUES, labels_from_tissue
from gynai.tasks import get_task

ECHO_PRIORS: dict[str, float] = {
    "air": 0.0, "fat": 1.0, "visceral-fat": 0.9, "muscle": 0.35, "bone-cortex": 1.5, "bone-marrow": 0.8,
    "vessel": 0.01, "urine": 0.005, "bladder-wall": 0.6, "bowel-wall": 0.7, "bowel-content": 0.3, "gas": 1.8,
    "rectum-content": 0.9, "ovary": 0.4, "follicle": 0.01, "free-fluid": 0.01, "vagina": 0.5,
    "myometrium": 0.45, "junctional-zone": 0.35, "cervix": 0.5, "nabothian-cyst": 0.01, "endometrium": 0.8,
    "fibroid": 0.35, "fibroid-degenerated": 0.2, "placenta": 0.6, "dark-band": 0.3, "amniotic-fluid": 0.005,
    "fetus": 0.5, "lesion-fluid": 0.02, "lesion-fluid-complex": 0.25, "lesion-wall": 0.9, "lesion-fat": 1.3,
    "solid": 0.55,
}
"""Nominal backscatter amplitude of each tissue relative to fat (fluids anechoic, gas and bone bright)."""
STRONG_ATTENUATORS = {"bone-cortex": 0.4, "gas": 0.6}
"""Nepers per mm of the tissues that cast acoustic shadows."""


@dataclass
class UltrasoundCase:
    """A rendered ultrasound training volume with its adnexal-mass labels (0 outside the cone)."""

    image: Image
    labels: LabelImage
    summary: dict
    sector: np.ndarray
    """The scanned cone (True inside), [k, j, i] like the image."""


def random_ultrasound_config(rng: np.random.Generator) -> UltrasoundConfig:
    """Probe, sector and B-mode settings drawn from wide ranges."""
    return UltrasoundConfig(
        spacing_mm=float(rng.uniform(0.7, 1.1)), depth_mm=float(rng.uniform(80, 130)),
        half_angle_deg=float(rng.uniform(40, 72)), tilt_deg=30.0, gap_mm=(3.0, 30.0),
        dynamic_range_db=float(rng.uniform(40, 75)),
        speckle_mm=(float(rng.uniform(0.15, 0.5)), float(rng.uniform(0.4, 1.3))),
        attenuation_per_mm=float(rng.uniform(0.006, 0.03)), tgc_error_per_mm=0.008,
        cyst_echo=0.0, noise_fraction=float(rng.uniform(0.002, 0.04)))


def echogenicity(rng: np.random.Generator) -> np.ndarray:
    """Per-tissue backscatter of one volume: priors jittered (70 %) or fully random apart from anechoic
    simple fluids (30 %)."""
    nominal = np.array([ECHO_PRIORS[name] for name in TISSUES], np.float32)
    if rng.random() < 0.7:
        echo = nominal * np.exp(rng.normal(0.0, 0.35, len(TISSUES))).astype(np.float32)
    else:
        echo = rng.uniform(0.05, 1.5, len(TISSUES)).astype(np.float32)
        fluids = [TISSUES.index(name) for name in FLUIDS]
        echo[fluids] = rng.uniform(0.002, 0.05, len(fluids))
    echo[TISSUES.index("lesion-fluid")] = float(np.exp(rng.uniform(np.log(0.003), np.log(0.35))))
    echo[TISSUES.index("air")] = 0.0
    return echo


def _probe_grid(probe: Probe, config: UltrasoundConfig):
    half_width = min(config.depth_mm * np.sin(np.radians(config.half_angle_deg)), 80.0)
    spacing = float(config.spacing_mm)
    size = (int(2 * half_width / spacing), int(2 * half_width / spacing), int(config.depth_mm / spacing))

    direction = np.stack([probe.across_1, probe.across_2, probe.axis], axis=1)
    centre = probe.apex_lps_mm + probe.axis * config.depth_mm / 2.0
    geometry = grid_geometry(size, (spacing,) * 3, direction, centre)  # type: ignore[arg-type]
    return geometry, size, voxel_points(geometry, size)


def render_bmode(tissue: np.ndarray, geometry, points: np.ndarray, probe: Probe, rng: np.random.Generator,
                 config: UltrasoundConfig) -> tuple[np.ndarray, np.ndarray]:
    """B-mode image (0–255, 0 outside the cone) of a tissue map on a probe-aligned grid, and the cone mask."""
    echo = echogenicity(rng)
    rate = config.attenuation_per_mm
    rates = np.array([0.0005 if name in FLUIDS or name.startswith("lesion-fluid") else
                      STRONG_ATTENUATORS.get(name, 0.0 if name == "air" else rate * float(rng.uniform(0.6, 1.5)))
                      for name in TISSUES], np.float32)
    amplitude = echo[tissue]
    sigma = [config.speckle_mm[0] / config.spacing_mm] + [config.speckle_mm[1] / config.spacing_mm] * 2
    in_phase, quadrature = (ndimage.gaussian_filter(amplitude * rng.normal(0, 1, amplitude.shape).astype(np.float32),
                                                    sigma) for _ in range(2))
    envelope = np.sqrt(in_phase ** 2 + quadrature ** 2)
    local = probe.local(points)
    sector = sector_mask(local, config)
    depth_mm = np.sqrt(np.sum(local * local, axis=-1))
    slope_error = float(rng.uniform(-config.tgc_error_per_mm, config.tgc_error_per_mm))
    canvas = SimpleNamespace(geometry=geometry)
    exponent = ray_attenuation(canvas, rates[tissue], probe, local, config) - (rate + slope_error) * depth_mm
    envelope *= np.exp(-np.clip(exponent, -3.0, 8.0))
    gain = float(rng.uniform(0.6, 1.6))
    return log_compress(envelope, sector, gain, rng, config), sector


def generate_ultrasound_case(seed: int) -> UltrasoundCase:
    """One randomised transvaginal ultrasound volume of a pelvis scene aimed at its adnexal lesion (or, in a
    scene without one, at the adnexa of one side: a negative example)."""
    rng = np.random.default_rng([seed, 41])
    overview = draw_pelvis_scene(seed, 6.0)
    lesions = overview.summary["lesions"]
    uterus = overview.summary["uterus"]
    if lesions:
        target = np.asarray(lesions[int(rng.integers(len(lesions)))]["centre_lps_mm"])
    else:
        target = np.asarray(uterus["fundus_lps_mm"]) + np.array([rng.choice([-1.0, 1.0]) * 50.0, 10.0, -10.0])
    config = random_ultrasound_config(rng)
    fornix = np.asarray(uterus["external_os_lps_mm"]) + np.array([0.0, 5.0, -8.0])
    reach = float(lesions[0]["diameter_mm"]) / 2.0 if lesions else 20.0
    probe = aim_probe(rng, target, fornix, min(reach, config.depth_mm * 0.6), config)
    geometry, size, points = _probe_grid(probe, config)
    low, high = points.reshape(-1, 3).min(axis=0) - 2.0, points.reshape(-1, 3).max(axis=0) + 2.0
    fine = draw_pelvis_scene(seed, float(config.spacing_mm), (tuple(low), tuple(high))).canvas
    index = (points - fine.origin_lps_mm.astype(np.float32)) / np.float32(fine.spacing_mm)
    tissue = ndimage.map_coordinates(fine.tissue, [index[..., 2], index[..., 1], index[..., 0]], order=0,
                                     mode="constant", cval=0).astype(np.uint8)
    image, sector = render_bmode(tissue, geometry, points, probe, rng, config)
    task = get_task("adnexal-mass")
    labels = labels_from_tissue(tissue, task.labels)
    labels[~sector] = 0
    metadata = {"modality": "US", "description": "GynAI randomised training ultrasound (adnexal-mass)"}
    return UltrasoundCase(Image(image, geometry, metadata), LabelImage(labels, geometry, task.labels),
                          {"seed": seed, "lesions": lesions, "config": config.__dict__}, sector)
