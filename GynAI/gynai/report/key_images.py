"""Key images of a report: axial slices through each structure or lesion with coloured outlines and a
scale bar, rendered headlessly with numpy (no display, no plotting library).

Slices are shown in voxel (i, j) order at their true aspect ratio; the scale bar (10, 20 or 50 mm, the
largest that fits in a quarter of the width) is drawn in the lower left and named in the caption.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
from scipy import ndimage

from gynai.image import Image, LabelImage
from gynai.report.blocks import Figure
from gynai.report.png import encode_png, window
from gynai.tasks import get_task

TARGET_WIDTH_PX = 384
SCALE_BARS_MM = (50.0, 20.0, 10.0, 5.0)


def _resample_indices(image: Image, height: int, width: int) -> tuple[np.ndarray, np.ndarray, float]:
    spacing_i, spacing_j = image.geometry.spacing_mm[0], image.geometry.spacing_mm[1]
    mm_per_px = width * spacing_i / TARGET_WIDTH_PX
    rows = np.clip((np.arange(int(round(height * spacing_j / mm_per_px))) * mm_per_px / spacing_j).astype(int),
                   0, height - 1)
    cols = np.clip((np.arange(TARGET_WIDTH_PX) * mm_per_px / spacing_i).astype(int), 0, width - 1)
    return rows, cols, mm_per_px


def _field_of_view(labels: LabelImage, k: int, margin_mm: float) -> tuple[slice, slice]:
    """Rows and columns of slice ``k`` around all labelled voxels of the volume, plus a margin."""
    present = labels.array.any(axis=0)
    if not present.any():
        return slice(None), slice(None)
    j, i = np.nonzero(present)
    margin_j = int(margin_mm / labels.geometry.spacing_mm[1])
    margin_i = int(margin_mm / labels.geometry.spacing_mm[0])
    return (slice(max(j.min() - margin_j, 0), j.max() + margin_j + 1),
            slice(max(i.min() - margin_i, 0), i.max() + margin_i + 1))


def render_key_slice(image: Image, labels: LabelImage, k: int, highlight: Optional[np.ndarray] = None,
                     margin_mm: float = 30.0) -> tuple[np.ndarray, float]:
    """RGB slice ``k`` around the labelled region (plus ``margin_mm``) with every label's outline in its
    colour (``highlight`` outlined in white) and a scale bar; returns the image and the bar length in mm."""
    rows_view, cols_view = _field_of_view(labels, k, margin_mm)
    grey = window(image.array[k][rows_view, cols_view].astype(float), image.array)
    rows, cols, mm_per_px = _resample_indices(image, *grey.shape)
    rgb = np.repeat(grey[rows][:, cols][..., None], 3, axis=2).astype(np.uint8)
    for label in labels.labels:
        mask = (labels.array[k][rows_view, cols_view] == label.value)[rows][:, cols]
        edge = mask & ~ndimage.binary_erosion(mask)
        rgb[edge] = (np.array(label.color_rgb) * 255).astype(np.uint8)
    if highlight is not None:
        mask = highlight[k][rows_view, cols_view][rows][:, cols]
        edge = ndimage.binary_dilation(mask & ~ndimage.binary_erosion(mask))
        rgb[edge] = 255
    bar_mm = next((b for b in SCALE_BARS_MM if b / mm_per_px <= rgb.shape[1] / 4), SCALE_BARS_MM[-1])
    length = max(int(round(bar_mm / mm_per_px)), 1)
    top = rgb.shape[0] - 12
    rgb[max(top, 0):max(top, 0) + 4, 10:10 + length] = 255
    return rgb, bar_mm


def _largest_slice(mask: np.ndarray) -> Optional[int]:
    counts = mask.reshape(mask.shape[0], -1).sum(axis=1)
    return int(np.argmax(counts)) if counts.max() > 0 else None


def _key(image: Image, labels: LabelImage, title: str, mask: np.ndarray, highlight: bool) -> Optional[Figure]:
    k = _largest_slice(mask)
    if k is None:
        return None
    rgb, bar_mm = render_key_slice(image, labels, k, mask if highlight else None)
    caption = f"{title}: slice {k + 1} of {image.array.shape[0]}; scale bar {bar_mm:g} mm"
    return Figure(title, encode_png(rgb), (rgb.shape[1], rgb.shape[0]), caption, k)


def key_images(image: Image, labels: LabelImage, task_id: str, max_lesions: int = 6) -> list[Figure]:
    """An overview slice plus one slice through each lesion (the task's lesions, ``Task.lesions``: fibroids and
    adnexal lesions largest first, as numbered in the metrics; the placenta), outlines in the label colours,
    the lesion of each image outlined in white."""
    lesions = get_task(task_id).lesions
    instances = lesions.instance_map.load()(labels)
    out = [_key(image, labels, "Overview", labels.array > 0, False)]
    for number in range(1, min(int(instances.max(initial=0)), max_lesions) + 1):
        out.append(_key(image, labels, lesions.key_image_title.format(n=number), instances == number, True))
    return [item for item in out if item is not None]


THICKNESS_CLASSES_MM = ((1.0, (220, 40, 40)), (3.0, (245, 160, 40)), (6.0, (240, 225, 60)), (np.inf, (60, 170, 90)))
"""Colour of the retroplacental myometrial thickness map: < 1 mm red, 1–3 orange, 3–6 yellow, ≥ 6 green."""


def thickness_map_figure(image: Image, labels: LabelImage, thickness_mm: np.ndarray) -> Optional[Figure]:
    """The slice with the most placental-bed voxels, the bed coloured by myometrial thickness classes.

    Args:
        image: The T2 image.
        labels: The segmentation (its outlines are drawn too).
        thickness_mm: Thickness per voxel on the image grid (mm on the placental bed, negative elsewhere).
    """
    bed = thickness_mm >= 0
    k = _largest_slice(bed)
    if k is None:
        return None
    rgb, bar_mm = render_key_slice(image, labels, k)
    rows_view, cols_view = _field_of_view(labels, k, 30.0)
    rows, cols, _ = _resample_indices(image, *image.array[k][rows_view, cols_view].shape)
    values = thickness_mm[k][rows_view, cols_view][rows][:, cols]
    grown = ndimage.grey_dilation(np.where(values >= 0, values, np.inf) * -1, size=3) * -1
    painted = np.isfinite(grown)
    lower = 0.0
    for upper, colour in THICKNESS_CLASSES_MM:
        rgb[painted & (grown >= lower) & (grown < upper)] = colour
        lower = upper
    caption = (f"Retroplacental myometrial thickness on the placental bed, slice {k + 1} of {image.array.shape[0]}: "
               f"red < 1 mm (thin or absent), orange 1–3 mm, yellow 3–6 mm, green ≥ 6 mm; scale bar {bar_mm:g} mm")
    return Figure("Myometrial thickness map", encode_png(rgb), (rgb.shape[1], rgb.shape[0]), caption, k)
