"""GynAILib.volumes against the real MRML libraries: Image ⇄ volume node, and Slicer's own NRRD reader."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk

from gynai.errors import GeometryError, ImageDimensionError, InvalidVoxelDataError
from gynai.image import Geometry, Image
from gynai.phantom.shapes import rotation_matrix

ROTATION = rotation_matrix(np.array([1.0, 2.0, 3.0]), np.radians(35))
GEOMETRIES = {
    "axis-aligned": Geometry((0.5, 0.6, 3.0), (-100.0, -80.0, 20.0)),
    "oblique": Geometry((0.7, 1.1, 2.3), (12.5, -30.25, 7.0), tuple(ROTATION.reshape(-1))),
    "left-handed": Geometry((0.9, 1.0, 3.0), (5.0, 6.0, 7.0), tuple((ROTATION @ np.diag([1, 1, -1])).reshape(-1))),
}
SHAPE_KJI = (6, 9, 11)


def random_image(geometry: Geometry, dtype=np.float32, seed: int = 0) -> Image:
    values = np.random.default_rng(seed).normal(200, 50, SHAPE_KJI)
    return Image(values.astype(dtype), geometry)


def node_ijk_to_ras(node) -> np.ndarray:
    import slicer
    import vtk

    matrix = vtk.vtkMatrix4x4()
    node.GetIJKToRASMatrix(matrix)
    return slicer.util.arrayFromVTKMatrix(matrix)


def assert_same_physical_image(a: Image, b: Image, tol_mm: float = 1e-4) -> None:
    """Every voxel of ``a`` sits on a voxel centre of ``b`` with the same value (and vice versa by count)."""
    assert a.array.size == b.array.size
    kji = np.indices(a.array.shape).reshape(3, -1).T
    lps = a.geometry.index_to_lps(kji[:, ::-1])
    ijk_in_b = b.geometry.lps_to_index(lps)
    nearest = np.round(ijk_in_b)
    offset_mm = (nearest - ijk_in_b) @ (b.geometry.direction_matrix @ np.diag(b.geometry.spacing_mm)).T
    assert np.abs(offset_mm).max() < tol_mm
    i, j, k = nearest.astype(int).T
    assert (i >= 0).all() and (j >= 0).all() and (k >= 0).all()
    assert np.array_equal(b.array[k, j, i], a.array.reshape(-1))


@pytest.mark.parametrize("dtype", [np.int16, np.uint8, np.float32, np.float64])
@pytest.mark.parametrize("case", ["axis-aligned", "oblique"])
def test_image_node_image_is_identical(scene, case, dtype):
    from GynAILib.volumes import image_to_volume_node, volume_node_to_image

    geometry = GEOMETRIES[case]
    image = random_image(geometry, dtype)
    node = image_to_volume_node(image, "T2 axial")
    assert node.IsA("vtkMRMLScalarVolumeNode") and node.GetScene() is scene and node.GetDisplayNode()
    assert node.GetImageData().GetDimensions() == SHAPE_KJI[::-1]
    # Slicer's own view of the geometry: RAS = LPS with x and y negated.
    assert np.allclose(node.GetSpacing(), geometry.spacing_mm, atol=1e-9)
    origin = geometry.origin_lps_mm
    assert np.allclose(node.GetOrigin(), (-origin[0], -origin[1], origin[2]), atol=1e-9)
    index = np.array([3.0, 7.0, 4.0, 1.0])
    lps = geometry.index_to_lps(index[:3])
    assert np.allclose(node_ijk_to_ras(node) @ index, [-lps[0], -lps[1], lps[2], 1.0], atol=1e-9)

    back = volume_node_to_image(node)
    assert back.array.dtype == image.array.dtype
    assert np.array_equal(back.array, image.array)
    assert back.geometry.allclose(geometry, 1e-6)
    assert back.metadata["node_name"] == "T2 axial"
    back.array[0, 0, 0] += 1   # a copy, not a view of the node's voxels
    assert volume_node_to_image(node).array[0, 0, 0] == image.array[0, 0, 0]


def test_existing_node_is_updated_in_place(scene):
    from GynAILib.volumes import image_to_volume_node, volume_node_to_image

    node = image_to_volume_node(random_image(GEOMETRIES["axis-aligned"]), "first")
    display_id = node.GetDisplayNodeID()
    other = Image(np.arange(2 * 3 * 4, dtype=np.int16).reshape(2, 3, 4), GEOMETRIES["oblique"])
    same = image_to_volume_node(other, node=node)
    assert same is node and node.GetName() == "first" and node.GetDisplayNodeID() == display_id
    back = volume_node_to_image(node)
    assert np.array_equal(back.array, other.array) and back.geometry.allclose(other.geometry, 1e-6)
    image_to_volume_node(other, "renamed", node=node)
    assert node.GetName() == "renamed"


def test_new_node_goes_to_the_given_scene(scene):
    import slicer

    from GynAILib.volumes import image_to_volume_node, volume_node_to_image

    other_scene = slicer.vtkMRMLScene()
    node = image_to_volume_node(random_image(GEOMETRIES["oblique"]), "elsewhere", scene=other_scene)
    assert node.GetScene() is other_scene and scene.GetFirstNodeByName("elsewhere") is None
    assert volume_node_to_image(node).geometry.allclose(GEOMETRIES["oblique"], 1e-6)


def test_voxel_types_vtk_lacks_are_converted(scene):
    from GynAILib.volumes import image_to_volume_node, volume_node_to_image

    geometry = GEOMETRIES["axis-aligned"]
    mask = Image(np.random.default_rng(1).random(SHAPE_KJI) > 0.5, geometry)
    assert np.array_equal(volume_node_to_image(image_to_volume_node(mask)).array, mask.array.astype(np.uint8))
    labels = Image(np.full(SHAPE_KJI, 70000, np.int64), geometry)
    back = volume_node_to_image(image_to_volume_node(labels))
    assert back.array.dtype == np.int32 and np.array_equal(back.array, labels.array)
    with pytest.raises(InvalidVoxelDataError, match="32-bit"):
        image_to_volume_node(Image(np.full(SHAPE_KJI, 2**40, np.int64), geometry))


def test_array_offset_by_image_extent_keeps_positions(scene):
    import slicer
    import vtk

    from GynAILib.volumes import image_to_volume_node, volume_node_to_image

    node = image_to_volume_node(random_image(GEOMETRIES["oblique"]))
    ni, nj, nk = SHAPE_KJI[::-1]
    node.GetImageData().SetExtent(2, ni + 1, 3, nj + 2, 4, nk + 3)   # first voxel is index (2, 3, 4)
    oriented = slicer.vtkSlicerSegmentationsModuleLogic.CreateOrientedImageDataFromVolumeNode(node)
    matrix = vtk.vtkMatrix4x4()
    oriented.GetImageToWorldMatrix(matrix)   # Slicer's own placement of the first voxel
    first_ras = slicer.util.arrayFromVTKMatrix(matrix) @ np.array([*oriented.GetExtent()[::2], 1.0])
    first_lps = volume_node_to_image(node).geometry.index_to_lps([0, 0, 0])
    assert np.allclose(first_lps, [-first_ras[0], -first_ras[1], first_ras[2]], atol=1e-9)


def _thin_plate_spline():
    import vtk

    source, target = vtk.vtkPoints(), vtk.vtkPoints()
    for point in ((0, 0, 0), (50, 0, 0), (0, 50, 0), (0, 0, 50), (40, 40, 40)):
        source.InsertNextPoint(point)
        target.InsertNextPoint(point[0] + 2.0, point[1], point[2] - 1.0)
    spline = vtk.vtkThinPlateSplineTransform()
    spline.SetSourceLandmarks(source)
    spline.SetTargetLandmarks(target)
    spline.SetBasisToR()
    return spline


@pytest.mark.parametrize("kind", ["linear", "non-linear"])
def test_transformed_volume_is_refused(scene, kind):
    from GynAILib.volumes import image_to_volume_node, volume_node_to_image

    node = image_to_volume_node(random_image(GEOMETRIES["axis-aligned"]), "t2")
    if kind == "linear":
        transform = scene.AddNewNodeByClass("vtkMRMLLinearTransformNode", "registration")
    else:
        transform = scene.AddNewNodeByClass("vtkMRMLTransformNode", "registration")
        transform.SetAndObserveTransformToParent(_thin_plate_spline())
    node.SetAndObserveTransformNodeID(transform.GetID())
    with pytest.raises(GeometryError, match=f"under the {kind} transform 'registration'.*[Hh]arden"):
        volume_node_to_image(node)


def test_unusable_nodes_are_refused(scene):
    import slicer

    from GynAILib.volumes import volume_node_to_image

    with pytest.raises(GeometryError, match="no volume"):
        volume_node_to_image(None)
    with pytest.raises(GeometryError, match="no volume"):
        volume_node_to_image(scene.AddNewNodeByClass("vtkMRMLScalarVolumeNode", "empty"))
    rgb = slicer.util.addVolumeFromArray(np.zeros((2, 3, 4, 3), np.uint8), nodeClassName="vtkMRMLVectorVolumeNode")
    with pytest.raises(ImageDimensionError, match="3 components"):
        volume_node_to_image(rgb)


@pytest.mark.parametrize("case", list(GEOMETRIES))
def test_simpleitk_nrrd_read_by_slicer_equals_simpleitk_read(scene, tmp_path, case):
    """The same file through Slicer's reader (volume node -> Image) and through SimpleITK."""
    import slicer

    from GynAILib.volumes import volume_node_to_image

    geometry = GEOMETRIES[case]
    written = sitk.GetImageFromArray(random_image(geometry, np.int16, seed=7).array)
    written.SetSpacing(geometry.spacing_mm)
    written.SetOrigin(geometry.origin_lps_mm)
    written.SetDirection(geometry.direction)
    path = tmp_path / f"{case}.nrrd"
    sitk.WriteImage(written, str(path), useCompression=True)

    read = sitk.ReadImage(str(path))
    by_sitk = Image(sitk.GetArrayFromImage(read), Geometry(read.GetSpacing(), read.GetOrigin(), read.GetDirection()))
    by_slicer = volume_node_to_image(slicer.util.loadVolume(str(path)))
    assert by_slicer.array.dtype == by_sitk.array.dtype
    assert_same_physical_image(by_slicer, by_sitk)
    assert_same_physical_image(by_sitk, by_slicer)
    if case == "left-handed":   # Slicer reverses the slice order to get a right-handed IJK->RAS
        assert np.linalg.det(by_slicer.geometry.direction_matrix) > 0
        assert np.array_equal(by_slicer.array, by_sitk.array[::-1])
    else:
        assert np.array_equal(by_slicer.array, by_sitk.array)
        assert by_slicer.geometry.allclose(by_sitk.geometry, 1e-6)
    labelmap = slicer.util.loadVolume(str(path), {"labelmap": True, "name": "as labels"})
    assert labelmap.IsA("vtkMRMLLabelMapVolumeNode")
    assert np.array_equal(volume_node_to_image(labelmap).array, by_slicer.array)
