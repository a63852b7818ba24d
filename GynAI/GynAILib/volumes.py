"""Volume node ⇄ core image, with exact geometry (Slicer RAS ⇄ core LPS)."""

from __future__ import annotations

from typing import Optional

import numpy as np

from gynai.errors import GeometryError, ImageDimensionError
from gynai.image import Geometry, Image


def image_to_volume_node(image: Image, name: str = "", node=None, scene=None):
    """Create (or update) a scalar volume node holding a copy of ``image``.

    Args:
        image: Core image (LPS geometry).
        name: Node name for a new node.
        node: Existing vtkMRMLScalarVolumeNode to update in place.
        scene: Scene for a new node (default ``slicer.mrmlScene``).
    """
    import slicer

    ijk_to_ras = image.geometry.ijk_to_ras()
    if node is None:
        scene = scene or slicer.mrmlScene
        node = scene.AddNewNodeByClass("vtkMRMLScalarVolumeNode", name or "GynAI volume")
        node.CreateDefaultDisplayNodes()
    node.SetIJKToRASMatrix(slicer.util.vtkMatrixFromArray(ijk_to_ras))
    slicer.util.updateVolumeFromArray(node, np.ascontiguousarray(image.array))
    return node


def volume_node_to_image(node) -> Image:
    """A core image (voxels copied) from a scalar volume node.

    Raises:
        GeometryError: The node is under a transform (harden it first) or has no image data.
        ImageDimensionError: Multi-component (vector/RGB) volume.
    """
    import slicer
    import vtk

    if node is None or node.GetImageData() is None:
        raise GeometryError("the volume node has no image data; load a volume first")
    if node.GetParentTransformNode() is not None:
        raise GeometryError(f"volume '{node.GetName()}' is under a transform; harden the transform first "
                            "(Data module, right-click, Harden transform)")
    if node.GetImageData().GetNumberOfScalarComponents() != 1:
        raise ImageDimensionError(f"volume '{node.GetName()}' has several components per voxel; "
                                  "use a scalar (grey-level) volume")
    matrix = vtk.vtkMatrix4x4()
    node.GetIJKToRASMatrix(matrix)
    geometry = Geometry.from_ijk_to_ras(slicer.util.arrayFromVTKMatrix(matrix))
    array = np.array(slicer.util.arrayFromVolume(node), copy=True)
    return Image(array, geometry, {"node_name": node.GetName()})


def volume_node_geometry(node) -> Optional[Geometry]:
    """Geometry of a volume node (None without image data)."""
    import slicer
    import vtk

    if node is None or node.GetImageData() is None:
        return None
    matrix = vtk.vtkMatrix4x4()
    node.GetIJKToRASMatrix(matrix)
    return Geometry.from_ijk_to_ras(slicer.util.arrayFromVTKMatrix(matrix))
