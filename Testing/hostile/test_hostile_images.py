"""Hostile image inputs to ``gynai segment``: damaged, lying or dangerous files (issue 17 corpus)."""

import gzip
import os
import struct
import sys

import numpy as np
import pytest
import SimpleITK as sitk

SHORTS = np.arange(64, dtype=np.int16).tobytes()


def nrrd(folder, name, fields, data=SHORTS, sizes="4 4 4", kind="short"):
    path = folder / name
    path.write_bytes((f"NRRD0004\ntype: {kind}\ndimension: 3\nsizes: {sizes}\nendian: little\n"
                      + "".join(f"{field}\n" for field in fields) + "\n").encode() + data)
    return path


def raw(folder, name, spacing="1 1 1", data=SHORTS, sizes="4 4 4", extra=()):
    return nrrd(folder, name, ["encoding: raw", f"spacings: {spacing}", *extra], data, sizes)


def nifti(folder, name, pixdim=(1.0, 1.0, 1.0), dims=(4, 4, 4), sizeof_hdr=348, data=SHORTS):
    header = bytearray(348)
    struct.pack_into("<i", header, 0, sizeof_hdr)
    struct.pack_into("<8h", header, 40, len(dims), *dims, *([1] * (7 - len(dims))))
    struct.pack_into("<hh", header, 70, 4, 16)
    struct.pack_into("<8f", header, 76, 1.0, *pixdim, 1, 1, 1, 1)
    struct.pack_into("<f", header, 108, 352.0)
    header[344:348] = b"n+1\0"
    path = folder / name
    path.write_bytes(bytes(header) + bytes(4) + data)
    return path


def metaimage(folder, name, spacing="1 1 1", data_file="LOCAL", data=SHORTS):
    path = folder / name
    path.write_bytes(("ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\n"
                      f"ElementSpacing = {spacing}\nDimSize = 4 4 4\nElementType = MET_SHORT\n"
                      f"ElementDataFile = {data_file}\n").encode() + (data if data_file == "LOCAL" else b""))
    return path


def sitk_file(folder, name, image):
    path = folder / name
    sitk.WriteImage(image, str(path))
    return path


def put(folder, name, content):
    path = folder / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def nan_voxels(folder):
    array = np.ones((4, 6, 6), np.float32)
    array[1, 2, 3] = np.nan
    return sitk_file(folder, "nan.nrrd", sitk.GetImageFromArray(array))


def truncated_nifti_gz(folder):
    path = sitk_file(folder, "t.nii.gz", sitk.GetImageFromArray(
        np.random.default_rng(0).normal(size=(16, 16, 16)).astype(np.float32)))
    path.write_bytes(path.read_bytes()[:1500])
    return path


def fifo(folder):
    os.mkfifo(folder / "pipe.nrrd")
    return folder / "pipe.nrrd"


def device_link(folder):
    (folder / "zero.nrrd").symlink_to("/dev/zero")
    return folder / "zero.nrrd"


def detached(folder, data_file, create=True):
    if create and not data_file.startswith("/"):
        target = (folder / data_file)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(SHORTS)
    path = folder / "image.nhdr"
    path.write_text("NRRD0004\ntype: short\ndimension: 3\nsizes: 4 4 4\nspacings: 1 1 1\nencoding: raw\n"
                    f"endian: little\ndata file: {data_file}\n\n")
    return path


