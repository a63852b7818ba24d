"""MONAI-style model bundles: metadata, network construction and safe weight loading.

Bundle layout::

    <bundle>/configs/metadata.json   version, labels, spacing, normalisation, patch size (key "gynai")
    <bundle>/configs/inference.json  network_def ({"_target_": <allow-listed class>, ...plain arguments})
    <bundle>/models/model.pt         state_dict saved with torch.save (fp16 allowed)
    <bundle>/docs/README.md          model card
    <bundle>/LICENSE

No code from a bundle is ever executed: ``_target_`` must be in :data:`ALLOWED_TARGETS`, ``$``
expressions and ``@`` references are refused, and weights load with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gynai.errors import ModelError
from gynai.image import LabelInfo
from gynai.models.containment import escape
from gynai.tasks import get_task

ALLOWED_TARGETS = {
    "UNet": "monai.networks.nets.UNet",
    "monai.networks.nets.UNet": "monai.networks.nets.UNet",
}


@dataclass(frozen=True)
class BundleInfo:
    """What inference needs to know about a bundle."""

    path: Path
    name: str
    version: str
    task: str
    labels: tuple[LabelInfo, ...]
    spacing_mm: tuple[float, float, float]
    patch_size_zyx: tuple[int, int, int]
    network_def: dict[str, Any]
    normalization: dict[str, Any]
    postprocessing: dict[str, Any]
    weights_file: str
    modality: str

    @property
    def num_classes(self) -> int:
        """Output channels: background plus one per label."""
        return len(self.labels) + 1


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ModelError(f"bundle file {path} is unreadable ({error}); reinstall the model") from None


def _check_plain(value: Any, where: str) -> None:
    """Refuse MONAI config expressions: strings starting with '$' (eval), '@' (references) or '%' (macros)."""
    if isinstance(value, str) and value[:1] in ("$", "@", "%"):      # an empty string is no expression
        raise ModelError(f"bundle config {where} uses the expression {value!r}; GynAI runs no bundle code")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_plain(item, f"{where}.{key}")
    if isinstance(value, list):
        for index, item in enumerate(value):
            _check_plain(item, f"{where}[{index}]")


def _declared_modality(meta: dict) -> str:
    """``network_data_format.inputs.image.modality`` of a bundle's metadata, upper case ('' when absent)."""
    section = meta.get("network_data_format")
    for key in ("inputs", "image"):
        section = section.get(key) if isinstance(section, dict) else None
    return str(section.get("modality") or "").upper() if isinstance(section, dict) else ""


def bundle_file(bundle: Path, relative: str) -> Path:
    """The file ``relative`` of a bundle, which must resolve inside the bundle folder (links followed).

    Raises:
        ModelError: An absolute path, a ``..`` step, or a link that leads outside the bundle.
    """
    text = str(relative)
    leaves = escape(bundle, text)
    if leaves == "path":
        raise ModelError(f"bundle {Path(bundle).name} refers to the file {text!r} outside the bundle; every file a "
                         "bundle uses must be inside its folder: fix the bundle and add it again")
    if leaves == "link":
        raise ModelError(f"bundle {Path(bundle).name}: {text!r} leads outside the bundle (a link); every file a "
                         "bundle uses must be inside its folder: fix the bundle and add it again")
    return Path(bundle) / text


def read_bundle(path: Path) -> BundleInfo:
    """Read a bundle's metadata and inference config (no weights, no hash check).

    Raises:
        ModelError: Unreadable or malformed configs, a network or expression not allowed, labels unknown to
            the task, or a weights file outside the bundle.
    """
    path = Path(path)
    meta = _read_json(path / "configs" / "metadata.json")
    config = _read_json(path / "configs" / "inference.json")
    if not isinstance(meta, dict) or not isinstance(config, dict):
        raise ModelError(f"bundle {path.name}: its configs are not JSON objects; reinstall or fix the model")
    try:
        return _bundle_info(path, meta, config)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        detail = f"missing {error}" if isinstance(error, KeyError) else "a value of the wrong type"
        raise ModelError(f"bundle {path.name}: configs/metadata.json is malformed ({detail}); "
                         "reinstall or fix the model") from None


