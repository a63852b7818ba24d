"""CT image formation: Hounsfield units per material, contrast phase, slice profile, in-plane blur,
correlated noise and the reconstruction circle.

Phases: non-contrast, portal-venous (myometrium, placenta and vessels enhance; fibroids variably) and
delayed (weaker parenchymal enhancement, excreted contrast in urine). Noise is white noise band-passed
(a difference of Gaussians, like filtered back-projection noise) with a standard deviation that grows
with body size. Voxels outside the reconstruction circle get the scanner's padding value.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import ndimage

from gynai.heldout.acquisition import Acquisition
from gynai.heldout.fields import multiscale_texture
from gynai.heldout.scene import Scene
from gynai.heldout.voxelize import profile_average

CT_PHASES = ("non-contrast", "portal-venous", "delayed")


@dataclass(frozen=True)
class CTProtocol:
    """Contrast phase and reconstruction of one CT series."""

    phase: str
    enhancement_scale: float
    urine_contrast_hu: float
    kernel_sigma_mm: float
    noise_hu: float
    padding_hu: float

    def describe(self) -> dict[str, Any]:
        """JSON-ready parameters."""
        return {k: (round(v, 2) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def sample_ct_protocol(rng: np.random.Generator, body_width_mm: float = 360.0) -> CTProtocol:
    """Draw a contrast phase, kernel and dose-dependent noise level."""
    phase = str(rng.choice(CT_PHASES, p=[0.25, 0.6, 0.15]))
    scale = {"non-contrast": 0.0, "portal-venous": float(rng.uniform(0.8, 1.2)),
             "delayed": float(rng.uniform(0.4, 0.7))}[phase]
    urine = float(rng.uniform(150, 900)) if phase == "delayed" else 0.0
    noise = float(rng.uniform(7, 18)) * (body_width_mm / 360.0) ** 1.5
    padding = float(rng.choice([-1024.0, -2048.0, -3024.0]))
    return CTProtocol(phase, scale, urine, float(rng.uniform(0.35, 0.8)), noise, padding)


def render_ct(rng: np.random.Generator, scene: Scene, acq: Acquisition, mat: np.ndarray,
              protocol: CTProtocol) -> tuple[np.ndarray, dict[str, Any]]:
    """Turn sampled materials into a CT image in HU (float32, integral values)."""
    materials = scene.materials.jittered(rng, 0.0)
    hu = materials.property_array("hu") + protocol.enhancement_scale * materials.property_array("hu_enhance")
    names = materials.names()
    if protocol.urine_contrast_hu:
        hu[[i for i, n in enumerate(names) if n == "urine"]] += protocol.urine_contrast_hu
    n_sub = len(acq.sub_offsets_mm)
    weights = np.asarray(acq.profile_weights)
    image = profile_average(hu, mat, n_sub, weights)
    amp = profile_average(materials.property_array("texture") * 60.0, mat, n_sub, weights)
    g = acq.geometry
    spacing_zyx = (g.spacing_mm[2], g.spacing_mm[1], g.spacing_mm[0])
    image += amp * multiscale_texture(rng, acq.shape_zyx, spacing_zyx, (1.0, 3.0))
    blur = [0.0, protocol.kernel_sigma_mm / g.spacing_mm[1], protocol.kernel_sigma_mm / g.spacing_mm[0]]
    image = ndimage.gaussian_filter(image, blur)
    white = rng.standard_normal(acq.shape_zyx, dtype=np.float32)
    band = ndimage.gaussian_filter(white, (0, 0.7, 0.7)) - ndimage.gaussian_filter(white, (0, 2.5, 2.5))
    band /= max(float(band.std()), 1e-6)
    image += protocol.noise_hu * band
    nk, nj, ni = acq.shape_zyx
    jj, ii = np.meshgrid(np.arange(nj) - (nj - 1) / 2, np.arange(ni) - (ni - 1) / 2, indexing="ij")
    radius_mm = min(nj * g.spacing_mm[1], ni * g.spacing_mm[0]) / 2
    outside = (jj * g.spacing_mm[1]) ** 2 + (ii * g.spacing_mm[0]) ** 2 > radius_mm ** 2
    image = np.clip(np.round(image), -1024, 3071)
    image[:, outside] = protocol.padding_hu
    return image.astype(np.float32), {"reconstruction_circle": True}
