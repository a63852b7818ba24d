"""Key images: one slice per lesion through its largest cross-section, outlines in the label colours,
the lesion outlined in white, and a scale bar of the stated length."""

import numpy as np
import pytest

from gynai.image import Geometry, Image, LabelImage
from gynai.report.key_images import key_images, render_key_slice
from gynai.tasks import get_task

LABELS = get_task("uterus-fibroid").labels       # myometrium 1, endometrium 2, fibroid 3
SPACING = (0.8, 0.8, 3.0)


def uterus_with_two_fibroids() -> tuple[Image, LabelImage, dict[int, int]]:
    """A box of myometrium with two fibroid boxes; returns the slice of largest area of each fibroid."""
    array = np.zeros((12, 120, 140), np.uint8)
    array[1:11, 20:100, 20:120] = 1
    array[2:9, 30:60, 30:60] = 3                   # fibroid 1: 7 slices of 30 × 30
    array[5, 30:60, 30:60] = 3
    array[6:8, 70:85, 90:105] = 3                  # fibroid 2: 2 slices of 15 × 15 ...
    array[7, 68:87, 88:107] = 3                    # ... the largest at k = 7
    intensity = 100.0 + 50.0 * array.astype(np.float32)        # grey, far below the window's top …
    intensity[0, :, :30] = 1000.0                               # … set by a bright strip away from the uterus
    image = Image(intensity, Geometry(SPACING))
    return image, LabelImage(array, Geometry(SPACING), LABELS), {1: 2, 2: 7}


def test_one_key_image_per_fibroid_through_its_largest_slice():
    image, labels, largest = uterus_with_two_fibroids()
    figures = key_images(image, labels, "uterus-fibroid")
    assert [f.title for f in figures] == ["Overview", "Fibroid 1", "Fibroid 2"]
    assert figures[2].slice_index == largest[2]
    assert figures[1].slice_index in range(2, 9)   # fibroid 1 has the same area on all its slices
    for figure in figures:
        assert f"slice {figure.slice_index + 1} of 12" in figure.caption and "scale bar" in figure.caption


def test_outlines_highlight_and_scale_bar_length():
    image, labels, _ = uterus_with_two_fibroids()
    highlight = labels.array == 3
    rgb, bar_mm = render_key_slice(image, labels, 7, highlight, margin_mm=10.0)
    width_px = rgb.shape[1]
    columns = (120 - 20) + 2 * int(10.0 / 0.8)                     # labelled extent plus the margin
    mm_per_px = columns * 0.8 / width_px
    assert bar_mm == max(b for b in (50.0, 20.0, 10.0, 5.0) if b / mm_per_px <= width_px / 4)
    bar_row = rgb[rgb.shape[0] - 11]
    white = np.flatnonzero((bar_row == 255).all(axis=1))
    assert white[0] == 10 and len(white) == int(round(bar_mm / mm_per_px))   # one run from x = 10
    myometrium_colour = (np.array(LABELS[0].color_rgb) * 255).astype(np.uint8)
    assert (rgb == myometrium_colour).all(axis=2).any()                      # myometrium outline drawn
    white_pixels = (rgb == 255).all(axis=2)
    assert white_pixels.sum() > len(white) * 4                               # the white fibroid outline too
    assert white_pixels.mean() < 0.1                                         # outlines and bar only, not filled


def test_png_of_a_key_image_decodes_to_the_rendered_pixels():
    image, labels, _ = uterus_with_two_fibroids()
    figure = key_images(image, labels, "uterus-fibroid")[1]
    from io import BytesIO

    from PIL import Image as PILImage

    rgb = np.asarray(PILImage.open(BytesIO(figure.png)).convert("RGB"))
    assert rgb.shape == (figure.size_px[1], figure.size_px[0], 3)
    expected, _ = render_key_slice(image, labels, figure.slice_index, (labels.array == 3) &
                                   (np.arange(labels.array.shape[2])[None, None, :] < 70))
    assert np.array_equal(rgb, expected)
