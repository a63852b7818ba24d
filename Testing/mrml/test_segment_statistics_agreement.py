"""Core shape metrics agree with Slicer's Segment Statistics (labelmap plugin) on the same labelmap.

The plugin thresholds the segment's oriented labelmap and runs vtkITKLabelShapeStatistics with the
labelmap's direction matrix; this test does the same with slicer-core's real class and compares with
``gynai.metrics.shape`` on straight, oblique and anisotropic grids (limit 0.1 %).
"""

import numpy as np
import pytest

from gynai.image import Geometry, LabelImage
from gynai.metrics.shape import shape_metrics
from gynai.phantom.shapes import rotation_matrix
from gynai.tasks import get_task

GEOMETRIES = {
    "straight": Geometry((0.8, 0.8, 3.0), (-60.0, -40.0, 10.0)),
    "oblique": Geometry((0.7, 1.1, 2.3), (12.5, -30.25, 7.0),
                        tuple(rotation_matrix(np.array([1, 2, 3]), np.radians(35)).reshape(-1))),
}


def _labels(geometry):
    kk, jj, ii = np.indices((24, 60, 70), dtype=float)
    array = np.zeros((24, 60, 70), np.uint8)
    array[((ii - 35) / 25) ** 2 + ((jj - 30) / 18) ** 2 + ((kk - 12) / 9) ** 2 <= 1] = 1
    array[((ii - 40) / 8) ** 2 + ((jj - 28) / 6) ** 2 + ((kk - 12) / 4) ** 2 <= 1] = 3
    array[5:8, 10:14, 10:30] = 2
    return LabelImage(array, geometry, get_task("uterus-fibroid").labels)


def _slicer_statistics(segmentation_node, segment_id):
    import slicer
    import vtk

    labelmap = slicer.vtkOrientedImageData()
    segmentation_node.GetBinaryLabelmapRepresentation(segment_id, labelmap)
    threshold = vtk.vtkImageThreshold()           # as the plugin: every non-zero voxel of the segment's labelmap
    threshold.SetInputData(labelmap)
    threshold.ThresholdByUpper(1)
    threshold.SetInValue(1)
    threshold.SetOutValue(0)
    threshold.SetOutputScalarTypeToUnsignedChar()
    threshold.Update()
    directions = vtk.vtkMatrix4x4()
    labelmap.GetDirectionMatrix(directions)
    statistics = slicer.vtkITKLabelShapeStatistics()
    statistics.SetInputData(threshold.GetOutput())
    statistics.SetDirections(directions)
    for name in ("Centroid", "OrientedBoundingBox", "FeretDiameter", "Perimeter"):
        statistics.ComputeShapeStatisticOn(name)
    statistics.Update()
    table = statistics.GetOutput()
    column = {table.GetColumnName(c): table.GetColumn(c) for c in range(table.GetNumberOfColumns())}
    from vtk.util.numpy_support import vtk_to_numpy

    voxels = int(vtk_to_numpy(threshold.GetOutput().GetPointData().GetScalars()).sum())
    return {"voxel_count": voxels,
            "volume_mm3": voxels * float(np.prod(labelmap.GetSpacing())),
            "centroid_ras": column["Centroid"].GetTuple(0),
            "obb": sorted(column["OrientedBoundingBoxSize"].GetTuple(0), reverse=True),
            "feret": column["FeretDiameter"].GetValue(0),
            "perimeter": column["Perimeter"].GetValue(0)}


@pytest.mark.parametrize("name", sorted(GEOMETRIES))
def test_core_metrics_match_segment_statistics(scene, name):
    from GynAILib.segmentations import label_image_to_segmentation_node
    from GynAILib.volumes import image_to_volume_node
    from gynai.image import Image

    labels = _labels(GEOMETRIES[name])
    volume = image_to_volume_node(Image(labels.array.astype(np.float32), labels.geometry), "reference")
    node = label_image_to_segmentation_node(labels, volume)
    for label in labels.labels:
        ours = shape_metrics(labels.array == label.value, labels.geometry)
        theirs = _slicer_statistics(node, label.id)
        assert ours["voxel_count"] == theirs["voxel_count"]
        assert ours["volume_ml"] * 1000 == pytest.approx(theirs["volume_mm3"], rel=1e-3)
        assert ours["obb_diameters_mm"] == pytest.approx(theirs["obb"], rel=1e-3)
        assert ours["max_feret_diameter_mm"] == pytest.approx(theirs["feret"], rel=1e-3)
        assert ours["surface_area_mm2"] == pytest.approx(theirs["perimeter"], rel=1e-3)
        lps = theirs["centroid_ras"]
        assert ours["centroid_lps_mm"] == pytest.approx([-lps[0], -lps[1], lps[2]], abs=1e-3)
    # both sides use ITK for the box and the perimeter: the 3 x 4 x 20 voxel box (label 2) against its
    # analytic figures, which no shared code computes
    spacing_i, spacing_j, spacing_k = GEOMETRIES[name].spacing_mm
    box = shape_metrics(labels.array == 2, labels.geometry)
    assert box["obb_diameters_mm"] == pytest.approx(sorted([20 * spacing_i, 4 * spacing_j, 3 * spacing_k],
                                                           reverse=True), rel=1e-6)
    assert box["max_feret_diameter_mm"] == pytest.approx(
        float(np.sqrt((19 * spacing_i) ** 2 + (3 * spacing_j) ** 2 + (2 * spacing_k) ** 2)), rel=1e-9)



def test_surface_area_of_an_ellipsoid_on_an_isotropic_grid():
    """ITK's surface estimate against Thomsen's formula for an ellipsoid (itself within 1.1 %): within 3 %
    on isotropic voxels (on 0.8 x 0.8 x 3 mm voxels it reads about 13 % low: docs/metrics-schema.md)."""
    spacing = 0.8
    kk, jj, ii = np.indices((24, 60, 70), dtype=float)
    solid = ((ii - 35) / 25) ** 2 + ((jj - 30) / 18) ** 2 + ((kk - 12) / 9) ** 2 <= 1
    a, b, c, p = 25 * spacing, 18 * spacing, 9 * spacing, 1.6075
    area = 4 * np.pi * (((a * b) ** p + (a * c) ** p + (b * c) ** p) / 3) ** (1 / p)
    assert shape_metrics(solid, Geometry((spacing,) * 3))["surface_area_mm2"] == pytest.approx(area, rel=0.03)
