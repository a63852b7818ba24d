"""`gynai measure` on a .seg.nrrd and on a labelmap with --labels: volumes equal the voxel truth."""

import json
import subprocess
import sys

import numpy as np
import pytest

from gynai.io.images import write_image
from gynai.io.segnrrd import write_seg_nrrd
from gynai.phantom import PhantomConfig, generate_uterus_fibroid


@pytest.fixture(scope="module")
def case_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("measure")
    case = generate_uterus_fibroid(1, config=PhantomConfig(size_xyz=(96, 96, 20), spacing_mm=(2.0, 2.0, 4.0)))
    write_image(case.image, folder / "img.nrrd")
    write_seg_nrrd(case.labels, folder / "seg.seg.nrrd")
    write_image(case.image.with_array(case.labels.array.astype(np.uint8)), folder / "lab.nii.gz")
    return folder, case


def measure(*args):
    return subprocess.run([sys.executable, "-m", "gynai.cli.main", "measure", *map(str, args)],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("segmentation, extra", [("seg.seg.nrrd", []),
                                                 ("lab.nii.gz", ["--labels", "1=myometrium,2=endometrium,3=fibroid"])])
def test_measure_volumes(case_files, segmentation, extra):
    folder, case = case_files
    out = folder / f"{segmentation}.json"
    result = measure(folder / "img.nrrd", folder / segmentation, "--task", "uterus-fibroid", "-o", out, *extra)
    assert result.returncode == 0, result.stderr
    structures = json.loads(out.read_text())["structures"]
    voxel_ml = 2.0 * 2.0 * 4.0 / 1000.0
    for value, name in ((1, "myometrium"), (2, "endometrium"), (3, "fibroid")):
        assert structures[name]["voxel_count"] == int((case.labels.array == value).sum())
        assert np.isclose(structures[name]["volume_ml"], structures[name]["voxel_count"] * voxel_ml)
    assert structures["uterus"]["voxel_count"] == int((case.labels.array > 0).sum())


@pytest.mark.parametrize("extra, message", [([], "give its label values with --labels"),
                                            (["--labels", "1=myometrium"], "without a name")])
def test_measure_labelmap_errors(case_files, extra, message):
    folder, _ = case_files
    out = folder / "bad.json"
    result = measure(folder / "img.nrrd", folder / "lab.nii.gz", "--task", "uterus-fibroid", "-o", out, *extra)
    assert result.returncode == 2 and message in result.stderr and not out.exists()


def test_measure_refuses_other_grid(case_files, tmp_path):
    folder, case = case_files
    other = generate_uterus_fibroid(2, config=PhantomConfig(size_xyz=(90, 96, 20), spacing_mm=(2.0, 2.0, 4.0)))
    write_seg_nrrd(other.labels, tmp_path / "other.seg.nrrd")
    result = measure(folder / "img.nrrd", tmp_path / "other.seg.nrrd", "--task", "uterus-fibroid", "-o",
                     tmp_path / "m.json")
    assert result.returncode == 2 and "not on the image grid" in result.stderr
