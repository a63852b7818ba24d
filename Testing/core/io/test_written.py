"""The read-back check of a written image (gynai.io.written) on every format GynAI writes: a complete file
passes; the same file cut short (what a full disk can leave while ITK returns normally) is refused with
the one message a user sees. Written for the survivors of the mutation check (docs/testing.md).
"""

from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

from gynai.errors import OutputPathError
from gynai.io import written
from gynai.io.written import check_written_bytes, check_written_image, write_sitk_checked

ADVICE = "(disk full or storage error?); free some space or choose another place, then run again"
FORMATS = [("image.nrrd", False), ("image.nrrd", True), ("image.nii", False), ("image.nii.gz", True),
           ("image.mha", False), ("image.mha", True)]


def _image() -> sitk.Image:
    rng = np.random.default_rng(0)
    return sitk.GetImageFromArray(rng.integers(0, 3000, (6, 7, 8)).astype(np.int16))


def _written(folder: Path, name: str, compress: bool) -> tuple[Path, sitk.Image]:
    image = _image()
    path = folder / name
    write_sitk_checked(image, path, Path(name), compress)          # a complete file passes
    return path, image


@pytest.mark.parametrize("name, compress", FORMATS, ids=[f"{n}-{'z' if c else 'raw'}" for n, c in FORMATS])
def test_a_file_cut_short_is_refused_with_one_message(tmp_path, name, compress):
    path, image = _written(tmp_path, name, compress)
    data = path.read_bytes()
    path.write_bytes(data[:-6])                                        # the last bytes never reached the disk
    payload = sitk.GetArrayViewFromImage(image).nbytes
    with pytest.raises(OutputPathError) as raised:
        check_written_image(path, Path(name), image.GetSize(), payload)
    assert str(raised.value) in (f"writing {name} failed: the voxel data written is incomplete {ADVICE}",
                                 f"writing {name} failed: the header written cannot be read back {ADVICE}")


def test_a_gzip_nrrd_spelled_gz_is_checked_too(tmp_path):
    path, image = _written(tmp_path, "image.nrrd", True)
    data = path.read_bytes()
    assert b"encoding: gzip\n" in data
    path.write_bytes(data.replace(b"encoding: gzip\n", b"encoding: gz\n", 1))
    payload = sitk.GetArrayViewFromImage(image).nbytes
    check_written_image(path, Path("image.nrrd"), image.GetSize(), payload)
    path.write_bytes(path.read_bytes()[:-6])
    with pytest.raises(OutputPathError, match="the voxel data written is incomplete"):
        check_written_image(path, Path("image.nrrd"), image.GetSize(), payload)


def test_an_empty_file_and_another_size_are_refused(tmp_path):
    path, image = _written(tmp_path, "image.nrrd", False)
    payload = sitk.GetArrayViewFromImage(image).nbytes
    with pytest.raises(OutputPathError) as raised:
        check_written_image(path, Path("image.nrrd"), (8, 7, 5), payload)
    assert str(raised.value) == (f"writing image.nrrd failed: the header read back says size (8, 7, 6), not "
                                 f"(8, 7, 5) {ADVICE}")
    path.write_bytes(b"")
    with pytest.raises(OutputPathError) as raised:
        check_written_image(path, Path("image.nrrd"), image.GetSize(), payload)
    assert str(raised.value) == f"writing image.nrrd failed: the file written is empty {ADVICE}"
    path.write_bytes(b"N")                                             # one byte: no header to read back
    with pytest.raises(OutputPathError) as raised:
        check_written_image(path, Path("image.nrrd"), image.GetSize(), payload)
    assert str(raised.value) == f"writing image.nrrd failed: the header written cannot be read back {ADVICE}"


def test_a_header_without_its_blank_line_is_incomplete(tmp_path):
    path, image = _written(tmp_path, "image.nrrd", False)
    data = path.read_bytes()
    header_end = data.index(b"\n\n")
    path.write_bytes(data[:header_end + 1])                            # the header lines, no voxels, no blank line
    payload = sitk.GetArrayViewFromImage(image).nbytes
    with pytest.raises(OutputPathError):
        check_written_image(path, Path("image.nrrd"), image.GetSize(), payload)


def test_written_bytes_must_be_all_there(tmp_path):
    path = tmp_path / "report.json"
    path.write_bytes(b"{}\n")
    check_written_bytes(path, Path("report.json"), 3)
    with pytest.raises(OutputPathError) as raised:
        check_written_bytes(path, Path("report.json"), 10)
    assert str(raised.value) == f"writing report.json failed: 3 of 10 bytes were written {ADVICE}"


def test_an_itk_failure_is_one_message(tmp_path):
    with pytest.raises(OutputPathError) as raised:
        write_sitk_checked(_image(), tmp_path / "absent" / "image.nrrd", Path("image.nrrd"), False)
    assert str(raised.value) == f"writing image.nrrd failed: the image writer failed {ADVICE}"


@pytest.mark.parametrize("name", ["image.nhdr", "image.mhd"])
def test_a_detached_header_is_checked_by_its_header_only(tmp_path, name):
    image = _image()
    path = tmp_path / name
    write_sitk_checked(image, path, Path(name), False)              # voxels in a file of their own, beside it
    payload = sitk.GetArrayViewFromImage(image).nbytes
    check_written_image(path, Path(name), image.GetSize(), payload)  # was refused: no voxels after the header
    with pytest.raises(OutputPathError, match="says size"):
        check_written_image(path, Path(name), (6, 7, 9), payload)


