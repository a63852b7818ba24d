"""User-installed bundles: add from a folder or zip with safety checks, select, verify, tamper, remove."""

import json
import zipfile

import pytest

from gynai.cli.main import main
from gynai.errors import InputFileError, ModelError, OutputPathError
from gynai.models.selection import load_task_bundle
from gynai.models.catalog import verify_entry
from gynai.models.selection import all_entries, find_entry
from gynai.models.user_models import add_bundle, remove_bundle, user_models_dir


def _zip(folder, archive, prefix=""):
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in folder.rglob("*"):
            if path.is_file():
                zipped.write(path, prefix + path.relative_to(folder).as_posix())
    return archive


def test_add_folder_then_select_by_name(bundle_folder):
    entry = add_bundle(bundle_folder)
    assert entry.name == "my-fibroid-model" and entry.task == "uterus-fibroid" and not entry.bundled
    assert (user_models_dir() / "my-fibroid-model" / "models" / "model.pt").is_file()
    entries = all_entries()
    assert [e.bundled for e in entries] == sorted((e.bundled for e in entries), reverse=True)  # shipped first
    assert {"uterus-fibroid", "my-fibroid-model"} <= {e.name for e in entries}
    assert find_entry("uterus-fibroid").bundled                    # shipped model stays the default
    info = load_task_bundle("uterus-fibroid", model="my-fibroid-model")
    assert info.version == "2.0.0"
    with pytest.raises(ModelError, match="segments 'uterus-fibroid', not 'placenta'"):
        find_entry("placenta", model="my-fibroid-model")
    with pytest.raises(OutputPathError, match="exists"):
        add_bundle(bundle_folder)
    add_bundle(bundle_folder, overwrite=True)


def test_add_zip_with_top_folder_and_tamper_detection(bundle_folder, tmp_path):
    archive = _zip(bundle_folder, tmp_path / "fib.zip", prefix="fib/")
    entry = add_bundle(archive, name="fib-zip")
    verify_entry(entry)
    weights = entry.path / "models" / "model.pt"
    data = bytearray(weights.read_bytes())
    data[-100] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="SHA-256"):
        load_task_bundle("uterus-fibroid", model="fib-zip")
    remove_bundle("fib-zip")
    assert not entry.path.exists() and "fib-zip" not in [e.name for e in all_entries()]
    with pytest.raises(ModelError, match="no user-installed model named 'fib-zip'"):
        remove_bundle("fib-zip")


def test_unsafe_zip_paths_are_refused(bundle_folder, tmp_path):
    archive = _zip(bundle_folder, tmp_path / "evil.zip")
    with zipfile.ZipFile(archive, "a") as zipped:
        zipped.writestr("../../escape.txt", "x")
    with pytest.raises(InputFileError, match="unsafe path"):
        add_bundle(archive)
    assert not (tmp_path.parent / "escape.txt").exists()
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(InputFileError, match="not a valid zip"):
        add_bundle(tmp_path / "broken.zip")


@pytest.mark.parametrize("change, message", [
    (lambda c: c["network_def"].update({"_target_": "os.system"}), "not allowed"),
    (lambda c: c["network_def"].update({"channels": "$__import__('os').system('id')"}), "expression"),
])
def test_code_in_configs_is_refused(bundle_folder, change, message):
    config_path = bundle_folder / "configs" / "inference.json"
    config = json.loads(config_path.read_text())
    change(config)
    config_path.write_text(json.dumps(config))
    with pytest.raises(ModelError, match=message):
        add_bundle(bundle_folder)
    assert not any(e.name == "my-fibroid-model" for e in all_entries())


def test_pickled_code_in_weights_is_refused(bundle_folder, tmp_path):
    import pickle

    marker = tmp_path / "code-ran"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    (bundle_folder / "models" / "model.pt").write_bytes(pickle.dumps({"w": Payload()}, protocol=2))
    with pytest.raises(ModelError, match="cannot be loaded safely"):
        add_bundle(bundle_folder)
    assert not marker.exists()


def test_shipped_names_and_bad_names_are_refused(bundle_folder):
    with pytest.raises(OutputPathError, match="shipped"):
        add_bundle(bundle_folder, name="uterus-fibroid")
    with pytest.raises(InputFileError, match="lower-case"):
        add_bundle(bundle_folder, name="Bad Name")


def test_cli_add_list_segment_remove(bundle_folder, tmp_path, capsys):
    from gynai.io.images import write_image
    from gynai.io.segnrrd import read_seg_nrrd
    from gynai.phantom import PhantomConfig, generate_uterus_fibroid

    assert main(["models", "add", str(bundle_folder), "--name", "mine"]) == 0
    assert main(["models", "list"]) == 0
    listing = capsys.readouterr().out
    assert "mine" in listing and "user" in listing and "shipped" in listing
    case = generate_uterus_fibroid(1, [], PhantomConfig(spacing_mm=(2.0, 2.0, 4.0), size_xyz=(48, 48, 12)))
    write_image(case.image, tmp_path / "in.nrrd")
    assert main(["segment", str(tmp_path / "in.nrrd"), "--task", "uterus-fibroid", "--model", "mine",
                 "--device", "cpu", "-o", str(tmp_path / "out.seg.nrrd")]) == 0
    assert read_seg_nrrd(tmp_path / "out.seg.nrrd").array.shape == case.image.array.shape
    assert main(["models", "add"]) == 2
    assert main(["models", "remove", "mine"]) == 0
    assert main(["segment", str(tmp_path / "in.nrrd"), "--task", "uterus-fibroid", "--model", "mine",
                 "-o", str(tmp_path / "out2.seg.nrrd")]) == 2
    assert "no model named 'mine'" in capsys.readouterr().err
    assert not (tmp_path / "out2.seg.nrrd").exists()
