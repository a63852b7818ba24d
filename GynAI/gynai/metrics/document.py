"""Measuring one case: the metrics document (schema ``gynai.metrics/1``, docs/metrics-schema.md) of a
segmentation on its image, as a typed :class:`~gynai.metrics.results.document.MetricsDocument`."""

from __future__ import annotations

import datetime as _dt
from dataclasses import replace
from typing import Any, Optional

import numpy as np

from gynai import __version__
from gynai.image import Image, LabelImage
from gynai.metrics.codes import codes_for, document_keys
from gynai.metrics.results.document import SCHEMA, MetricsDocument
from gynai.metrics.results.structure import ImageSummary, StructureMetrics
from gynai.metrics.shape import bounding_slices, crop_geometry
from gynai.metrics.volumes import structure_volumes
from gynai.tasks import get_task

__all__ = ["SCHEMA", "MetricsDocument", "geometry_summary", "measure", "metrics_document"]


def geometry_summary(image: Image | LabelImage) -> dict[str, Any]:
    """Grid size and geometry of an image, for the ``image`` key of the document."""
    geometry = image.geometry
    return {"size_xyz": [int(n) for n in image.array.shape[::-1]], "spacing_mm": list(geometry.spacing_mm),
            "origin_lps_mm": list(geometry.origin_lps_mm), "direction": list(geometry.direction)}


CROP_MARGIN_VOXELS = 3
"""Margin kept around the labels when cropping; ≥ 3 so that a structure touches the crop's edge only
where it touches the image's edge (the placenta bulge ignores serosa on the image border)."""


def _crop_to_content(image: Image, labels: LabelImage,
                     references: dict[str, np.ndarray]) -> tuple[Image, LabelImage, dict[str, np.ndarray]]:
    """Crop image, labels and reference masks to the labels' (and references') bounding box.

    Every metric is computed on the crop with its own geometry, so positions stay in patient LPS; only
    the work on empty background is saved.
    """
    content = labels.array != 0
    for mask in references.values():
        content = content | mask
    box = bounding_slices(content, margin=CROP_MARGIN_VOXELS)
    if box is None:
        return image, labels, references
    geometry = crop_geometry(labels.geometry, box)
    return (Image(image.array[box], geometry, dict(image.metadata)), LabelImage(labels.array[box], geometry, labels.labels),
            {name: mask[box] for name, mask in references.items()})


def analysis_modality(image: Image, model: Optional[dict] = None) -> str:
    """The modality the intensities are read as: the image's (:attr:`~gynai.image.Image.modality`), else the
    modality of the model that made the segmentation, else MR."""
    return image.modality or str((model or {}).get("modality") or "").upper() or "MR"


def measure(image: Image, label_image: LabelImage, task_id: str, model: Optional[dict] = None,
            source: Optional[dict] = None, reference_masks: Optional[dict[str, np.ndarray]] = None) -> MetricsDocument:
    """Measure one case: the structures' figures and the task's block (``Task.results``).

    Args:
        image: The analysed volume.
        label_image: Its segmentation on the same grid, on the task's label table.
        task_id: The task the labels belong to.
        model: Provenance of the model that produced the segmentation, if any.
        source: File names of inputs, for traceability.
        reference_masks: Optional reference tissue masks on the image grid: ``muscle`` (skeletal muscle,
            for the fibroid Funaki class) and ``myometrium`` (for the adnexal solid-tissue ratio).
    """
    task = get_task(task_id)
    references = reference_masks or {}
    full_image = image
    image, label_image, references = _crop_to_content(image, label_image, references)
    structures = {key: StructureMetrics.from_json(values)
                  for key, values in structure_volumes(label_image, task_id).items()}
    modality = analysis_modality(full_image, model)
    results = task.results.load().measure(label_image, image, references, modality, structures)
    document = MetricsDocument(
        task=task_id, generator={"name": "gynai", "version": __version__},
        created=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        image=ImageSummary.from_json({**geometry_summary(full_image), "modality": modality}), source=source or {},
        model=model, structures=structures, results=results, reference_regions=tuple(sorted(references)))
    return replace(document, measurement_codes=codes_for(document_keys(document.to_json())))


def metrics_document(image: Image, label_image: LabelImage, task_id: str,
                     model: Optional[dict] = None, source: Optional[dict] = None,
                     reference_masks: Optional[dict[str, np.ndarray]] = None) -> dict[str, Any]:
    """The metrics document of one case as JSON (:func:`measure`, written as in the file)."""
    return measure(image, label_image, task_id, model, source, reference_masks).to_json()
