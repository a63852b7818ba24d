"""Training data: a MONAI-style datalist or generated phantoms, prepared on the model grid.

Datalist format (MONAI convention, paths relative to the datalist file)::

    {"training": [{"image": "imagesTr/case1.nii.gz", "label": "labelsTr/case1.nii.gz"}, ...],
     "validation": [{"image": ..., "label": ...}]}

Labels in the files must use the task's label values (e.g. 1 myometrium, 2 endometrium, 3 fibroid).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

import numpy as np

from gynai.errors import InputFileError, LabelError
from gynai.image import Image
from gynai.inference.preprocess import normalize_intensity, resample_labels_to_model, resample_to_model
from gynai.io.images import read_image
from gynai.phantom import generate, training_phantom_config
from gynai.progress import ProgressCallback, report

logger = logging.getLogger(__name__)


@dataclass
class PreparedCase:
    """One case on the model grid: normalised float32 image and uint8 labels, both [z, y, x]."""

    name: str
    image: np.ndarray
    labels: np.ndarray


def prepare_case(name: str, image: Image, labels: np.ndarray, spacing_mm: tuple[float, float, float],
                 num_labels: int) -> PreparedCase:
    """Resample an image and its labels onto the model grid and normalise the intensities."""
    if labels.shape != image.array.shape:
        raise LabelError(f"case {name}: label shape {labels.shape} differs from image shape {image.array.shape}")
    if labels.max(initial=0) > num_labels or labels.min(initial=0) < 0:
        raise LabelError(f"case {name}: label values must be 0..{num_labels}, found {int(labels.min())}.."
                         f"{int(labels.max())}; relabel to the task's values")
    array, grid = resample_to_model(image, spacing_mm)
    target = resample_labels_to_model(labels, image.geometry, grid)
    return PreparedCase(name, normalize_intensity(array), target)


def read_datalist(path: Path, section: str = "training") -> list[tuple[Path, Path]]:
    """(image, label) path pairs of one section of a datalist JSON file."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise InputFileError(f"datalist {path} is unreadable ({error}); give a MONAI-style datalist JSON") from None
    items = data.get(section, [])
    if not isinstance(items, list):
        raise InputFileError(f"datalist {path}: section '{section}' must be a list of {{image, label}} items")
    pairs = []
    for item in items:
        if not isinstance(item, dict) or "image" not in item or "label" not in item:
            raise InputFileError(f"datalist {path}: every item needs 'image' and 'label' keys, got {item!r}")
        pairs.append(((path.parent / item["image"]).resolve(), (path.parent / item["label"]).resolve()))
    return pairs


def load_datalist_cases(path: Path, section: str, spacing_mm: tuple[float, float, float], num_labels: int,
                        progress: Optional[ProgressCallback] = None) -> list[PreparedCase]:
    """Read and prepare every case of a datalist section."""
    cases = []
    pairs = read_datalist(path, section)
    for index, (image_path, label_path) in enumerate(pairs):
        image = read_image(image_path)
        labels = read_image(label_path).array.astype(np.int64)
        cases.append(prepare_case(image_path.name, image, labels, spacing_mm, num_labels))
        report(progress, (index + 1) / max(len(pairs), 1), f"prepared {image_path.name}")
    return cases


def crop_to_signal(case: PreparedCase) -> PreparedCase:
    """Crop a prepared case to the bounding box of the voxels above its minimum (the scanned sector of an
    ultrasound volume; the model grid around an oblique cone is mostly empty)."""
    signal = case.image > case.image.min()
    if not signal.any():
        return case
    box = tuple(slice(int(axis.min()), int(axis.max()) + 1) for axis in np.nonzero(signal))
    return PreparedCase(case.name, np.ascontiguousarray(case.image[box]), np.ascontiguousarray(case.labels[box]))


def phantom_cases(task: str, seeds: Iterable[int], spacing_mm: tuple[float, float, float], num_labels: int,
                  progress: Optional[ProgressCallback] = None, modality: str = "MR") -> list[PreparedCase]:
    """Generate domain-randomised phantoms (one per seed, of ``modality``) and prepare them on the model grid."""
    seeds = list(seeds)
    cases = []
    for index, seed in enumerate(seeds):
        case = generate(task, seed, training_phantom_config(seed, modality), modality)
        prepared = prepare_case(f"phantom-{seed}", case.image, case.labels.array, spacing_mm, num_labels)
        cases.append(crop_to_signal(prepared) if modality == "US" else prepared)
        report(progress, (index + 1) / max(len(seeds), 1), f"generated phantom {seed}")
    return cases


def sample_patch(case: PreparedCase, patch_zyx: tuple[int, int, int], rng: np.random.Generator,
                 foreground_probability: float = 0.7, class_balanced: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """A random patch (image, labels) of a case, centred on foreground with the given probability.

    With ``class_balanced`` the foreground centre is drawn from a label chosen uniformly among the labels
    present, so that small structures (e.g. the solid tissue of an adnexal mass) are seen as often as large
    ones; otherwise from all foreground voxels.
    """
    pad = [(max(0, (p - s + 1) // 2 + 1),) * 2 for s, p in zip(case.image.shape, patch_zyx)]
    image = np.pad(case.image, pad, constant_values=-0.5)
    labels = np.pad(case.labels, pad, constant_values=0)
    if rng.random() < foreground_probability and labels.any():
        if class_balanced:
            present = [int(v) for v in np.unique(labels) if v > 0]
            points = np.argwhere(labels == present[int(rng.integers(len(present)))])
        else:
            points = np.argwhere(labels > 0)
        centre = points[rng.integers(len(points))]
    else:
        centre = np.array([rng.integers(s) for s in labels.shape])
    start = [int(np.clip(c - p // 2, 0, s - p)) for c, p, s in zip(centre, patch_zyx, labels.shape)]
    window = tuple(slice(b, b + p) for b, p in zip(start, patch_zyx))
    return image[window], labels[window]


def augment_intensity(patch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random gamma, scale/shift and Gaussian noise (the phantoms already vary contrast and bias)."""
    shifted = np.clip(patch + 0.5, 0, None) / 2.0
    gamma = float(np.exp(rng.uniform(-0.3, 0.3)))
    out = (shifted ** gamma) * 2.0 - 0.5
    out = out * rng.uniform(0.9, 1.1) + rng.uniform(-0.05, 0.05)
    out = out + rng.normal(0, rng.uniform(0, 0.05), size=out.shape)
    return out.astype(np.float32)


def augment_bias_field(patch: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    """Multiply a patch by a random smooth field ``exp(Σ c·x^a·y^b·z^c)`` (polynomial of degree ≤ 2).

    Coordinates run over -1..1 along each patch axis and each of the nine coefficients is drawn from
    ±``strength``, so the log-field is 0 at the patch centre, bounded by ``9·strength`` anywhere and has
    a standard deviation of ``√3·strength`` at the corners (×1.7 or ×0.6 for strength 0.3): fat brightened
    at the edge of a field of view then looks like fluid, and the network must use shape, not brightness
    alone. ``strength`` 0 returns the patch unchanged and draws no random numbers.
    """
    if strength <= 0:
        return patch
    z, y, x = np.meshgrid(*(np.linspace(-1.0, 1.0, s, dtype=np.float32) for s in patch.shape), indexing="ij")
    terms = (z, y, x, z * z, y * y, x * x, z * y, z * x, y * x)
    log_field = sum(np.float32(rng.uniform(-strength, strength)) * term for term in terms)
    return (patch * np.exp(log_field)).astype(np.float32)
