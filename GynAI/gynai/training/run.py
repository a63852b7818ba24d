"""End-to-end training command: data → training → held-out evaluation → bundle with model card."""

from __future__ import annotations

import logging
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Optional

from gynai.errors import InputFileError, ModelError, UsageError
from gynai.inference.predict import segment_with_network
from gynai.models.bundle import BundleInfo, load_network, network_from_definition, read_bundle
from gynai.progress import ProgressCallback, report, scaled
from gynai.synth.engine import SynthSampler, SynthSettings
from gynai.synth.scenes import load_or_draw
from gynai.synth.ultrasound import generate_ultrasound_case
from gynai.tasks import get_task
from gynai.training.bundle_writer import DEFAULT_POSTPROCESSING, write_bundle
from gynai.training.data import PreparedCase, crop_to_signal, load_datalist_cases, phantom_cases, prepare_case
from gynai.training.evaluate import HELD_OUT_SEED_OFFSET, evaluate_phantoms, model_styles
from gynai.training.model_card import model_card
from gynai.training.sources import CaseSource, MixedSource, PatchSource
from gynai.training.train import TrainConfig, train_network

logger = logging.getLogger(__name__)

SYNTH_VALIDATION_SEED = 900_000
"""Randomised validation scenes use seeds from here on (training scenes count from 0)."""

APACHE_NOTICE = ("Licensed under the Apache License, Version 2.0 (the \"License\"); you may not use these files "
                 "except in compliance with the License. You may obtain a copy of the License at "
                 "http://www.apache.org/licenses/LICENSE-2.0\n")


def evaluate_held_out(task_id: str, state_dict: dict, config: TrainConfig, seeds: list[int],
                      style: str = "train") -> dict:
    """Dice per label (and the union) on evaluation phantoms of a style, with the weights as shipped (float16)."""
    import torch

    task = get_task(task_id)
    definition = config.network_def(len(task.labels) + 1)
    network = network_from_definition(definition)
    network.load_state_dict({key: value.half().float() if torch.is_floating_point(value) else value
                             for key, value in state_dict.items()})
    network.eval()
    info = BundleInfo(Path("."), "evaluation", "0", task_id, task.labels, config.spacing_mm, config.patch_size_zyx,
                      definition, {}, DEFAULT_POSTPROCESSING.get(task_id, {}), "", config.modality)
    return evaluate_phantoms(task_id, lambda image: segment_with_network(image, info, network, config.device),
                             len(seeds), seeds[0], modality=config.modality, style=style)


def train_bundle(task_id: str, output_dir: Path, datalist: Optional[Path] = None, phantoms: int = 40,
                 validation_phantoms: int = 4, evaluation_phantoms: int = 10, config: Optional[TrainConfig] = None,
                 version: str = "0.1.0", overwrite: bool = False,
                 progress: Optional[ProgressCallback] = None, init_from: Optional[Path] = None,
                 scene_cache: Optional[Path] = None) -> Path:
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
        scene_cache: Folder where randomised scenes are kept between runs (drawn afresh when None).

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
        train_cases = phantom_cases(task_id, range(phantoms), config.spacing_mm, num_labels, scaled(progress, 0, .05),
                                    config.modality)
        validation = phantom_cases(task_id, range(phantoms, phantoms + validation_phantoms), config.spacing_mm,
                                   num_labels, modality=config.modality)
        kind = "3D transvaginal ultrasound phantoms" if config.modality == "US" else "phantoms"
        source = (f"GynAI synthetic {kind} only (gynai.phantom, seeds 0-{phantoms - 1} for training, "
                  f"{phantoms}-{phantoms + validation_phantoms - 1} for model selection); no patient data")
    patches = case_source(train_cases, config)
    if datalist is None and config.synth_scenes > 0:
        synth, synth_validation = synth_sources(task_id, config, validation_phantoms, scene_cache,
                                                scaled(progress, 0.05, 0.1))
        patches = MixedSource([synth, patches], [config.synth_fraction, 1.0 - config.synth_fraction], config.seed)
        validation += synth_validation
        rendering = ("rendered once each as randomised 3D transvaginal ultrasound (gynai.synth.ultrasound)"
                     if config.modality == "US" else "appearance and acquisition drawn afresh for each")
        source = (f"GynAI synthetic data only, no patient data: {config.synth_scenes} domain-randomised "
                  f"'{config.scene_kind}' scenes (gynai.synth, seeds 0-{config.synth_scenes - 1}; "
                  f"{config.synth_fraction:.0%} of the patches, {rendering}) "
                  f"and {phantoms} classic phantoms (gynai.phantom, seeds 0-{phantoms - 1}); model selection on "
                  f"{validation_phantoms} further phantoms and {validation_phantoms} further randomised scenes")
    initial = initial_weights(Path(init_from), config.network_def(num_labels + 1)) if init_from else None
    result = train_network(patches, validation, num_labels + 1, config, [label.id for label in task.labels],
                           scaled(progress, 0.1, 0.9), initial)
    evaluation: dict = {"validation_dice": result.validation_dice, "training_seconds": round(result.seconds, 1),
                        "best_step": result.steps}
    if datalist is None and evaluation_phantoms > 0:
        seeds = list(range(HELD_OUT_SEED_OFFSET, HELD_OUT_SEED_OFFSET + evaluation_phantoms))
        evaluation["styles"] = {style: evaluate_held_out(task_id, result.state_dict, config, seeds, style)
                                for style in model_styles(config.modality)}
        evaluation["held_out"] = evaluation["styles"]["train"]
    card = model_card(task_id, version, config, source, evaluation, datalist is None, phantoms, Path(output_dir).name)
    return write_bundle(output_dir, result.state_dict, task_id, version, config, card, source, evaluation,
                        APACHE_NOTICE, overwrite)


