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

import numpy as np

from gynai.image import Image


@dataclass(frozen=True)
class SampleSpec:
    """One shipped sample: file stem, task and how it was generated."""

    name: str
    title: str
    task: str
    seed: int
    modality: str = "MR"


SAMPLES = (SampleSpec("GynAIPhantomPelvisT2", "GynAI phantom: pelvic T2 with fibroids", "uterus-fibroid", 2026),
           SampleSpec("GynAIPhantomPlacentaT2", "GynAI phantom: placenta T2", "placenta", 2026),
           SampleSpec("GynAIPhantomAdnexalUS", "GynAI phantom: adnexal mass, 3D ultrasound", "adnexal-mass", 2026,
                      "US"))
ULTRASOUND_SAMPLE_CONFIG = {"spacing_mm": 1.0, "depth_mm": 100.0}
"""Grid of the ultrasound sample: 1 mm voxels, 100 mm deep (160 × 160 × 100 voxels, 8-bit)."""


def sample_case(spec: SampleSpec):
    """The phantom of a sample, its image rounded to int16 (ultrasound: uint8) as shipped."""
    from gynai.phantom import (FibroidSpec, UltrasoundConfig, generate_adnexal_mass_us, generate_placenta,
                               generate_uterus_fibroid)

    if spec.modality == "US":
        case = generate_adnexal_mass_us(spec.seed, UltrasoundConfig(**ULTRASOUND_SAMPLE_CONFIG))
        image = Image(np.rint(case.image.array).astype(np.uint8), case.image.geometry, dict(case.image.metadata))
        return image, case.labels
    if spec.task == "uterus-fibroid":
        case = generate_uterus_fibroid(spec.seed, [FibroidSpec("2", 28.0), FibroidSpec("4", 18.0), FibroidSpec("6", 26.0)])
    else:
        case = generate_placenta(spec.seed, 1.0)
    image = Image(np.rint(case.image.array).astype(np.int16), case.image.geometry, dict(case.image.metadata))
    return image, case.labels


def write_thumbnail(image: Image, labels, path: Path) -> Path:
    """A 128 × 128 grey thumbnail (PNG) of the slice through the centre of the labelled structures."""
    from scipy import ndimage

    from gynai.report.png import encode_png, window

    centre = np.argwhere(labels.array > 0).mean(axis=0).astype(int) if labels.array.any() else \
        np.array(image.array.shape) // 2
    plane = image.array[:, :, centre[2]] if image.metadata.get("modality") == "US" else image.array[centre[0]]
    plane = ndimage.zoom(plane.astype(np.float32), (128 / plane.shape[0], 128 / plane.shape[1]), order=1)
    path.write_bytes(encode_png(np.repeat(window(plane, plane)[..., None], 3, axis=2)))
    return path


def write_samples(folder: Path, names: tuple[str, ...] = ()) -> list[Path]:
    """Write each sample's image (``<name>.nrrd``), ground truth (``<name>-truth.seg.nrrd``) and, where it is
    missing, thumbnail (``<name>.png``); only the samples named in ``names`` when given."""
    from gynai.io.images import write_image
    from gynai.io.segnrrd import write_seg_nrrd
    from gynai.tasks import get_task
    from gynai.labels.terminology import task_terminology

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
