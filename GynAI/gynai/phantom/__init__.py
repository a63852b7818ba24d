"""Synthetic pelvic phantoms with analytic ground truth: T2-weighted-like MRI, and 3D transvaginal
ultrasound of the adnexal mass.

Anatomy is defined analytically in patient LPS millimetres and evaluated at the voxel centres of a grid
of any spacing and orientation, so labels are exact and consistent across resolutions. Appearance
(contrast, bias field, noise, slice blur; for ultrasound echogenicity, speckle, attenuation, gain and
dynamic range) is randomised from the seed. Used by tests, the demo and
model training. These are not real patients: no anatomy variant or pathology beyond what is coded here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from gynai.image import Image, LabelImage
from gynai.errors import LabelError
from gynai.phantom.adnexal import draw_adnexal_mass, paint_adnexal_mass, paint_adnexal_shape, paint_uterus_beside
from gynai.phantom.appearance import render
from gynai.phantom.config import (PhantomConfig, UltrasoundConfig, evaluation_config, evaluation_ultrasound_config,
                                  training_config, training_ultrasound_config)
from gynai.phantom.pelvis import TISSUES, make_canvas, paint_pelvis
from gynai.phantom.shapes import Ellipsoid, cylinder_mask
from gynai.phantom.ultrasound import aim_probe, probe_canvas, render_ultrasound
from gynai.phantom.placenta import paint_pregnant_uterus
from gynai.phantom.uterus import FIGO_TYPES, FibroidSpec, paint_uterus
from gynai.tasks import TASKS, get_task

__all__ = ["FIGO_TYPES", "MODALITIES", "FibroidSpec", "PhantomCase", "PhantomConfig", "UltrasoundConfig",
           "evaluation_config", "evaluation_phantom_config", "generate", "generate_adnexal_mass",
           "generate_adnexal_mass_us", "generate_placenta", "generate_uterus_fibroid", "training_config",
           "training_phantom_config"]



def _tasks_by_modality() -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for task in TASKS.values():
        for modality in task.phantoms:
            found[modality] = found.get(modality, ()) + (task.id,)
    return found


MODALITIES = _tasks_by_modality()
"""The tasks each phantom modality can render (``Task.phantoms``)."""
FORNIX_LPS_MM = np.array([0.0, 0.0, -35.0])
"""Where the transvaginal probe enters: the vaginal fornix below the cervix."""


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


def _paint_ultrasound_confounders(canvas, rng: np.random.Generator, mass_centre: np.ndarray, side: float) -> None:
    """Anechoic structures that are not the mass: an external iliac vessel beside it, free fluid behind
    the uterus (each present at random; label 0)."""
    if rng.random() < 0.7:
        start = mass_centre + np.array([side * 35.0, 25.0, 45.0]) + rng.uniform(-10, 10, 3)
        end = start + np.array([side * 10.0, 10.0, -110.0])
        canvas.paint(cylinder_mask(canvas.points, start, end, float(rng.uniform(3.5, 6.0))), "fluid")
    if rng.random() < 0.5:
        pocket = Ellipsoid((0.0, 35.0, -15.0), tuple(float(v) for v in rng.uniform([8, 4, 6], [20, 10, 15])))
        canvas.paint(pocket.contains(canvas.points), "fluid")


def generate_adnexal_mass_us(seed: int, config: Optional[UltrasoundConfig] = None) -> PhantomCase:
    """The adnexal mass as a 3D transvaginal ultrasound volume (B-mode, 0 outside the scanned cone).

    The labels hold the mass only where it was scanned (inside the cone); ``truth["mass"]`` describes
    the whole analytic mass and ``truth["scanned_fraction"]`` the part of its voxels inside the cone.
    """
    config = config or UltrasoundConfig()
    grid_rng, rng = _streams(seed)
    shape = draw_adnexal_mass(rng, np.array([0.0, 0.0, 5.0]))
    centre = shape.centre_lps_mm
    axis = centre - FORNIX_LPS_MM
    reach = shape.mass.surface_distance_along(-axis / np.linalg.norm(axis))
    probe = aim_probe(grid_rng, centre, FORNIX_LPS_MM, reach, config)
    canvas = probe_canvas(probe, config)
    pelvis = paint_pelvis(canvas, rng)
    paint_uterus_beside(canvas)
    if config.confounders:
        _paint_ultrasound_confounders(canvas, rng, centre, float(np.sign(centre[0]) or 1.0))
    truth = paint_adnexal_shape(canvas, shape)
    array, sector = render_ultrasound(canvas, probe, rng, config)
    lesion = canvas.labels > 0
    truth["scanned_fraction"] = float((lesion & sector).sum() / max(int(lesion.sum()), 1))
    canvas.labels[~sector] = 0
    truth.update(seed=seed, pelvis=pelvis, probe={"apex_lps_mm": probe.apex_lps_mm.tolist(),
                                                  "axis_lps": probe.axis.tolist()})
    metadata = {"modality": "US", "description": "GynAI synthetic 3D transvaginal ultrasound phantom (adnexal-mass)"}
    image = Image(array, canvas.geometry, metadata)
    labels = LabelImage(canvas.labels, canvas.geometry, get_task("adnexal-mass").labels)
    return PhantomCase("adnexal-mass", image, labels, truth)


def training_phantom_config(seed: int, modality: str = "MR"):
    """The domain-randomised training configuration of a phantom of this modality."""
    return training_ultrasound_config(seed) if modality == "US" else training_config(seed)


def evaluation_phantom_config(seed: int, modality: str = "MR"):
    """The held-out evaluation configuration of a phantom of this modality."""
    return evaluation_ultrasound_config(seed) if modality == "US" else evaluation_config(seed)


def generate(task: str, seed: int, config=None, modality: str = "MR") -> PhantomCase:
    """Generate a phantom for ``task`` with the task's generator for ``modality`` (``Task.phantoms``).

    Args:
        task: Task id.
        seed: Random seed (same seed, same anatomy).
        config: A :class:`PhantomConfig` (MR) or :class:`UltrasoundConfig` (US); default settings when None.
        modality: ``MR`` or ``US`` (ultrasound exists for ``adnexal-mass`` only).

    Raises:
        LabelError: Unknown task, or no phantom of that modality for the task.
    """
    generators = get_task(task).phantoms
    if modality not in generators:
        raise LabelError(f"no {modality} phantom for task '{task}'; phantoms exist for "
                         + "; ".join(f"{m}: {', '.join(t)}" for m, t in MODALITIES.items()))
    return generators[modality].load()(seed, config=config)
