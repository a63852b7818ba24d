"""Run a bundled model on an image: resample, normalise, sliding window, argmax, resample back, clean up."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Optional

import numpy as np

from gynai.errors import CancelledError, ModelError
from gynai.image import Image, LabelImage
from gynai.models.bundle import BundleInfo
from gynai.inference.loaded import load_task_model
from gynai.inference.input_checks import check_input, check_prediction
from gynai.inference.postprocess import postprocess_labels
from gynai.models.provenance import model_provenance
from gynai.inference.preprocess import labels_to_input_grid, model_grid_voxels, normalize_intensity, resample_to_model
from gynai.io.preflight import check_memory
from gynai.progress import ProgressCallback, report

logger = logging.getLogger(__name__)

DEVICES = ("auto", "cpu", "cuda")
MODEL_GRID_COPIES = 4
"""float32 arrays of the model grid held besides the class scores (input, normalised, labels, resampling)."""


def resolve_device(device: str) -> str:
    """Turn ``auto`` into ``cuda`` when a GPU is usable, else ``cpu``; validate explicit choices."""
    import torch

    if device not in DEVICES:
        raise ModelError(f"unknown device '{device}'; choose one of: {', '.join(DEVICES)}")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ModelError("device 'cuda' was requested but no CUDA GPU is available; use --device cpu or auto")
    return device


def _window_count(shape: tuple[int, ...], roi: tuple[int, ...], overlap: float) -> int:
    count = 1
    for size, window in zip(shape, roi):
        step = max(int(window * (1 - overlap)), 1)
        count *= 1 if size <= window else math.ceil((size - window) / step) + 1
    return count


def predict_model_grid(network, array: np.ndarray, info: BundleInfo, device: str, overlap: float,
                       progress: Optional[ProgressCallback]) -> np.ndarray:
    """Sliding-window prediction on a normalised model-grid array; returns argmax labels (uint8)."""
    import torch
    from monai.inferers import sliding_window_inference

    total = _window_count(array.shape, info.patch_size_zyx, overlap)
    done = [0]

    def predictor(batch: torch.Tensor) -> torch.Tensor:
        out = network(batch)
        done[0] += batch.shape[0]
        report(progress, done[0] / total, f"window {min(done[0], total)}/{total}")
        return out

    tensor = torch.from_numpy(np.ascontiguousarray(array))[None, None].to(device)
    with torch.inference_mode():
        logits = sliding_window_inference(tensor, info.patch_size_zyx, sw_batch_size=2, predictor=predictor,
                                          overlap=overlap, mode="gaussian", padding_mode="constant", cval=-0.5)
        labels = torch.argmax(logits, dim=1)[0]
    return labels.to("cpu", torch.uint8).numpy()


def segment_image(image: Image, task: str, device: str = "auto", overlap: float = 0.25,
                  progress: Optional[ProgressCallback] = None, models_directory: Optional[Path] = None,
                  threads: Optional[int] = None, model: Optional[str] = None,
                  warnings: Optional[list[str]] = None, provenance: Optional[dict] = None) -> LabelImage:
    """Segment ``image`` with the bundled model of ``task``.

    Args:
        image: The input volume (any orientation and spacing).
        task: Task id, e.g. ``"uterus-fibroid"``.
        device: ``auto`` (CUDA if available), ``cpu`` or ``cuda``.
        overlap: Sliding-window overlap in [0, 1).
        progress: Optional callback ``progress(fraction, message)``; raising :class:`CancelledError`
            from it cancels the run between windows.
        models_directory: Folder with ``catalog.json`` (default: the installed models).
        threads: CPU threads for torch (default: torch's choice).
        model: Name of an installed bundle for the task (default: the first one trained for the image's
            declared modality, else the task's shipped model).
        warnings: Optional list that receives warnings about the input and the result (also logged).
        provenance: Optional dict that receives the model's provenance record (name, version, task;
            :func:`gynai.models.provenance.model_provenance`), to store with the result.

    Returns:
        A label image on exactly the input geometry, with the task's label table.
    """
    import torch

    if not 0 <= overlap < 1:
        raise ModelError(f"overlap must be in [0, 1), got {overlap}")
    if threads:
        torch.set_num_threads(int(threads))
    report(progress, 0.0, "loading model")
    resolved = resolve_device(device)
    loaded = load_task_model(task, models_directory, model, image.modality or None, resolved)   # once per process
    info, network = loaded.info, loaded.network
    logger.info("model %s %s for task %s", info.name, info.version, info.task)
    notes = check_input(image, task, info.modality)
    labels = segment_with_network(image, info, network, resolved, overlap, progress)
    notes += check_prediction(labels, task)
    for note in notes:
        logger.warning("%s", note)
    if warnings is not None:
        warnings.extend(notes)
    if provenance is not None:
        provenance.update(model_provenance(info.name, info.version, info.task, modality=info.modality))
    return labels


def segment_with_network(image: Image, info: BundleInfo, network, device: str, overlap: float = 0.25,
                         progress: Optional[ProgressCallback] = None) -> LabelImage:
    """The inference pipeline for an already loaded network (used by :func:`segment_image` and training)."""
    import torch

    report(progress, 0.05, "resampling to model grid")
    voxels = model_grid_voxels(image.geometry, image.size_xyz, info.spacing_mm)
    check_memory(voxels * 4 * (info.num_classes + MODEL_GRID_COPIES),
                 f"segmenting on the model's {'x'.join(f'{s:g}' for s in info.spacing_mm)} mm grid "
                 f"({voxels} voxels)")
    array, grid = resample_to_model(image, info.spacing_mm)
    norm = info.normalization
    array = normalize_intensity(array, norm.get("low_percentile", 1.0), norm.get("high_percentile", 99.0))
    window_progress = None if progress is None else (lambda f, m: report(progress, 0.1 + 0.8 * f, m))
    try:
        labels = predict_model_grid(network, array, info, device, overlap, window_progress)
    except torch.cuda.OutOfMemoryError:
        logger.warning("GPU out of memory; running on the CPU instead")
        network = network.to("cpu")
        torch.cuda.empty_cache()
        labels = predict_model_grid(network, array, info, "cpu", overlap, window_progress)
    report(progress, 0.9, "resampling labels to the input grid")
    labels = labels_to_input_grid(labels, grid, image.geometry, image.size_xyz)
    labels = postprocess_labels(labels, image.geometry.voxel_volume_mm3, info.postprocessing)
    report(progress, 1.0, "done")
    return LabelImage(labels, image.geometry, info.labels)

__all__ = ["CancelledError", "resolve_device", "segment_image", "segment_with_network"]
