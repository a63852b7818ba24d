"""Issue 19: the input checks of gynai.io.preflight on the edges the hostile-header tests leave out: the
memory available under a container's cgroup limit, a path that cannot even be looked at, compressed
MetaImage data cut short or longer than declared, text-encoded NRRD and NRRD "byte skip: -1" (both
read as they are), and a DICOM folder (left to the DICOM reader)."""

import zlib

import numpy as np
import pytest
import SimpleITK as sitk

from gynai.errors import GeometryError, InputFileError
from gynai.io import preflight
from gynai.io.images import read_image
from gynai.io.preflight import available_memory_bytes, check_input_file, check_regular_file

VOXELS = np.arange(64, dtype=np.int16)
HEADER = ("NRRD0004\ntype: short\ndimension: 3\nsizes: 4 4 4\nkinds: domain domain domain\nendian: little\n"
          "spacings: 1 1 2\n")
MEMINFO = "MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:    8000000 kB\n"


def _system_files(monkeypatch, root, files: dict) -> None:
    """Let available_memory_bytes read ``files`` ({"/proc/meminfo": text, ...}) under ``root`` instead."""
    for name, text in files.items():
        (root / name.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        (root / name.lstrip("/")).write_text(text)
    monkeypatch.setattr(preflight, "Path", lambda name: root / str(name).lstrip("/"))


def test_a_cgroup_limit_below_the_free_memory_is_what_is_available(monkeypatch, tmp_path):
    _system_files(monkeypatch, tmp_path, {"/proc/meminfo": MEMINFO, "/sys/fs/cgroup/memory.max": "4294967296\n",
                                          "/sys/fs/cgroup/memory.current": "1073741824\n"})
    assert available_memory_bytes() == 4 * 2**30 - 2**30                     # 3 GiB left under the limit


def test_a_cgroup_above_the_free_memory_leaves_the_free_memory(monkeypatch, tmp_path):
    _system_files(monkeypatch, tmp_path, {"/proc/meminfo": MEMINFO, "/sys/fs/cgroup/memory.max": "68719476736\n",
                                          "/sys/fs/cgroup/memory.current": "0\n"})
    assert available_memory_bytes() == 8_000_000 * 1024


def test_a_cgroup_used_beyond_its_limit_leaves_nothing(monkeypatch, tmp_path):
    _system_files(monkeypatch, tmp_path, {"/proc/meminfo": MEMINFO, "/sys/fs/cgroup/memory.max": "1000\n",
                                          "/sys/fs/cgroup/memory.current": "5000\n"})
    assert available_memory_bytes() == 0


def test_an_unlimited_cgroup_leaves_the_free_memory(monkeypatch, tmp_path):
    _system_files(monkeypatch, tmp_path, {"/proc/meminfo": MEMINFO, "/sys/fs/cgroup/memory.max": "max\n"})
    assert available_memory_bytes() == 8_000_000 * 1024


def test_without_meminfo_or_cgroup_the_memory_is_unknown_and_not_checked(monkeypatch, tmp_path):
    """Not Linux (no /proc/meminfo) and no cgroup: unknown, and a large allocation is not refused."""
    _system_files(monkeypatch, tmp_path, {})
    assert available_memory_bytes() is None
    preflight.check_memory(1 << 50, "a petabyte")                              # nothing raised


def test_unparsable_meminfo_is_unknown_memory(monkeypatch, tmp_path):
    _system_files(monkeypatch, tmp_path, {"/proc/meminfo": "MemAvailable: lots kB\n"})
    assert available_memory_bytes() is None


def test_a_path_that_cannot_be_looked_at_is_one_line(tmp_path):
    loop = tmp_path / "loop.nrrd"
    loop.symlink_to(loop)                                                      # a link to itself
    with pytest.raises(InputFileError) as raised:
        check_regular_file(loop)
    assert str(raised.value) == (f"{loop} cannot be read (Too many levels of symbolic links); check the path and "
                                 "its permissions")


def _compressed_mha(path, array):
    sitk.WriteImage(sitk.GetImageFromArray(array), str(path), True)
    return path


def test_compressed_metaimage_cut_short_is_truncated(tmp_path):
    path = _compressed_mha(tmp_path / "a.mha", VOXELS.reshape(4, 4, 4))
    path.write_bytes(path.read_bytes()[:-10])                                  # the stream's end is missing
    with pytest.raises(InputFileError) as raised:
        read_image(path)
    assert str(raised.value) == "a.mha is truncated or corrupt (incomplete compressed data); copy the file again"


def test_compressed_metaimage_with_more_voxels_than_declared_is_refused(tmp_path):
    """A 4×4×8 image's stream under a header that says 4×4×4 (and the longer stream's compressed size)."""
    path = _compressed_mha(tmp_path / "a.mha", np.arange(128, dtype=np.int16).reshape(8, 4, 4))
    data = path.read_bytes().replace(b"DimSize = 4 4 8", b"DimSize = 4 4 4")
    path.write_bytes(data)
    stream = data[data.index(b"ElementDataFile = LOCAL\n") + len(b"ElementDataFile = LOCAL\n"):]
    assert len(zlib.decompress(stream)) == 256                                 # twice the 128 bytes declared
    with pytest.raises(InputFileError) as raised:
        read_image(path)
    assert str(raised.value) == ("a.mha: the file holds more voxel data than its header's sizes (4x4x4) declare; "
                                 "the sizes in the header are wrong, fix or re-export the file")


def test_a_complete_compressed_metaimage_reads(tmp_path):
    path = _compressed_mha(tmp_path / "a.mha", VOXELS.reshape(4, 4, 4))
    np.testing.assert_array_equal(read_image(path).array.ravel(), VOXELS)


def test_a_text_encoded_nrrd_is_left_to_its_reader(tmp_path):
    path = tmp_path / "a.nrrd"
    path.write_bytes((HEADER + "encoding: ascii\n\n" + " ".join(map(str, VOXELS)) + "\n").encode())
    assert check_input_file(path).encoding == "ascii"
    image = read_image(path)
    np.testing.assert_array_equal(image.array.ravel(), VOXELS)
    assert image.geometry.spacing_mm == pytest.approx((1.0, 1.0, 2.0))


def test_byte_skip_minus_one_reads_the_last_bytes_of_a_longer_file(tmp_path):
    """NRRD "byte skip: -1": the voxels are the file's last bytes, whatever precedes them."""
    path = tmp_path / "a.nrrd"
    path.write_bytes((HEADER + "encoding: raw\nbyte skip: -1\n\n").encode() + b"padding!" + VOXELS.tobytes())
    assert check_input_file(path).data_offset == -1
    np.testing.assert_array_equal(read_image(path).array.ravel(), VOXELS)


def test_a_folder_is_left_to_the_dicom_reader(tmp_path):
    assert check_input_file(tmp_path) is None


def test_byte_skip_minus_one_voxels_cut_short_are_truncated_not_read_from_the_header(tmp_path):
    """Was read: the file (header included) is longer than the voxels, so ITK took the header's last
    bytes as the first voxels. The voxels lie after the header; only those bytes count."""
    path = tmp_path / "a.nrrd"
    path.write_bytes((HEADER + "encoding: raw\nbyte skip: -1\n\n").encode() + VOXELS.tobytes()[:-30])
    with pytest.raises(InputFileError) as raised:
        read_image(path)
    assert str(raised.value) == ("a.nrrd is truncated: its header declares 4x4x4 values (128 bytes) but the file "
                                 "holds less; copy the file again")


def test_byte_skip_minus_one_of_a_detached_data_file_counts_the_whole_file(tmp_path):
    """A detached data file has no header of its own: all its bytes may be voxels (and extra leading bytes
    are skipped)."""
    (tmp_path / "a.raw").write_bytes(b"xx" + VOXELS.tobytes())
    header = tmp_path / "a.nhdr"
    header.write_text(HEADER + "encoding: raw\nbyte skip: -1\ndata file: a.raw\n\n")
    np.testing.assert_array_equal(read_image(header).array.ravel(), VOXELS)
    (tmp_path / "a.raw").write_bytes(VOXELS.tobytes()[:-2])
    with pytest.raises(InputFileError, match=r"^a\.nhdr is truncated"):
        read_image(header)


def _spaced_nrrd(path, spacings: str):
    path.write_bytes(("NRRD0004\ntype: short\ndimension: 3\nsizes: 4 4 4\nkinds: domain domain domain\n"
                      f"endian: little\nspacings: {spacings}\nencoding: raw\n\n").encode() + VOXELS.tobytes())
    return path


def test_an_image_2_5_m_across_is_accepted_and_a_wider_one_refused(tmp_path):
    """4 voxels of 625 mm make exactly 2.5 m (the limit: accepted); of 625.25 mm, 2.501 m (refused, naming the
    widest axis, its voxels and spacing)."""
    assert check_input_file(_spaced_nrrd(tmp_path / "a.nrrd", "1 625 2")).spacing_mm == pytest.approx((1, 625, 2))
    with pytest.raises(GeometryError) as raised:
        check_input_file(_spaced_nrrd(tmp_path / "b.nrrd", "1 625.25 2"))
    assert str(raised.value) == ("b.nrrd: 4 voxels of 625.25 mm make the image 2.5 m across (more than 2.5 m); "
                                 "check the spacing in the image header")
    with pytest.raises(GeometryError) as raised:
        check_input_file(_spaced_nrrd(tmp_path / "c.nrrd", "1 2 662.75"))              # 2.651 m
    assert str(raised.value).startswith("c.nrrd: 4 voxels of 662.75 mm make the image 2.7 m across")
