"""Test-wide isolation: user-installed models go to a temporary folder, never to ~/.gynai."""

import pytest


@pytest.fixture(autouse=True)
def _isolated_user_models(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("GYNAI_MODELS_DIR", str(tmp_path_factory.mktemp("user-models")))
