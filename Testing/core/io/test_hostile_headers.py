"""Issue 17, findings 3, 6, 8 and 9: headers that lie are refused before anything large is allocated.

Zero, NaN or absurd spacing; sizes that do not match the voxel data; a detached data file outside the
header's folder; a pipe instead of a file; a tiny file declaring a huge image.
"""

import gzip
import os
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import SimpleITK as sitk

from gynai.errors import GeometryError, InputFileError
from gynai.io import preflight
from gynai.io.images import read_image
from gynai.io.segnrrd import read_seg_nrrd

VOXELS = np.arange(64, dtype=np.int16)


def nrrd(path, fields, data=VOXELS.tobytes(), sizes="4 4 4"):
    space = [] if any(field.startswith("spacings") for field in fields) else \
        ["space: left-posterior-superior", "space origin: (0,0,0)"]      # NRRD: spacings only without a space
    lines = ["NRRD0004", "type: short", "dimension: 3", f"sizes: {sizes}", "kinds: domain domain domain",
             "endian: little"] + space + list(fields)
    path.write_bytes(("\n".join(lines) + "\n\n").encode() + data)
    return path


def raw_nrrd(path, spacing="(1,0,0) (0,1,0) (0,0,1)", data=VOXELS.tobytes(), sizes="4 4 4"):
    return nrrd(path, ["encoding: raw", f"space directions: {spacing}"], data, sizes)


def nifti_with_pixdim(path, value):
    image = sitk.GetImageFromArray(np.zeros((4, 4, 4), np.int16))
    image.SetSpacing((2.0, 2.0, 2.0))
    sitk.WriteImage(image, str(path))
    header = bytearray(path.read_bytes())
    assert struct.unpack("<h", header[254:256])[0] > 0           # a valid sform says 2 mm
    header[80:84] = struct.pack("<f", value)                     # pixdim[1]
    path.write_bytes(bytes(header))
    return path


def metaimage(path, spacing):
    path.write_bytes(("ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\n"
                      f"ElementSpacing = {spacing}\nDimSize = 4 4 4\nElementType = MET_SHORT\n"
                      "ElementDataFile = LOCAL\n").encode() + VOXELS.tobytes())
    return path


BAD_SPACING = {
    "nrrd-spacings-nan": lambda p: nrrd(p / "a.nrrd", ["encoding: raw", "spacings: nan 1 1"]),
    "nrrd-spacings-all-nan": lambda p: nrrd(p / "a.nrrd", ["encoding: raw", "spacings: nan nan nan"]),
    "nrrd-direction-nan": lambda p: raw_nrrd(p / "a.nrrd", "(nan,0,0) (0,1,0) (0,0,1)"),
    "nrrd-direction-inf": lambda p: raw_nrrd(p / "a.nrrd", "(inf,0,0) (0,1,0) (0,0,1)"),
    "nrrd-spacing-1e5": lambda p: raw_nrrd(p / "a.nrrd", "(100000,0,0) (0,1,0) (0,0,1)"),
    "nifti-pixdim-0": lambda p: nifti_with_pixdim(p / "a.nii", 0.0),
    "nifti-pixdim-nan": lambda p: nifti_with_pixdim(p / "a.nii", float("nan")),
    "nifti-pixdim-negative": lambda p: nifti_with_pixdim(p / "a.nii", -2.0),
    "mha-spacing-0": lambda p: metaimage(p / "a.mha", "0 1 1"),
    "mha-spacing-nan": lambda p: metaimage(p / "a.mha", "nan 1 1"),
}


@pytest.mark.parametrize("case", sorted(BAD_SPACING))
def test_spacing_must_be_finite_and_positive(tmp_path, case):
    with pytest.raises(GeometryError, match="spacing") as info:
        read_image(BAD_SPACING[case](tmp_path))
    assert "\n" not in str(info.value)


def test_valid_headers_still_read(tmp_path):
    assert read_image(raw_nrrd(tmp_path / "a.nrrd", "(0.5,0,0) (0,0.5,0) (0,0,3)")).geometry.spacing_mm == \
        pytest.approx((0.5, 0.5, 3.0))
    assert read_image(metaimage(tmp_path / "b.mha", "0.7 0.7 4")).geometry.spacing_mm == pytest.approx((0.7, 0.7, 4))
    packed = nrrd(tmp_path / "c.nrrd", ["encoding: gzip", "spacings: 1 1 2"], gzip.compress(VOXELS.tobytes()))
    np.testing.assert_array_equal(read_image(packed).array.ravel(), VOXELS)


@pytest.mark.parametrize("data, message", [(VOXELS.tobytes() * 2, "more voxel data"),
                                           (VOXELS.tobytes()[:100], "truncated"),
                                           (gzip.compress(VOXELS.tobytes() * 2), "more voxel data"),
                                           (gzip.compress(VOXELS.tobytes())[:-9], "truncated")],
                         ids=["raw-longer", "raw-shorter", "gzip-longer", "gzip-shorter"])
def test_nrrd_sizes_must_match_the_data(tmp_path, data, message):
    encoding = "gzip" if data[:2] == b"\x1f\x8b" else "raw"
    path = nrrd(tmp_path / "a.nrrd", [f"encoding: {encoding}", "spacings: 1 1 1"], data)
    with pytest.raises(InputFileError, match=message):
        read_image(path)


def detached(tmp_path, data_file):
    header = tmp_path / "case" / "image.nhdr"
    header.parent.mkdir(exist_ok=True)
    header.write_text("NRRD0004\ntype: short\ndimension: 3\nsizes: 4 4 4\nspacings: 1 1 1\nencoding: raw\n"
                      f"endian: little\ndata file: {data_file}\n\n")
    return header


