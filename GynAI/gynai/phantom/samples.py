"""The sample phantoms shipped with the extension (Slicer's Sample Data module lists them).

Each sample is regenerated bit for bit by :func:`sample_case` from its seed and parameters, so the shipped
files can be checked against the generator (``Testing/core/test_sample_data.py``) and rebuilt with
``python -m gynai.phantom.samples OUTPUT_FOLDER``.
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


SAMPLES = (SampleSpec("GynAIPhantomPelvisT2", "GynAI phantom: pelvic T2 with fibroids", "uterus-fibroid", 2026),
           SampleSpec("GynAIPhantomPlacentaT2", "GynAI phantom: placenta T2", "placenta", 2026))


def sample_case(spec: SampleSpec):
    """The phantom of a sample, its image rounded to int16 as shipped."""
    from gynai.phantom import FibroidSpec, generate_placenta, generate_uterus_fibroid

    if spec.task == "uterus-fibroid":
        case = generate_uterus_fibroid(spec.seed, [FibroidSpec("2", 28.0), FibroidSpec("4", 18.0), FibroidSpec("6", 26.0)])
    else:
        case = generate_placenta(spec.seed, 1.0)
    image = Image(np.rint(case.image.array).astype(np.int16), case.image.geometry, dict(case.image.metadata))
    return image, case.labels


def write_samples(folder: Path) -> list[Path]:
    """Write every sample's image (``<name>.nrrd``) and ground truth (``<name>-truth.seg.nrrd``)."""
    from gynai.io.images import write_image
    from gynai.io.segnrrd import write_seg_nrrd
    from gynai.tasks import get_task
    from gynai.terminology import task_terminology

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in SAMPLES:
        image, labels = sample_case(spec)
        written.append(write_image(image, folder / f"{spec.name}.nrrd", overwrite=True))
        write_seg_nrrd(labels, folder / f"{spec.name}-truth.seg.nrrd", task_terminology(get_task(spec.task)),
                       overwrite=True)
        written.append(folder / f"{spec.name}-truth.seg.nrrd")
    return written


if __name__ == "__main__":  # pragma: no cover
    for path in write_samples(Path(sys.argv[1])):
        sys.stdout.write(f"{path}\n")
