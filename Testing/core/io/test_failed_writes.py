"""Finding 1 of issue 17: a failed write is an error, never a success with a short or empty file.

A full disk is simulated by letting ITK write and then cutting the file it wrote (what ITK does on a full
disk: it returns normally), or by raising the operating-system error where Python would meet it.
"""

import errno
import os
import tempfile

import numpy as np
import pytest
import SimpleITK as sitk

from gynai.cli.main import main
from gynai.errors import OutputPathError
from gynai.image import Geometry, Image, LabelImage, LabelInfo
from gynai.io.images import read_image, write_image
from gynai.io.safe_write import staged_folder, write_json
from gynai.io.segnrrd import write_seg_nrrd

SUFFIXES = [".nrrd", ".nii.gz", ".nii", ".mha"]
REAL_WRITE = sitk.WriteImage


def noisy_image() -> Image:
    array = np.random.default_rng(1).integers(0, 3000, size=(6, 7, 8)).astype(np.int16)
    return Image(array, Geometry(spacing_mm=(0.8, 0.8, 3.0)))


def cutting_writer(keep_fraction: float):
    """A stand-in for ``sitk.WriteImage`` that writes, then keeps only a part of the file (a full disk)."""

    def write(image, path, useCompression=False, *args, **kwargs):
        REAL_WRITE(image, path, useCompression, *args, **kwargs)
        size = os.path.getsize(path)
        with open(path, "r+b") as stream:
            stream.truncate(int(size * keep_fraction))

    return write


def leftovers(folder):
    return sorted(path.name for path in folder.iterdir())


@pytest.mark.parametrize("compress", [True, False])
@pytest.mark.parametrize("suffix", SUFFIXES)
def test_complete_writes_pass_the_check(tmp_path, suffix, compress):
    image = noisy_image()
    path = write_image(image, tmp_path / f"image{suffix}", compress=compress)
    np.testing.assert_array_equal(read_image(path).array, image.array)
    assert leftovers(tmp_path) == [f"image{suffix}"]


@pytest.mark.parametrize("keep_fraction", [0.0, 0.5, 0.97])
@pytest.mark.parametrize("suffix", SUFFIXES)
def test_a_short_image_file_is_refused_and_removed(tmp_path, monkeypatch, suffix, keep_fraction):
    monkeypatch.setattr(sitk, "WriteImage", cutting_writer(keep_fraction))
    with pytest.raises(OutputPathError, match="failed") as info:
        write_image(noisy_image(), tmp_path / f"image{suffix}")
    assert "\n" not in str(info.value)
    assert leftovers(tmp_path) == []


def test_a_short_segmentation_is_refused_and_removed(tmp_path, monkeypatch):
    labels = LabelImage(np.random.default_rng(2).integers(0, 3, size=(20, 20, 20)).astype(np.uint8), Geometry(),
                        (LabelInfo(1, "a", "A", (1, 0, 0)), LabelInfo(2, "b", "B", (0, 1, 0))))
    monkeypatch.setattr(sitk, "WriteImage", cutting_writer(0.9))
    with pytest.raises(OutputPathError, match="incomplete"):
        write_seg_nrrd(labels, tmp_path / "labels.seg.nrrd")
    assert leftovers(tmp_path) == []


def test_itk_write_error_is_a_typed_error(tmp_path, monkeypatch):
    def failing(*args, **kwargs):
        raise RuntimeError("itk::ERROR: ImageFileWriter: No space left on device")

    monkeypatch.setattr(sitk, "WriteImage", failing)
    with pytest.raises(OutputPathError, match="no space left"):
        write_image(noisy_image(), tmp_path / "image.nrrd")
    assert leftovers(tmp_path) == []


def test_phantom_on_a_full_disk_exits_2_and_leaves_nothing(tmp_path, monkeypatch, capsys):
    written = []

    def write(image, path, useCompression=False, *args, **kwargs):      # the image fits, the truth does not
        written.append(path)
        cutting_writer(1.0 if len(written) == 1 else 0.0)(image, path, useCompression)

    monkeypatch.setattr(sitk, "WriteImage", write)
    code = main(["phantom", "--task", "uterus-fibroid", "-o", str(tmp_path / "p.nrrd"),
                 "--truth", str(tmp_path / "t.seg.nrrd")])
    error = capsys.readouterr().err
    assert code == 2 and len(error.strip().splitlines()) == 1 and "Traceback" not in error
    assert "t.seg.nrrd" in error and len(written) == 2
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("number, advice", [(errno.ENOSPC, "free some space"), (errno.EROFS, "write to"),
                                            (errno.EACCES, "write to")])
def test_unwritable_output_location_exits_2(tmp_path, monkeypatch, capsys, number, advice):
    def refuse(*args, **kwargs):
        raise OSError(number, os.strerror(number))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    code = main(["phantom", "--task", "uterus-fibroid", "-o", str(tmp_path / "out" / "p.nrrd")])
    error = capsys.readouterr().err
    assert code == 2 and len(error.strip().splitlines()) == 1, error
    assert advice in error and os.strerror(number) in error
    assert not (tmp_path / "out" / "p.nrrd").exists()


def test_rename_failure_leaves_no_temporary_file(tmp_path, monkeypatch):
    def refuse(source, target):
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OutputPathError, match="image.nrrd"):
        write_image(noisy_image(), tmp_path / "image.nrrd")
    assert leftovers(tmp_path) == []


def test_json_written_short_is_refused(tmp_path, monkeypatch):
    real = os.fsync

    def cut_then_sync(descriptor):                  # the bytes reach the file, then half is lost
        writable = os.open(f"/proc/self/fd/{descriptor}", os.O_WRONLY)
        os.ftruncate(writable, 10)
        os.close(writable)
        real(descriptor)

    monkeypatch.setattr(os, "fsync", cut_then_sync)
    with pytest.raises(OutputPathError, match="10 of"):
        write_json({"a": list(range(100))}, tmp_path / "m.json")
    assert leftovers(tmp_path) == []


def test_full_disk_inside_a_staged_folder_is_typed_and_cleaned(tmp_path):
    with pytest.raises(OutputPathError, match="No space left"):
        with staged_folder(tmp_path / "report") as staging:
            (staging / "a.txt").write_text("x")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert leftovers(tmp_path) == []


def test_network_errors_pass_a_staged_folder_unchanged(tmp_path):
    with pytest.raises(ConnectionError):
        with staged_folder(tmp_path / "study"):
            raise ConnectionError("server went away")
    assert leftovers(tmp_path) == []