def test_a_metaimage_cut_right_after_its_header_is_incomplete(tmp_path):
    """ITK reads the header back (size right) but the line that ends it and every voxel are missing."""
    path, image = _written(tmp_path, "image.mha", False)
    data = path.read_bytes()
    path.write_bytes(data[:data.index(b"ElementDataFile = LOCAL\n") + len(b"ElementDataFile = LOCAL")])
    payload = sitk.GetArrayViewFromImage(image).nbytes
    with pytest.raises(OutputPathError) as raised:
        check_written_image(path, Path("image.mha"), image.GetSize(), payload)
    assert str(raised.value) == f"writing image.mha failed: the voxel data written is incomplete {ADVICE}"
    assert path.read_bytes() == data[:data.index(b"LOCAL\n") + 5]             # the check changes nothing


def test_a_nii_gz_that_is_not_gzip_is_incomplete(tmp_path):
    """A plain NIfTI under a .nii.gz name: ITK reads it (gzip reading passes plain data through) but it has
    no gzip trailer to vouch for its length."""
    path, image = _written(tmp_path, "image.nii", False)
    plain = path.rename(tmp_path / "image.nii.gz")
    payload = sitk.GetArrayViewFromImage(image).nbytes
    assert sitk.ReadImage(str(plain)).GetSize() == image.GetSize()
    with pytest.raises(OutputPathError) as raised:
        check_written_image(plain, Path("image.nii.gz"), image.GetSize(), payload)
    assert str(raised.value) == f"writing image.nii.gz failed: the voxel data written is incomplete {ADVICE}"


def test_an_itk_failure_for_want_of_space_says_so(tmp_path, monkeypatch):
    """ITK's exception on a full disk names the missing space; the one message says "no space left"."""
    def full_disk(*args, **kwargs):
        raise RuntimeError("itk::ERROR: NrrdImageIO: Write failed: No space left on device")

    monkeypatch.setattr(sitk, "WriteImage", full_disk)
    with pytest.raises(OutputPathError) as raised:
        write_sitk_checked(_image(), tmp_path / "image.nrrd", Path("image.nrrd"), False)
    assert str(raised.value) == f"writing image.nrrd failed: no space left on device {ADVICE}"
    assert not (tmp_path / "image.nrrd").exists()


def test_an_uncompressed_metaimage_is_measured_by_its_voxels_whatever_size_it_declares(tmp_path):
    """`CompressedDataSize` counts only when `CompressedData = True`: an uncompressed MetaImage that also
    carries a (stale) `CompressedDataSize = 10` is complete with all its voxels and incomplete one byte short."""
    path, image = _written(tmp_path, "image.mha", False)
    data = path.read_bytes()
    assert b"CompressedData = False" in data or b"CompressedData" not in data
    marker = b"ElementDataFile = LOCAL\n"
    stale = data.replace(marker, b"CompressedDataSize = 10\n" + marker)
    path.write_bytes(stale)
    payload = sitk.GetArrayViewFromImage(image).nbytes
    check_written_image(path, Path("image.mha"), image.GetSize(), payload)
    path.write_bytes(stale[:-1])
    with pytest.raises(OutputPathError, match="the voxel data written is incomplete"):
        check_written_image(path, Path("image.mha"), image.GetSize(), payload)


@pytest.mark.parametrize("header_bytes, complete", [(347, False), (348, True), (352, True), ((1 << 20) - 1, True),
                                                    (1 << 20, False)])
def test_a_nii_gz_holds_its_voxels_after_a_header_of_348_bytes_to_1_mib(tmp_path, header_bytes, complete):
    """The gzip trailer of a .nii.gz declares header + voxels; the voxels are all there when what is left for
    the header is at least the 348 bytes of a NIfTI-1 header and less than 1 MiB (the check does not parse
    the header). A stream of exactly those lengths is built here; 600 kB of voxels make a sum or a wrong
    modulus of the two lengths fall outside the window."""
    import gzip

    payload = 600_000
    path = tmp_path / "image.nii.gz"
    path.write_bytes(gzip.compress(bytes(header_bytes + payload), compresslevel=1))
    assert written._payload_ok(path, "image.nii.gz", payload) is complete


def test_a_nrrd_payload_is_checked_by_what_its_own_header_says(tmp_path):
    """Hand-written NRRD files (the check alone, without ITK): no blank line ending the header is
    incomplete; a header without an ``encoding`` line is raw (complete with all 10 bytes, incomplete with
    9); an encoding GynAI never writes (ascii) cannot be measured without decoding and is left to ITK."""
    header = b"NRRD0004\ntype: uint8\ndimension: 1\nsizes: 10\n"
    path = tmp_path / "image.nrrd"
    path.write_bytes(header + b"encoding: raw\n" + bytes(10))              # no blank line: no payload
    assert written._payload_ok(path, "image.nrrd", 10) is False
    path.write_bytes(header + b"\n" + bytes(10))                           # encoding omitted: raw
    assert written._payload_ok(path, "image.nrrd", 10) is True
    path.write_bytes(header + b"\n" + bytes(9))
    assert written._payload_ok(path, "image.nrrd", 10) is False
    path.write_bytes(header + b"encoding: ascii\n\n" + b"0 0 0 0 0 0 0 0 0 0\n")
    assert written._payload_ok(path, "image.nrrd", 10) is True
