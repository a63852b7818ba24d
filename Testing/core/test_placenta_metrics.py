"""Placenta research metrics against the pregnant-uterus phantom's truth (thinned myometrium, dark bands)."""

import numpy as np
import pytest

from gynai.image import Geometry, LabelImage
from gynai.metrics.document import metrics_document
from gynai.metrics.placenta import placenta_metrics
from gynai.phantom import PhantomConfig, generate_placenta
from gynai.tasks import get_task

GRID = PhantomConfig(spacing_mm=(1.0, 1.0, 2.0), size_xyz=(200, 200, 100))


@pytest.mark.parametrize("thickness_mm", [0.0, 3.0, 6.0])
def test_myometrial_thinning_bands_and_size(thickness_mm):
    case = generate_placenta(0, thickness_mm, GRID)
    metrics = placenta_metrics(case.labels, case.image)
    truth = case.truth
    # minimum thickness under the placenta: within one voxel of the thickest grid axis (2 mm)
    assert abs(metrics["myometrial_thickness_min_mm"] - thickness_mm) <= 2.0
    if thickness_mm == 0.0:
        assert metrics["myometrial_thickness_min_mm"] == 0.0 and metrics["bed_fraction_thin"] > 0.0
    else:
        assert metrics["bed_fraction_thin"] == 0.0
    assert abs(metrics["myometrial_thickness_median_mm"] - truth["wall_thickness_mm"]) <= 1.0
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
    assert alone["present"] and alone["myometrial_thickness_min_mm"] is None and alone["dark_band_volume_ml"] is None


def test_metrics_document_has_placenta_block():
    case = generate_placenta(2, 2.0)
    document = metrics_document(case.image, case.labels, "placenta")
    assert document["placenta"]["volume_ml"] > 0 and "not a diagnosis" in document["placenta"]["notice"]
