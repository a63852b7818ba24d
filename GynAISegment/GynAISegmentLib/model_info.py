"""What GynAISegment shows beside the task selector and the input: the model card's summary and whether
the selected volume's modality fits the task (Qt-free)."""

from __future__ import annotations

import json
from typing import Any, Optional

MODALITY_TAG = "0008,0060"


def model_card_summary(task: str) -> str:
    """One paragraph: model name, version, size, held-out phantom Dice, and the synthetic-data caveat.

    Loading the bundle checks its SHA-256, so a tampered bundle is reported here already.
    """
    from gynai.inference.bundle import load_task_bundle
    from gynai.inference.catalog import find_entry

    info = load_task_bundle(task)
    entry = find_entry(task)
    metadata = json.loads((info.path / "configs" / "metadata.json").read_text(encoding="utf-8"))
    held_out = ((metadata.get("gynai") or {}).get("evaluation") or {}).get("held_out") or {}
    dice = held_out.get("dice_mean") or {}
    figures = ", ".join(f"{name} {value:.2f}" for name, value in dice.items() if name != "union")
    return (f"{info.name} {info.version} ({entry.size_bytes / 1e6:.1f} MB, {info.modality}). Held-out phantom Dice: "
            f"{figures or 'not measured'}. Trained and evaluated only on synthetic phantoms; not validated on "
            "patient data; not for clinical use.")


def volume_modality(volume_node: Any, dicom_database: Any = None) -> Optional[str]:
    """The DICOM Modality of a volume loaded from DICOM (``None`` when unknown, e.g. NRRD files)."""
    uids = (volume_node.GetAttribute("DICOM.instanceUIDs") or "").split()
    if not uids or dicom_database is None:
        return None
    path = dicom_database.fileForInstance(uids[0])
    value = dicom_database.fileValue(path, MODALITY_TAG) if path else ""
    return value.strip().upper() or None


def modality_hint(volume_node: Any, task: str, dicom_database: Any = None) -> str:
    """A one-line hint on whether the volume's modality fits the task's model ("" when it fits or is unknown)."""
    from gynai.tasks import get_task

    if volume_node is None:
        return ""
    modality = volume_modality(volume_node, dicom_database)
    expected = get_task(task).modality
    if modality is None or modality == expected:
        return ""
    return (f"{volume_node.GetName()} is {modality}, but the {task} model expects {expected}: "
            "the result would not be meaningful")
