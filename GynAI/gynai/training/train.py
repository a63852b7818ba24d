"""Train a GynAI segmentation bundle (3D U-Net) from a stream of patches.

The loop is deliberately plain: patches from a :class:`~gynai.training.sources.PatchSource` (prepared
cases with augmentation, domain-randomised scenes, or a mix) made in a worker process, Dice + CE loss,
AdamW with a one-cycle schedule, and a periodic sliding-window validation whose best state is kept.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from gynai.inference.predict import predict_model_grid
from gynai.metrics.overlap import dice
from gynai.models.bundle import BundleInfo, network_from_definition
from gynai.progress import ProgressCallback, report
from gynai.synth.appearance import MODE_WEIGHTS, T2_SPREAD
from gynai.tasks import TASKS
from gynai.training.data import PreparedCase
from gynai.training.sources import PatchSource, patch_loader

logger = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    """Hyper-parameters of a training run."""

    spacing_mm: tuple[float, float, float] = (1.6, 1.6, 3.2)
    patch_size_zyx: tuple[int, int, int] = (32, 96, 96)
    channels: tuple[int, ...] = (16, 32, 64, 128)
    strides: tuple = ((1, 2, 2), (2, 2, 2), (2, 2, 2))
    num_res_units: int = 1
    steps: int = 1500
    batch_size: int = 2
    learning_rate: float = 2e-3
    validate_every: int = 250
    seed: int = 0
    device: str = "cpu"
    class_balanced: bool = False
    foreground_probability: float = 0.7
    bias_field_strength: float = 0.0
    modality: str = "MR"
    synth_scenes: int = 0
    """Domain-randomised training scenes (:mod:`gynai.synth`); 0 trains on classic phantoms only."""
    synth_fraction: float = 0.75
    """Share of training patches drawn from the randomised scenes (the rest: classic phantoms)."""
    scene_kind: str = "pelvis"
    curriculum_fraction: float = 0.0
    """Share of the steps over which the scenes' randomisation ramps up from easy to full."""
    dice_over_batch: bool = False
    """Dice of each class over the whole batch (stable for small structures absent from some patches)."""
    dice_background: bool = True
    """Include the background in the Dice term (False: Dice of the structures only, cross-entropy for all)."""
    appearance_weights: tuple[float, float, float] = MODE_WEIGHTS
    """How often the scenes are rendered in the ``random``, ``t2`` and ``ct`` appearance modes (full difficulty)."""
    t2_spread: float = T2_SPREAD
    """Log-normal spread of each tissue's signal in the t2 appearance mode (full difficulty)."""
    validation_appearance: Optional[str] = None
    """Appearance mode of the randomised validation scenes (e.g. ``t2`` for an MRI model); None: drawn."""
    workers: int = 1
    """Worker processes that make the patches (0: in the training process)."""

    def network_def(self, num_classes: int) -> dict:
        """The allow-listed MONAI UNet definition written into ``configs/inference.json``."""
        return {"_target_": "monai.networks.nets.UNet", "spatial_dims": 3, "in_channels": 1,
                "out_channels": num_classes, "channels": list(self.channels),
                "strides": [list(s) if isinstance(s, (tuple, list)) else s for s in self.strides],
                "num_res_units": self.num_res_units, "norm": "INSTANCE"}


RANDOMIZED_DEFAULTS: dict = {
    # an isotropic grid, because thick slices come along any axis (axial, coronal, sagittal, oblique);
    # five levels for the context a contrast-agnostic network needs to find an organ by its shape
    # 64³ patches (128 mm): twice the steps per CPU hour of 80³, and organs fill more of each patch
    "spacing_mm": (2.0, 2.0, 2.0), "patch_size_zyx": (64, 64, 64), "channels": (16, 32, 64, 128, 256),
    "strides": ((2, 2, 2), (2, 2, 2), (2, 2, 2), (2, 2, 2)), "validate_every": 500, "synth_scenes": 240,
    "curriculum_fraction": 0.5, "dice_over_batch": True, "dice_background": False,
}
"""The domain-randomised recipe of the bundled MRI models (``gynai train`` on phantoms)."""

TASK_TRAINING_DEFAULTS: dict[str, dict] = {task.id: dict(task.training.defaults) for task in TASKS.values()}
"""Per-task settings that ``gynai train`` applies on top of :class:`TrainConfig` (``Task.training.defaults``)."""

ULTRASOUND_TRAINING_DEFAULTS: dict[str, dict] = {task.id: dict(task.training.ultrasound) for task in TASKS.values()
                                                 if task.training.ultrasound}
"""Settings for ultrasound models (``gynai train --modality US``), applied after the task's defaults
(``Task.training.ultrasound``)."""

RANDOMIZED_ULTRASOUND_DEFAULTS: dict[str, dict] = {task.id: dict(task.training.randomized_ultrasound)
                                                   for task in TASKS.values() if task.training.randomized_ultrasound}
