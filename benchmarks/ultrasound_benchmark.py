"""Benchmark: `gynai segment` of 3D transvaginal ultrasound volumes with the adnexal-mass ultrasound model.

Run: ``python benchmarks/ultrasound_benchmark.py [--spacing 0.8 0.5] [--device cpu]``.
For each voxel size a held-out ultrasound phantom (seed 1,000,000, 110 mm deep, 60° half-angle cone) is
written by ``gynai phantom`` (its NRRD records the modality, so the ultrasound model is chosen without a
flag), then ``gynai segment`` runs in a fresh child process (Python start-up, model loading, reading and
writing included; peak RSS is that process's). Prints Markdown rows for docs/benchmarks.md: volume size,
wall time, peak RSS and the Dice of the whole lesion against the phantom's truth.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from segment_benchmark import run_child          # the same child-process timing (this folder is on sys.path)

SEED = 1_000_000


def write_phantom(folder: Path, spacing_mm: float) -> tuple[Path, Path]:
    """The phantom image and truth (child process: see the module docstring)."""
    code = (
        "import sys, numpy as np\n"
        "from gynai.image import Image\n"
        "from gynai.io.images import write_image\n"
        "from gynai.io.segnrrd import write_seg_nrrd\n"
        "from gynai.phantom import UltrasoundConfig, generate_adnexal_mass_us\n"
        f"case = generate_adnexal_mass_us({SEED}, UltrasoundConfig(spacing_mm={spacing_mm}))\n"
        "image = Image(np.rint(case.image.array).astype(np.uint8), case.image.geometry, case.image.metadata)\n"
        "write_image(image, sys.argv[1]); write_seg_nrrd(case.labels, sys.argv[2])\n")
    image, truth = folder / f"us-{spacing_mm}.nrrd", folder / f"us-{spacing_mm}-truth.seg.nrrd"
    subprocess.run([sys.executable, "-c", code, str(image), str(truth)], check=True)
    return image, truth


def lesion_dice(segmentation: Path, truth: Path) -> tuple[float, tuple[int, ...]]:
    from gynai.io.segnrrd import read_seg_nrrd

    predicted, expected = read_seg_nrrd(segmentation).array > 0, read_seg_nrrd(truth).array > 0
    return 2.0 * float((predicted & expected).sum()) / float(predicted.sum() + expected.sum()), predicted.shape


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spacing", type=float, nargs="+", default=[0.8, 0.5], help="isotropic voxel sizes (mm)")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = parser.parse_args()
    sys.stdout.write("| voxel (mm) | matrix (i × j × k) | voxels (M) | gynai segment (s) | peak RSS (MB) | lesion Dice |\n"
                     "|---|---|---|---|---|---|\n")
    with tempfile.TemporaryDirectory() as folder:
        for spacing in args.spacing:
            image, truth = write_phantom(Path(folder), spacing)
            output = Path(folder) / f"seg-{spacing}.seg.nrrd"
            seconds, rss = run_child([sys.executable, "-m", "gynai.cli.main", "segment", str(image), "--task",
                                      "adnexal-mass", "--device", args.device, "-o", str(output)])
            dice, shape = lesion_dice(output, truth)
            sys.stdout.write(f"| {spacing} | {shape[2]} × {shape[1]} × {shape[0]} | {shape[0] * shape[1] * shape[2] / 1e6:.1f} "
                             f"| {seconds:.1f} | {rss:.0f} | {dice:.3f} |\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
