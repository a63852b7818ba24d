"""Held-out evaluation: Dice of a model against phantoms with analytic ground truth.

Held-out phantoms use seeds from :data:`HELD_OUT_SEED_OFFSET` on (training uses seeds below it) and the
evaluation appearance ranges (:func:`gynai.phantom.evaluation_config`). :func:`evaluate_installed` runs the
full inference pipeline of an installed bundle, so ``gynai evaluate`` reproduces a model card's figures.
"""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from gynai.progress import ProgressCallback, report, scaled
from gynai.tasks import get_task
from gynai.training.train import dice_per_label

HELD_OUT_SEED_OFFSET = 1_000_000
"""Evaluation phantoms use seeds from here on; training seeds are below it."""


def case_dice(predicted: np.ndarray, truth: np.ndarray, num_labels: int) -> list[float]:
    """Dice per label, then of the union of all labels."""
    row = dice_per_label(predicted, truth, num_labels + 1)
    row.append(dice_per_label((predicted > 0).astype(np.uint8), (truth > 0).astype(np.uint8), 2)[0])
    return row


def summarize(task_id: str, scores: list[list[float]], seeds: list[int]) -> dict:
    """Mean and worst Dice per label (and ``union``) over cases, in the model card's format."""
    names = [label.id for label in get_task(task_id).labels] + ["union"]
    table = np.array(scores, dtype=float)
    return {"cases": len(seeds), "seeds": [int(seeds[0]), int(seeds[-1])],
            "dice_mean": dict(zip(names, np.nanmean(table, axis=0).round(4).tolist())),
            "dice_min": dict(zip(names, np.nanmin(table, axis=0).round(4).tolist()))}


def evaluate_phantoms(task_id: str, segment: Callable, cases: int = 10, first_seed: int = HELD_OUT_SEED_OFFSET,
                      progress: Optional[ProgressCallback] = None, modality: str = "MR") -> dict:
    """Score ``segment(image) -> LabelImage`` on ``cases`` held-out phantoms of a task and modality."""
    from gynai.phantom import evaluation_phantom_config, generate

    num_labels = len(get_task(task_id).labels)
    seeds = list(range(first_seed, first_seed + cases))
    scores = []
    for index, seed in enumerate(seeds):
        report(progress, index / cases, f"held-out phantom {index + 1}/{cases}")
        case = generate(task_id, seed, evaluation_phantom_config(seed, modality), modality)
        scores.append(case_dice(segment(case.image).array, case.labels.array, num_labels))
    report(progress, 1.0, "evaluation done")
    return summarize(task_id, scores, seeds)


def evaluate_installed(task_id: str, model: Optional[str] = None, cases: int = 10, device: str = "auto",
                       progress: Optional[ProgressCallback] = None) -> dict:
    """Held-out Dice of an installed bundle through the full ``segment_image`` pipeline, on phantoms of the
    modality the bundle was trained for."""
    from gynai.models.selection import load_task_bundle
    from gynai.inference.predict import segment_image

    info = load_task_bundle(task_id, model=model)
    return evaluate_phantoms(task_id, lambda image: segment_image(image, task_id, device, model=model),
                             cases, progress=scaled(progress, 0, 1), modality=info.modality)


def format_table(result: dict) -> str:
    """Plain-text table of a :func:`summarize` result."""
    lines = [f"{'structure':24s} {'mean Dice':>9s} {'worst':>7s}"]
    for name, mean in result["dice_mean"].items():
        lines.append(f"{name:24s} {mean:9.3f} {result['dice_min'][name]:7.3f}")
    return "\n".join(lines)
