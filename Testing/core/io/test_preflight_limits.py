"""Issue 19: the input checks of gynai.io.preflight at their limits and word for word (mutation testing
found them unchecked): the memory needed (three working copies of the voxels plus four bytes per voxel)
against what is available, byte for byte; compressed voxel data counted in chunks of at most 4 MiB, so that
a length exactly at a chunk boundary and one byte more are told apart (chunks made small here); detached
data files, compressed or with more data than declared; and each refusal's one line."""

import gzip
import os
import zlib

import numpy as np
import pytest
import SimpleITK as sitk

from gynai.errors import GeometryError, InputFileError
from gynai.io import preflight
from gynai.io.preflight import check_input_file, check_memory, check_regular_file

VOXELS = np.arange(64, dtype=np.int16)
HEADER = ("NRRD0004\ntype: short\ndimension: 3\nsizes: 4 4 4\nkinds: domain domain domain\nendian: little\n"
          "spacings: 1 1 2\n")
NEEDED_BYTES = 3 * 128 + 4 * 64
"""What a 4 × 4 × 4 image of 16-bit voxels needs: three working copies of its 128 bytes and 4 bytes per voxel."""


def _raw_nrrd(path):
    path.write_bytes((HEADER + "encoding: raw\n\n").encode() + VOXELS.tobytes())
    return path


@pytest.mark.parametrize("available, refused", [(NEEDED_BYTES, False), (NEEDED_BYTES - 1, True)])
def test_an_image_needs_three_copies_of_its_voxels_and_four_bytes_per_voxel(monkeypatch, tmp_path, available,
                                                                           refused):
    monkeypatch.setattr(preflight, "available_memory_bytes", lambda: available)
    path = _raw_nrrd(tmp_path / "a.nrrd")
    if not refused:
        assert check_input_file(path).sizes == (4, 4, 4)
        return
    with pytest.raises(InputFileError) as raised:
        check_input_file(path)
    assert str(raised.value) == ("a.nrrd (64 voxels) needs 0.0 GiB of memory but only 0.0 GiB are available; check "
                                 "the image size in its header, or crop or downsample the image")


def test_the_memory_message_gives_both_figures_in_gib(monkeypatch):
    monkeypatch.setattr(preflight, "available_memory_bytes", lambda: 3 * 2**29)
    check_memory(3 * 2**29, "exactly what is left")                         # equal: it fits
    with pytest.raises(InputFileError) as raised:
        check_memory(5 * 2**30, "big.nrrd (1 voxels)")
    assert str(raised.value) == ("big.nrrd (1 voxels) needs 5.0 GiB of memory but only 1.5 GiB are available; "
                                 "check the image size in its header, or crop or downsample the image")


def test_a_missing_path_and_a_pipe_are_one_line_each(tmp_path):
    with pytest.raises(InputFileError) as raised:
        check_regular_file(tmp_path / "none.nrrd")
    assert str(raised.value) == f"{tmp_path / 'none.nrrd'} does not exist; check the path"
    os.mkfifo(tmp_path / "pipe.nrrd")
    with pytest.raises(InputFileError) as raised:
        check_regular_file(tmp_path / "pipe.nrrd")
    assert str(raised.value) == "pipe.nrrd is not a regular file (a pipe, device or socket); give an image file"


def test_a_bad_spacing_is_shown_as_written(tmp_path):
    path = tmp_path / "a.nrrd"
    path.write_bytes((HEADER.replace("spacings: 1 1 2", "spacings: 1 nan 2.5") + "encoding: raw\n\n").encode()
                     + VOXELS.tobytes())
    with pytest.raises(GeometryError) as raised:
        check_input_file(path)
    assert str(raised.value) == ("a.nrrd: voxel spacing (1, nan, 2.5) must be finite and positive; fix the spacing "
                                 "in the image header")


class _Recorder:
    """A stream that records the size of every read."""

    def __init__(self, data: bytes):
        self.data, self.sizes = data, []

    def read(self, size=-1):
        self.sizes.append(size)
        chunk, self.data = (self.data, b"") if size is None or size < 0 else (self.data[:size], self.data[size:])
        return chunk


def test_compressed_data_are_read_in_chunks_of_at_most_4_mib():
    """Never more than 4 MiB at a time (a decompression bomb is counted, not held): 9 MiB in three reads."""
    recorder = _Recorder(bytes(9 << 20))
    assert preflight._stream_length(recorder, 100 << 20) == 9 << 20
    assert recorder.sizes[:3] == [4 << 20] * 3 and max(recorder.sizes) == 4 << 20


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of one byte: the count reaches exactly the 128 bytes declared between two reads (the voxels
    are random bytes, which zlib stores as they are, so its output grows with its input)."""
    monkeypatch.setattr(preflight, "CHUNK_BYTES", 1)


RANDOM_BYTES = np.random.default_rng(0).bytes(129)


def _gzip_nrrd(path, data: bytes):
    path.write_bytes((HEADER + "encoding: gzip\n\n").encode() + gzip.compress(data))
    return path


def _zlib_mha(path, data: bytes):
    sitk.WriteImage(sitk.GetImageFromArray(VOXELS.reshape(4, 4, 4)), str(path), True)
    text = path.read_bytes()
    head = text[:text.index(b"ElementDataFile = LOCAL\n") + len(b"ElementDataFile = LOCAL\n")]
    stream = zlib.compress(data)
    head = head.replace(f"CompressedDataSize = {len(text) - len(head)}".encode(),
                        f"CompressedDataSize = {len(stream)}".encode())
    path.write_bytes(head + stream)
    return path


@pytest.mark.parametrize("write", [_gzip_nrrd, _zlib_mha], ids=["gzip-nrrd", "zlib-metaimage"])
def test_compressed_voxels_ending_on_a_chunk_boundary_and_one_byte_more(small_chunks, tmp_path, write):
    exact = write(tmp_path / ("a" + (".nrrd" if write is _gzip_nrrd else ".mha")), RANDOM_BYTES[:128])
    assert check_input_file(exact).payload_bytes == 128
    longer = write(tmp_path / ("b" + exact.suffix), RANDOM_BYTES)
    with pytest.raises(InputFileError) as raised:
        check_input_file(longer)
    assert str(raised.value) == (f"b{exact.suffix}: the file holds more voxel data than its header's sizes (4x4x4) "
                                 "declare; the sizes in the header are wrong, fix or re-export the file")
    shorter = write(tmp_path / ("c" + exact.suffix), RANDOM_BYTES[:127])
    with pytest.raises(InputFileError, match="is truncated"):
        check_input_file(shorter)


def test_a_detached_gzip_data_file_is_read_from_its_first_byte(tmp_path):
    (tmp_path / "a.raw.gz").write_bytes(gzip.compress(VOXELS.tobytes()))
    header = tmp_path / "a.nhdr"
    header.write_text(HEADER + "encoding: gzip\ndata file: a.raw.gz\n\n")
    assert check_input_file(header).data_offset == 0


def test_a_detached_raw_data_file_with_more_data_than_declared_is_refused(tmp_path):
    (tmp_path / "a.raw").write_bytes(VOXELS.tobytes() + b"\x00\x00")
    header = tmp_path / "a.nhdr"
    header.write_text(HEADER + "encoding: raw\ndata file: a.raw\n\n")
    with pytest.raises(InputFileError) as raised:
        check_input_file(header)
    assert str(raised.value) == ("a.nhdr: the file holds more voxel data than its header's sizes (4x4x4) declare; "
                                 "the sizes in the header are wrong, fix or re-export the file")
