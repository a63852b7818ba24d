"""Public entry point: one held-out evaluation case (image, labels and ground truth) from a seed.

Three independent random streams come from ``(seed, task)``: anatomy, acquisition and rendering. The
anatomy therefore does not depend on the modality or the slice plane: ``generate_heldout(t, s, "MR")``
and ``generate_heldout(t, s, "CT")`` show the same patient, as do two calls that differ only in
``plane``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from gynai.errors import LabelError, UsageError
from gynai.heldout.acquisition import PLANES
from gynai.heldout.ct_render import render_ct, sample_ct_protocol
from gynai.heldout.mr_contrast import SEQUENCES, sample_contrast
from gynai.heldout.mr_render import render_mr
from gynai.heldout.pelvis import new_scene
from gynai.heldout.planning import plan_ct, plan_mr
from gynai.heldout.scene import Scene
from gynai.heldout.truth import scene_label_volumes_ml
from gynai.heldout.us_render import paint_labels, render_us
from gynai.heldout.us_scan import output_geometry, plan_sweep
from gynai.heldout.voxelize import sample_acquisition
from gynai.image import Image, LabelImage
from gynai.tasks import TASKS, get_task

logger = logging.getLogger(__name__)

HELDOUT_MODALITIES: dict[str, tuple[str, ...]] = {task.id: task.heldout.modalities for task in TASKS.values()
                                                 if task.heldout is not None}
"""Modalities the held-out generator renders for each task (``Task.heldout.modalities``)."""


@dataclass
class HeldoutCase:
    """One held-out evaluation case.

    Attributes:
        task: Task id.
        image: The rendered image (float32, exact LPS geometry, metadata modality and description).
        labels: Labelmap on the image geometry with the task's label table.
        truth: Seed, acquisition, contrast, anatomy facts, look-alikes and reference volumes.
    """

    task: str
    image: Image
    labels: LabelImage
    truth: dict[str, Any]


def check_supported(task: str, modality: str) -> None:
    """Raise :class:`LabelError` unless the held-out generator renders ``task`` on ``modality``."""
    get_task(task)
    if modality not in ("MR", "CT", "US"):
        raise LabelError(f"unknown modality '{modality}' for held-out phantoms; choose MR, CT or US")
    if modality not in HELDOUT_MODALITIES[task]:
        raise LabelError(f"held-out {modality} phantoms are not made for task '{task}'; "
                         f"choose one of: {', '.join(HELDOUT_MODALITIES[task])}")


def streams(task: str, seed: int) -> tuple[np.random.Generator, np.random.Generator, np.random.Generator]:
    """Anatomy, acquisition and rendering random generators of a case."""
    children = np.random.SeedSequence([int(seed), get_task(task).heldout.code]).spawn(3)
    return tuple(np.random.default_rng(c) for c in children)  # type: ignore[return-value]


def build_scene(task: str, rng: np.random.Generator, morphology: Optional[str] = None,
                placenta_position: Optional[str] = None) -> Scene:
    """The phantom of a task, before any acquisition (the task's scene: ``Task.heldout.scene``)."""
    scene = new_scene(task, rng)
    get_task(task).heldout.scene.load()(scene, rng, morphology, placenta_position)
    return scene


def _label_volumes(labels: np.ndarray, voxel_ml: float, table) -> dict[str, float]:
    counts = np.bincount(labels.ravel(), minlength=256)
    return {info.id: round(float(counts[info.value] * voxel_ml), 4) for info in table}


def generate_heldout(task: str, seed: int, modality: str = "MR", *, plane: Optional[str] = None,
                     sequence: Optional[str] = None, resolution_scale: float = 1.0,
                     morphology: Optional[str] = None, placenta_position: Optional[str] = None) -> HeldoutCase:
    """Generate one held-out case.

    Args:
        task: "uterus-fibroid", "placenta" or "adnexal-mass".
        seed: Case seed; the same seed (and options) gives the same case.
        modality: "MR", "CT" or "US" (US only for adnexal-mass).
        plane: Force the MR slice plane ("axial", "sagittal", "coronal"); CT is always axial.
        sequence: Force the MR sequence (one of :data:`~gynai.heldout.mr_contrast.SEQUENCES`).
        resolution_scale: Multiplies the number of voxels per in-plane axis (< 1 for quick, coarse cases).
        morphology: Force the first adnexal lesion's morphology.
        placenta_position: Force the placenta site.

    Raises:
        LabelError: Unknown task or modality, or a modality not made for the task.
        UsageError: Options that do not apply.
    """
    check_supported(task, modality)
    if plane is not None and (plane not in PLANES or (modality != "MR" and plane != "axial")):
        raise UsageError(f"plane '{plane}' is not available for held-out {modality}; MR takes "
                         f"{', '.join(PLANES)}, CT only axial, US none")
    if sequence is not None and (modality != "MR" or sequence not in SEQUENCES):
        raise UsageError(f"sequence '{sequence}' does not apply; MR sequences: {', '.join(SEQUENCES)}")
    if not 0.1 <= resolution_scale <= 2.0:
        raise UsageError(f"resolution_scale must be within 0.1-2, got {resolution_scale}")
    table = get_task(task).labels
    anatomy_rng, acquisition_rng, render_rng = streams(task, seed)
    scene = build_scene(task, anatomy_rng, morphology, placenta_position)
    truth: dict[str, Any] = {"style": "heldout", "seed": int(seed), "task": task, "modality": modality}
    if modality == "US":
        sweep = plan_sweep(acquisition_rng, scene)
        geometry, shape = output_geometry(acquisition_rng, scene, sweep, resolution_scale)
        labels = paint_labels(scene, sweep, geometry, shape)
        array, facts = render_us(render_rng, scene, sweep, geometry, shape, resolution_scale)
        truth["acquisition"] = {"plane": "transvaginal sweep", **sweep.describe(),
                                "spacing_mm": list(geometry.spacing_mm), "direction": list(geometry.direction),
                                "shape_zyx": list(shape)}
        truth["contrast"] = {"name": "B-mode", **facts}
    else:
        acq = plan_mr(acquisition_rng, scene, task, plane, resolution_scale) if modality == "MR" else \
            plan_ct(acquisition_rng, scene, resolution_scale)
        geometry = acq.geometry
        materials, labels = sample_acquisition(scene, acq)
        if modality == "MR":
            contrast = sample_contrast(render_rng, task, sequence)
            array, facts = render_mr(render_rng, scene, acq, materials, contrast)
            truth["contrast"] = {**contrast.describe(), **facts}
        else:
            protocol = sample_ct_protocol(render_rng, float(scene.facts["body"]["hip_width_mm"]))
            array, facts = render_ct(render_rng, scene, acq, materials, protocol)
            truth["contrast"] = {"name": f"CT {protocol.phase}", **protocol.describe(), **facts}
        truth["acquisition"] = acq.describe()
    volumes, cell = scene_label_volumes_ml(scene, np.random.default_rng([int(seed), 7]))
    truth["anatomy"] = scene.facts
    truth["lookalikes"] = sorted(set(scene.lookalikes))
    truth["label_volumes_ml"] = _label_volumes(labels, geometry.voxel_volume_mm3 / 1000.0, table)
    truth["scene_volumes_ml"] = {info.id: round(volumes.get(info.value, 0.0), 3) for info in table}
    truth["scene_volume_cell_mm"] = round(cell, 3)
    truth["pose"] = {"rotation": [round(float(v), 6) for v in scene.pose_rotation.reshape(-1)],
                     "translation_mm": [round(float(v), 2) for v in scene.pose_translation_mm]}
    description = (f"GynAI held-out phantom {task} {truth['contrast']['name']} "
                   f"{truth['acquisition']['plane']} seed {seed}")
    image = Image(array.astype(np.float32), geometry, {"modality": modality, "description": description})
    label_image = LabelImage(labels.astype(np.uint8), geometry, table)
    logger.debug("held-out case %s seed %d %s: %s", task, seed, modality, image.shape_zyx)
    return HeldoutCase(task, image, label_image, truth)
