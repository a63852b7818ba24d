"""GynAI's segment terminology: the coded concepts of every label, read from ``GynAI.term.json``.

``Resources/Terminology/GynAI.term.json`` is a Slicer terminology context (dcmqi segment-context
schema: ``SegmentationCodes.Category[].Type[]``) listing the category/type codes GynAI writes. Slicer
loads it so that the Segment Editor shows GynAI's concepts; the core library reads it to tag segments
in ``.seg.nrrd`` files and, later, DICOM SEG. Each task's label table (:mod:`gynai.tasks`) names the
codes; :func:`segment_terminology` checks that they are in the context file.

A segment's terminology is serialised as Slicer does: seven ``~``-separated fields
``context~category~type~typeModifier~regionContext~region~regionModifier`` with codes written as
``scheme^value^meaning`` (``^^`` when absent).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

from gynai.errors import LabelError
from gynai.resources import resource_path
from gynai.labels.codes import Code
from gynai.tasks.record import SegmentSpec, Task

TERMINOLOGY_FILE = "GynAI.term.json"
REGION_CONTEXT = "Anatomic codes - DICOM master list"
"""Slicer's anatomic-region context; it contains the regions GynAI uses (uterus, ovary)."""


@dataclass(frozen=True)
class TerminologyContext:
    """The parsed context: its name and the (category, type) code pairs with their recommended colours."""

    name: str
    entries: dict[tuple[str, str, str, str], tuple[Code, Code, Optional[tuple[int, int, int]]]]

    def find(self, category: Code, type_code: Code) -> tuple[Code, Code, Optional[tuple[int, int, int]]]:
        """The context's entry for a category/type pair.

        Raises:
            LabelError: If the pair is not in the context file.
        """
        key = (category.scheme, category.value, type_code.scheme, type_code.value)
        if key not in self.entries:
            raise LabelError(f"terminology has no type {type_code.scheme}:{type_code.value} ({type_code.meaning}) in "
                             f"category {category.meaning}; add it to {TERMINOLOGY_FILE}")
        return self.entries[key]


def _code(item: dict) -> Code:
    return Code(str(item["CodeValue"]), str(item["CodingSchemeDesignator"]), str(item["CodeMeaning"]))


def load_context(path: Optional[Path] = None) -> TerminologyContext:
    """Read a terminology context file (GynAI's own when ``path`` is None).

    Raises:
        LabelError: If the file is not a segmentation category/type context.
    """
    path = Path(path) if path is not None else resource_path("Terminology", TERMINOLOGY_FILE)
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
        name = str(content["SegmentationCategoryTypeContextName"])
        categories = content["SegmentationCodes"]["Category"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise LabelError(f"{path.name} is not a readable terminology context ({error}); reinstall GynAI") from None
    entries = {}
    for category_item in categories:
        category = _code(category_item)
        for type_item in category_item.get("Type", []):
            type_code = _code(type_item)
            rgb = type_item.get("recommendedDisplayRGBValue")
            entries[(category.scheme, category.value, type_code.scheme, type_code.value)] = (
                category, type_code, tuple(int(c) for c in rgb) if rgb else None)
    return TerminologyContext(name, entries)


@lru_cache(maxsize=1)
def gynai_context() -> TerminologyContext:
    """GynAI's shipped context (read once)."""
    return load_context()


def _field(code: Optional[Code]) -> str:
    return "^^" if code is None else f"{code.scheme}^{code.value}^{code.meaning}"


def segment_terminology(spec: SegmentSpec, context: Optional[TerminologyContext] = None) -> str:
    """Slicer's serialised terminology entry for one label of a task.

    Raises:
        LabelError: If the label's codes are not in the terminology context.
    """
    context = context or gynai_context()
    category, type_code, _ = context.find(spec.category, spec.type)
    return "~".join([context.name, _field(category), _field(type_code), "^^", REGION_CONTEXT, _field(spec.region),
                     "^^"])


def task_terminology(task: Task) -> dict[str, str]:
    """Serialised terminology entry per label id of a task (for ``.seg.nrrd`` tags and MRML segments)."""
    return {spec.label.id: segment_terminology(spec) for spec in task.segments}


def parse_terminology(entry: str) -> dict[str, Optional[Code]]:
    """Split a serialised terminology entry into its coded fields (``None`` where empty).

    Raises:
        LabelError: If the entry does not have Slicer's seven ``~``-separated fields.
    """
    fields = entry.split("~")
    if len(fields) != 7:
        raise LabelError(f"terminology entry has {len(fields)} fields, expected 7: {entry[:80]}")

    def code(text: str) -> Optional[Code]:
        parts = text.split("^")
        if len(parts) != 3 or not parts[1]:
            return None
        return Code(parts[1], parts[0], parts[2])

    return {"category": code(fields[1]), "type": code(fields[2]), "type_modifier": code(fields[3]),
            "region": code(fields[5]), "region_modifier": code(fields[6])}
