"""Conversion between core images and SimpleITK images (both use LPS physical space)."""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk

from gynai.image import Geometry, Image


def geometry_from_sitk(image: sitk.Image) -> Geometry:
    """The :class:`Geometry` of a 3D SimpleITK image."""
    return Geometry(image.GetSpacing(), image.GetOrigin(), image.GetDirection())


def apply_geometry(image: sitk.Image, geometry: Geometry) -> sitk.Image:
    """Set spacing, origin and direction of ``image`` in place and return it."""
    image.SetSpacing(geometry.spacing_mm)
    image.SetOrigin(geometry.origin_lps_mm)
    image.SetDirection(geometry.direction)
    return image


def array_to_sitk(array: np.ndarray, geometry: Geometry) -> sitk.Image:
    """A SimpleITK image from a [k, j, i] array and a geometry (the array is copied)."""
    return apply_geometry(sitk.GetImageFromArray(np.ascontiguousarray(array)), geometry)


def image_to_sitk(image: Image) -> sitk.Image:
    """A SimpleITK image from a core :class:`Image` (voxels copied)."""
    return array_to_sitk(image.array, image.geometry)
