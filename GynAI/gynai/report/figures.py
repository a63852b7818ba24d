"""The pictures of one report, rendered once and shared by the HTML and PDF renderings."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Optional

from gynai.image import Image, LabelImage
from gynai.report.blocks import Figure
from gynai.report.key_images import key_images, thickness_map_figure
from gynai.report.overview3d import render_overview
from gynai.tasks import get_task

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportFigures:
    """Key slices, a 3D overview and (placenta) the retroplacental myometrial thickness map."""

    key_slices: tuple[Figure, ...] = ()
    overview: Optional[Figure] = None
    thickness_map: Optional[Figure] = None


def report_figures(image: Image, labels: LabelImage, task_id: str) -> ReportFigures:
    """Render the key slices, the 3D overview and, for a task with a thickness map (``Task.thickness_map``,
    the placenta), the thickness map."""
    task = get_task(task_id)
    thickness = None
    if task.thickness_map is not None:
        thickness_image = task.thickness_map.load()(labels)
        if thickness_image is not None:
            thickness = thickness_map_figure(image, labels, thickness_image.array)
    figures = ReportFigures(tuple(key_images(image, labels, task_id)), render_overview(labels), thickness)
    logger.debug("report figures: %d key slices, overview %s, thickness map %s", len(figures.key_slices),
                 figures.overview is not None, figures.thickness_map is not None)
    return figures
