"""Phantom configuration: grid (size, spacing, orientation) and appearance randomisation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class PhantomConfig:
    """How a phantom is sampled and rendered.

    Attributes:
        spacing_mm: Voxel spacing along i, j, k in millimetres.
        size_xyz: Grid size along i, j, k.
        rotation_deg: Maximum rotation of the grid direction about a random axis (0 = axial, axis-aligned).
        randomize: Randomise tissue contrast and field-of-view shift from the seed.
        noise_fraction: Noise standard deviation relative to the myometrium intensity.
        bias_strength: Amplitude of the smooth multiplicative bias field (0 = none).
        shift_mm: Maximum random shift of the field of view from the anatomy centre.
    """

    spacing_mm: tuple[float, float, float] = (0.9, 0.9, 4.0)
    size_xyz: tuple[int, int, int] = (192, 192, 30)
    rotation_deg: float = 0.0
    randomize: bool = True
    noise_fraction: float = 0.03
    bias_strength: float = 0.2
    shift_mm: float = 8.0


def training_config(seed: int) -> PhantomConfig:
    """Domain-randomised grid for training: 0.6–1.5 mm in-plane, 3–6 mm slices, up to 20° rotation."""
    rng = np.random.default_rng([seed, 7])
    in_plane = float(rng.uniform(0.6, 1.5))
    thickness = float(rng.uniform(3.0, 6.0))
    fov_mm = float(rng.uniform(200, 260))
    depth_mm = float(rng.uniform(100, 140))
    return PhantomConfig((in_plane, in_plane, thickness), (int(fov_mm / in_plane), int(fov_mm / in_plane),
                                                           int(depth_mm / thickness)),
                         rotation_deg=20.0, noise_fraction=float(rng.uniform(0.01, 0.06)),
                         bias_strength=float(rng.uniform(0.0, 0.35)), shift_mm=15.0)


def evaluation_config(seed: int) -> PhantomConfig:
    """A different distribution for held-out evaluation: up to 30° rotation, 3.5–5.5 mm slices."""
    rng = np.random.default_rng([seed, 11])
    in_plane = float(rng.uniform(0.7, 1.2))
    thickness = float(rng.uniform(3.5, 5.5))
    return PhantomConfig((in_plane, in_plane, thickness), (int(230 / in_plane), int(230 / in_plane),
                                                           int(120 / thickness)),
                         rotation_deg=30.0, noise_fraction=float(rng.uniform(0.02, 0.05)),
                         bias_strength=float(rng.uniform(0.1, 0.3)), shift_mm=12.0)


@dataclass
class UltrasoundConfig:
    """How a 3D transvaginal ultrasound phantom is sampled and rendered (B-mode, log-compressed, 0–255).

    Attributes:
        spacing_mm: Isotropic voxel spacing of the scan-converted (Cartesian) volume.
        depth_mm: Depth of the scanned sector from the probe's apex.
        half_angle_deg: Half opening angle of the scanned cone.
        tilt_deg: Maximum random tilt of the beam axis away from the fornix-to-mass direction.
        gap_mm: Range of the distance between the probe's apex and the near side of the mass.
        randomize: Randomise echogenicities, gain and the probe's roll from the seed.
        dynamic_range_db: Displayed dynamic range of the log compression.
        speckle_mm: Point-spread (Gaussian sigma) along the beam and across it, in millimetres.
        attenuation_per_mm: Soft-tissue amplitude attenuation (nepers per mm, two-way), compensated
            on average by the time-gain compensation; fluid barely attenuates (posterior enhancement).
        tgc_error_per_mm: Maximum error of the time-gain compensation slope (nepers per mm).
        cyst_echo: Echogenicity of the cyst fluid relative to fat (0 = anechoic; ~0.3 = ground glass).
        noise_fraction: Electronic noise relative to the brightest echoes.
        confounders: Paint anechoic look-alikes (iliac vessel, free fluid) that are not the mass.
    """

    spacing_mm: float = 0.8
    depth_mm: float = 110.0
    half_angle_deg: float = 60.0
    tilt_deg: float = 15.0
    gap_mm: tuple[float, float] = (8.0, 20.0)
    randomize: bool = True
    dynamic_range_db: float = 55.0
    speckle_mm: tuple[float, float] = (0.3, 0.7)
    attenuation_per_mm: float = 0.015
    tgc_error_per_mm: float = 0.003
    cyst_echo: float = 0.01
    noise_fraction: float = 0.01
    confounders: bool = True


def training_ultrasound_config(seed: int) -> UltrasoundConfig:
    """Domain-randomised ultrasound for training: 0.7–1.1 mm voxels, 85–125 mm depth, 45–70° cones,
    45–70 dB, speckle size, attenuation, gain slope, anechoic to ground-glass cyst content."""
    rng = np.random.default_rng([seed, 13])
    return UltrasoundConfig(
        spacing_mm=float(rng.uniform(0.7, 1.1)), depth_mm=float(rng.uniform(85, 125)),
        half_angle_deg=float(rng.uniform(45, 70)), tilt_deg=25.0, gap_mm=(3.0, 30.0),
        dynamic_range_db=float(rng.uniform(45, 70)),
        speckle_mm=(float(rng.uniform(0.2, 0.45)), float(rng.uniform(0.5, 1.1))),
        attenuation_per_mm=float(rng.uniform(0.008, 0.025)), tgc_error_per_mm=0.006,
        cyst_echo=float(rng.choice([0.003, 0.01, 0.03, 0.1, 0.2, 0.3])), noise_fraction=float(rng.uniform(0.003, 0.03)))


def evaluation_ultrasound_config(seed: int) -> UltrasoundConfig:
    """A different distribution for held-out ultrasound evaluation (other cones, depths and cyst echoes)."""
    rng = np.random.default_rng([seed, 17])
    return UltrasoundConfig(
        spacing_mm=float(rng.uniform(0.75, 0.95)), depth_mm=float(rng.uniform(95, 120)),
        half_angle_deg=float(rng.uniform(50, 65)), tilt_deg=30.0, gap_mm=(5.0, 25.0),
        dynamic_range_db=float(rng.uniform(50, 65)),
        speckle_mm=(float(rng.uniform(0.25, 0.4)), float(rng.uniform(0.6, 0.9))),
        attenuation_per_mm=float(rng.uniform(0.01, 0.02)), tgc_error_per_mm=0.004,
        cyst_echo=float(np.exp(rng.uniform(np.log(0.003), np.log(0.3)))), noise_fraction=float(rng.uniform(0.005, 0.02)))