def _bundle_info(path: Path, meta: dict, config: dict) -> BundleInfo:
    gyn = meta.get("gynai")
    if not isinstance(gyn, dict):
        raise ModelError(f"bundle {path} has no 'gynai' section in configs/metadata.json; it is not a GynAI bundle")
    network_def = config.get("network_def")
    if not isinstance(network_def, dict) or network_def.get("_target_") not in ALLOWED_TARGETS:
        target = network_def.get("_target_") if isinstance(network_def, dict) else None
        raise ModelError(f"bundle {path}: network '_target_' {target!r} is not allowed "
                         f"(allowed: {', '.join(sorted(set(ALLOWED_TARGETS.values())))})")
    _check_plain(network_def, "network_def")
    channel_def = meta["network_data_format"]["outputs"]["pred"]["channel_def"]
    task = get_task(gyn["task"])
    by_id = {label.id: label for label in task.labels}
    labels = []
    for value_text, label_id in sorted(channel_def.items(), key=lambda kv: int(kv[0])):
        if int(value_text) == 0:
            continue
        if label_id not in by_id:
            raise ModelError(f"bundle {path} outputs label '{label_id}', unknown to task '{task.id}'")
        label = by_id[label_id]
        labels.append(LabelInfo(int(value_text), label.id, label.name, label.color_rgb))
    weights_file = str(gyn.get("weights", "models/model.pt"))
    bundle_file(path, weights_file)
    return BundleInfo(
        path=path, name=meta.get("name", path.name), version=str(meta.get("version", "0")), task=task.id,
        labels=tuple(labels), spacing_mm=tuple(float(s) for s in gyn["spacing_mm"]),  # type: ignore[arg-type]
        patch_size_zyx=tuple(int(s) for s in gyn["patch_size_zyx"]),  # type: ignore[arg-type]
        network_def=network_def, normalization=dict(gyn.get("normalization", {})),
        postprocessing=dict(gyn.get("postprocessing", {})), weights_file=weights_file,
        modality=_declared_modality(meta) or task.modality,
    )


def network_from_definition(network_def: dict[str, Any]):
    """Instantiate an allow-listed network definition (``_target_`` + plain arguments).

    Raises:
        ModelError: Target not allowed, expressions used, or invalid arguments.
    """
    from monai.networks.nets import UNet

    if network_def.get("_target_") not in ALLOWED_TARGETS:
        raise ModelError(f"network '_target_' {network_def.get('_target_')!r} is not allowed")
    _check_plain(network_def, "network_def")
    arguments = {key: value for key, value in network_def.items() if not key.startswith("_")}
    try:
        return UNet(**arguments)
    except (TypeError, ValueError) as error:
        raise ModelError(f"invalid network arguments ({error})") from None


def build_network(info: BundleInfo):
    """Instantiate the allow-listed network of a bundle with its plain arguments."""
    return network_from_definition(info.network_def)


def load_network(info: BundleInfo, device: str = "cpu"):
    """Build the network and load its weights safely (``weights_only=True``), in float32 eval mode."""
    import torch

    network = build_network(info)
    weights = bundle_file(info.path, info.weights_file)
    try:
        state = torch.load(weights, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types (pickle, zip, runtime) for bad files
        raise ModelError(f"model weights {weights} cannot be loaded safely ({type(error).__name__}); "
                         "reinstall the model") from None
    try:
        network.load_state_dict({key: value.float() for key, value in state.items()})
    except (RuntimeError, AttributeError) as error:
        raise ModelError(f"model weights {weights} do not fit the network of the bundle ({error})") from None
    return network.to(device).eval()


def bundle_modality(path: Path) -> str:
    """The input modality a bundle declares (``network_data_format.inputs.image.modality``), '' if unreadable."""
    try:
        meta = json.loads((Path(path) / "configs" / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    return _declared_modality(meta) if isinstance(meta, dict) else ""
