"""Segmentation tasks and their label tables (a contract: ids and display names are relied on by users).

Label values are exclusive per voxel. Derived structures (e.g. ``uterus`` = myometrium ∪ endometrium ∪
fibroid; ``adnexal-mass`` whole lesion = cystic part ∪ solid tissue) are computed by the metrics code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from gynai.errors import LabelError
from gynai.image import LabelInfo


@dataclass(frozen=True)
class Code:
    """A coded concept (value, coding scheme designator, meaning), e.g. ``Code("35039007", "SCT", "Uterus")``."""

    value: str
    scheme: str
    meaning: str


@dataclass(frozen=True)
class SegmentSpec:
    """A label of a task with its display properties and terminology codes."""

    label: LabelInfo
    category: Code
    type: Code
    region: Optional[Code] = None


@dataclass(frozen=True)
class Task:
    """A segmentation task: its id, description and the exclusive labels it produces."""

    id: str
    description: str
    modality: str
    segments: tuple[SegmentSpec, ...]

    @property
    def labels(self) -> tuple[LabelInfo, ...]:
        """The label table of this task."""
        return tuple(spec.label for spec in self.segments)


_ANATOMY = Code("91723000", "SCT", "Anatomical Structure")
_TISSUE = Code("85756007", "SCT", "Tissue")
_ABNORMAL = Code("49755003", "SCT", "Morphologically Abnormal Structure")
# Myometrium has no verified standard code: a GynAI private code is used (Resources/Terminology/GynAI.term.json).
MYOMETRIUM = Code("GYNAI-0001", "99GYNAI", "Myometrium")
UTERUS = Code("35039007", "SCT", "Uterus")
OVARY = Code("15497006", "SCT", "Ovary")


def _spec(value: int, ident: str, name: str, rgb: tuple[int, int, int], category: Code, code: Code,
          region: Optional[Code] = None) -> SegmentSpec:
    color = tuple(round(c / 255.0, 4) for c in rgb)
    return SegmentSpec(LabelInfo(value, ident, name, color), category, code, region)  # type: ignore[arg-type]


TASKS: dict[str, Task] = {
    "uterus-fibroid": Task(
        "uterus-fibroid",
        "Uterus with myometrium, endometrium and leiomyomas (fibroids) on T2-weighted pelvic MRI",
        "MR",
        (
            _spec(1, "myometrium", "Myometrium", (216, 101, 79), _TISSUE, MYOMETRIUM),
            _spec(2, "endometrium", "Endometrium", (241, 214, 145), _ANATOMY, Code("2739003", "SCT", "Endometrium")),
            _spec(3, "fibroid", "Fibroid", (111, 184, 210), _ABNORMAL, Code("44598004", "SCT", "Leiomyoma"),
                  UTERUS),
        ),
    ),
    "placenta": Task(
        "placenta",
        "Pregnant uterus: myometrium, placenta and urinary bladder on T2-weighted MRI",
        "MR",
        (
            _spec(1, "myometrium", "Myometrium", (216, 101, 79), _TISSUE, MYOMETRIUM),
            _spec(2, "placenta", "Placenta", (190, 80, 170), _ANATOMY, Code("78067005", "SCT", "Placenta")),
            _spec(3, "bladder", "Bladder", (222, 198, 101), _ANATOMY, Code("89837001", "SCT", "Urinary bladder")),
        ),
    ),
    "adnexal-mass": Task(
        "adnexal-mass",
        "Adnexal mass (cystic part) and its solid tissue on MRI",
        "MR",
        (
            _spec(1, "adnexal-mass", "Adnexal mass", (144, 238, 144), _ABNORMAL, Code("4147007", "SCT", "Mass"),
                  OVARY),
            _spec(2, "solid-tissue", "Solid tissue", (230, 60, 60), _ABNORMAL, Code("108369006", "SCT", "Neoplasm"),
                  OVARY),
        ),
    ),
}


MODALITY_NAMES = {"MR": "MRI", "US": "3D transvaginal ultrasound", "CT": "CT"}
"""How reports and model cards name a modality."""


def task_description(task_id: str, modality: str) -> str:
    """The task's description, or for a model of another modality its labels on that modality."""
    task = get_task(task_id)
    if modality == task.modality:
        return task.description
    return f"{', '.join(label.name for label in task.labels)} on {MODALITY_NAMES.get(modality, modality)}"


def get_task(task_id: str) -> Task:
    """Return the task with this id.

    Raises:
        LabelError: If the task is unknown (the message lists the known tasks).
    """
    try:
        return TASKS[task_id]
    except KeyError:
        raise LabelError(f"unknown task '{task_id}'; choose one of: {', '.join(TASKS)}") from None
