"""Placenta previa over an unlabelled internal os (issue 16): the placenta covers the caudal end of the
uterus and the cervix has no label, so at the os the placenta faces unlabelled tissue. That open lower
boundary must not be reported as a bed without myometrium (0 mm, a "< 1 mm" area).

Analytic label map: an ellipsoidal uterus (semi-axes 60, 55, 80 mm; patient axes), a 7 mm myometrial
wall, a 30 mm placenta lining the lower pole (within 50° of the inferior axis), amniotic cavity unlabelled;
the os is the wall within 12° of the inferior axis (a hole of about 17 mm radius), unlabelled."""

import numpy as np
import pytest

from gynai.image import Geometry, LabelImage
from gynai.metrics.placenta import placenta_metrics
from gynai.tasks import get_task

RADII_MM, WALL_MM, PLACENTA_MM = np.array([60.0, 55.0, 80.0]), 7.0, 30.0


def _previa(os_labelled: bool, spacing=(1.5, 1.5, 4.0)) -> LabelImage:
    geometry = Geometry(spacing)
    shape = tuple(int(np.ceil((2 * r + 20) / s)) for r, s in zip(RADII_MM[::-1], spacing[::-1]))   # k, j, i
    kk, jj, ii = np.indices(shape, dtype=float)
    x, y, z = (ii - (shape[2] - 1) / 2) * spacing[0], (jj - (shape[1] - 1) / 2) * spacing[1], (kk - (shape[0] - 1) / 2) * spacing[2]
    norm = np.sqrt((x / RADII_MM[0]) ** 2 + (y / RADII_MM[1]) ** 2 + (z / RADII_MM[2]) ** 2)
    radius = np.sqrt(x * x + y * y + z * z)
    depth = radius * (1 / np.maximum(norm, 1e-9) - 1)                # about the depth below the serosa (mm)
    uterus = norm <= 1.0
    from_inferior = np.degrees(np.arccos(np.clip(-z / np.maximum(radius, 1e-9), -1, 1)))
    labels = np.zeros(shape, np.uint8)
    labels[uterus & (depth <= WALL_MM)] = 1                          # myometrium
    labels[uterus & (depth > WALL_MM) & (depth <= WALL_MM + PLACENTA_MM) & (from_inferior < 50)] = 2   # placenta
    if not os_labelled:
        labels[(labels == 1) & (from_inferior < 12)] = 0             # the cervix / internal os: no label
    return LabelImage(labels, geometry, get_task("placenta").labels)


def test_an_unlabelled_os_under_a_previa_is_not_a_thin_wall():
    metrics = placenta_metrics(_previa(os_labelled=False))
    assert metrics["min_myometrial_thickness_mm"] is not None
    assert abs(metrics["min_myometrial_thickness_mm"] - WALL_MM) <= 4.0      # one voxel of the 4 mm slices
    assert metrics["bed_fraction_thin"] == 0.0 and metrics["thin_myometrium_area_cm2"] == 0.0
    assert any("internal os" in note and "LPS" in note for note in metrics["notes"])


def test_the_os_labelled_as_myometrium_is_measured():
    metrics = placenta_metrics(_previa(os_labelled=True))
    assert abs(metrics["min_myometrial_thickness_mm"] - WALL_MM) <= 4.0
    assert metrics["bed_fraction_thin"] == 0.0
    assert not any("internal os" in note for note in metrics["notes"])
