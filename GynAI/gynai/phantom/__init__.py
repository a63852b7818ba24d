"""Synthetic pelvic MRI phantoms with analytic ground truth (T2-weighted-like).

Anatomy is defined analytically in patient LPS millimetres and evaluated at the voxel centres of a grid
of any spacing and orientation, so labels are exact and consistent across resolutions. Appearance
(contrast, bias field, noise, slice blur) is randomised from the seed. Used by tests, the demo and
model training. These are not real patients: no anatomy variant or pathology beyond what is coded here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from gynai.image import Image, LabelImage
from gynai.phantom.adnexal import paint_adnexal_mass
from gynai.phantom.appearance import render
from gynai.phantom.config import PhantomConfig, evaluation_config, training_config
from gynai.phantom.pelvis import TISSUES, make_canvas, paint_pelvis
from gynai.phantom.placenta import paint_pregnant_uterus
from gynai.phantom.uterus import FIGO_TYPES, FibroidSpec, paint_uterus
from gynai.tasks import get_task

__all__ = ["FIGO_TYPES", "FibroidSpec", "PhantomCase", "PhantomConfig", "evaluation_config", "generate",
           "generate_adnexal_mass", "generate_placenta", "generate_uterus_fibroid", "training_config"]


@dataclass
class PhantomCase:
    """A generated case: image, exclusive task labels, analytic truth and (fibroids) an instance map."""

    task: str
    image: Image
    labels: LabelImage
    truth: dict
    instances: Optional[np.ndarray] = None


def _streams(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Independent random streams for the grid and for anatomy + appearance: the same seed gives the same
    anatomy whatever the grid's spacing or orientation."""
    return np.random.default_rng([seed, 1]), np.random.default_rng([seed, 2])


def _finish(task: str, canvas, rng: np.random.Generator, config: PhantomConfig, truth: dict,
            instances: Optional[np.ndarray] = None) -> PhantomCase:
    array = render(canvas.tissue, TISSUES, canvas.points, rng, config)
    metadata = {"modality": "MR", "description": f"GynAI synthetic T2 phantom ({task})"}
    image = Image(array, canvas.geometry, metadata)
    labels = LabelImage(canvas.labels, canvas.geometry, get_task(task).labels)
    return PhantomCase(task, image, labels, truth, instances)


def generate_uterus_fibroid(seed: int, fibroids: Optional[Sequence[FibroidSpec]] = None,
                            config: Optional[PhantomConfig] = None) -> PhantomCase:
    """A non-pregnant uterus with fibroids (random 1–3 when ``fibroids`` is None)."""
    config = config or PhantomConfig()
    grid_rng, rng = _streams(seed)
    centre = np.array([0.0, -5.0, 15.0])
    canvas = make_canvas(grid_rng, config, centre)
    pelvis = paint_pelvis(canvas, rng)
    truth, instances = paint_uterus(canvas, rng, fibroids, centre)
    truth["seed"] = seed
    truth["pelvis"] = pelvis
    return _finish("uterus-fibroid", canvas, rng, config, truth, instances)


def generate_placenta(seed: int, myometrium_thickness_mm: float = 2.0,
                      config: Optional[PhantomConfig] = None, bulge_mm: float = 0.0) -> PhantomCase:
    """A pregnant uterus with an anterior-inferior placenta over the bladder, thinned myometrium and
    optionally a focal outward bulge of ``bulge_mm`` over the placenta."""
    config = config or PhantomConfig(spacing_mm=(1.2, 1.2, 4.0), size_xyz=(192, 192, 48))
    grid_rng, rng = _streams(seed)
    centre = np.array([0.0, 0.0, 30.0])
    canvas = make_canvas(grid_rng, config, centre)
    pelvis = paint_pelvis(canvas, rng, bladder=False)
    truth = paint_pregnant_uterus(canvas, rng, myometrium_thickness_mm, centre, bulge_mm)
    truth["seed"] = seed
    truth["pelvis"] = pelvis
    return _finish("placenta", canvas, rng, config, truth)


def generate_adnexal_mass(seed: int, config: Optional[PhantomConfig] = None) -> PhantomCase:
    """A septated cystic adnexal mass with a solid mural nodule."""
    config = config or PhantomConfig(spacing_mm=(1.0, 1.0, 4.0), size_xyz=(220, 192, 36))
    grid_rng, rng = _streams(seed)
    centre = np.array([0.0, 0.0, 5.0])
    canvas = make_canvas(grid_rng, config, centre)
    pelvis = paint_pelvis(canvas, rng)
    truth = paint_adnexal_mass(canvas, rng, centre)
    truth["seed"] = seed
    truth["pelvis"] = pelvis
    return _finish("adnexal-mass", canvas, rng, config, truth)


def generate(task: str, seed: int, config: Optional[PhantomConfig] = None) -> PhantomCase:
    """Generate a phantom for ``task`` (``uterus-fibroid``, ``placenta`` or ``adnexal-mass``)."""
    get_task(task)
    if task == "uterus-fibroid":
        return generate_uterus_fibroid(seed, config=config)
    if task == "placenta":
        return generate_placenta(seed, config=config)
    return generate_adnexal_mass(seed, config=config)
