"""The sample phantoms shipped with the extension (Slicer's Sample Data module lists them).

Each sample is regenerated bit for bit by :func:`sample_case` from its seed and parameters, so the shipped
files can be checked against the generator (``Testing/core/phantom/test_sample_data.py``) and rebuilt with
``python -m gynai.phantom.samples OUTPUT_FOLDER [NAME ...]``. Image headers record the modality
(``gynai.modality``): files rebuilt now carry it, so their SHA-256 (not their voxels) may differ from
files written before it was recorded.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from scipy import ndimage

from gynai.image import Image, LabelImage
from gynai.io.images import write_image
from gynai.io.segnrrd import write_seg_nrrd
from gynai.labels.terminology import task_terminology
from gynai.phantom import (FibroidSpec, PhantomCase, UltrasoundConfig, generate_adnexal_mass_us, generate_placenta,
                           generate_uterus_fibroid)
from gynai.report.png import encode_png, window
from gynai.tasks import get_task

ULTRASOUND_SAMPLE_CONFIG = {"spacing_mm": 1.0, "depth_mm": 100.0}
"""Grid of the ultrasound sample: 1 mm voxels, 100 mm deep (160 × 160 × 100 voxels, 8-bit)."""


def _pelvis(seed: int) -> PhantomCase:
    return generate_uterus_fibroid(seed, [FibroidSpec("2", 28.0), FibroidSpec("4", 18.0), FibroidSpec("6", 26.0)])


def _placenta(seed: int) -> PhantomCase:
    return generate_placenta(seed, 1.0)


def _adnexal_ultrasound(seed: int) -> PhantomCase:
    return generate_adnexal_mass_us(seed, UltrasoundConfig(**ULTRASOUND_SAMPLE_CONFIG))


@dataclass(frozen=True)
class SampleSpec:
    """One shipped sample: file stem, task, seed and its phantom generator (``generate(seed)``)."""

    name: str
    title: str
    task: str
    seed: int
    modality: str = "MR"
    generate: Callable[[int], PhantomCase] = _pelvis


SAMPLES = (SampleSpec("GynAIPhantomPelvisT2", "GynAI phantom: pelvic T2 with fibroids", "uterus-fibroid", 2026,
                      generate=_pelvis),
           SampleSpec("GynAIPhantomPlacentaT2", "GynAI phantom: placenta T2", "placenta", 2026, generate=_placenta),
           SampleSpec("GynAIPhantomAdnexalUS", "GynAI phantom: adnexal mass, 3D ultrasound", "adnexal-mass", 2026,
                      "US", _adnexal_ultrasound))


def sample_case(spec: SampleSpec) -> tuple[Image, LabelImage]:
    """The phantom of a sample, its image rounded to int16 (ultrasound: uint8) as shipped."""
    case = spec.generate(spec.seed)
    stored = np.uint8 if spec.modality == "US" else np.int16
    image = Image(np.rint(case.image.array).astype(stored), case.image.geometry, dict(case.image.metadata))
    return image, case.labels


def write_thumbnail(image: Image, labels, path: Path) -> Path:
    """A 128 × 128 grey thumbnail (PNG) of the slice through the centre of the labelled structures."""
    centre = np.argwhere(labels.array > 0).mean(axis=0).astype(int) if labels.array.any() else \
        np.array(image.array.shape) // 2
    plane = image.array[:, :, centre[2]] if image.modality == "US" else image.array[centre[0]]
    plane = ndimage.zoom(plane.astype(np.float32), (128 / plane.shape[0], 128 / plane.shape[1]), order=1)
    path.write_bytes(encode_png(np.repeat(window(plane, plane)[..., None], 3, axis=2)))
    return path


def write_samples(folder: Path, names: tuple[str, ...] = ()) -> list[Path]:
    """Write each sample's image (``<name>.nrrd``), ground truth (``<name>-truth.seg.nrrd``) and, where it is
    missing, thumbnail (``<name>.png``); only the samples named in ``names`` when given."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in SAMPLES:
        if names and spec.name not in names:
            continue
        image, labels = sample_case(spec)
        written.append(write_image(image, folder / f"{spec.name}.nrrd", overwrite=True))
        write_seg_nrrd(labels, folder / f"{spec.name}-truth.seg.nrrd", task_terminology(get_task(spec.task)),
                       overwrite=True)
        written.append(folder / f"{spec.name}-truth.seg.nrrd")
        if not (folder / f"{spec.name}.png").exists():
            written.append(write_thumbnail(image, labels, folder / f"{spec.name}.png"))
    return written


if __name__ == "__main__":  # pragma: no cover
    for path in write_samples(Path(sys.argv[1]), tuple(sys.argv[2:])):
        sys.stdout.write(f"{path}\n")
