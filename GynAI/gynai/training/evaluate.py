"""Held-out evaluation: Dice of a model against phantoms with analytic ground truth, in several styles.

- ``train``: the training generator's own phantoms (:mod:`gynai.phantom`) with seeds from
  :data:`HELD_OUT_SEED_OFFSET` on (training uses seeds below it) and the evaluation appearance ranges
  (:func:`gynai.phantom.evaluation_config`): in-distribution.
- ``heldout``: a second generator written separately (:mod:`gynai.heldout`: other shape primitives, other
  renderer, sagittal/coronal/axial/oblique acquisitions), never used for training or model selection.
- ``ct``: the held-out generator rendered as CT (Hounsfield units). No model is trained for CT; this
  says how far an MRI model's contrast-agnostic training carries, with no target.

:func:`evaluate_installed` runs the full inference pipeline of an installed bundle, so ``gynai evaluate``
reproduces a model card's figures.
"""

from __future__ import annotations

import warnings
from typing import Callable, Optional

import numpy as np

from gynai.errors import UsageError
from gynai.heldout import generate_heldout
from gynai.image import MODALITY_KEYS
from gynai.inference.predict import segment_image
from gynai.models.selection import load_task_bundle
from gynai.phantom import evaluation_phantom_config, generate
from gynai.progress import ProgressCallback, report, scaled
from gynai.tasks import get_task
from gynai.training.train import dice_per_label

HELD_OUT_SEED_OFFSET = 1_000_000
"""Evaluation phantoms use seeds from here on; training seeds are below it."""

STYLES: dict[str, str] = {
    "train": "held-out phantoms of the training generator (gynai.phantom, evaluation settings): in-distribution",
    "heldout": "phantoms of a second generator written separately (gynai.heldout), never used for training or "
               "model selection",
    "ct": "the second generator's phantoms rendered as CT (Hounsfield units): no target, no CT training",
}
"""Evaluation styles and what they measure."""


def style_case(style: str, task_id: str, seed: int, modality: str = "MR"):
    """Image and ground-truth labels of one evaluation case of a style (see :data:`STYLES`).

    Raises:
        UsageError: Unknown style, or a style the modality has no phantoms for (CT of an ultrasound model).
    """
    if style == "train":
        case = generate(task_id, seed, evaluation_phantom_config(seed, modality), modality)
        return case.image, case.labels
    if style in ("heldout", "ct"):
        if style == "ct" and modality != "MR":
            raise UsageError(f"the ct style applies to MRI models only; this model is for {modality}")

        case = generate_heldout(task_id, seed, "CT" if style == "ct" else modality)
        image = case.image
        if style == "ct":   # the MRI model is run on it on purpose: do not let the declared CT refuse it
            image = image.with_array(image.array)
            image.modality = ""
            for key in MODALITY_KEYS:
                image.metadata.pop(key, None)
        return image, case.labels
    raise UsageError(f"unknown evaluation style '{style}'; choose one of: {', '.join(STYLES)}")


def case_dice(predicted: np.ndarray, truth: np.ndarray, num_labels: int) -> list[float]:
    """Dice per label, then of the union of all labels."""
    row = dice_per_label(predicted, truth, num_labels + 1)
    row.append(dice_per_label((predicted > 0).astype(np.uint8), (truth > 0).astype(np.uint8), 2)[0])
    return row


def summarize(task_id: str, scores: list[list[float]], seeds: list[int]) -> dict:
    """Mean and worst Dice per label (and ``union``) over cases, in the model card's format."""
    names = [label.id for label in get_task(task_id).labels] + ["union"]
    table = np.array(scores, dtype=float)
    with warnings.catch_warnings():   # a structure absent from every case has no Dice: NaN, said by the value
        warnings.simplefilter("ignore", RuntimeWarning)
        return _summary(names, table, seeds)


def _summary(names: list[str], table: np.ndarray, seeds: list[int]) -> dict:
    return {"cases": len(seeds), "seeds": [int(seeds[0]), int(seeds[-1])],
            "dice_mean": dict(zip(names, np.nanmean(table, axis=0).round(4).tolist())),
            "dice_min": dict(zip(names, np.nanmin(table, axis=0).round(4).tolist()))}


def evaluate_phantoms(task_id: str, segment: Callable, cases: int = 10, first_seed: int = HELD_OUT_SEED_OFFSET,
                      progress: Optional[ProgressCallback] = None, modality: str = "MR", style: str = "train") -> dict:
    """Score ``segment(image) -> LabelImage`` on ``cases`` evaluation phantoms of a task, modality and style."""
    if style not in STYLES:
        raise UsageError(f"unknown evaluation style '{style}'; choose one of: {', '.join(STYLES)}")
    num_labels = len(get_task(task_id).labels)
    seeds = list(range(first_seed, first_seed + cases))
    scores = []
    for index, seed in enumerate(seeds):
        report(progress, index / cases, f"{style} phantom {index + 1}/{cases}")
        image, labels = style_case(style, task_id, seed, modality)
        scores.append(case_dice(segment(image).array, labels.array, num_labels))
    report(progress, 1.0, "evaluation done")
    return {**summarize(task_id, scores, seeds), "style": style}


def model_styles(modality: str) -> list[str]:
    """The evaluation styles that apply to a model of this modality (all but ``ct`` for ultrasound)."""
    return [style for style in STYLES if not (style == "ct" and modality != "MR")]


def evaluate_installed(task_id: str, model: Optional[str] = None, cases: int = 10, device: str = "auto",
                       progress: Optional[ProgressCallback] = None, style: str = "train") -> dict:
    """Dice of an installed bundle through the full ``segment_image`` pipeline, on evaluation phantoms of
    the modality the bundle was trained for; ``style`` ``all`` runs every style that applies and returns
    ``{"styles": {style: result}}``."""
    info = load_task_bundle(task_id, model=model)
    styles = model_styles(info.modality) if style == "all" else [style]
    results = {}
    for index, name in enumerate(styles):
        results[name] = evaluate_phantoms(task_id, lambda image: segment_image(image, task_id, device, model=model),
                                          cases, progress=scaled(progress, index / len(styles),
                                                                 (index + 1) / len(styles)),
                                          modality=info.modality, style=name)
    if style != "all":
        return results[style]
    return {"task": task_id, "model": info.name, "version": info.version, "styles": results}


def format_table(result: dict) -> str:
    """Plain-text table of a :func:`summarize` result (one table per style for an ``all`` result)."""
    if "styles" in result:
        return "\n\n".join(f"{name}: {STYLES[name]}\n" + format_table(table) for name, table in result["styles"].items())
    lines = [f"{'structure':24s} {'mean Dice':>9s} {'worst':>7s}"]
    for name, mean in result["dice_mean"].items():
        lines.append(f"{name:24s} {mean:9.3f} {result['dice_min'][name]:7.3f}")
    return "\n".join(lines)
