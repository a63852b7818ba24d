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
