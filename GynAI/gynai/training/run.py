"""End-to-end training command: data → training → held-out evaluation → bundle with model card."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Optional

from gynai.errors import InputFileError, ModelError
from gynai.progress import ProgressCallback, scaled
from gynai.tasks import get_task
from gynai.training.bundle_writer import write_bundle
from gynai.training.data import load_datalist_cases, phantom_cases
from gynai.training.model_card import model_card
from gynai.training.evaluate import HELD_OUT_SEED_OFFSET, evaluate_phantoms
from gynai.training.train import TrainConfig, train_network

logger = logging.getLogger(__name__)

APACHE_NOTICE = ("Licensed under the Apache License, Version 2.0 (the \"License\"); you may not use these files "
                 "except in compliance with the License. You may obtain a copy of the License at "
                 "http://www.apache.org/licenses/LICENSE-2.0\n")


def evaluate_held_out(task_id: str, state_dict: dict, config: TrainConfig, seeds: list[int]) -> dict:
    """Dice per label (and the union) on held-out phantoms, with the weights as shipped (float16)."""
    import torch

    from gynai.inference.bundle import BundleInfo, network_from_definition
    from gynai.inference.predict import segment_with_network
    from gynai.training.bundle_writer import DEFAULT_POSTPROCESSING

    task = get_task(task_id)
    definition = config.network_def(len(task.labels) + 1)
    network = network_from_definition(definition)
    network.load_state_dict({key: value.half().float() if torch.is_floating_point(value) else value
                             for key, value in state_dict.items()})
    network.eval()
    info = BundleInfo(Path("."), "evaluation", "0", task_id, task.labels, config.spacing_mm, config.patch_size_zyx,
                      definition, {}, DEFAULT_POSTPROCESSING.get(task_id, {}), "", config.modality)
    return evaluate_phantoms(task_id, lambda image: segment_with_network(image, info, network, config.device),
                             len(seeds), seeds[0], modality=config.modality)


def train_bundle(task_id: str, output_dir: Path, datalist: Optional[Path] = None, phantoms: int = 40,
                 validation_phantoms: int = 4, evaluation_phantoms: int = 10, config: Optional[TrainConfig] = None,
                 version: str = "0.1.0", overwrite: bool = False,
                 progress: Optional[ProgressCallback] = None, init_from: Optional[Path] = None) -> Path:
    """Train a bundle for ``task_id`` and write it to ``output_dir``.

    Args:
        task_id: Task to train (its label table defines the outputs).
        output_dir: Bundle folder to create.
        datalist: MONAI-style datalist JSON of the user's labelled images; phantoms are used when None.
        phantoms: Number of training phantoms (when no datalist is given).
        validation_phantoms: Phantoms for model selection during training.
        evaluation_phantoms: Held-out phantoms (other seeds, evaluation appearance) for the model card.
        config: Hyper-parameters.
        version: Bundle version.
        overwrite: Replace an existing bundle folder.
        progress: Optional progress callback.
        init_from: A bundle folder whose weights the training starts from (fine-tuning); its network must be
            the one ``config`` defines for the task.

    Raises:
        ModelError: ``init_from`` is not a readable bundle or its network differs.
    """
    config = config or TrainConfig()
    task = get_task(task_id)
    num_labels = len(task.labels)
    if datalist is not None:
        train_cases = load_datalist_cases(datalist, "training", config.spacing_mm, num_labels, scaled(progress, 0, .1))
        validation = load_datalist_cases(datalist, "validation", config.spacing_mm, num_labels)
        if not train_cases:
            raise InputFileError(f"datalist {datalist} has no 'training' items; add labelled cases")
        source = f"user datalist {Path(datalist).name}: {len(train_cases)} training, {len(validation)} validation"
    else:
        train_cases = phantom_cases(task_id, range(phantoms), config.spacing_mm, num_labels, scaled(progress, 0, .1),
                                    config.modality)
        validation = phantom_cases(task_id, range(phantoms, phantoms + validation_phantoms), config.spacing_mm,
                                   num_labels, modality=config.modality)
        kind = "3D transvaginal ultrasound phantoms" if config.modality == "US" else "phantoms"
        source = (f"GynAI synthetic {kind} only (gynai.phantom, seeds 0-{phantoms - 1} for training, "
                  f"{phantoms}-{phantoms + validation_phantoms - 1} for model selection); no patient data")
    initial = initial_weights(Path(init_from), config.network_def(num_labels + 1)) if init_from else None
    result = train_network(train_cases, validation, num_labels + 1, config, [label.id for label in task.labels],
                           scaled(progress, 0.1, 0.9), initial)
    evaluation: dict = {"validation_dice": result.validation_dice, "training_seconds": round(result.seconds, 1),
                        "best_step": result.steps}
    if datalist is None and evaluation_phantoms > 0:
        seeds = list(range(HELD_OUT_SEED_OFFSET, HELD_OUT_SEED_OFFSET + evaluation_phantoms))
        evaluation["held_out"] = evaluate_held_out(task_id, result.state_dict, config, seeds)
    card = model_card(task_id, version, config, source, evaluation, datalist is None, phantoms, Path(output_dir).name)
    return write_bundle(output_dir, result.state_dict, task_id, version, config, card, source, evaluation,
                        APACHE_NOTICE, overwrite)


def initial_weights(bundle_dir: Path, network_def: dict) -> dict:
    """The weights of a bundle to fine-tune from, checked to fit ``network_def`` (loaded with weights_only).

    Raises:
        ModelError: Unreadable bundle or weights, or a network other than ``network_def``.
    """
    from gynai.inference.bundle import load_network, read_bundle

    info = read_bundle(bundle_dir)
    if info.network_def != network_def:
        raise ModelError(f"bundle {bundle_dir} has another network ({info.network_def}); fine-tuning needs the "
                         f"training configuration's network ({network_def})")
    network = load_network(info, "cpu")
    return {key: value.detach().clone() for key, value in network.state_dict().items()}


def smoke_config(modality: str = "MR") -> TrainConfig:
    """A tiny configuration for tests: a few CPU steps on small patches (isotropic ones for ultrasound)."""
    config = replace(TrainConfig(), patch_size_zyx=(16, 64, 64), channels=(4, 8, 16), strides=((1, 2, 2), (2, 2, 2)),
                     steps=3, validate_every=3, batch_size=1, modality=modality)
    if modality == "US":
        config = replace(config, spacing_mm=(2.0, 2.0, 2.0), patch_size_zyx=(32, 32, 32), strides=((2, 2, 2), (2, 2, 2)))
    return config