def case_source(cases: list, config: TrainConfig) -> CaseSource:
    """Augmented patches of prepared cases (classic phantoms or the user's datalist)."""
    return CaseSource(cases, config.patch_size_zyx, config.seed, config.foreground_probability,
                      config.class_balanced, config.bias_field_strength)


def _prepared_ultrasound(seed: int, spacing_mm: tuple[float, float, float], num_labels: int) -> PreparedCase:
    case = generate_ultrasound_case(seed)
    return crop_to_signal(prepare_case(f"us-scene-{seed}", case.image, case.labels.array, spacing_mm, num_labels))


def ultrasound_cases(seeds: list[int], config: TrainConfig, num_labels: int,
                     progress: Optional[ProgressCallback] = None) -> list[PreparedCase]:
    """Randomised ultrasound volumes of training scenes (:mod:`gynai.synth.ultrasound`) on the model grid,
    rendered in two processes."""
    with ProcessPoolExecutor(max(1, min(2, os.cpu_count() or 1))) as pool:
        futures = [pool.submit(_prepared_ultrasound, seed, config.spacing_mm, num_labels) for seed in seeds]
        cases = []
        for index, future in enumerate(futures):
            cases.append(future.result())
            report(progress, (index + 1) / len(futures), f"ultrasound scene {seeds[index]}")
    return cases


def synth_sources(task_id: str, config: TrainConfig, validation_count: int, cache: Optional[Path],
                  progress: Optional[ProgressCallback] = None) -> tuple[PatchSource, list[PreparedCase]]:
    """The randomised-scene source of a task, and whole randomised scenes (other seeds) for validation.

    Ultrasound: randomised B-mode volumes of the scenes, rendered once each (the probe geometry is part of
    the rendering), with the classic patch augmentation on top.
    """
    if config.modality == "US":
        num_labels = len(get_task(task_id).labels)
        train = ultrasound_cases(list(range(config.synth_scenes)), config, num_labels, progress)
        validation = ultrasound_cases(list(range(SYNTH_VALIDATION_SEED, SYNTH_VALIDATION_SEED + validation_count)),
                                      config, num_labels)
        return case_source(train, config), validation
    spacing = float(config.spacing_mm[0])
    if any(abs(s - spacing) > 1e-6 for s in config.spacing_mm):
        raise UsageError(f"randomised scenes need an isotropic model grid, got spacing {config.spacing_mm} mm")
    labels = get_task(task_id).labels
    workers = max(1, min(2, os.cpu_count() or 1))
    scenes = load_or_draw(config.scene_kind, range(config.synth_scenes), spacing, cache, progress, workers)
    ramp = int(config.curriculum_fraction * config.steps * config.batch_size * config.synth_fraction)
    settings = SynthSettings(curriculum_samples=ramp, mode_weights=tuple(config.appearance_weights),
                             t2_spread=config.t2_spread)
    sampler = SynthSampler(scenes, labels, config.patch_size_zyx, config.seed, settings,
                           foreground_probability=config.foreground_probability, class_balanced=config.class_balanced)
    seeds = range(SYNTH_VALIDATION_SEED, SYNTH_VALIDATION_SEED + validation_count)
    validation_scenes = load_or_draw(config.scene_kind, seeds, spacing, cache, workers=workers)
    renderer = SynthSampler(validation_scenes, labels, config.patch_size_zyx, seed=SYNTH_VALIDATION_SEED,
                            settings=SynthSettings(appearance_mode=config.validation_appearance))
    validation = []
    for index, scene in enumerate(validation_scenes):
        image, target = renderer.whole_scene(index)
        validation.append(PreparedCase(f"scene-{scene.seed}", image, target))
    return sampler, validation


def initial_weights(bundle_dir: Path, network_def: dict) -> dict:
    """The weights of a bundle to fine-tune from, checked to fit ``network_def`` (loaded with weights_only).

    Raises:
        ModelError: Unreadable bundle or weights, or a network other than ``network_def``.
    """
    info = read_bundle(bundle_dir)
    if info.network_def != network_def:
        raise ModelError(f"bundle {bundle_dir} has another network ({info.network_def}); fine-tuning needs the "
                         f"training configuration's network ({network_def})")
    network = load_network(info, "cpu")
    return {key: value.detach().clone() for key, value in network.state_dict().items()}


def smoke_config(modality: str = "MR") -> TrainConfig:
    """A tiny configuration for tests: a few CPU steps on small patches (isotropic ones for ultrasound)."""
    config = replace(TrainConfig(), patch_size_zyx=(16, 64, 64), channels=(4, 8, 16), strides=((1, 2, 2), (2, 2, 2)),
                     steps=3, validate_every=3, batch_size=1, modality=modality, workers=0)
    if modality == "US":
        config = replace(config, spacing_mm=(2.0, 2.0, 2.0), patch_size_zyx=(32, 32, 32), strides=((2, 2, 2), (2, 2, 2)))
    return config