@pytest.mark.parametrize("where", ["outside", "absolute", "subfolder"])
def test_nhdr_data_file_must_sit_beside_the_header(tmp_path, where):
    (tmp_path / "secret.raw").write_bytes(VOXELS.tobytes())
    (tmp_path / "case" / "sub").mkdir(parents=True)
    (tmp_path / "case" / "sub" / "x.raw").write_bytes(VOXELS.tobytes())
    name = {"outside": "../secret.raw", "absolute": str(tmp_path / "secret.raw"), "subfolder": "sub/x.raw"}[where]
    with pytest.raises(InputFileError, match="not beside the header"):
        read_image(detached(tmp_path, name))


def test_nhdr_with_its_data_beside_reads(tmp_path):
    header = detached(tmp_path, "image.raw")
    (header.parent / "image.raw").write_bytes(VOXELS.tobytes())
    np.testing.assert_array_equal(read_image(header).array.ravel(), VOXELS)


def run_cli(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "gynai.cli.main", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
@pytest.mark.parametrize("as_dicom_folder", [False, True])
def test_a_pipe_is_refused_not_waited_on(tmp_path, as_dicom_folder):
    folder = tmp_path / "series"
    folder.mkdir()
    pipe = folder / ("slice.dcm" if as_dicom_folder else "image.nrrd")
    os.mkfifo(pipe)
    out = tmp_path / "out" / "labels.seg.nrrd"
    try:
        result = run_cli("-q", "segment", folder if as_dicom_folder else pipe, "--task", "uterus-fibroid", "-o", out,
                         timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("gynai waited on a named pipe")
    assert result.returncode == 2 and "not a regular file" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not out.parent.exists()


PEAK_MEMORY_PROBE = textwrap.dedent("""
    import re, sys
    from gynai.errors import GynAIError
    from gynai.io.images import read_image
    try:
        read_image(sys.argv[1])
        print("read")
    except GynAIError as error:
        print(type(error).__name__, error)
    status = open("/proc/self/status").read()      # VmHWM: this program's own peak (ru_maxrss keeps the forked
    print(int(re.search(r"VmHWM:\\s*(\\d+)", status).group(1)) // 1024)      # parent's memory across exec)
""")


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="peak memory read from Linux /proc")
@pytest.mark.parametrize("kind", ["gzip-1000-cubed", "raw-2000x2000x1000", "nifti-gz-1000-cubed"])
def test_tiny_file_declaring_a_huge_image_is_refused_in_little_memory(tmp_path, kind):
    if kind == "gzip-1000-cubed":               # 10 MB of zeros, well compressed, declared as 1000³ shorts
        path = nrrd(tmp_path / "a.nrrd", ["encoding: gzip", "spacings: 0.1 0.1 0.1"],
                    gzip.compress(bytes(10_000_000)), "1000 1000 1000")
    elif kind == "raw-2000x2000x1000":
        path = raw_nrrd(tmp_path / "a.nrrd", "(0.1,0,0) (0,0.1,0) (0,0,0.1)", bytes(4096), "2000 2000 1000")
    else:
        header = bytearray(348)
        struct.pack_into("<i", header, 0, 348)
        struct.pack_into("<8h", header, 40, 3, 1000, 1000, 1000, 1, 1, 1, 1)
        struct.pack_into("<hh", header, 70, 4, 16)
        struct.pack_into("<8f", header, 76, 1, 0.1, 0.1, 0.1, 1, 1, 1, 1)
        struct.pack_into("<f", header, 108, 352.0)
        header[344:348] = b"n+1\0"
        path = tmp_path / "a.nii.gz"
        path.write_bytes(gzip.compress(bytes(header) + bytes(4) + bytes(5_000_000)))
    assert path.stat().st_size < 200_000
    result = subprocess.run([sys.executable, "-c", PEAK_MEMORY_PROBE, str(path)], capture_output=True, text=True,
                            timeout=120)
    outcome, peak_mb = result.stdout.strip().splitlines()
    assert outcome.startswith("InputFileError") and ("truncated" in outcome or "GiB of memory" in outcome), outcome
    assert int(peak_mb) < 600, f"peak memory {peak_mb} MB"


def test_declared_size_beyond_the_available_memory_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(preflight, "available_memory_bytes", lambda: 1 << 30)
    path = raw_nrrd(tmp_path / "a.nrrd", "(0.2,0,0) (0,0.2,0) (0,0,0.2)", bytes(4096), "1000 1000 500")
    with pytest.raises(InputFileError, match="GiB of memory"):
        read_image(path)


def test_segmentation_files_get_the_same_checks(tmp_path):
    with pytest.raises(GeometryError, match="spacing"):
        read_seg_nrrd(nrrd(tmp_path / "a.seg.nrrd", ["encoding: raw", "spacings: nan 1 1", "Segment0_ID:=a"]))
    with pytest.raises(InputFileError, match="truncated"):
        read_seg_nrrd(nrrd(tmp_path / "b.seg.nrrd", ["encoding: raw", "spacings: 1 1 1", "Segment0_ID:=a"],
                           VOXELS.tobytes()[:10]))


def test_huge_physical_extent_is_refused_before_resampling(tmp_path):
    """40 mm voxels: the model grid at the model's spacing would need tens of GB; refused with exit 2."""
    image = sitk.GetImageFromArray(np.random.default_rng(0).integers(0, 500, (60, 60, 60)).astype(np.int16))
    image.SetSpacing((40.0, 40.0, 40.0))
    path = tmp_path / "coarse.nrrd"
    sitk.WriteImage(image, str(path))
    out = tmp_path / "out.seg.nrrd"
    result = run_cli("-q", "segment", path, "--task", "uterus-fibroid", "-o", out, "--device", "cpu")
    assert result.returncode == 2, result.stderr
    assert "memory" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()