"""The domain-randomised ultrasound recipe (randomised B-mode volumes of the training scenes;
``Task.training.randomized_ultrasound``)."""


def task_config(task_id: str, modality: str = "MR", randomized: bool = True, **overrides) -> "TrainConfig":
    """The training configuration of a task and modality: the domain-randomised recipe (MRI, unless
    ``randomized`` is False), the task's defaults, then ``overrides``."""
    defaults = dict(RANDOMIZED_DEFAULTS) if randomized and modality == "MR" else {}
    defaults.update(TASK_TRAINING_DEFAULTS.get(task_id, {}))
    if not (randomized and modality == "MR"):
        defaults.pop("synth_scenes", None)
    if modality == "US":
        defaults.update(ULTRASOUND_TRAINING_DEFAULTS.get(task_id, {}))
        if randomized:
            defaults.update(RANDOMIZED_ULTRASOUND_DEFAULTS.get(task_id, {}))
    return TrainConfig(**{**defaults, "modality": modality, **overrides})


@dataclass
class TrainResult:
    """Outcome of :func:`train_network`."""

    state_dict: dict
    best_mean_dice: float
    validation_dice: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    steps: int = 0


def dice_per_label(prediction: np.ndarray, truth: np.ndarray, num_classes: int) -> list[float]:
    """Dice coefficient of labels 1..num_classes-1 (NaN where both masks are empty)."""
    return [float(dice(prediction == value, truth == value, empty=float("nan"))) for value in range(1, num_classes)]


def _validate(network, cases: list[PreparedCase], config: TrainConfig, num_classes: int, info) -> list[float]:
    network.eval()
    per_case = [dice_per_label(predict_model_grid(network, c.image, info, config.device, 0.25, None), c.labels,
                               num_classes) for c in cases]
    network.train()
    logger.debug("validation Dice per case: %s",
                 "; ".join(f"{c.name} {[round(d, 3) for d in row]}" for c, row in zip(cases, per_case)))
    return np.nanmean(np.array(per_case, dtype=float), axis=0).tolist()


def train_network(source: PatchSource, validation_cases: list[PreparedCase], num_classes: int,
                  config: TrainConfig, label_ids: list[str],
                  progress: Optional[ProgressCallback] = None, initial_state: Optional[dict] = None) -> TrainResult:
    """Train a UNet on patches from ``source`` and return the best (by validation mean Dice) weights.

    ``initial_state``: weights to start from (fine-tuning an existing bundle); random initialisation when None.
    """
    import torch
    from monai.losses import DiceCELoss

    torch.manual_seed(config.seed)
    definition = config.network_def(num_classes)
    network = network_from_definition(definition)
    if initial_state is not None:
        network.load_state_dict({key: value.float() for key, value in initial_state.items()})
    network = network.to(config.device)
    optimizer = torch.optim.AdamW(network.parameters(), lr=config.learning_rate, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, config.learning_rate, total_steps=config.steps,
                                                   pct_start=0.05)
    loss_function = DiceCELoss(to_onehot_y=True, softmax=True, batch=config.dice_over_batch,
                               include_background=config.dice_background)
    # A minimal BundleInfo for validation windows (only the patch size is used).
    info = BundleInfo(None, "training", "0", "", (), config.spacing_mm, config.patch_size_zyx,  # type: ignore[arg-type]
                      definition, {}, {}, "", config.modality)
    best = TrainResult(state_dict={}, best_mean_dice=-1.0)
    start = time.monotonic()
    running = 0.0
    batches = iter(patch_loader(source, config.batch_size, config.seed, config.workers))
    for step in range(1, config.steps + 1):
        x, y = next(batches)
        x, y = x.to(config.device), y.to(config.device)
        optimizer.zero_grad(set_to_none=True)
        loss = loss_function(network(x), y)
        loss.backward()
        optimizer.step()
        schedule.step()
        value = float(loss.detach())
        running = 0.95 * running + 0.05 * value if step > 1 else value
        report(progress, step / config.steps, f"step {step}/{config.steps} loss {running:.3f}")
        if validation_cases and (step % config.validate_every == 0 or step == config.steps):
            dice = _validate(network, validation_cases, config, num_classes, info)
            mean = float(np.nanmean(dice))
            logger.info("step %d loss %.3f validation Dice %s (mean %.3f) %.0f s", step, running,
                        [round(d, 3) for d in dice], mean, time.monotonic() - start)
            if mean > best.best_mean_dice:
                best = TrainResult({k: v.detach().cpu().clone() for k, v in network.state_dict().items()}, mean,
                                   dict(zip(label_ids, dice)), 0.0, step)
    if not best.state_dict:
        best = TrainResult({k: v.detach().cpu().clone() for k, v in network.state_dict().items()}, float("nan"),
                           {}, 0.0, config.steps)
    best.seconds = time.monotonic() - start
    return best
