"""Write a trained network as a MONAI-style GynAI bundle and register it in a catalog."""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from pathlib import Path

import numpy

from gynai.errors import OutputPathError
from gynai.io.leftovers import remove_leftovers, temp_folder_prefix
from gynai.models.catalog import CATALOG_FILE, CATALOG_SCHEMA, catalog_files
from gynai.tasks import TASKS, get_task, task_description
from gynai.training.train import TrainConfig

logger = logging.getLogger(__name__)

DEFAULT_POSTPROCESSING: dict[str, dict] = {task.id: dict(task.training.postprocessing) for task in TASKS.values()}
"""The post-processing a trained bundle declares, per task (``Task.training.postprocessing``)."""


def metadata_json(task_id: str, version: str, config: TrainConfig, description: str, training_data: str,
                  evaluation: dict) -> dict:
    """The bundle's ``configs/metadata.json`` (MONAI bundle fields + a ``gynai`` section)."""
    import monai
    import torch

    task = get_task(task_id)
    channel_def = {"0": "background", **{str(label.value): label.id for label in task.labels}}
    return {
        "version": version,
        "changelog": {version: "model trained on GynAI synthetic phantoms"},
        "monai_version": monai.__version__, "pytorch_version": torch.__version__.split("+")[0],
        "numpy_version": numpy.__version__,
        "name": f"GynAI {task_id}" + (" ultrasound" if config.modality == "US" else ""),
        "task": task_description(task_id, config.modality), "description": description,
        "authors": "GynAI contributors", "copyright": "Copyright (c) GynAI contributors", "license": "Apache-2.0",
        "data_source": training_data,
        "intended_use": "Research and education only. Not validated on patient data. Not for clinical use.",
        "network_data_format": {
            "inputs": {"image": {"type": "image", "format": "magnitude", "modality": config.modality,
                                 "num_channels": 1, "spatial_shape": list(config.patch_size_zyx), "dtype": "float32",
                                 "value_range": [-0.5, 1.5], "is_patch_data": True}},
            "outputs": {"pred": {"type": "image", "format": "segmentation", "num_channels": len(channel_def),
                                 "spatial_shape": list(config.patch_size_zyx), "dtype": "float32",
                                 "value_range": [0, 1], "is_patch_data": True, "channel_def": channel_def}},
        },
        "gynai": {"task": task_id, "spacing_mm": list(config.spacing_mm),
                  "patch_size_zyx": list(config.patch_size_zyx),
                  "normalization": {"method": "percentile", "low_percentile": 1.0, "high_percentile": 99.0},
                  "postprocessing": DEFAULT_POSTPROCESSING.get(task_id, {}), "weights": "models/model.pt",
                  "evaluation": evaluation},
    }


def write_bundle(destination: Path, state_dict: dict, task_id: str, version: str, config: TrainConfig,
                 model_card: str, training_data: str, evaluation: dict, license_text: str,
                 overwrite: bool = False) -> Path:
    """Write a complete bundle folder atomically (built in a temporary folder, then moved in place).

    Raises:
        OutputPathError: If ``destination`` exists and ``overwrite`` is False.
    """
    import torch

    destination = Path(destination)
    if destination.exists() and not overwrite:
        raise OutputPathError(f"{destination} already exists; choose another folder or pass --overwrite")
    num_classes = len(get_task(task_id).labels) + 1
    destination.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(destination.parent)
    staging = Path(tempfile.mkdtemp(prefix=temp_folder_prefix(destination.name, "staging"), dir=destination.parent))
    try:
        (staging / "configs").mkdir()
        (staging / "models").mkdir()
        (staging / "docs").mkdir()
        meta = metadata_json(task_id, version, config, f"Small 3D U-Net for {task_id}", training_data, evaluation)
        (staging / "configs" / "metadata.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        inference = {"network_def": config.network_def(num_classes)}
        (staging / "configs" / "inference.json").write_text(json.dumps(inference, indent=2) + "\n", encoding="utf-8")
        half = {key: (value.half() if value.is_floating_point() else value) for key, value in state_dict.items()}
        torch.save(half, staging / "models" / "model.pt")
        (staging / "docs" / "README.md").write_text(model_card, encoding="utf-8")
        (staging / "LICENSE").write_text(license_text, encoding="utf-8")
        if destination.exists():
            shutil.rmtree(destination)
        staging.rename(destination)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    logger.info("bundle written to %s", destination)
    return destination


def register_in_catalog(models_directory: Path, bundle_dir: Path, task_id: str, version: str,
                        bundled: bool = True) -> None:
    """Add or replace the catalog entry of a bundle (hashes and sizes of all its files)."""
    models_directory = Path(models_directory)
    path = models_directory / CATALOG_FILE
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"schema": CATALOG_SCHEMA, "bundles": []}
    relative = Path(bundle_dir).resolve().relative_to(models_directory.resolve()).as_posix()
    entry = {"name": Path(bundle_dir).name, "task": task_id, "version": version, "path": relative,
             "bundled": bundled, "files": catalog_files(Path(bundle_dir))}
    names = [b["name"] for b in data["bundles"]]
    if entry["name"] in names:                      # replace in place: the catalog order is kept
        data["bundles"][names.index(entry["name"])] = entry
    else:
        data["bundles"].append(entry)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
