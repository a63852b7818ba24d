"""Golden outputs: metrics JSON, reports (JSON, HTML, PDF text), DICOM SEG/SR/PDF, batch tables and the demo,
made from fixed segmentations, equal the files captured before the redesign of issue 15 (per-run values
such as UIDs, dates and temporary paths replaced: see golden_normalise.py).

After an intended change of an output, regenerate with ``python Testing/golden/update_golden.py`` and
review the diff of ``Testing/golden/expected/``.
"""

import difflib

import pytest

from golden_cases import CASES, EXPECTED, produce
from golden_normalise import normalise_folder


def read_expected(name: str) -> dict[str, str]:
    folder = EXPECTED / name
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(folder.iterdir())}


def first_difference(expected: str, actual: str, limit: int = 40) -> str:
    diff = difflib.unified_diff(expected.splitlines(), actual.splitlines(), "expected", "actual", lineterm="", n=1)
    return "\n".join(list(diff)[:limit])


@pytest.mark.parametrize("name", sorted(CASES))
def test_outputs_equal_the_golden_files(name, tmp_path, monkeypatch):
    actual = normalise_folder(produce(name, tmp_path / name, monkeypatch), tmp_path)
    expected = read_expected(name)
    assert sorted(actual) == sorted(expected), "files differ: " + first_difference(
        "\n".join(sorted(expected)), "\n".join(sorted(actual)))
    for file_name, text in expected.items():
        assert actual[file_name] == text, f"{name}/{file_name}:\n{first_difference(text, actual[file_name])}"
