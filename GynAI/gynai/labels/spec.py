"""Label tables from the user: ``--labels`` specifications and re-mapping onto a task's table."""

from __future__ import annotations

import numpy as np

from gynai.errors import LabelError
from gynai.image import LabelImage, LabelInfo
from gynai.tasks import get_task


def parse_label_spec(spec: str, task_id: str) -> tuple[LabelInfo, ...]:
    """Label table from a ``value=id`` list; ids must belong to the task (display names/colours from it).

    Raises:
        LabelError: On a malformed item, a non-positive or repeated value, or an id unknown to the task.
    """
    task = get_task(task_id)
    known = {label.id: label for label in task.labels}
    labels = []
    for item in (part.strip() for part in spec.split(",") if part.strip()):
        value_text, _, label_id = item.partition("=")
        if not value_text.strip().isdigit() or not label_id.strip():
            raise LabelError(f"bad label item '{item}'; write value=id, e.g. 1=myometrium")
        label_id = label_id.strip().lower()
        if label_id not in known:
            raise LabelError(f"label '{label_id}' is not part of task '{task_id}'; use one of: {', '.join(known)}")
        template = known[label_id]
        labels.append(LabelInfo(int(value_text), template.id, template.name, template.color_rgb))
    if not labels:
        raise LabelError(f"no labels in '{spec}'; write e.g. 1=myometrium,2=endometrium,3=fibroid")
    return tuple(_check_unique(labels))


def _check_unique(labels: list[LabelInfo]) -> list[LabelInfo]:
    """Reject repeated values or ids (same rules as LabelImage)."""
    values = [label.value for label in labels]
    ids = [label.id for label in labels]
    if len(set(values)) != len(values) or len(set(ids)) != len(ids) or min(values) <= 0:
        raise LabelError(f"label values and ids must be unique and values > 0, got {values} / {ids}")
    return labels


def to_task_labels(label_image: LabelImage, task_id: str) -> LabelImage:
    """Re-express a label image with a task's label table, matching labels by id (values may differ).

    Labels of the image that the task does not have are refused; task labels missing from the image stay
    empty.

    Raises:
        LabelError: If a label id of the image is unknown to the task.
    """
    task_labels = get_task(task_id).labels
    by_id = {label.id: label for label in task_labels}
    unknown = [label.name for label in label_image.labels if label.id not in by_id]
    if unknown:
        raise LabelError(f"segments {', '.join(unknown)} are not labels of task '{task_id}' "
                         f"({', '.join(by_id)}); rename or remove them")
    values = label_image.unknown_values()
    if values:
        raise LabelError(f"label values {values} have no entry in the label table; name them or remove them")
    lookup = np.zeros(max([label.value for label in label_image.labels] + [0]) + 1, dtype=np.uint8)
    for label in label_image.labels:
        lookup[label.value] = by_id[label.id].value
    array = lookup[label_image.array]
    return LabelImage(array, label_image.geometry, task_labels)
