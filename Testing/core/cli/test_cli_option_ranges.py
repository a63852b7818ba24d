"""Issue 17, finding 5: option values out of range are one-line errors (exit code 2), not tracebacks."""

import json

import pytest

from gynai.cli.main import main
from gynai.errors import PacsConfigError
from gynai.pacs.config import load_pacs_config


@pytest.mark.parametrize("arguments, message", [
    (["segment", "{tmp}/missing.nrrd", "--task", "uterus-fibroid", "-o", "{tmp}/o.seg.nrrd", "--threads", "-3"],
     "--threads must be from 1"),
    (["segment", "{tmp}/missing.nrrd", "--task", "uterus-fibroid", "-o", "{tmp}/o.seg.nrrd", "--threads", "0"],
     "--threads must be from 1"),
    (["phantom", "--task", "placenta", "--seed", "-1", "-o", "{tmp}/p.nrrd"], "--seed must be from 0"),
    (["demo", "--seed", "-5", "-o", "{tmp}/demo"], "--seed must be from 0"),
    (["train", "--task", "placenta", "--steps", "-1", "-o", "{tmp}/bundle"], "--steps must be from 1"),
])
def test_out_of_range_options_are_one_line_errors(tmp_path, capsys, arguments, message):
    code = main([argument.format(tmp=tmp_path) for argument in arguments])
    error = capsys.readouterr().err
    assert code == 2 and message in error and len(error.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("timeout", [1e300, 1e9, 86400 * 365, 0, -1])
def test_absurd_pacs_timeouts_are_refused(tmp_path, timeout):
    path = tmp_path / "pacs.json"
    path.write_text(json.dumps({"url": "http://127.0.0.1:8042/dicom-web", "timeout_s": timeout}))
    with pytest.raises(PacsConfigError, match="timeout_s") as info:
        load_pacs_config(path)
    assert "\n" not in str(info.value)
