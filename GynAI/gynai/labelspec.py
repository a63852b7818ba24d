"""Parse ``--labels`` specifications such as ``1=myometrium,2=endometrium,3=fibroid``."""

from __future__ import annotations

from gynai.errors import LabelError
from gynai.image import LabelInfo
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
