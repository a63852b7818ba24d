"""Rigid alignment of a prior study to the current one, from their organ masks or organ centroids.

With both segmentations, the organs (the uterus for fibroids; myometrium and placenta for the
placenta; the lesion for an adnexal mass), as weighted label maps, are smoothed (σ 2 mm), resampled to
2 mm and registered with a rigid (Euler 3D) transform by mean squares, initialised at the masks' centres
of mass, on two resolution levels (SimpleITK; every voxel is sampled, so the result is repeatable). If
the registration fails the mask centroids are aligned by translation. Without masks only the centroid
shift of the documents' organ structures is used. Either way the result maps prior LPS points into the
current study's LPS space: ``x_current = R · x_prior + t``; the organ Dice on the 2 mm grid before and
after the alignment is its residual.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
import SimpleITK as sitk

from gynai.image import Geometry, LabelImage
from gynai.io.sitk_bridge import array_to_sitk
from gynai.metrics.overlap import dice
from gynai.tasks import get_task

logger = logging.getLogger(__name__)

REGISTRATION_SPACING_MM = 2.0
SMOOTHING_SIGMA_MM = 2.0


@dataclass(frozen=True)
class Alignment:
    """A rigid map from prior to current LPS space and how well the organs agree after it."""

    rotation: np.ndarray
    translation_mm: np.ndarray
    method: str
    organ_dice: Optional[float] = None
    organ_dice_before: Optional[float] = None

    def apply(self, points_lps_mm: Sequence[float] | np.ndarray) -> np.ndarray:
        """Prior LPS point(s) mapped into the current study."""
        points = np.asarray(points_lps_mm, float)
        return points @ self.rotation.T + self.translation_mm

    @property
    def rotation_deg(self) -> float:
        """Angle of the rotation in degrees."""
        return float(np.degrees(np.arccos(np.clip((np.trace(self.rotation) - 1) / 2, -1, 1))))

    def to_dict(self) -> dict:
        """JSON form (``rotation`` row-major 3×3)."""
        return {"method": self.method, "rotation": np.round(self.rotation, 6).tolist(),
                "rotation_deg": round(self.rotation_deg, 3), "translation_mm": np.round(self.translation_mm, 3).tolist(),
                "organ_dice_after_alignment": None if self.organ_dice is None else round(self.organ_dice, 4),
                "organ_dice_before_alignment": None if self.organ_dice_before is None
                else round(self.organ_dice_before, 4)}

    def resampling_transform(self) -> sitk.AffineTransform:
        """The ITK transform that resamples a prior image onto a current grid (current → prior points)."""
        inverse = self.rotation.T
        transform = sitk.AffineTransform(3)
        transform.SetMatrix(inverse.reshape(-1).tolist())
        transform.SetTranslation((-inverse @ self.translation_mm).tolist())
        return transform


def map_labels(array: np.ndarray, source: Geometry, target: Geometry, target_shape: tuple[int, int, int],
               alignment: Alignment) -> np.ndarray:
    """A prior label array [k, j, i] moved by ``alignment`` onto the current grid (nearest neighbour)."""
    reference = array_to_sitk(np.zeros(target_shape, np.uint8), target)
    moved = sitk.Resample(array_to_sitk(array.astype(np.int32), source), reference, alignment.resampling_transform(),
                          sitk.sitkNearestNeighbor, 0, sitk.sitkInt32)
    return sitk.GetArrayFromImage(moved)


def centroid_alignment(prior_centroid_lps_mm, current_centroid_lps_mm) -> Alignment:
    """A pure translation moving the prior organ centroid onto the current one (identity when unknown)."""
    if prior_centroid_lps_mm is None or current_centroid_lps_mm is None:
        return Alignment(np.eye(3), np.zeros(3), "none")
    shift = np.asarray(current_centroid_lps_mm, float) - np.asarray(prior_centroid_lps_mm, float)
    return Alignment(np.eye(3), shift, "organ centroid translation")


def organ_weights(labels: LabelImage, task: str) -> np.ndarray:
    """The organ as a weighted label map (``Task.lesions.organ_weights``: e.g. the endometrium and the placenta
    stand out so that the organ's inner axis fixes the rotation an ellipsoidal outline leaves free; all labels,
    weight 1, when the task's organ labels are absent)."""
    weights = get_task(task).lesions.organ_weights
    table = np.zeros(int(labels.array.max(initial=0)) + 1, np.float32)
    for label in labels.labels:
        if label.id in weights and label.value < table.size:
            table[label.value] = weights[label.id]
    if not table.any():
        table[1:] = 1.0
    return table[labels.array]


def _smoothed_on_grid(weights: np.ndarray, labels: LabelImage, grid: sitk.Image) -> sitk.Image:
    image = array_to_sitk(weights.astype(np.float32), labels.geometry)
    image = sitk.SmoothingRecursiveGaussian(image, SMOOTHING_SIGMA_MM)
    return sitk.Resample(image, grid, sitk.Transform(), sitk.sitkLinear, 0.0, sitk.sitkFloat32)


def _grid_around(masks: list[tuple[np.ndarray, LabelImage]], margin_mm: float = 20.0) -> sitk.Image:
    points = []
    for mask, labels in masks:
        indices = np.argwhere(mask)[:, ::-1]
        low, high = indices.min(axis=0), indices.max(axis=0)
        corners = np.array([[(low, high)[a][0], (low, high)[b][1], (low, high)[c][2]]
                            for a in (0, 1) for b in (0, 1) for c in (0, 1)], float)
        points.append(labels.geometry.index_to_lps(corners))
    stacked = np.concatenate(points)
    low, high = stacked.min(axis=0) - margin_mm, stacked.max(axis=0) + margin_mm
    size = np.ceil((high - low) / REGISTRATION_SPACING_MM).astype(int) + 1
    grid = sitk.Image([int(s) for s in size], sitk.sitkFloat32)
    grid.SetSpacing([REGISTRATION_SPACING_MM] * 3)
    grid.SetOrigin(low.tolist())
    return grid


def _dice(a: sitk.Image, b: sitk.Image) -> float:
    """Dice of the organs (weight ≥ 0.5 after smoothing) on the registration grid (0 when both are empty)."""
    return float(dice(sitk.GetArrayViewFromImage(a) >= 0.5, sitk.GetArrayViewFromImage(b) >= 0.5, empty=0.0))


def _mask_centroid(mask: np.ndarray, labels: LabelImage) -> np.ndarray:
    return labels.geometry.index_to_lps(np.argwhere(mask)[:, ::-1].mean(axis=0))


def align_organs(prior: LabelImage, current: LabelImage, task: str) -> Alignment:
    """Rigid prior → current alignment of the organ masks (see the module docstring).

    Identity (method ``"none"``) when either organ is empty; the translation of the mask centroids when
    the registration fails (e.g. an organ of a few voxels).
    """
    prior_weights, current_weights = organ_weights(prior, task), organ_weights(current, task)
    if not prior_weights.any() or not current_weights.any():
        logger.warning("follow-up: an organ mask is empty, the studies are not aligned")
        return Alignment(np.eye(3), np.zeros(3), "none")
    grid = _grid_around([(prior_weights > 0, prior), (current_weights > 0, current)])
    fixed = _smoothed_on_grid(current_weights, current, grid)
    moving = _smoothed_on_grid(prior_weights, prior, grid)
    try:
        return _register(fixed, moving)
    except RuntimeError as error:
        logger.warning("follow-up: rigid registration failed (%s); aligning the organ centroids instead",
                       str(error).strip().splitlines()[-1] if str(error).strip() else error)
        shift = _mask_centroid(current_weights > 0, current) - _mask_centroid(prior_weights > 0, prior)
        return Alignment(np.eye(3), shift, "organ mask centroid translation")


def _register(fixed: sitk.Image, moving: sitk.Image) -> Alignment:
    """Euler 3D registration of the smoothed organ images; the result maps prior to current points."""
    initial = sitk.CenteredTransformInitializer(fixed, moving, sitk.Euler3DTransform(),
                                                sitk.CenteredTransformInitializerFilter.MOMENTS)
    method = sitk.ImageRegistrationMethod()
    method.SetMetricAsMeanSquares()
    method.SetInterpolator(sitk.sitkLinear)
    method.SetOptimizerAsRegularStepGradientDescent(learningRate=2.0, minStep=1e-3, numberOfIterations=300,
                                                     relaxationFactor=0.6, gradientMagnitudeTolerance=1e-10)
    method.SetShrinkFactorsPerLevel([2, 1])
    method.SetSmoothingSigmasPerLevel([1.0, 0.0])
    method.SetInitialTransform(initial, inPlace=False)
    method.SetOptimizerScalesFromPhysicalShift()
    method.SetMetricSamplingStrategy(method.NONE)
    transform = method.Execute(fixed, moving)
    logger.debug("follow-up registration: %s", method.GetOptimizerStopConditionDescription())
    aligned = sitk.Resample(moving, fixed, transform, sitk.sitkLinear, 0.0, sitk.sitkFloat32)
    # ITK maps fixed (current) points to moving (prior) points: x_prior = A x_current + c; invert it
    euler = sitk.Euler3DTransform(sitk.CompositeTransform(transform).GetNthTransform(0)) \
        if transform.GetName() == "CompositeTransform" else sitk.Euler3DTransform(transform)
    matrix = np.array(euler.GetMatrix()).reshape(3, 3)
    centre, offset = np.array(euler.GetCenter()), np.array(euler.GetTranslation())
    constant = centre + offset - matrix @ centre
    rotation = matrix.T
    alignment = Alignment(rotation, -rotation @ constant, "rigid registration of organ masks", _dice(fixed, aligned),
                          _dice(fixed, moving))
    logger.debug("follow-up alignment: %.2f deg, shift %s mm, organ Dice %.3f", alignment.rotation_deg,
                 np.round(alignment.translation_mm, 2), alignment.organ_dice)
    return alignment
