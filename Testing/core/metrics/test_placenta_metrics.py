"""Placenta research metrics against the pregnant-uterus phantom's truth (thinned myometrium, dark bands)."""

import numpy as np
import pytest

from gynai.image import Geometry, LabelImage
from gynai.metrics.document import metrics_document
from gynai.metrics.placenta import analyse_placenta, placenta_metrics
from gynai.phantom import PhantomConfig, generate_placenta
from gynai.tasks import get_task

GRID = PhantomConfig(spacing_mm=(1.0, 1.0, 2.0), size_xyz=(200, 200, 100))
OBLIQUE = PhantomConfig(spacing_mm=(1.0, 1.0, 2.0), size_xyz=(200, 200, 100), rotation_deg=25.0)


@pytest.mark.parametrize("grid", [GRID, OBLIQUE], ids=["axial", "oblique"])
@pytest.mark.parametrize("thickness_mm", [0.0, 3.0, 6.0])
def test_myometrial_thinning_bands_and_size(thickness_mm, grid):
    case = generate_placenta(0, thickness_mm, grid)
    metrics = placenta_metrics(case.labels, case.image)
    truth = case.truth
    # minimum thickness under the placenta: within one voxel of the thickest grid axis (2 mm)
    assert abs(metrics["min_myometrial_thickness_mm"] - thickness_mm) <= 2.0
    if thickness_mm == 0.0:
        assert metrics["min_myometrial_thickness_mm"] == 0.0 and metrics["bed_fraction_thin"] > 0.0
        # area of the thinned zone on the serosa, integrated on the phantom's ellipsoid
        assert metrics["thin_myometrium_area_cm2"] == pytest.approx(truth["thin_area_cm2"], rel=0.15)
    else:
        assert metrics["bed_fraction_thin"] == 0.0 and metrics["thin_myometrium_area_cm2"] == 0.0
    # the placenta lies over the bladder; it touches it only where the myometrium is absent
    assert metrics["bladder_contact"] is (thickness_mm == 0.0)
    assert metrics["bladder_interface_length_mm"] > 15.0
    assert metrics["bulge_depth_mm"] < 1.5             # no bulge in this phantom
    assert abs(metrics["median_myometrial_thickness_mm"] - truth["wall_thickness_mm"]) <= 1.0
    assert abs(metrics["max_thickness_mm"] - truth["placenta_thickness_mm"]) <= 3.0   # inscribed-ball estimate
    assert metrics["dark_band_volume_ml"] == pytest.approx(truth["dark_band_volume_ml"], rel=0.1)
    assert metrics["dark_band_fraction"] == pytest.approx(
        metrics["dark_band_volume_ml"] / metrics["volume_ml"], rel=1e-6)


def test_band_detection_is_robust_to_a_bias_field():
    case = generate_placenta(1, 2.0, GRID)
    reference = placenta_metrics(case.labels, case.image)["dark_band_volume_ml"]
    x = np.linspace(0.6, 1.4, case.image.array.shape[2], dtype=np.float32)
    biased = case.image.with_array(case.image.array * x[None, None, :])
    assert placenta_metrics(case.labels, biased)["dark_band_volume_ml"] == pytest.approx(reference, rel=0.15)


def test_missing_structures_are_not_assessed():
    labels = np.zeros((10, 20, 20), np.uint8)
    empty = placenta_metrics(LabelImage(labels, Geometry(), get_task("placenta").labels))
    assert not empty["present"] and empty["max_thickness_mm"] is None
    labels[3:7, 5:15, 5:15] = 2                 # a placenta without myometrium
    alone = placenta_metrics(LabelImage(labels, Geometry(), get_task("placenta").labels))
    assert alone["present"] and alone["min_myometrial_thickness_mm"] is None and alone["dark_band_volume_ml"] is None
    assert alone["bulge_depth_mm"] is None and alone["bladder_contact"] is None
    assert any("no myometrium segmented" in note for note in alone["notes"])
    assert any("no image given" in note for note in alone["notes"])


@pytest.mark.parametrize("bulge_mm", [5.0, 10.0])
def test_bulge_depth_beyond_the_expected_contour(bulge_mm):
    case = generate_placenta(3, 4.0, GRID, bulge_mm=bulge_mm)
    assert abs(placenta_metrics(case.labels, case.image)["bulge_depth_mm"] - bulge_mm) <= 1.5


