"""Issue 17, findings 4 and 5: every file a bundle uses lies inside it, and malformed bundle metadata or
catalogs are one-line ModelErrors, not tracebacks."""

import json
import shutil

import pytest

from gynai.cli.main import main
from gynai.errors import ModelError
from gynai.models.catalog import catalog_files, load_catalog, sha256_of, verify_entry
from gynai.models.selection import find_entry, load_task_bundle
from gynai.models.user_models import add_bundle, user_models_dir


def set_metadata(bundle, change):
    path = bundle / "configs" / "metadata.json"
    meta = json.loads(path.read_text())
    change(meta)
    path.write_text(json.dumps(meta))


def outside_weights(bundle, tmp_path, how):
    """Copy the bundle's weights outside it and return the reference to them (absolute or ``../``)."""
    outside = tmp_path / "outside.pt"
    shutil.copy(bundle / "models" / "model.pt", outside)
    return str(outside) if how == "absolute" else "../outside.pt"


@pytest.mark.parametrize("how", ["absolute", "dotdot"])
def test_adding_a_bundle_whose_weights_are_outside_is_refused(bundle_folder, tmp_path, how):
    reference = outside_weights(bundle_folder, tmp_path, how)
    if how == "dotdot":
        shutil.copy(tmp_path / "outside.pt", user_models_dir().parent / "outside.pt")
    set_metadata(bundle_folder, lambda meta: meta["gynai"].update({"weights": reference}))
    with pytest.raises(ModelError, match="outside the bundle"):
        add_bundle(bundle_folder, name="escape")


@pytest.mark.parametrize("how", ["absolute", "dotdot"])
def test_installed_bundle_pointing_outside_fails_verify_and_segment(bundle_folder, tmp_path, capsys, how):
    """A bundle changed after installation (its catalog digests updated too) to use weights outside it: the
    outside file could be swapped at will, so verify and segment refuse it."""
    entry = add_bundle(bundle_folder, name="escape")
    reference = outside_weights(entry.path, tmp_path, how)
    if how == "dotdot":
        shutil.copy(tmp_path / "outside.pt", user_models_dir() / "outside.pt")
    set_metadata(entry.path, lambda meta: meta["gynai"].update({"weights": reference}))
    catalog = user_models_dir() / "catalog.json"
    document = json.loads(catalog.read_text())
    document["bundles"][0]["files"] = catalog_files(entry.path)
    catalog.write_text(json.dumps(document))
    with pytest.raises(ModelError, match="not among its checked files"):
        verify_entry(find_entry("uterus-fibroid", model="escape"))
    with pytest.raises(ModelError):
        load_task_bundle("uterus-fibroid", model="escape")
    capsys.readouterr()
    assert main(["models", "verify"]) == 2
    output = capsys.readouterr()
    assert "escape" in output.out and "FAILED" in output.out
    assert len(output.err.strip().splitlines()) == 1


def test_catalog_paths_outside_the_models_folder_are_refused(bundle_folder):
    add_bundle(bundle_folder, name="mine")
    catalog = user_models_dir() / "catalog.json"
    document = json.loads(catalog.read_text())
    document["bundles"][0]["files"]["../catalog.json"] = {"sha256": sha256_of(catalog), "size_bytes": 1}
    catalog.write_text(json.dumps(document))
    with pytest.raises(ModelError, match="outside"):
        verify_entry(find_entry("uterus-fibroid", model="mine"))
    document["bundles"][0]["path"] = "/etc"
    catalog.write_text(json.dumps(document))
    with pytest.raises(ModelError, match="outside"):
        load_catalog(user_models_dir())


MALFORMED = {
    "no-channel-def": lambda meta: meta["network_data_format"]["outputs"].pop("pred"),
    "no-spacing": lambda meta: meta["gynai"].pop("spacing_mm"),
    "spacing-text": lambda meta: meta["gynai"].update({"spacing_mm": "abc"}),
    "label-not-number": lambda meta: meta["network_data_format"]["outputs"]["pred"]["channel_def"].update(
        {"one": "myometrium"}),
    "no-task": lambda meta: meta["gynai"].pop("task"),
    "gynai-list": lambda meta: meta.update({"gynai": {"task": "uterus-fibroid", "spacing_mm": None}}),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_bundle_metadata_is_a_one_line_error(bundle_folder, capsys, case):
    set_metadata(bundle_folder, MALFORMED[case])
    with pytest.raises(ModelError) as info:
        add_bundle(bundle_folder, name="broken")
    assert "\n" not in str(info.value)
    assert main(["models", "add", str(bundle_folder), "--name", "broken"]) == 2
    error = capsys.readouterr().err
    assert len(error.strip().splitlines()) == 1 and "Traceback" not in error


def test_malformed_catalog_is_a_one_line_error(bundle_folder, capsys):
    add_bundle(bundle_folder, name="mine")
    catalog = user_models_dir() / "catalog.json"
    document = json.loads(catalog.read_text())
    del document["bundles"][0]["task"]
    catalog.write_text(json.dumps(document))
    capsys.readouterr()
    assert main(["models", "list"]) == 2
    error = capsys.readouterr().err
    assert "malformed" in error and len(error.strip().splitlines()) == 1
