"""The translatable sentences GynAISegment shows beside the task selector (Qt-free): the model card's summary
of the model that will run, and a warning when the volume does not fit the task's models."""

import slicer
from slicer.i18n import tr as _

from GynAISegmentLib.model_info import (input_modality, is_segmentable_volume, model_card_facts,
                                        modality_mismatch)


def model_card_text(task, volume, stated):
    """The model card summary (version, size, modality, held-out phantom Dice, the synthetic-data caveat) of the
    model that segments ``task`` for ``volume`` (``stated``: the user's modality choice, ``auto`` for DICOM)."""
    try:
        card = model_card_facts(task, input_modality(volume, stated, getattr(slicer, "dicomDatabase", None)))
    except Exception as error:  # shown, not raised: a missing dependency or a tampered bundle
        return _("Model not available: {reason}").format(reason=str(error))
    return _("{name} {version} ({size} MB, {modality}). Held-out phantom Dice: {dice}. Trained and evaluated only "
             "on synthetic phantoms; not validated on patient data; not for clinical use.").format(
        name=card.name, version=card.version, size=f"{card.size_mb:.1f}", modality=card.modality,
        dice=card.dice_text() or _("not measured"))


def input_hint_text(task, volume, stated):
    """A warning when the volume's modality fits none of the task's models, or the node is not a scalar volume
    with image data; "" when it fits."""
    mismatch = modality_mismatch(volume, task, getattr(slicer, "dicomDatabase", None), stated)
    if mismatch is not None:
        return _("{volume} is {modality}, but the {task} model expects {expected}: the result would not be "
                 "meaningful").format(volume=mismatch.volume_name, modality=mismatch.modality, task=mismatch.task,
                                      expected=mismatch.expected)
    if volume is not None and not is_segmentable_volume(volume):
        return _("{volume} is not a single-component scalar volume (a label map, vector or empty volume): choose "
                 "the image volume").format(volume=volume.GetName())
    return ""
