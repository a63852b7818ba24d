"""The task registry: one module per task (:mod:`gynai.tasks.uterus_fibroid`, :mod:`gynai.tasks.placenta`,
:mod:`gynai.tasks.adnexal_mass`), each holding a :class:`~gynai.tasks.record.Task` record with everything
task-specific. Code elsewhere asks the record (``get_task(task_id).lesions.kind`` …) instead of comparing
task names. Adding a task = a task module listed in :data:`TASKS`, its implementations and its model.

Task ids and display names of labels are a contract, relied on by users (DESIGN.md §2).
"""

from __future__ import annotations

from gynai.errors import LabelError, UsageError
from gynai.labels.codes import Code
from gynai.tasks import adnexal_mass, placenta, uterus_fibroid
from gynai.tasks.record import SegmentSpec, Task

__all__ = ["MODALITY_NAMES", "TASKS", "Code", "SegmentSpec", "Task", "get_task", "label_synonyms",
           "task_description", "task_of_template"]

TASKS: dict[str, Task] = {task.id: task for task in (uterus_fibroid.TASK, placenta.TASK, adnexal_mass.TASK)}
"""Every task by id, in the order the command line and the modules list them."""

MODALITY_NAMES = {"MR": "MRI", "US": "3D transvaginal ultrasound", "CT": "CT"}
"""How reports and model cards name a modality."""


def get_task(task_id: str) -> Task:
    """Return the task with this id.

    Raises:
        LabelError: If the task is unknown (the message lists the known tasks).
    """
    try:
        return TASKS[task_id]
    except KeyError:
        raise LabelError(f"unknown task '{task_id}'; choose one of: {', '.join(TASKS)}") from None


def task_description(task_id: str, modality: str) -> str:
    """The task's description, or for a model of another modality its labels on that modality."""
    task = get_task(task_id)
    if modality == task.modality:
        return task.description
    return f"{', '.join(label.name for label in task.labels)} on {MODALITY_NAMES.get(modality, modality)}"


def task_of_template(template: str) -> Task:
    """The task whose report template is ``template`` (a task id is accepted as its own template).

    Raises:
        UsageError: No task has that template.
    """
    for task in TASKS.values():
        if template in (task.report.id, task.id):
            return task
    raise UsageError(f"unknown report template {template!r}; choose from "
                     f"{', '.join(task.report.id for task in TASKS.values())}")


def label_synonyms() -> dict[str, tuple[str, ...]]:
    """Other names accepted for a label, by label id, over every task (for segmentations of any task)."""
    synonyms: dict[str, tuple[str, ...]] = {}
    for task in TASKS.values():
        for spec in task.segments:
            synonyms[spec.label.id] = tuple(dict.fromkeys(synonyms.get(spec.label.id, ()) + spec.synonyms))
    return synonyms
