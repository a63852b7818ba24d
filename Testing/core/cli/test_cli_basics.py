"""The gynai command line: help, version, exit codes and one-line errors."""

import subprocess
import sys

import pytest

import gynai
from gynai.cli.main import main


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "gynai.cli.main", *args], capture_output=True, text=True,
                          timeout=300)


def test_version_and_help():
    result = run_cli("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"gynai {gynai.__version__}"
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("demo", "segment", "measure", "train", "models"):
        assert command in result.stdout


def test_no_command_is_an_error(capsys):
    assert main([]) == 2


def test_unknown_task_is_refused_by_argparse():
    result = run_cli("segment", "x.nrrd", "--task", "liver", "-o", "x.seg.nrrd")
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_missing_input_gives_one_line_error(tmp_path):
    out = tmp_path / "out.seg.nrrd"
    result = run_cli("segment", str(tmp_path / "missing.nrrd"), "--task", "uterus-fibroid", "-o", str(out))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gynai: error:") and "Traceback" not in result.stderr
    assert not out.exists()


def test_wrong_output_suffix_is_refused(tmp_path):
    result = run_cli("segment", "x.nrrd", "--task", "uterus-fibroid", "-o", str(tmp_path / "out.nii.gz"))
    assert result.returncode == 2 and ".seg.nrrd" in result.stderr


def test_demo_refuses_non_empty_folder(tmp_path):
    (tmp_path / "keep.txt").write_text("user data")
    result = run_cli("demo", "-o", str(tmp_path))
    assert result.returncode == 2 and "not an empty folder" in result.stderr
    assert (tmp_path / "keep.txt").read_text() == "user data" and len(list(tmp_path.iterdir())) == 1


@pytest.mark.parametrize("spec, message", [("1=liver", "not part of task"), ("x=fibroid", "bad label item"),
                                           ("1=fibroid,1=myometrium", "unique")])
def test_label_spec_errors(spec, message):
    from gynai.errors import LabelError
    from gynai.labels.spec import parse_label_spec

    with pytest.raises(LabelError, match=message):
        parse_label_spec(spec, "uterus-fibroid")


def test_label_spec_takes_names_from_task():
    from gynai.labels.spec import parse_label_spec

    labels = parse_label_spec("3=fibroid, 1=myometrium", "uterus-fibroid")
    assert [(l.value, l.id, l.name) for l in labels] == [(3, "fibroid", "Fibroid"), (1, "myometrium", "Myometrium")]


def test_python_dash_m_gynai_is_the_command_line():
    result = subprocess.run([sys.executable, "-m", "gynai", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip().endswith(gynai.__version__)
    bad = subprocess.run([sys.executable, "-m", "gynai", "segment", "/no/such/file.nii.gz", "--task",
                          "uterus-fibroid", "-o", "/tmp/x.seg.nrrd"], capture_output=True, text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