def _slab_case(plug: bool) -> LabelImage:
    """A box uterus: 3 mm of myometrium under a flat placenta, a 40 × 20 mm bladder patch below it."""
    labels = np.zeros((30, 60, 80), np.uint8)
    labels[2:28, 2:58, 2:78] = 1            # myometrium box; its inside (fluid) is unlabelled
    labels[5:26, 5:55, 5:75] = 0
    labels[5:12, 10:50, 10:70] = 2          # placenta, its bed at z = 5, myometrium z = 2..4
    labels[0:2, 20:40, 20:60] = 3           # bladder just outside, below the bed
    if plug:
        labels[2:5, 25:35, 30:50] = 2       # myometrium absent over a 10 × 20 mm area
    return LabelImage(labels, Geometry(), get_task("placenta").labels)


def test_bladder_interface_and_contact_on_a_slab():
    intact = analyse_placenta(_slab_case(plug=False))
    metrics = intact.metrics
    assert metrics["min_myometrial_thickness_mm"] == pytest.approx(3.0)
    assert metrics["median_myometrial_thickness_mm"] == pytest.approx(3.0)
    # interface = bed voxels over the bladder: centres span 39 × 19 mm
    assert metrics["bladder_interface_length_mm"] == pytest.approx(float(np.hypot(39, 19)), abs=1e-6)
    assert metrics["bladder_contact"] is False and metrics["bladder_contact_area_cm2"] == 0.0
    bed = intact.thickness_map.array
    assert bed[5, 10:50, 10:70] == pytest.approx(3.0) and (bed >= 0).sum() == 40 * 60
    assert (bed[6:] == -1).all()
    plugged = placenta_metrics(_slab_case(plug=True))
    assert plugged["min_myometrial_thickness_mm"] == 0.0 and plugged["bladder_contact"] is True
    assert plugged["bladder_contact_area_cm2"] == pytest.approx(2.0, rel=0.2)
    assert plugged["thin_myometrium_area_cm2"] == pytest.approx(plugged["bladder_contact_area_cm2"])


def test_metrics_document_has_placenta_block():
    case = generate_placenta(2, 2.0)
    document = metrics_document(case.image, case.labels, "placenta")
    assert document["placenta"]["volume_ml"] > 0 and "not a diagnosis" in document["placenta"]["notice"]


def test_uterus_cut_by_the_field_of_view_keeps_its_cavity():
    """A gravid uterus longer than the scan: the amniotic cavity opened by the field of view's edge is still
    inside the uterus, so the fetal surface of the placenta is not taken for a bed without myometrium."""
    spacing = (1.5, 1.5, 4.0)
    full = generate_placenta(2, 4.0, PhantomConfig(spacing_mm=spacing, size_xyz=(128, 128, 48)))
    cut = generate_placenta(2, 4.0, PhantomConfig(spacing_mm=spacing, size_xyz=(128, 128, 24)))
    assert (cut.labels.array[0] > 0).any() and not (full.labels.array[0] > 0).any()   # the cut reaches the edge
    whole, truncated = placenta_metrics(full.labels, full.image), placenta_metrics(cut.labels, cut.image)
    assert truncated["bed_fraction_thin"] == whole["bed_fraction_thin"] == 0.0
    assert truncated["min_myometrial_thickness_mm"] == pytest.approx(whole["min_myometrial_thickness_mm"], abs=1.5)
    assert abs(truncated["min_myometrial_thickness_mm"] - 4.0) <= 4.0


def test_the_minimum_thickness_is_the_thinnest_point_not_a_percentile():
    """A 4 × 4 mm focal thinning to 1 mm under 0.7 % of the bed: the minimum is 1 mm, the median stays 3 mm."""
    labels = _slab_case(plug=False).array.copy()
    labels[3:5, 25:29, 30:34] = 2           # placenta reaches down to z = 3: 1 mm of myometrium (z = 2) left
    metrics = placenta_metrics(LabelImage(labels, Geometry(), get_task("placenta").labels))
    assert metrics["min_myometrial_thickness_mm"] == pytest.approx(1.0)
    assert metrics["median_myometrial_thickness_mm"] == pytest.approx(3.0)
