"""Checks that an image suits a model, and that a prediction is not empty: errors or explicit warnings.

A model trained on 3D T2 MRI gives garbage on a 2D slice, a CT or an image without contrast; GynAI says
so instead of returning a silent wrong result. Declared facts (a DICOM ``Modality``) give errors;
guesses from the voxel values give warnings that the CLI prints and the Slicer module shows.
"""

from __future__ import annotations

import logging
from typing import Optional

import numpy as np

from gynai.errors import ImageDimensionError, InvalidVoxelDataError, ModelError
from gynai.image import Image, LabelImage

logger = logging.getLogger(__name__)

MIN_VOXELS_PER_AXIS = 3
MIN_FIELD_OF_VIEW_MM = 40.0
CT_AIR_HU = -500.0
CT_AIR_FRACTION = 0.2
ULTRASOUND_ZERO_FRACTION = 0.2
"""Share of exact zeros (outside the scanned sector) above which 8-bit voxels look like scan-converted ultrasound."""


def image_modality(image: Image) -> str:
    """The declared modality of an image (:attr:`gynai.image.Image.modality`), '' if unknown."""
    return image.modality


def declare_modality(image: Image, modality: Optional[str]) -> Image:
    """Record the modality a user states for an image whose file does not say (NRRD, NIfTI); returns the image
    (:meth:`gynai.image.Image.state_modality`).

    Raises:
        ModelError: The image's header declares another modality.
    """
    image.state_modality(modality)
    return image


def check_input(image: Image, task_id: str, model_modality: str) -> list[str]:
    """Refuse images a model cannot segment; return warnings for doubtful ones.

    Raises:
        ImageDimensionError: Fewer than :data:`MIN_VOXELS_PER_AXIS` voxels along an axis (a 2D image).
        ModelError: The image declares a modality other than the model's.
        InvalidVoxelDataError: All voxels (nearly) equal: no contrast to segment.
    """
    size = image.size_xyz
    if min(size) < MIN_VOXELS_PER_AXIS:
        raise ImageDimensionError(f"image is {size[0]}x{size[1]}x{size[2]} voxels, in effect 2D; the {task_id} "
                                  f"model needs a 3D volume with at least {MIN_VOXELS_PER_AXIS} slices")
    modality = image.modality
    if modality and modality != model_modality:
        raise ModelError(f"image modality is {modality} but the {task_id} model was trained for {model_modality} "
                         f"only; choose a {model_modality} series")
    sample = image.array[::2, ::2, ::2] if image.array.size > 8_000_000 else image.array
    low, high = np.percentile(sample, [1.0, 99.0])
    if not high > low:
        raise InvalidVoxelDataError(f"image has no contrast (1st and 99th percentiles both {low:g}); "
                                    "load the intended series")
    warnings = []
    extent_mm = [n * s for n, s in zip(size, image.geometry.spacing_mm)]
    if min(extent_mm) < MIN_FIELD_OF_VIEW_MM:
        warnings.append(f"field of view is only {min(extent_mm):.0f} mm along one axis; the {task_id} model "
                        "expects a pelvic field of view, results may be incomplete")
    if not modality and model_modality == "MR" and float(sample.min()) <= -900.0 \
            and float(np.mean(sample < CT_AIR_HU)) >= CT_AIR_FRACTION:
        warnings.append("voxel values look like CT (Hounsfield units with air at -1000); the model was trained "
                        "for MR only, check the result carefully")
    if not modality and model_modality == "MR" and float(sample.min()) == 0.0 and float(sample.max()) <= 255.0 \
            and float(np.mean(sample == 0)) >= ULTRASOUND_ZERO_FRACTION:
        warnings.append("voxel values look like a scan-converted ultrasound volume (0-255, zero outside a scanned "
                        "sector); the model was trained for MR: if this is ultrasound, state it (--modality US)")
    return warnings


def check_prediction(labels: LabelImage, task_id: str) -> list[str]:
    """Warnings for an empty prediction, or when the task's main structures are missing."""
    present = set(np.unique(labels.array).tolist()) - {0}
    if not present:
        return [f"the {task_id} model found no structure in this image; check that the task matches the image"]
    missing = [label.name for label in labels.labels if label.value not in present]
    if missing:
        return [f"not found in this image: {', '.join(missing)}"]
    return []
