"""Training pipeline smoke run: a few CPU steps on phantoms and on a user datalist produce a loadable bundle."""

import json
import subprocess
import sys

import numpy as np
import pytest

from gynai.models.bundle import load_network, read_bundle
from gynai.io.images import write_image
from gynai.phantom import PhantomConfig, generate_uterus_fibroid


def test_gynai_train_smoke_writes_a_valid_bundle(tmp_path):
    out = tmp_path / "bundle"
    result = subprocess.run([sys.executable, "-m", "gynai.cli.main", "train", "--task", "uterus-fibroid",
                             "--smoke", "--version", "0.3.1", "-o", str(out)], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    info = read_bundle(out)
    assert info.version == "0.3.1"
    assert info.task == "uterus-fibroid" and [l.id for l in info.labels] == ["myometrium", "endometrium", "fibroid"]
    network = load_network(info)
    assert network(__import__("torch").zeros(1, 1, *info.patch_size_zyx)).shape[1] == 4
    card = (out / "docs" / "README.md").read_text()
    assert "synthetic phantoms" in card and "not be used for clinical decisions" in card
    assert "--version 0.3.1" in card and card.startswith("# GynAI uterus-fibroid model 0.3.1")
    evaluation = json.loads((out / "configs" / "metadata.json").read_text())["gynai"]["evaluation"]
    assert set(evaluation["held_out"]["dice_mean"]) == {"myometrium", "endometrium", "fibroid", "union"}
    again = subprocess.run([sys.executable, "-m", "gynai.cli.main", "train", "--task", "uterus-fibroid",
                            "--smoke", "-o", str(out)], capture_output=True, text=True, timeout=600)
    assert again.returncode == 2 and "exists" in again.stderr


def test_training_from_a_datalist(tmp_path):
    from gynai.training.run import smoke_config, train_bundle

    config = PhantomConfig(spacing_mm=(2.0, 2.0, 4.0), size_xyz=(80, 80, 20))
    items = []
    for seed in range(2):
        case = generate_uterus_fibroid(seed, config=config)
        write_image(case.image, tmp_path / f"img{seed}.nii.gz")
        write_image(case.image.with_array(case.labels.array.astype(np.uint8)), tmp_path / f"lab{seed}.nii.gz")
        items.append({"image": f"img{seed}.nii.gz", "label": f"lab{seed}.nii.gz"})
    (tmp_path / "datalist.json").write_text(json.dumps({"training": items, "validation": items[:1]}))
    path = train_bundle("uterus-fibroid", tmp_path / "mine", tmp_path / "datalist.json", config=smoke_config())
    assert "user datalist" in (path / "docs" / "README.md").read_text()
    assert read_bundle(path).spacing_mm == (1.6, 1.6, 3.2)


def test_gynai_train_refuses_a_malformed_version(tmp_path):
    result = subprocess.run([sys.executable, "-m", "gynai.cli.main", "train", "--task", "adnexal-mass", "--smoke",
                             "--version", "2", "-o", str(tmp_path / "b")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and "MAJOR.MINOR.PATCH" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "b").exists()


def test_bias_field_augmentation_is_a_smooth_quadratic_log_field():
    from gynai.training.data import augment_bias_field

    patch = np.full((9, 33, 33), 0.5, np.float32)
    rng = np.random.default_rng(3)
    state = rng.bit_generator.state
    assert augment_bias_field(patch, rng, 0.0) is patch and rng.bit_generator.state == state  # off: no draws
    out = augment_bias_field(patch, rng, 0.3)
    log_field = np.log(out.astype(np.float64) / 0.5)
    assert log_field[4, 16, 16] == pytest.approx(0.0, abs=1e-6)              # 1 at the patch centre
    assert np.abs(log_field).max() <= 9 * 0.3 + 1e-5
    assert np.ptp(log_field) > 0.05                                           # it does vary
    for axis in range(3):                                                     # quadratic along every axis
        assert np.allclose(np.diff(log_field, n=3, axis=axis), 0.0, atol=1e-4)
    assert not np.allclose(augment_bias_field(patch, rng, 0.3), out)          # a new field each call


def test_ultrasound_training_writes_an_ultrasound_bundle(tmp_path):
    out = tmp_path / "us-bundle"
    result = subprocess.run([sys.executable, "-m", "gynai.cli.main", "train", "--task", "adnexal-mass", "--modality",
                             "US", "--smoke", "-o", str(out)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    info = read_bundle(out)
    assert info.modality == "US" and len(set(info.spacing_mm)) == 1
    metadata = json.loads((out / "configs" / "metadata.json").read_text())
    assert metadata["name"] == "GynAI adnexal-mass ultrasound"
    assert metadata["task"] == "Adnexal mass, Solid tissue on 3D transvaginal ultrasound"
    card = (out / "docs" / "README.md").read_text()
    assert card.startswith("# GynAI adnexal-mass ultrasound model") and "real 3D transvaginal ultrasound" in card
    assert "--modality US" in card and "--model us-bundle" in card and "Doppler" in card


def test_fine_tuning_starts_from_the_given_bundle(tmp_path):
    from dataclasses import replace

    import torch

    from gynai.errors import ModelError
    from gynai.training.run import smoke_config, train_bundle

    first = train_bundle("uterus-fibroid", tmp_path / "first", phantoms=1, validation_phantoms=1,
                         evaluation_phantoms=0, config=smoke_config())
    frozen = replace(smoke_config(), learning_rate=0.0)           # no step changes a weight
    again = train_bundle("uterus-fibroid", tmp_path / "again", phantoms=1, validation_phantoms=1,
                         evaluation_phantoms=0, config=frozen, init_from=first)
    before = torch.load(first / "models" / "model.pt", weights_only=True)
    after = torch.load(again / "models" / "model.pt", weights_only=True)
    assert before.keys() == after.keys() and all(torch.equal(before[k], after[k]) for k in before)
    fresh = train_bundle("uterus-fibroid", tmp_path / "fresh", phantoms=1, validation_phantoms=1,
                         evaluation_phantoms=0, config=frozen)
    assert not all(torch.equal(before[k], v) for k, v in torch.load(fresh / "models" / "model.pt",
                                                                     weights_only=True).items())
    with pytest.raises(ModelError, match="another network"):
        train_bundle("uterus-fibroid", tmp_path / "wider", phantoms=1, validation_phantoms=1, evaluation_phantoms=0,
                     config=replace(frozen, channels=(8, 16, 32)), init_from=first)
    assert not (tmp_path / "wider").exists()


def test_a_short_training_learns_loss_falls_and_dice_beats_chance():
    """60 CPU steps of the real loop on a bright ball in noise: the loss must fall by a third and the
    validation Dice of the ball must beat the best a voxel-blind guess can do (all foreground: 2p/(1+p))."""
    from dataclasses import replace

    from gynai.training.data import PreparedCase
    from gynai.training.run import smoke_config
    from gynai.training.sources import CaseSource
    from gynai.training.train import train_network

    rng = np.random.default_rng(0)
    z, y, x = np.mgrid[:24, :48, :48]
    cases = []
    for index, centre in enumerate(((12, 20, 22), (11, 28, 26), (13, 24, 20))):
        ball = (z - centre[0]) ** 2 + (y - centre[1]) ** 2 + (x - centre[2]) ** 2 <= 8 ** 2
        image = (0.2 + 0.6 * ball + rng.normal(0.0, 0.08, ball.shape)).astype(np.float32)
        cases.append(PreparedCase(f"ball-{index}", image, ball.astype(np.uint8)))
    config = replace(smoke_config(), patch_size_zyx=(16, 32, 32), steps=60, validate_every=60, batch_size=2,
                     learning_rate=1e-2, seed=1)
    losses = []

    def progress(fraction, message):
        if " loss " in message:
            losses.append(float(message.rsplit(" ", 1)[1]))

    result = train_network(CaseSource(cases[:2], config.patch_size_zyx, seed=1), cases[2:], 2, config, ["ball"],
                           progress)
    prevalence = float(cases[2].labels.mean())
    chance = 2 * prevalence / (1 + prevalence)
    assert len(losses) == 60 and losses[-1] < 0.67 * losses[0], losses[::10]
    assert result.validation_dice["ball"] > chance + 0.3, (result.validation_dice, chance)
