"""Test-wide isolation: user-installed models go to a temporary folder, never to ~/.gynai."""

import pytest


@pytest.fixture(autouse=True)
def _isolated_user_models(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("GYNAI_MODELS_DIR", str(tmp_path_factory.mktemp("user-models")))


@pytest.fixture(scope="session")
def dciodvfy_errors():
    """``dciodvfy_errors(path)`` → the "Error" lines dciodvfy (dicom3tools) prints for a DICOM file; fails
    the test when dciodvfy is not installed (``.ci/run`` installs it)."""
    import shutil
    import subprocess

    tool = shutil.which("dciodvfy")
    if tool is None:
        pytest.fail("dciodvfy (Debian package dicom3tools) is needed; .ci/run installs it")

    def errors(path) -> list[str]:
        result = subprocess.run([tool, str(path)], capture_output=True, text=True)
        return [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("Error")]

    return errors
