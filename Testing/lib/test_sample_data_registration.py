"""GynAILib.sample_data against the Sample Data APIs of different Slicer versions: ``loadFileTypes`` (Slicer
5.6 and later, which still accept the deprecated ``loadFileType``), ``loadFileType`` only (older), and no
``checksums`` (oldest); and the shipped files checked by SHA-256 before loading."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULE_FILE = str(ROOT / "GynAI" / "GynAI.py")
sys.path.insert(0, str(ROOT / "GynAI"))
from GynAILib.sample_data import (DEFAULT_SAMPLE, SAMPLE_FILES, adapt_to_sample_data_api,  # noqa: E402
                                  register_sample_data, sample_files)


def recording_logic(signature):
    """A SampleDataLogic whose registerCustomSampleDataSource has the given keyword parameters."""
    calls = []
    namespace = {}
    exec(f"def register({signature}):\n    calls.append(dict(locals()))\n", {"calls": calls}, namespace)
    return type("Logic", (), {"registerCustomSampleDataSource": staticmethod(namespace["register"])}), calls


CURRENT = ('category="Custom", sampleName=None, uris=None, fileNames=None, nodeNames=None, customDownloader=None, '
           'thumbnailFileName=None, loadFileTypes=None, loadFiles=None, loadFileProperties={}, checksums=None, '
           'loadFileType=None')
OLDER = ('category="Custom", sampleName=None, uris=None, fileNames=None, nodeNames=None, customDownloader=None, '
         'thumbnailFileName=None, loadFileType="VolumeFile", loadFiles=None, loadFileProperties={}, checksums=None')
OLDEST = ('category="Custom", sampleName=None, uris=None, fileNames=None, nodeNames=None, customDownloader=None, '
          'thumbnailFileName=None, loadFileType="VolumeFile", loadFiles=None, loadFileProperties={}')


def test_current_sample_data_gets_load_file_types():
    logic, calls = recording_logic(CURRENT)
    assert register_sample_data(logic, MODULE_FILE) == len(SAMPLE_FILES)
    pelvis = next(c for c in calls if c["sampleName"] == SAMPLE_FILES[DEFAULT_SAMPLE]["title"])
    assert pelvis["loadFileTypes"] == ["VolumeFile", "SegmentationFile"] and pelvis["loadFileType"] is None
    assert pelvis["checksums"][0].startswith("SHA256:") and pelvis["nodeNames"][0] == DEFAULT_SAMPLE


def test_older_sample_data_gets_load_file_type():
    logic, calls = recording_logic(OLDER)
    assert register_sample_data(logic, MODULE_FILE) == len(SAMPLE_FILES)
    assert all(c["loadFileType"] == ["VolumeFile", "SegmentationFile"] for c in calls)
    assert all(len(c["checksums"]) == 2 for c in calls)


def test_oldest_sample_data_registers_without_checksums(caplog):
    logic, calls = recording_logic(OLDEST)
    assert register_sample_data(logic, MODULE_FILE) == len(SAMPLE_FILES)
    assert all(c["loadFileType"] == ["VolumeFile", "SegmentationFile"] for c in calls)
    assert "cannot check SHA-256" in caplog.text


def test_keyword_catch_all_gets_the_entry_unchanged():
    entry = {"sampleName": "x", "loadFileTypes": ["VolumeFile"], "checksums": ["SHA256:00"]}
    assert adapt_to_sample_data_api(entry, None) == entry


def test_shipped_files_are_checked_before_loading(tmp_path):
    paths = sample_files(DEFAULT_SAMPLE, MODULE_FILE)
    assert [p.name for p in paths] == list(SAMPLE_FILES[DEFAULT_SAMPLE]["files"])
    with pytest.raises(KeyError):
        sample_files("NoSuchSample", MODULE_FILE)
    with pytest.raises(FileNotFoundError):
        sample_files(DEFAULT_SAMPLE, str(tmp_path / "GynAI.py"))
