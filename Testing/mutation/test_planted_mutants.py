"""The fixed sample of the mutation check: every planted bug of planted.py must make its tests fail.

Each mutant is planted in a copy of the project (never in the working tree) and its tests run there in a
child pytest; see planted.py for the list and for running it by hand.
"""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("gynai_planted", Path(__file__).with_name("planted.py"))
planted = importlib.util.module_from_spec(_spec)
sys.modules["gynai_planted"] = planted
_spec.loader.exec_module(planted)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return planted.copy_project(tmp_path_factory.mktemp("planted") / "project")


def test_the_copy_runs_its_own_code(project):
    """Without this, a mutant planted in the copy could be tested against the installed code and survive."""
    command = [sys.executable, "-c", "import gynai, sys; sys.stdout.write(gynai.__file__)"]
    environment = {"PYTHONPATH": str(project / "GynAI"), "PATH": ""}
    imported = subprocess.run(command, cwd=project, capture_output=True, text=True, env=environment, check=True)
    assert Path(imported.stdout).resolve().is_relative_to(project.resolve())


@pytest.mark.parametrize("mutant", planted.MUTANTS, ids=[m.name for m in planted.MUTANTS])
def test_planted_mutant_is_killed(mutant, project):
    assert planted.run_mutant(mutant, project) == "killed"
    assert (project / mutant.path).read_text(encoding="utf-8") == (planted.ROOT / mutant.path).read_text(
        encoding="utf-8")                                                    # the copy is restored


def test_a_mutant_that_no_longer_matches_the_code_is_an_error(project):
    stale = planted.Mutant("stale", planted.FIGO, "this text is not in the file", "x", planted.FIGO_TESTS)
    with pytest.raises(planted.PlantError, match="not found exactly once"):
        planted.run_mutant(stale, project)
