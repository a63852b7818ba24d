"""Dice floors of every shipped bundle: the first two evaluation phantoms of its model card, segmented
through the full pipeline (``evaluate_installed``, as ``gynai evaluate`` does), must reach what the card
claims for them.

The card gives, over its ten phantoms (seeds 1,000,000-1,000,009, training-generator style), the mean and
the worst case per structure. Two of those same phantoms cannot reproduce a ten-case mean per structure
(a small structure varies from case to case), so the floors are the claims two cases can check:

- every structure of each case at least the card's worst case − 0.05 (no card case was below it);
- the mean foreground (union) Dice of the two cases at least the card's mean − 0.05.

A bundle whose weights, pre-processing or post-processing break fails here. The independent-generator
style has no floor yet: the shipped models' worst cases there are 0 (docs/testing.md).
"""

import json
from pathlib import Path

import pytest

from gynai.training.evaluate import evaluate_installed

MODELS = Path(__file__).resolve().parents[3] / "Resources" / "Models"
CATALOG = json.loads((MODELS / "catalog.json").read_text(encoding="utf-8"))["bundles"]
TOLERANCE = 0.05


def _card(entry: dict) -> dict:
    metadata = json.loads((MODELS / entry["path"] / "configs" / "metadata.json").read_text(encoding="utf-8"))
    return metadata["gynai"]["evaluation"]["held_out"]


@pytest.mark.parametrize("entry", [e for e in CATALOG if e.get("bundled")], ids=lambda e: e["name"])
def test_shipped_model_reaches_its_card_on_two_of_its_phantoms(entry):
    card = _card(entry)
    assert card["seeds"][0] == 1_000_000 and card["cases"] == 10
    result = evaluate_installed(entry["task"], entry["name"], cases=2, device="cpu", style="train")
    assert result["seeds"][0] == card["seeds"][0]
    for structure, worst in card["dice_min"].items():
        assert result["dice_min"][structure] >= worst - TOLERANCE, (structure, result["dice_min"], card)
    assert result["dice_mean"]["union"] >= card["dice_mean"]["union"] - TOLERANCE, (result["dice_mean"], card)
