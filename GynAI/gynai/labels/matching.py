"""Segments of a user's segmentation matched to a task's labels, reference regions and the rest.

A Slicer segmentation names its segments freely. The same rules apply to ``gynai measure``/``gynai report``
(a ``.seg.nrrd``) and to GynAIReport in Slicer:

* a segment whose name (case, spaces and underscores ignored) is a task label's id, display name or a
  synonym (:data:`SYNONYMS`) becomes that label; a trailing number is allowed, so ``Fibroid 1``,
  ``Fibroid 2`` … are all fibroid (one instance each after the fibroid map's splitting);
* a segment named as a reference region (:data:`REFERENCE_SEGMENT_NAMES`: ``Muscle``/``Skeletal muscle``,
  ``Myometrium`` where it is not a label of the task) becomes a reference mask;
* any other segment is left out, with a warning naming it.

A segmentation with no segment of the task at all is refused: it was almost certainly made for another
task (or its segments need renaming), and measuring it would only report empty structures.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Iterable, Optional, Sequence

import numpy as np

from gynai.errors import LabelError
from gynai.image import LabelImage, LabelInfo
from gynai.tasks import get_task, label_synonyms

logger = logging.getLogger(__name__)

SYNONYMS: dict[str, tuple[str, ...]] = label_synonyms()
"""Other names accepted for a task label (``SegmentSpec.synonyms``; normalised: lower case, words joined by ``-``)."""

REFERENCE_SEGMENT_NAMES: dict[str, tuple[str, ...]] = {"muscle": ("muscle", "skeletal-muscle"),
                                                       "myometrium": ("myometrium",)}
"""Reference regions: ``muscle`` gives the fibroid Funaki class its skeletal-muscle reference (and the
fibroid T2 ratio to muscle); ``myometrium`` gives an adnexal mass's solid tissue its ratio to myometrium."""


@dataclass(frozen=True)
class MatchedSegments:
    """A segmentation re-expressed on a task's label table, with its reference masks."""

    labels: LabelImage
    """Labels on the task's table (every task label listed, missing ones empty)."""
    references: dict[str, np.ndarray] = field(default_factory=dict)
    """Reference masks by name (``muscle``, ``myometrium``) on the label grid."""
    matched: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Task label id → names of the segments that became it."""
    ignored: tuple[str, ...] = ()
    """Names of segments that are neither task labels nor reference regions."""


def normalise_name(name: str) -> str:
    """``"Skeletal  muscle_2"`` → ``"skeletal-muscle-2"``."""
    return re.sub(r"[\s_\-]+", "-", name.strip().lower()).strip("-")


def _without_number(name: str) -> str:
    return re.sub(r"-?\d+$", "", name)


def label_for_segment(name: str, labels: Sequence[LabelInfo]) -> Optional[LabelInfo]:
    """The label of ``labels`` that a segment called ``name`` stands for, or None (rules above)."""
    keys: dict[str, LabelInfo] = {}
    for label in labels:
        for key in (label.id, normalise_name(label.name), *SYNONYMS.get(label.id, ())):
            keys.setdefault(key, label)
    normalised = normalise_name(name)
    return keys.get(normalised) or keys.get(_without_number(normalised))


def reference_for_segment(name: str, label_ids: Iterable[str]) -> Optional[str]:
    """The reference region a segment called ``name`` gives (``muscle``/``myometrium``), or None.

    A name that is a label of the task (``label_ids``) is not a reference region.
    """
    normalised, ids = normalise_name(name), set(label_ids)
    for reference, names in REFERENCE_SEGMENT_NAMES.items():
        if reference not in ids and normalised in names:
            return reference
    return None


def match_segments(label_image: LabelImage, task_id: str) -> MatchedSegments:
    """Match the segments of ``label_image`` to ``task_id`` (rules in the module docstring).

    Raises:
        LabelError: No segment is a label of the task, or voxels carry a value without a segment.
    """
    unknown = label_image.unknown_values()
    if unknown:
        raise LabelError(f"label values {unknown} have no segment name; name them or remove them")
    task = get_task(task_id)
    task_ids = [label.id for label in task.labels]
    lookup = np.zeros(max([label.value for label in label_image.labels] + [0]) + 1, dtype=np.uint8)
    matched: dict[str, list[str]] = {}
    references: dict[str, np.ndarray] = {}
    ignored: list[str] = []
    for segment in label_image.labels:
        target = label_for_segment(segment.name, task.labels) or label_for_segment(segment.id, task.labels)
        if target is not None:
            lookup[segment.value] = target.value
            matched.setdefault(target.id, []).append(segment.name)
            continue
        reference = reference_for_segment(segment.name, task_ids) or reference_for_segment(segment.id, task_ids)
        if reference is not None:
            mask = label_image.array == segment.value
            references[reference] = references[reference] | mask if reference in references else mask
        else:
            ignored.append(segment.name)
    if not matched:
        found = ", ".join(repr(label.name) for label in label_image.labels) or "none"
        raise LabelError(f"no segment is a label of task '{task_id}' (expected "
                         f"{', '.join(label.name for label in task.labels)}; found {found}); "
                         "rename the segments or choose the task they belong to")
    if ignored:
        logger.warning("segments left out (not labels of task '%s' nor reference regions): %s", task_id,
                       ", ".join(ignored))
    missing = [label.name for label in task.labels if label.id not in matched]
    if missing:
        logger.info("task '%s' labels without a segment (reported as not present): %s", task_id, ", ".join(missing))
    labels = LabelImage(lookup[label_image.array], label_image.geometry, task.labels)
    return MatchedSegments(labels, references, {k: tuple(v) for k, v in matched.items()}, tuple(ignored))
