"""MR image formation from a sampled phantom: profile averaging, texture, fat saturation, coil
sensitivity, k-space truncation and apodisation, motion ghosts and Rician noise.

Steps, per series:
1. Water and fat signal of each through-plane sample, averaged with the slice profile (partial volume).
2. Intra-tissue texture: band-limited noise scaled by each tissue's texture strength.
3. Fat saturation (when on) leaves a residual fat signal that is worse towards the body's edges.
4. Receive sensitivity: sum of squares of a few surface-coil elements in front of and behind the body,
   partly corrected (as scanner normalisation filters do).
5. Per slice: 2D FFT, keep the acquired part of k-space (lower resolution along phase encoding; ringing
   at edges), optional apodisation, T2 blurring for single-shot sequences, periodic phase errors along
   phase encoding (respiratory ghosts), complex Gaussian noise, inverse FFT and magnitude (Rician).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

from gynai.heldout.acquisition import Acquisition
from gynai.heldout.fields import grid_noise, multiscale_texture
from gynai.heldout.mr_contrast import MRContrast, signal_tables
from gynai.heldout.scene import Scene
from gynai.heldout.voxelize import profile_average


def voxel_centers_lps(acq: Acquisition, step: int = 1) -> np.ndarray:
    """(nk, nj', ni', 3) LPS centres of every ``step``-th in-plane voxel."""
    g = acq.geometry
    nk, nj, ni = acq.shape_zyx
    k, j, i = np.meshgrid(np.arange(nk), np.arange(0, nj, step), np.arange(0, ni, step), indexing="ij")
    idx = np.stack([i, j, k], axis=-1).reshape(-1, 3)
    return g.index_to_lps(idx).reshape(k.shape + (3,))


def coil_sensitivity(rng: np.random.Generator, scene: Scene, acq: Acquisition) -> tuple[np.ndarray, dict]:
    """Smooth receive-sensitivity map on the output grid (mean about 1 inside the body)."""
    body = scene.facts.get("body", {"front_y_mm": -120.0, "back_y_mm": 130.0})
    center = scene.target_center_mm
    elements = []
    for y, n in ((body["front_y_mm"] - 15.0, int(rng.integers(2, 5))), (body["back_y_mm"] + 20.0, 3)):
        for xi in np.linspace(-1, 1, n):
            for zi in (-1, 1):
                elements.append([xi * 110 + rng.normal(0, 10), y, center[2] + zi * 80 + rng.normal(0, 15)])
    elements_lps = scene.body_to_lps(np.array(elements))
    reach = float(rng.uniform(70, 140))
    step = 4
    points = voxel_centers_lps(acq, step)
    total = np.zeros(points.shape[:3], dtype=np.float32)
    for e in elements_lps:
        d2 = np.sum((points - e) ** 2, axis=-1) / reach ** 2
        total += (1.0 / (1.0 + d2) ** 1.5).astype(np.float32) ** 2
    sens = np.sqrt(total)
    zoom = [1.0, acq.shape_zyx[1] / sens.shape[1], acq.shape_zyx[2] / sens.shape[2]]
    sens = ndimage.zoom(sens, zoom, order=1, mode="nearest")[:, :acq.shape_zyx[1], :acq.shape_zyx[2]]
    correction = float(rng.uniform(0.3, 1.0))
    sens = sens ** correction
    return sens / float(np.median(sens)), {"coil_elements": len(elements), "coil_reach_mm": round(reach, 1),
                                           "bias_strength": round(correction, 2)}


def _kspace_filter(rng: np.random.Generator, acq: Acquisition, contrast: MRContrast,
                   facts: dict[str, Any]) -> np.ndarray:
    nj, ni = acq.shape_zyx[1:]
    kj = np.fft.fftfreq(nj)[:, None] * 2  # -1..1
    ki = np.fft.fftfreq(ni)[None, :] * 2
    frac_i, frac_j = acq.kspace_fraction
    keep = (np.abs(ki) <= frac_i) & (np.abs(kj) <= frac_j)
    filt = keep.astype(np.float32)
    if rng.uniform() < 0.4:
        facts["apodisation"] = "hamming-like"
        filt *= (0.6 + 0.4 * np.cos(np.pi * np.clip(np.abs(ki) / frac_i, 0, 1)) ** 2
                 * np.cos(np.pi * np.clip(np.abs(kj) / frac_j, 0, 1)) ** 2).astype(np.float32)
    if contrast.name == "T2-SSFSE":
        kp = np.abs(kj if acq.phase_axis == 1 else ki)
        decay = float(rng.uniform(0.6, 1.6))
        filt *= np.exp(-decay * kp).astype(np.float32)
        facts["t2_blurring"] = round(decay, 2)
    return filt


def _ghost_phase(rng: np.random.Generator, acq: Acquisition, facts: dict[str, Any]) -> np.ndarray | None:
    if rng.uniform() >= 0.25:
        return None
    n = acq.shape_zyx[1] if acq.phase_axis == 1 else acq.shape_zyx[2]
    lines = np.arange(n)
    period = float(rng.uniform(4, 16))
    amp = float(rng.uniform(0.08, 0.35))
    phase = amp * np.sin(2 * np.pi * lines / period + rng.uniform(0, 2 * np.pi))
    facts["motion_ghosts"] = {"period_lines": round(period, 1), "phase_rad": round(amp, 2)}
    factor = np.exp(1j * phase).astype(np.complex64)
    return factor[:, None] if acq.phase_axis == 1 else factor[None, :]


def render_mr(rng: np.random.Generator, scene: Scene, acq: Acquisition, mat: np.ndarray,
              contrast: MRContrast) -> tuple[np.ndarray, dict[str, Any]]:
    """Turn sampled materials into a magnitude MR image (float32, integral values)."""
    facts: dict[str, Any] = {}
    materials = scene.materials.jittered(rng)
    water_t, fat_t = signal_tables(contrast, materials)
    n_sub = len(acq.sub_offsets_mm)
    weights = np.asarray(acq.profile_weights)
    water = profile_average(water_t, mat, n_sub, weights)
    fat = profile_average(fat_t, mat, n_sub, weights)
    amp = profile_average(materials.property_array("texture"), mat, n_sub, weights)
    g = acq.geometry
    spacing_zyx = (g.spacing_mm[2], g.spacing_mm[1], g.spacing_mm[0])
    texture = multiscale_texture(rng, acq.shape_zyx, spacing_zyx, (1.0, 3.5))
    modulation = np.clip(1.0 + amp * texture, 0.2, None)
    if contrast.fat_saturation:
        base = float(rng.uniform(0.04, 0.15))
        failure = np.clip(grid_noise(rng, acq.shape_zyx, spacing_zyx, 60.0) - 1.0, 0, None)
        fat = fat * np.clip(base + 0.25 * failure, 0, 1)
        facts["fat_residual"] = round(base, 3)
    image = (water + fat) * modulation
    sens, coil = coil_sensitivity(rng, scene, acq)
    facts.update(coil)
    image *= sens
    if acq.shape_zyx[0] > 1:
        image *= (1.0 + rng.normal(0, 0.02, acq.shape_zyx[0])).astype(np.float32)[:, None, None]
    signal_level = float(np.percentile(image, 90))
    snr = float(rng.uniform(12, 60))
    sigma = signal_level / snr
    facts["snr"] = round(snr, 1)
    kfilter = _kspace_filter(rng, acq, contrast, facts)
    ghost = _ghost_phase(rng, acq, facts)
    out = np.empty(acq.shape_zyx, dtype=np.float32)
    for k in range(acq.shape_zyx[0]):
        spectrum = np.fft.fft2(image[k].astype(np.complex64)) * kfilter
        if ghost is not None:
            spectrum *= ghost
        complex_image = np.fft.ifft2(spectrum)
        complex_image += (rng.standard_normal(complex_image.shape, dtype=np.float32)
                          + 1j * rng.standard_normal(complex_image.shape, dtype=np.float32)) * sigma
        out[k] = np.abs(complex_image)
    gain = float(np.exp(rng.uniform(np.log(200), np.log(3000)))) / max(signal_level, 1e-6)
    facts["display_gain"] = round(gain, 3)
    return np.round(out * gain).astype(np.float32), facts
