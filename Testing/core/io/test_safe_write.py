"""Atomic file and folder output (gynai.io.safe_write), case by case: what is refused, what the messages
say, where temporary files live, and what an existing target looks like afterwards.

Written to kill the mutants that survived Testing/mutation/run_mutmut.py on this module (docs/testing.md).
"""

import errno
import json
from pathlib import Path

import pytest

from gynai.errors import OutputPathError
from gynai.io.safe_write import atomic_output, check_new_folder, os_error_message, staged_folder, write_json


@pytest.mark.parametrize("code, advice", [(errno.ENOSPC, "free some space or choose another place"),
                                          (errno.EACCES, "choose a place you can write to"),
                                          (errno.EROFS, "choose a place you can write to"),
                                          (errno.EIO, "check the output location")])
def test_os_error_messages_say_what_failed_why_and_what_to_do(code, advice):
    error = OSError(code, "the reason")
    assert os_error_message(error, "writing x.json failed") == f"writing x.json failed (the reason); {advice}"


@pytest.mark.parametrize("name", ["labels.seg.nrrd", "image.nii.gz", "report.json"])
def test_the_temporary_file_keeps_the_full_extension_beside_the_target(tmp_path, name):
    target = tmp_path / "deep" / "er" / name                 # missing parent folders are created
    with atomic_output(target) as temporary:
        assert temporary.parent == target.parent and temporary.name.endswith(name.split(".", 1)[1])
        assert temporary.name.endswith("." + name.split(".", 1)[1]) and temporary != target
        temporary.write_text("x")
        assert not target.exists()
    assert target.read_text() == "x" and list(target.parent.iterdir()) == [target]


def test_an_existing_file_is_kept_unless_overwrite_is_asked(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("original")
    with pytest.raises(OutputPathError, match=r"out\.json exists; choose another name or pass --overwrite$"):
        with atomic_output(target) as temporary:
            temporary.write_text("new")
    assert target.read_text() == "original"
    with atomic_output(target, overwrite=True) as temporary:
        temporary.write_text("new")
    assert target.read_text() == "new" and list(tmp_path.iterdir()) == [target]


def test_a_folder_is_not_a_file_name(tmp_path):
    with pytest.raises(OutputPathError, match=r"is a folder; give a file name$"):
        with atomic_output(tmp_path, overwrite=True):
            pass


def test_failure_messages_name_the_file_and_the_folder(tmp_path, monkeypatch):
    target = tmp_path / "a.json"

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("gynai.io.safe_write._sync", full)
    with pytest.raises(OutputPathError) as raised:
        with atomic_output(target) as temporary:
            temporary.write_text("x")
    full_disk = "(No space left on device); free some space or choose another place"
    assert str(raised.value) == f"writing a.json failed {full_disk}"
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr("tempfile.mkstemp", full)
    with pytest.raises(OutputPathError, match=rf"^cannot write in {tmp_path} \(No space left on device\); free"):
        with atomic_output(target):
            pass


def test_write_json_is_indented_ends_with_a_newline_and_refuses_to_overwrite(tmp_path):
    target = tmp_path / "doc.json"
    write_json({"b": [1, 2], "a": "é"}, target)
    assert target.read_bytes() == (json.dumps({"b": [1, 2], "a": "é"}, indent=2) + "\n").encode("utf-8")
    with pytest.raises(OutputPathError, match="exists"):
        write_json({}, target)
    write_json({}, target, overwrite=True)
    assert target.read_text(encoding="utf-8") == "{}\n"


def test_a_new_folder_must_be_absent_or_empty(tmp_path):
    check_new_folder(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    check_new_folder(tmp_path / "empty")
    (tmp_path / "file").write_text("x")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    for name in ("file", "full"):
        with pytest.raises(OutputPathError, match=rf"{name} exists and is not an empty folder; choose a new output "
                                                  r"folder$"):
            check_new_folder(tmp_path / name)


def test_a_staged_folder_appears_whole_into_an_absent_or_empty_folder(tmp_path):
    for name in ("new/nested/deeper", "empty"):
        target = tmp_path / name
        if name == "empty":
            target.mkdir()
        with staged_folder(target) as staging:
            (staging / "report.json").write_text("{}")
            assert staging.name.startswith(".") and not (target / "report.json").exists()
        assert [p.name for p in target.iterdir()] == ["report.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "new"]        # no staging left behind


def test_an_existing_folder_is_refused_by_default_and_replaced_when_asked(tmp_path):
    target = tmp_path / "case"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with pytest.raises(OutputPathError, match="not an empty folder"):
        with staged_folder(target) as staging:
            (staging / "new.txt").write_text("new")
    assert [p.name for p in target.iterdir()] == ["old.txt"]
    with staged_folder(target, replace=True) as staging:
        (staging / "new.txt").write_text("new")
    assert [p.name for p in target.iterdir()] == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["case"]                      # the old copy is gone too


def test_a_folder_that_appears_meanwhile_is_not_overwritten(tmp_path):
    target = tmp_path / "report"
    with pytest.raises(OutputPathError, match="not an empty folder"):
        with staged_folder(target) as staging:
            (staging / "a.txt").write_text("a")
            target.mkdir()
            (target / "theirs.txt").write_text("theirs")
    assert [p.name for p in target.iterdir()] == ["theirs.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["report"]


def test_a_failing_block_leaves_the_old_folder_as_it_was(tmp_path):
    target = tmp_path / "case"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with pytest.raises(RuntimeError):
        with staged_folder(target, replace=True) as staging:
            (staging / "new.txt").write_text("new")
            raise RuntimeError("stop")
    assert [p.name for p in target.iterdir()] == ["old.txt"] and [p.name for p in tmp_path.iterdir()] == ["case"]


def test_a_full_disk_in_a_staged_folder_is_one_line_and_leaves_nothing(tmp_path):
    target = tmp_path / "report"
    with pytest.raises(OutputPathError) as raised:
        with staged_folder(target):
            raise OSError(errno.ENOSPC, "No space left on device")
    assert str(raised.value) == "writing report failed (No space left on device); free some space or choose another " \
                                "place"
    assert list(tmp_path.iterdir()) == []


def test_a_staged_folder_that_cannot_be_made_says_where(tmp_path, monkeypatch):
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr("tempfile.mkdtemp", read_only)
    with pytest.raises(OutputPathError) as raised:
        with staged_folder(tmp_path / "report"):
            pass
    assert str(raised.value) == f"cannot write in {tmp_path} (Read-only file system); choose a place you can write to"


def test_a_failed_replacement_puts_the_old_folder_back(tmp_path, monkeypatch):
    target = tmp_path / "case"
    target.mkdir()
    (target / "old.txt").write_text("old")
    rename = Path.rename

    def failing(self, destination):
        if self.name.startswith(".") and Path(destination) == target:          # the staging folder's move
            raise OSError(errno.EIO, "Input/output error")
        return rename(self, destination)

    monkeypatch.setattr(Path, "rename", failing)
    with pytest.raises(OutputPathError, match="Input/output error"):
        with staged_folder(target, replace=True) as staging:
            (staging / "new.txt").write_text("new")
    assert [p.name for p in target.iterdir()] == ["old.txt"]
