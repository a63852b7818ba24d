"""Bad input: a typed error with a one-line message, CLI exit code 2, no partial output."""

import subprocess
import sys

import numpy as np
import pytest
import SimpleITK as sitk

from gynai.errors import GeometryError, ImageDimensionError, InputFileError, InvalidVoxelDataError
from gynai.io.images import read_image


def nrrd_with_spacing(path, spacing_line):
    path.write_bytes(b"NRRD0004\ntype: float\ndimension: 3\nspace: left-posterior-superior\nsizes: 2 2 2\n"
                     + spacing_line + b"\nkinds: domain domain domain\nencoding: raw\nendian: little\n"
                     b"space origin: (0,0,0)\n\n" + np.zeros(8, np.float32).tobytes())
    return path


def make_bad_files(tmp_path):
    text = tmp_path / "notes.nrrd"
    text.write_text("this is not an image\n")
    truncated = tmp_path / "truncated.nii.gz"
    noise = np.random.default_rng(0).normal(size=(20, 20, 20)).astype(np.float32)
    sitk.WriteImage(sitk.GetImageFromArray(noise), str(truncated))
    truncated.write_bytes(truncated.read_bytes()[:2000])
    flat = tmp_path / "flat.nrrd"
    sitk.WriteImage(sitk.Image([20, 20], sitk.sitkFloat32), str(flat))
    four = tmp_path / "four.nrrd"
    sitk.WriteImage(sitk.Image([4, 4, 4, 3], sitk.sitkFloat32), str(four))
    rgb = tmp_path / "rgb.nrrd"
    sitk.WriteImage(sitk.Image([4, 4, 4], sitk.sitkVectorFloat32, 3), str(rgb))
    nan = tmp_path / "nan.nrrd"
    array = np.ones((3, 4, 5), np.float32)
    array[1, 1, 1] = np.nan
    sitk.WriteImage(sitk.GetImageFromArray(array), str(nan))
    zero = nrrd_with_spacing(tmp_path / "zero.nrrd", b"space directions: (0,0,0) (0,1,0) (0,0,1)")
    negative = nrrd_with_spacing(tmp_path / "negative.nrrd", b"spacings: 1 -2 1")
    return {"missing": (tmp_path / "missing.nrrd", InputFileError), "text": (text, InputFileError),
            "truncated": (truncated, InputFileError), "2d": (flat, ImageDimensionError),
            "4d": (four, ImageDimensionError), "rgb": (rgb, ImageDimensionError),
            "nan": (nan, InvalidVoxelDataError), "zero-spacing": (zero, GeometryError),
            "negative-spacing": (negative, GeometryError)}


CASES = ["missing", "text", "truncated", "2d", "4d", "rgb", "nan", "zero-spacing", "negative-spacing"]


@pytest.mark.parametrize("case", CASES)
def test_reader_raises_typed_error(tmp_path, case):
    path, error = make_bad_files(tmp_path)[case]
    with pytest.raises(error) as info:
        read_image(path)
    message = str(info.value)
    assert message and "\n" not in message and "Traceback" not in message


@pytest.mark.parametrize("case", ["missing", "truncated", "4d", "nan", "zero-spacing"])
def test_cli_exit_code_2_and_no_output(tmp_path, case):
    path, _ = make_bad_files(tmp_path)[case]
    out = tmp_path / "out" / "result.seg.nrrd"
    result = subprocess.run([sys.executable, "-m", "gynai.cli.main", "segment", str(path), "--task",
                             "uterus-fibroid", "-o", str(out)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("gynai: error:")
    assert not out.exists() and not (out.parent.exists() and any(out.parent.iterdir()))
