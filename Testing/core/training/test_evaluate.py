"""Held-out evaluation: Dice bookkeeping against known truth, and the `gynai evaluate` command."""

import json

import numpy as np
import pytest

from gynai.cli.main import main
from gynai.image import LabelImage
from gynai.training.evaluate import case_dice, evaluate_phantoms, summarize


def test_case_dice_hand_computed():
    truth = np.array([0, 1, 1, 2, 2, 0])
    predicted = np.array([0, 1, 0, 2, 2, 2])
    # label 1: 2*1/(1+2); label 2: 2*2/(3+2); union: 2*3/(4+4)
    assert np.allclose(case_dice(predicted, truth, 2), [2 / 3, 4 / 5, 6 / 8])


def test_summary_ignores_absent_structures():
    result = summarize("adnexal-mass", [[0.5, float("nan"), 0.7], [0.9, 0.8, 0.6]], [10, 11])
    assert result["dice_mean"] == {"adnexal-mass": 0.7, "solid-tissue": 0.8, "union": 0.65}
    assert result["dice_min"]["adnexal-mass"] == 0.5 and result["seeds"] == [10, 11]


def test_perfect_and_empty_segmenters():
    from gynai.phantom import evaluation_config, generate

    truth = {}

    def perfect(image):
        for seed in range(5, 7):
            case = generate("adnexal-mass", seed, evaluation_config(seed))
            if case.image.array.shape == image.array.shape and np.array_equal(case.image.array, image.array):
                truth[seed] = True
                return case.labels
        raise AssertionError("unknown image")

    assert evaluate_phantoms("adnexal-mass", perfect, cases=2, first_seed=5)["dice_mean"]["union"] == 1.0

    def empty(image):
        return LabelImage(np.zeros(image.array.shape, np.uint8), image.geometry, ())

    assert evaluate_phantoms("adnexal-mass", empty, cases=1, first_seed=5)["dice_mean"]["adnexal-mass"] == 0.0


def test_cli_evaluate_installed_model(tmp_path, capsys):
    assert main(["evaluate", "--task", "uterus-fibroid", "--cases", "1", "--device", "cpu",
                 "-o", str(tmp_path / "dice.json")]) == 0
    out = capsys.readouterr().out
    assert "myometrium" in out and "union" in out
    result = json.loads((tmp_path / "dice.json").read_text())
    assert result["seeds"] == [1_000_000, 1_000_000] and 0.5 < result["dice_mean"]["union"] <= 1.0
    assert main(["evaluate", "--task", "uterus-fibroid", "--cases", "0"]) == 2
    assert main(["evaluate", "--task", "uterus-fibroid", "--cases", "1", "--device", "cpu", "--style", "all",
                 "-o", str(tmp_path / "all.json")]) == 0
    styles = json.loads((tmp_path / "all.json").read_text())["styles"]
    assert set(styles) == {"train", "heldout", "ct"} and all(s["cases"] == 1 for s in styles.values())
    assert "heldout: phantoms of a second generator" in capsys.readouterr().out


def test_each_style_draws_its_own_generator():
    from gynai.errors import UsageError
    from gynai.heldout import generate_heldout
    from gynai.phantom import evaluation_config, generate
    from gynai.training.evaluate import STYLES, style_case

    image, labels = style_case("train", "placenta", 7)
    assert np.array_equal(image.array, generate("placenta", 7, evaluation_config(7)).image.array)
    image, labels = style_case("heldout", "placenta", 7)
    expected = generate_heldout("placenta", 7)
    assert np.array_equal(image.array, expected.image.array) and np.array_equal(labels.array, expected.labels.array)
    ct, ct_labels = style_case("ct", "placenta", 7)
    assert ct.array.min() <= -900 and not {"modality", "dicom.Modality"} & set(ct.metadata)   # run on the MR model
    assert ct_labels.labels == labels.labels
    with pytest.raises(UsageError, match="ct style applies to MRI"):
        style_case("ct", "adnexal-mass", 7, modality="US")
    with pytest.raises(UsageError, match="unknown evaluation style"):
        style_case("cartoon", "placenta", 7)
    assert set(STYLES) == {"train", "heldout", "ct"}


def test_a_perfect_segmenter_scores_one_on_the_heldout_style():
    from gynai.heldout import generate_heldout

    def perfect(image):
        case = generate_heldout("adnexal-mass", 3)
        assert np.array_equal(case.image.array, image.array)
        return case.labels

    result = evaluate_phantoms("adnexal-mass", perfect, cases=1, first_seed=3, style="heldout")
    assert result["style"] == "heldout" and result["dice_mean"]["union"] == 1.0
