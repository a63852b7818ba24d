"""Models are verified and loaded once per process, and verified again when a file of the bundle changes."""

import os

import numpy as np
import pytest

from gynai.errors import ModelError
from gynai.image import Geometry, Image
from gynai.inference import loaded, predict
from gynai.models import verified
from gynai.models.selection import find_entry, load_task_bundle
from gynai.models.user_models import add_bundle


@pytest.fixture
def counted(monkeypatch):
    """Count the full verifications (size + SHA-256 of every file) that really happen."""
    calls = []
    real = verified.verify_entry
    monkeypatch.setattr(verified, "verify_entry", lambda entry: (calls.append(entry.name), real(entry)))
    loaded.forget_loaded()
    yield calls
    loaded.forget_loaded()


def test_a_model_is_verified_and_loaded_once_for_many_cases(bundle_folder, counted):
    add_bundle(bundle_folder)
    image = Image(np.random.default_rng(1).random((12, 40, 40)).astype(np.float32) * 500, Geometry((2.0, 2.0, 4.0)))
    first = predict.segment_image(image, "uterus-fibroid", "cpu", model="my-fibroid-model")
    second = predict.segment_image(image, "uterus-fibroid", "cpu", model="my-fibroid-model")
    assert counted == ["my-fibroid-model"]                        # the second case reused the verified network
    np.testing.assert_array_equal(first.array, second.array)
    again = loaded.load_task_model("uterus-fibroid", model="my-fibroid-model")
    assert again.network is loaded.load_task_model("uterus-fibroid", model="my-fibroid-model").network


def test_a_changed_file_is_verified_again_before_use(bundle_folder, counted):
    entry = add_bundle(bundle_folder)
    first = loaded.load_verified(entry, "cpu")
    weights = entry.path / "models" / "model.pt"
    data = bytearray(weights.read_bytes())
    data[-100] ^= 0xFF                                             # same size, one byte changed
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="fails its SHA-256 check"):
        loaded.load_verified(entry, "cpu")
    assert counted == [entry.name, entry.name]
    data[-100] ^= 0xFF                                             # restored, with the old modification time
    weights.write_bytes(bytes(data))
    mtime_ns = next(stamp[3] for stamp in first.stamp if stamp[0] == "models/model.pt")
    os.utime(weights, ns=(mtime_ns, mtime_ns))
    assert loaded.load_verified(entry, "cpu").info.version == "2.0.0"
    assert len(counted) == 3                                       # verified again: its change time moved


def test_the_catalog_entry_decides_which_model_is_reused(bundle_folder, counted):
    add_bundle(bundle_folder)
    shipped = loaded.load_verified(find_entry("uterus-fibroid"), "cpu")
    mine = loaded.load_task_model("uterus-fibroid", model="my-fibroid-model")
    assert (shipped.info.path, mine.info.path) == (find_entry("uterus-fibroid").path,
                                                   find_entry("uterus-fibroid", model="my-fibroid-model").path)
    assert shipped.network is not mine.network and len(counted) == 2


def test_a_batch_check_and_its_cases_share_one_verification(bundle_folder, counted):
    """A batch checks its model (load_task_bundle) before it starts, a PACS cohort before it retrieves
    anything, then the cases load it in the same process: the files are hashed once, until one changes."""
    entry = add_bundle(bundle_folder)
    assert load_task_bundle("uterus-fibroid", model="my-fibroid-model").version == "2.0.0"
    assert load_task_bundle("uterus-fibroid", model="my-fibroid-model").version == "2.0.0"
    loaded.load_task_model("uterus-fibroid", model="my-fibroid-model")
    assert counted == ["my-fibroid-model"]
    config = entry.path / "configs" / "metadata.json"
    config.write_bytes(config.read_bytes() + b" ")                  # modified after the check
    with pytest.raises(ModelError, match="my-fibroid-model"):
        load_task_bundle("uterus-fibroid", model="my-fibroid-model")
    with pytest.raises(ModelError, match="my-fibroid-model"):
        loaded.load_task_model("uterus-fibroid", model="my-fibroid-model")
    assert counted == ["my-fibroid-model"] * 3
