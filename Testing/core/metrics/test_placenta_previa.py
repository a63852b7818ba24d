"""Placenta previa over an unlabelled internal os (issue 16): the placenta covers the caudal end of the
uterus and the cervix has no label, so at the os the placenta faces unlabelled tissue. That open lower
boundary must not be reported as a bed without myometrium (0 mm, a "< 1 mm" area).

Analytic label map: an ellipsoidal uterus (semi-axes 60, 55, 80 mm; patient axes), a 7 mm myometrial
wall, a 30 mm placenta lining the lower pole (within 50° of the inferior axis), amniotic cavity unlabelled;
the os is the wall within 12° of the inferior axis (a hole of about 17 mm radius), unlabelled."""

import dataclasses
import re

import numpy as np
from scipy import ndimage
import pytest

from gynai.image import Geometry, LabelImage
from gynai.metrics.placenta import analyse_placenta, placenta_metrics
from gynai.tasks import get_task

RADII_MM, WALL_MM, PLACENTA_MM = np.array([60.0, 55.0, 80.0]), 7.0, 30.0


ORIGIN_MM = (-100.75, 20.5, -50.0)         # puts the uterus's axis at L = -31, P = 85 mm on the default grid
CUBE = np.ones((3, 3, 3), bool)


def _uterus(os_labelled: bool, spacing=(1.5, 1.5, 4.0), placenta_deg=(0.0, 50.0), os_label: int = 0,
            origin=(0.0, 0.0, 0.0)) -> tuple[LabelImage, np.ndarray]:
    """The label image and the os (wall voxels within 12° of the inferior axis); the placenta lines the
    wall between the two angles from the inferior axis; an unlabelled os gets ``os_label`` (0, or the
    bladder's 3)."""
    geometry = Geometry(spacing, origin)
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
    labels[uterus & (depth > WALL_MM) & (depth <= WALL_MM + PLACENTA_MM) & (from_inferior >= placenta_deg[0])
           & (from_inferior < placenta_deg[1])] = 2                  # placenta
    os = (labels == 1) & (from_inferior < 12)
    if not os_labelled:
        labels[os] = os_label                                        # the cervix / internal os: no label
    return LabelImage(labels, geometry, get_task("placenta").labels), os


def _previa(os_labelled: bool, spacing=(1.5, 1.5, 4.0)) -> LabelImage:
    return _uterus(os_labelled, spacing)[0]


def _place_mm(note: str) -> tuple[int, int, int]:
    found = re.search(r"near LPS \((-?\d+), (-?\d+), (-?\d+)\) mm", note)
    assert found, note
    return tuple(int(v) for v in found.groups())


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


def test_the_previa_note_gives_the_os_and_the_share_of_the_bed_over_it():
    """The bed (placenta next to the myometrium or the open os, counted here) not measured is the bed over
    the os; it lies on the uterus's axis (L -31, P 85) at its caudal end (S -50 + 4 × 3..5 voxels)."""
    labels, os = _uterus(os_labelled=False, origin=ORIGIN_MM)
    analysis = analyse_placenta(labels)
    placenta = labels.array == 2
    bed = (placenta & ndimage.binary_dilation((labels.array == 1) | os, CUBE)).sum()
    share = 100.0 * (bed - (analysis.thickness_map.array >= 0).sum()) / bed
    notes = [note for note in analysis.metrics["notes"] if "internal os" in note]
    assert len(notes) == 1 and not [note for note in analysis.metrics["notes"] if "field of view" in note]
    left, posterior, superior = _place_mm(notes[0])
    assert (left, posterior) == (-31, 85) and -38 <= superior <= -30
    assert notes[0] == ("the placenta reaches the caudal end of the uterus with no myometrium segmented outside it "
                        "(an unlabelled cervix / internal os, e.g. a placenta previa) near LPS "
                        f"({left}, {posterior}, {superior}) mm: myometrial thickness not assessed on {share:.0f} % of "
                        "the placental bed (label the cervix as myometrium to measure it)")


def test_a_low_lying_placenta_above_an_open_os_names_the_opening():
    """The placenta 20-60° from the inferior axis, the os open below it: the wall does not close, and the
    note places the opening at the os (L -31, P 85 within one voxel; S within the os's two slices), not at
    the cavity behind it; the contour is open, so no bulge."""
    labels, os = _uterus(os_labelled=False, placenta_deg=(20.0, 60.0), origin=ORIGIN_MM)
    metrics = analyse_placenta(labels).metrics
    notes = [note for note in metrics["notes"] if "does not close" in note]
    assert len(notes) == 1
    left, posterior, superior = _place_mm(notes[0])
    k = np.argwhere(os)[:, 0]
    assert abs(left + 31) <= 1.5 and abs(posterior - 85) <= 1.5
    assert -50 + 4 * k.min() - 4 <= superior <= -50 + 4 * k.max() + 4
    assert notes[0].startswith("the segmented wall does not close around the amniotic cavity (a gap in the "
                               "myometrium, an unlabelled cervix or lower segment, or a field of view cutting the "
                               f"uterus) near LPS ({left}, {posterior}, {superior}) mm: myometrial thickness not "
                               "assessed on ")
    share = int(re.search(r"not assessed on (\d+) % of the placental bed whose nearest outside lies through the "
                          r"opening$", notes[0]).group(1))
    assert 0 < share < 100
    assert "the uterine contour is open: bulge not assessed" in metrics["notes"] and metrics["bulge_depth_mm"] is None


def test_a_placenta_on_the_bladder_with_no_wall_between_is_in_contact():
    """The os filled with bladder instead of left unlabelled: the placenta lies on the bladder with no
    myometrium between (a sign of percreta), which is a 0 mm wall in contact with the bladder, not an
    unlabelled os."""
    labels, os = _uterus(os_labelled=False, os_label=3)
    metrics = placenta_metrics(labels)
    assert not [note for note in metrics["notes"] if "internal os" in note or "does not close" in note]
    assert metrics["min_myometrial_thickness_mm"] == 0.0 and metrics["bladder_contact"] is True
    assert metrics["bladder_contact_area_cm2"] > 0.0 and metrics["bladder_interface_length_mm"] > 0.0


def test_voxels_of_a_value_the_table_does_not_name_are_background():
    """A table without a bladder (myometrium 4, placenta 2) and the os filled with voxels of value 1, which it
    does not name: they are background, so the os reads as unlabelled (as when it is 0), not as a bladder
    lying on the placenta."""
    labels, os = _uterus(os_labelled=False)
    by_id = {label.id: label for label in labels.labels}
    table = (dataclasses.replace(by_id["myometrium"], value=4), by_id["placenta"])
    array = np.where(labels.array == 1, 4, labels.array).astype(np.uint8)
    plain = placenta_metrics(LabelImage(array, labels.geometry, table))
    array[os] = 1
    unnamed = placenta_metrics(LabelImage(array, labels.geometry, table))
    assert unnamed == plain
    assert [note for note in unnamed["notes"] if "internal os" in note] and unnamed["bladder_contact"] is None
