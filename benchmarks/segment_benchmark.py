"""Benchmark: `gynai segment` end to end vs a plain MONAI sliding-window pipeline, by volume size.

Needs nibabel for MONAI's NIfTI reader/writer (``pip install nibabel``).
Run: ``python benchmarks/segment_benchmark.py [--slices 30 100 300] [--device cpu] [--skip-monai]``.
For each size a uterus phantom (0.45 mm in-plane, 512×512 matrix) is written to a temporary NRRD; then,
each in a fresh child process (so peak RSS is per run and Python start-up is included; the phantom is
made in another child, because Linux reports the parent's memory as a child's peak RSS across exec):

* ``gynai``: ``gynai segment IMAGE --task uterus-fibroid -o OUT.seg.nrrd`` as a user runs it;
* ``monai-default``: the same network and weights in the pipeline a MONAI tutorial builds with default
  settings: LoadImaged → EnsureChannelFirstd → Orientationd(LPS, as the network was trained) → Spacingd(model spacing) →
  ScaleIntensityRangePercentilesd(1, 99) → sliding_window_inference(roi = model patch, sw_batch_size 1,
  overlap 0.25, constant blending) → Invertd of the logits to the input grid → argmax → SaveImaged.

Prints Markdown rows (wall time, peak RSS, agreement of the two label maps as Dice of the foreground),
ready for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

TASK = "uterus-fibroid"


def run_child(command: list[str]) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak RSS in MB) of that child alone."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command[:4])} failed: {process.stderr.read().decode()[-500:]}")
    return elapsed, usage.ru_maxrss / 1024.0


def monai_default(image_path: str, output_path: str, device: str) -> None:
    """The plain MONAI pipeline (child-process entry point)."""
    import torch
    from monai.inferers import sliding_window_inference
    from monai.transforms import (AsDiscreted, Compose, EnsureChannelFirstd, Invertd, LoadImaged, Orientationd,
                                  SaveImaged, ScaleIntensityRangePercentilesd, Spacingd)

    from gynai.models.bundle import load_network
    from gynai.models.selection import load_task_bundle

    info = load_task_bundle(TASK)
    network = load_network(info, device)
    pre = Compose([LoadImaged(keys="image"), EnsureChannelFirstd(keys="image"),
                   Orientationd(keys="image", axcodes="LPS"),
                   Spacingd(keys="image", pixdim=info.spacing_mm, mode="bilinear"),
                   ScaleIntensityRangePercentilesd(keys="image", lower=1, upper=99, b_min=0.0, b_max=1.0)])
    data = pre({"image": image_path})
    # GynAI's network was trained on [z, y, x] arrays: MONAI's channel-first image is [x, y, z]
    volume = data["image"].permute(0, 3, 2, 1)[None].to(device)
    with torch.inference_mode():
        logits = sliding_window_inference(volume, info.patch_size_zyx, 1, network, overlap=0.25)
    data["pred"] = logits[0].permute(0, 3, 2, 1).cpu()
    data["pred"].meta = data["image"].meta
    data["pred"].applied_operations = data["image"].applied_operations
    post = Compose([Invertd(keys="pred", transform=pre, orig_keys="image", nearest_interp=False),
                    AsDiscreted(keys="pred", argmax=True),
                    SaveImaged(keys="pred", output_dir=str(Path(output_path).parent), output_postfix="",
                               separate_folder=False, output_ext=".nii.gz", output_dtype=np.uint8,
                               resample=False)])
    post(data)


def make_phantom(path: str, slices: int, size: int) -> None:
    """Write the benchmark phantom (child-process entry point, so the parent's memory stays small)."""
    from gynai.io.images import write_image
    from gynai.phantom import FibroidSpec, PhantomConfig, generate_uterus_fibroid

    config = PhantomConfig(spacing_mm=(0.45, 0.45, max(0.8, 120.0 / slices)), size_xyz=(size, size, slices))
    write_image(generate_uterus_fibroid(1, [FibroidSpec("4", 20.0)], config).image, path)


def foreground_dice(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a > 0, b > 0
    return 2.0 * float((a & b).sum()) / max(float(a.sum() + b.sum()), 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--slices", type=int, nargs="+", default=[30, 100, 300])
    parser.add_argument("--size", type=int, default=512, help="in-plane matrix (pixels)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--skip-monai", action="store_true", help="only time gynai")
    parser.add_argument("--monai-child", nargs=2, metavar=("IMAGE", "OUTPUT"), help=argparse.SUPPRESS)
    parser.add_argument("--phantom-child", nargs=2, metavar=("PATH", "SLICES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.monai_child:
        monai_default(args.monai_child[0], args.monai_child[1], args.device)
        return
    if args.phantom_child:
        make_phantom(args.phantom_child[0], int(args.phantom_child[1]), args.size)
        return
    import SimpleITK as sitk

    from gynai.io.segnrrd import read_seg_nrrd

    print("| matrix | voxels (M) | gynai segment (s) | gynai peak RSS (MB) | MONAI default (s) | "
          "MONAI peak RSS (MB) | foreground agreement (Dice) |")
    print("|---|---|---|---|---|---|---|")
    for slices in args.slices:
        with tempfile.TemporaryDirectory() as folder:
            image_path = Path(folder) / "image.nii.gz"
            subprocess.run([sys.executable, __file__, "--size", str(args.size), "--phantom-child", str(image_path),
                            str(slices)], check=True)
            ours = Path(folder) / "ours.seg.nrrd"
            seconds, rss = run_child([sys.executable, "-m", "gynai.cli.main", "-q", "segment", str(image_path),
                                      "--task", TASK, "--device", args.device, "-o", str(ours)])
            row = f"| {args.size}×{args.size}×{slices} | {args.size * args.size * slices / 1e6:.1f} | " \
                  f"{seconds:.1f} | {rss:.0f} |"
            if args.skip_monai:
                print(row + " – | – | – |", flush=True)
                continue
            monai_out = Path(folder) / "monai" / "labels.nii.gz"
            monai_out.parent.mkdir()
            m_seconds, m_rss = run_child([sys.executable, __file__, "--device", args.device,
                                          "--monai-child", str(image_path), str(monai_out)])
            saved = sorted(monai_out.parent.glob("*.nii.gz"))[0]
            monai_labels = sitk.GetArrayFromImage(sitk.ReadImage(str(saved)))
            ours_labels = read_seg_nrrd(ours).array
            agreement = foreground_dice(ours_labels, monai_labels.reshape(ours_labels.shape)) \
                if monai_labels.size == ours_labels.size else float("nan")
            print(row + f" {m_seconds:.1f} | {m_rss:.0f} | {agreement:.3f} |", flush=True)


if __name__ == "__main__":
    main()
