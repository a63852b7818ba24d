"""Tissue classes of the training scenes, their nominal appearance, and how they map to task labels.

A scene is painted with *tissues* (far more classes than any task has labels, as in SynthSeg: the
background alone has fat, muscles, bone cortex and marrow, bowel wall, gas, vessels, ovaries, follicles,
free fluid …). Each task label is the union of some tissues, looked up by the label's id, so the same
scene trains every task whose labels it contains: a non-pregnant pelvis with an ovarian cyst teaches the
uterus model that the cyst is background and the adnexal model that it is a mass.

Nominal values are only the centres of the *prior* appearance modes (T2-weighted MRI, CT); training
draws every tissue's intensity afresh per sample (:mod:`gynai.synth.appearance`).
"""

from __future__ import annotations

import numpy as np

from gynai.errors import LabelError

# name: (T2-weighted nominal, arbitrary units like gynai.phantom's renderer; CT nominal, HU)
TISSUE_PRIORS: dict[str, tuple[float, float]] = {
    "air": (5.0, -1000.0),
    "fat": (650.0, -100.0),
    "visceral-fat": (620.0, -90.0),
    "muscle": (180.0, 50.0),
    "bone-cortex": (40.0, 900.0),
    "bone-marrow": (420.0, 250.0),
    "vessel": (90.0, 160.0),
    "urine": (1000.0, 8.0),
    "bladder-wall": (240.0, 45.0),
    "bowel-wall": (300.0, 60.0),
    "bowel-content": (700.0, 20.0),
    "gas": (10.0, -900.0),
    "rectum-content": (330.0, 10.0),
    "ovary": (520.0, 40.0),
    "follicle": (960.0, 10.0),
    "free-fluid": (980.0, 12.0),
    "vagina": (360.0, 50.0),
    "myometrium": (450.0, 90.0),
    "junctional-zone": (230.0, 80.0),
    "cervix": (250.0, 70.0),
    "nabothian-cyst": (990.0, 10.0),
    "endometrium": (820.0, 40.0),
    "fibroid": (140.0, 60.0),
    "fibroid-degenerated": (700.0, 30.0),
    "placenta": (560.0, 100.0),
    "dark-band": (230.0, 70.0),
    "amniotic-fluid": (1000.0, 8.0),
    "fetus": (420.0, 40.0),
    "lesion-fluid": (950.0, 12.0),
    "lesion-fluid-complex": (520.0, 35.0),
    "lesion-wall": (260.0, 55.0),
    "lesion-fat": (700.0, -90.0),
    "solid": (480.0, 70.0),
}
"""Every tissue with its nominal T2-weighted signal and CT number."""

TISSUES: list[str] = list(TISSUE_PRIORS)
"""Tissue names; a tissue map stores indices into this list (uint8)."""

LABEL_TISSUES: dict[str, tuple[str, ...]] = {
    "myometrium": ("myometrium", "junctional-zone", "cervix"),
    "endometrium": ("endometrium",),
    "fibroid": ("fibroid", "fibroid-degenerated"),
    "placenta": ("placenta", "dark-band"),
    "bladder": ("urine", "bladder-wall"),
    "adnexal-mass": ("lesion-fluid", "lesion-fluid-complex", "lesion-wall", "lesion-fat"),
    "solid-tissue": ("solid",),
}
"""Tissues that make up each task label, by label id (``gynai.tasks``). Everything else is background."""

FLUIDS = ("urine", "follicle", "free-fluid", "nabothian-cyst", "amniotic-fluid", "lesion-fluid", "bowel-content")
"""Tissues that are water on T2: the T2 prior mode keeps them bright together, so size, wall and place,
not brightness, tell a cyst from the bladder."""


def tissue_index(name: str) -> int:
    """Index of a tissue name.

    Raises:
        LabelError: Unknown tissue.
    """
    try:
        return TISSUES.index(name)
    except ValueError:
        raise LabelError(f"unknown tissue '{name}'; known: {', '.join(TISSUES)}") from None


def label_lookup(labels) -> np.ndarray:
    """A table tissue index → task label value for a task's label table (``Task.labels``).

    Raises:
        LabelError: A label id has no tissues (the scenes cannot train that label).
    """
    table = np.zeros(len(TISSUES), np.uint8)
    for label in labels:
        if label.id not in LABEL_TISSUES:
            raise LabelError(f"label '{label.id}' has no synthetic tissues; add it to LABEL_TISSUES")
        for name in LABEL_TISSUES[label.id]:
            table[tissue_index(name)] = label.value
    return table


def labels_from_tissue(tissue: np.ndarray, labels) -> np.ndarray:
    """Task label map (uint8) of a tissue map for a task's label table."""
    return label_lookup(labels)[tissue]