CASES = {
    "missing": (lambda d: d / "nothing.nrrd", "does not exist"),
    "empty-nrrd": (lambda d: put(d, "e.nrrd", b""), "not a NRRD"),
    "text-as-nrrd": (lambda d: put(d, "t.nrrd", "hello\n"), "not a NRRD"),
    "text-as-nifti": (lambda d: put(d, "t.nii", "hello\n" * 80), "NIfTI"),
    "text-as-mha": (lambda d: put(d, "t.mha", "hello\n"), "ElementDataFile"),
    "random-nii-gz": (lambda d: put(d, "r.nii.gz", os.urandom(3000)), "corrupt"),
    "truncated-nii-gz": (truncated_nifti_gz, "truncated"),
    "raw-shorter-than-sizes": (lambda d: raw(d, "s.nrrd", data=SHORTS[:40]), "truncated"),
    "raw-longer-than-sizes": (lambda d: raw(d, "l.nrrd", data=SHORTS * 3), "more voxel data"),
    "gzip-truncated": (lambda d: nrrd(d, "g.nrrd", ["encoding: gzip", "spacings: 1 1 1"],
                                      gzip.compress(SHORTS)[:-12]), "truncated"),
    "gzip-garbage": (lambda d: nrrd(d, "g.nrrd", ["encoding: gzip", "spacings: 1 1 1"], os.urandom(200)),
                     "corrupt"),
    "spacing-nan": (lambda d: raw(d, "n.nrrd", "nan 1 1"), "spacing"),
    "spacing-inf": (lambda d: raw(d, "i.nrrd", "1 inf 1"), "spacing"),
    "spacing-zero": (lambda d: raw(d, "z.nrrd", "1 0 1"), "spacing"),
    "spacing-negative": (lambda d: raw(d, "m.nrrd", "1 1 -2"), "spacing"),
    "spacing-1e5": (lambda d: raw(d, "b.nrrd", "100000 1 1"), "across"),
    "extent-over-2-5-m": (lambda d: raw(d, "x.nrrd", "40 40 40", bytes(2 * 100 ** 3), "100 100 100"), "across"),
    "zero-direction": (lambda d: nrrd(d, "d.nrrd", ["encoding: raw", "space: left-posterior-superior",
                                                    "space directions: (0,0,0) (0,1,0) (0,0,1)"]), "spacing"),
    "nifti-pixdim-zero": (lambda d: nifti(d, "p.nii", (0.0, 1.0, 1.0)), "spacing"),
    "nifti-pixdim-nan": (lambda d: nifti(d, "p.nii", (float("nan"), 1.0, 1.0)), "spacing"),
    "nifti-bad-sizeof-hdr": (lambda d: nifti(d, "h.nii", sizeof_hdr=1234), "NIfTI"),
    "nifti-truncated": (lambda d: nifti(d, "t.nii", data=SHORTS[:30]), "truncated"),
    "mha-spacing-zero": (lambda d: metaimage(d, "z.mha", "0 1 1"), "spacing"),
    "mha-data-outside": (lambda d: metaimage(d, "o.mhd", data_file="../secret.raw"), "beside"),
    "nrrd-unknown-type": (lambda d: nrrd(d, "u.nrrd", ["encoding: raw", "spacings: 1 1 1"], kind="block"),
                          "type"),
    "nrrd-sizes-text": (lambda d: nrrd(d, "s.nrrd", ["encoding: raw"], sizes="four 4 4"), "numbers"),
    "nrrd-header-never-ends": (lambda d: put(d, "h.nrrd", b"NRRD0004\n" + b"# x\n" * 300_000), "header"),
    "declared-2000x2000x1000": (lambda d: raw(d, "big.nrrd", "0.1 0.1 0.1", bytes(4096), "2000 2000 1000"), ""),
    "gzip-declares-1000-cubed": (lambda d: nrrd(d, "bomb.nrrd", ["encoding: gzip", "spacings: 0.1 0.1 0.1"],
                                                gzip.compress(bytes(1_000_000)), "1000 1000 1000"), ""),
    "nhdr-data-dotdot": (lambda d: detached(d, "../secret.raw"), "beside"),
    "nhdr-data-absolute": (lambda d: detached(d, "/etc/hostname", create=False), "beside"),
    "nhdr-data-missing": (lambda d: detached(d, "gone.raw", create=False), "does not exist"),
    "nhdr-data-list": (lambda d: detached(d, "LIST", create=False), "several files"),
    "fifo": (fifo, "not a regular file"),
    "device-link": (device_link, "not a regular file"),
    "empty-folder": (lambda d: (d / "series").mkdir() or d / "series", "no DICOM"),
    "two-d": (lambda d: sitk_file(d, "flat.nrrd", sitk.Image([20, 20], sitk.sitkInt16)), "2D"),
    "four-d": (lambda d: sitk_file(d, "four.nrrd", sitk.Image([4, 4, 4, 3], sitk.sitkInt16)), "4D"),
    "rgb": (lambda d: sitk_file(d, "rgb.nrrd", sitk.Image([4, 4, 4], sitk.sitkVectorUInt8, 3)), "components"),
    "nan-voxels": (nan_voxels, "NaN"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_image(tmp_path, refused, case):
    if case in ("fifo", "device-link") and sys.platform == "win32":
        pytest.skip("POSIX file types")
    build, fragment = CASES[case]
    folder = tmp_path / "in"
    folder.mkdir()
    (tmp_path / "secret.raw").write_bytes(SHORTS)
    message = refused(["segment", build(folder), "--task", "uterus-fibroid", "-o", tmp_path / "out" / "l.seg.nrrd"])
    assert fragment.lower() in message.lower()
