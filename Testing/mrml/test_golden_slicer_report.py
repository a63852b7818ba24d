"""Golden outputs of the Slicer side (slicer-core): GynAIReport's metrics, panel HTML, tables and report
files from scene nodes of the sample phantoms' ground truth equal the files captured before the redesign
of issue 15 (cases in Testing/golden/golden_slicer_cases.py, per-run values replaced)."""

import sys
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
if str(GOLDEN) not in sys.path:
    sys.path.insert(0, str(GOLDEN))

from golden_normalise import normalise_folder  # noqa: E402
from golden_slicer_cases import SLICER_CASES  # noqa: E402
from test_golden_outputs import first_difference, read_expected  # noqa: E402


@pytest.mark.parametrize("name", sorted(SLICER_CASES))
def test_slicer_outputs_equal_the_golden_files(name, scene, tmp_path):
    actual = normalise_folder(SLICER_CASES[name](tmp_path / name), tmp_path)
    expected = read_expected(name)
    assert sorted(actual) == sorted(expected)
    for file_name, text in expected.items():
        assert actual[file_name] == text, f"{name}/{file_name}:\n{first_difference(text, actual[file_name])}"
