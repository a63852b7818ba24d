"""Who made a segmentation: the model that produced it, and whether a person changed it since.

A provenance record is the ``model`` entry of a metrics document, a JSON-friendly dict
``{"name", "version", "task", "edited"}`` for model output (``edited`` is True once the labels differ
from what the model wrote), or ``None`` for a segmentation supplied by the user (hand-made, or of
unknown origin: nothing says a model made it). It decides the DICOM SEG Segment Algorithm Type
(AUTOMATIC, SEMIAUTOMATIC after editing, MANUAL) and the report's wording.

Where it is kept: ``gynai segment`` writes it into the ``.seg.nrrd`` header (:mod:`gynai.io.segnrrd`,
with a digest of the labels to detect editing); GynAISegment sets it as segmentation node attributes
(``GynAILib.segment_state``, with the edit-protection fingerprint).
"""

from __future__ import annotations

from typing import Optional

AUTOMATIC, SEMIAUTOMATIC, MANUAL = "AUTOMATIC", "SEMIAUTOMATIC", "MANUAL"


def model_provenance(name: str, version: str, task: str, edited: bool = False, modality: str = "") -> dict:
    """The provenance record of model output.

    Args:
        name: Model (bundle) name.
        version: Model version.
        task: Task the model segments.
        edited: The labels were changed after the model wrote them.
        modality: The input modality the model was trained for (``MR``, ``US``); left out when unknown
            (files written before it was recorded).
    """
    record = {"name": str(name), "version": str(version), "task": str(task), "edited": bool(edited)}
    if modality:
        record["modality"] = str(modality).upper()
    return record


def algorithm_type(model: Optional[dict]) -> str:
    """DICOM SEG Segment Algorithm Type of a segmentation with this provenance."""
    if not model:
        return MANUAL
    return SEMIAUTOMATIC if model.get("edited") else AUTOMATIC


def model_label(model: Optional[dict]) -> str:
    """``name version`` of the model, with "(output edited by the user)" when edited; "" without a model."""
    if not model:
        return ""
    text = f"{model.get('name')} {model.get('version', '')}".strip()
    return text + (" (output edited by the user)" if model.get("edited") else "")


def segmentation_origin(model: Optional[dict]) -> str:
    """How the segmentation was made, for the report's technique sentence."""
    if not model:
        return "supplied by the user"
    text = f"by the model {model.get('name')} {model.get('version', '')}".strip()
    return text + (", then edited by the user" if model.get("edited") else "")
