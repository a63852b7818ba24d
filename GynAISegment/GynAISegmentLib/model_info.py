"""What GynAISegment shows beside the task selector and the input (Qt-free): the model card's summary,
whether the selected volume's modality fits the task, and whether a node can be segmented at all.

The ``*_facts`` functions return plain data so that the module widget builds the sentences with its
translatable ``_()`` templates; :func:`model_card_summary` and :func:`modality_hint` give the English
sentences (console, logs).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Optional


@dataclass(frozen=True)
class ModelCardFacts:
    """The figures of a task's model card that the module shows."""

    name: str
    version: str
    size_mb: float
    modality: str
    held_out_dice: dict[str, float] = field(default_factory=dict)

    def dice_text(self) -> str:
        """``"myometrium 0.91, endometrium 0.80"`` ("" when not measured)."""
        return ", ".join(f"{name} {value:.2f}" for name, value in self.held_out_dice.items())


@dataclass(frozen=True)
class ModalityMismatch:
    """A volume whose DICOM modality is not the one the task's model expects."""

    volume_name: str
    modality: str
    task: str
    expected: str


def model_card_facts(task: str, modality: Optional[str] = None) -> ModelCardFacts:
    """Name, version, size, modality and held-out phantom Dice of the model that segments ``task`` for an
    image of ``modality`` (the task's default model when None or when no model takes that modality).

    Loading the bundle checks its SHA-256, so a tampered bundle is reported here already.
    """
    from gynai.models.bundle import read_bundle
    from gynai.models.selection import choose_entry
    from gynai.models.catalog import verify_entry

    entry = choose_entry(task, modality=modality)
    verify_entry(entry)
    info = read_bundle(entry.path)
    metadata = json.loads((info.path / "configs" / "metadata.json").read_text(encoding="utf-8"))
    held_out = ((metadata.get("gynai") or {}).get("evaluation") or {}).get("held_out") or {}
    dice = {name: float(value) for name, value in (held_out.get("dice_mean") or {}).items() if name != "union"}
    return ModelCardFacts(info.name, str(info.version), entry.size_bytes / 1e6, info.modality, dice)


def model_card_summary(task: str, modality: Optional[str] = None) -> str:
    """One paragraph: model name, version, size, held-out phantom Dice, and the synthetic-data caveat."""
    facts = model_card_facts(task, modality)
    return (f"{facts.name} {facts.version} ({facts.size_mb:.1f} MB, {facts.modality}). Held-out phantom Dice: "
            f"{facts.dice_text() or 'not measured'}. Trained and evaluated only on synthetic phantoms; not validated "
            "on patient data; not for clinical use.")


def input_modality(volume_node: Any, stated: Optional[str] = None, dicom_database: Any = None) -> Optional[str]:
    """The modality to segment a volume as: the one the user chose (``MR``, ``US``; ``auto`` or None: none
    chosen), else the volume's DICOM Modality (``dicom_database``, default ``slicer.dicomDatabase``), else
    None (unknown: the task's default model is used)."""
    from GynAILib.volumes import volume_node_modality

    if stated and stated.lower() != "auto":
        return stated.upper()
    return volume_node_modality(volume_node, dicom_database) if volume_node is not None else None


def modality_mismatch(volume_node: Any, task: str, dicom_database: Any = None,
                      stated: Optional[str] = None) -> Optional[ModalityMismatch]:
    """The mismatch between the volume's modality and every installed model of the task (None when one of
    them takes it, or the modality is unknown)."""
    from gynai.models.selection import task_modalities

    if volume_node is None:
        return None
    modality = input_modality(volume_node, stated, dicom_database)
    expected = task_modalities(task)
    if modality is None or modality in expected:
        return None
    return ModalityMismatch(volume_node.GetName(), modality, task, " or ".join(expected))


def modality_hint(volume_node: Any, task: str, dicom_database: Any = None, stated: Optional[str] = None) -> str:
    """A one-line hint on whether the volume's modality fits the task's models ("" when it fits or is unknown)."""
    mismatch = modality_mismatch(volume_node, task, dicom_database, stated)
    if mismatch is None:
        return ""
    return (f"{mismatch.volume_name} is {mismatch.modality}, but the {mismatch.task} model expects "
            f"{mismatch.expected}: the result would not be meaningful")


def is_segmentable_volume(node: Any) -> bool:
    """True for a single-component scalar volume with image data: not a label map, vector, tensor or DWI."""
    if node is None or not node.IsA("vtkMRMLScalarVolumeNode"):
        return False
    for other in ("vtkMRMLLabelMapVolumeNode", "vtkMRMLTensorVolumeNode", "vtkMRMLDiffusionWeightedVolumeNode",
                  "vtkMRMLDiffusionImageVolumeNode", "vtkMRMLVectorVolumeNode"):
        if node.IsA(other):
            return False
    image = node.GetImageData()
    return image is not None and image.GetNumberOfScalarComponents() == 1


def first_segmentable_volume(scene: Any) -> Any:
    """The first volume of ``scene`` that :func:`is_segmentable_volume` accepts (None when there is none)."""
    nodes = scene.GetNodesByClass("vtkMRMLScalarVolumeNode")
    for index in range(nodes.GetNumberOfItems()):
        node = nodes.GetItemAsObject(index)
        if is_segmentable_volume(node):
            return node
    return None
