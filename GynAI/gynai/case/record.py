"""One case: an image, its segmentation on a task's label table, reference regions, provenance and priors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

import numpy as np

from gynai.image import Image, LabelImage


@dataclass(frozen=True)
class Prior:
    """A prior study to compare with (the follow-up comparison).

    Attributes:
        metrics: Its ``gynai.metrics/1`` document.
        labels: Its segmentation (any grid), for a rigid alignment of the organs and lesion matching by mask
            overlap; None: alignment by the organ centroid, matching by centroid distance.
        label: Its name in the report (study date or file name).
        earlier: Older studies for the trend only, oldest first: ``(label, metrics document)``.
    """

    metrics: Mapping[str, Any]
    labels: Optional[LabelImage] = None
    label: str = "prior"
    earlier: tuple[tuple[str, Mapping[str, Any]], ...] = ()


@dataclass
class Case:
    """Everything measured and reported about one study.

    Attributes:
        image: The image (its modality decided where it was read).
        labels: The segmentation on the image grid, on the task's label table.
        task: Task id.
        references: Reference tissue masks by name (``muscle``, ``myometrium``) on the image grid.
        model: Provenance of the model that made the segmentation (:mod:`gynai.models.provenance`), or None
            for a segmentation supplied by the user.
        source: Names of the inputs (``image``, ``segmentation``), kept in the metrics.
        prior: A prior study, for the follow-up comparison.
    """

    image: Image
    labels: LabelImage
    task: str
    references: dict[str, np.ndarray] = field(default_factory=dict)
    model: Optional[dict] = None
    source: dict[str, str] = field(default_factory=dict)
    prior: Optional[Prior] = None
