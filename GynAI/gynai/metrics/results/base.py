"""Frozen dataclasses that read and write their part of the metrics JSON exactly (schema ``gynai.metrics/1``).

A :class:`JsonRecord`'s fields are its JSON keys, in document order. Field metadata:

- ``flatten``: the field's record is written inline (its keys at this position) and read from the same
  mapping (e.g. a fibroid's shape figures sit beside its FIGO type);
- ``omit_none``: the key is written only when the value is not None (keys that only some documents have).

Unknown keys are kept in the ``extra`` field (written after the known ones), so documents written by later
versions keep them. Reading is tolerant, as documents of earlier versions lack keys: a missing key gives
the field's default, a value of the wrong kind gives None; numbers keep their JSON kind (an int stays an
int), so a document read and written again is byte-identical.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import typing
from functools import lru_cache
from typing import Any, Mapping, Optional, TypeVar, Union

T = TypeVar("T", bound="JsonRecord")
_NONE = type(None)


def number(value: Any) -> Optional[float]:
    """The value when it is a number (int or float, not bool), else None."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _tupled(value: Any) -> Any:
    return tuple(_tupled(item) for item in value) if isinstance(value, (list, tuple)) else value


def json_value(value: Any) -> Any:
    """A value as JSON: records as mappings, tuples as lists (recursively)."""
    if isinstance(value, JsonRecord):
        return value.to_json()
    if isinstance(value, (list, tuple)):
        return [json_value(item) for item in value]
    if isinstance(value, Mapping):
        return {key: json_value(item) for key, item in value.items()}
    return value


def _is_record(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, JsonRecord)


def parse_value(kind: Any, value: Any) -> Any:
    """``value`` read as ``kind`` (a type hint), tolerantly (see the module docstring)."""
    origin, arguments = typing.get_origin(kind), typing.get_args(kind)
    if origin is Union:
        inner = [a for a in arguments if a is not _NONE]
        return None if value is None else parse_value(inner[0], value)
    if kind is Any:
        return value
    if _is_record(kind):
        return kind.from_json(value) if isinstance(value, Mapping) else None
    if kind in (int, float):
        return number(value)
    if kind is bool:
        return value if isinstance(value, bool) else None
    if kind is str:
        return value if isinstance(value, str) else None
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            return None
        item = arguments[0] if arguments else Any
        if _is_record(item):
            return tuple(item.from_json(v) for v in value if isinstance(v, Mapping))
        return _tupled(value)
    if origin in (dict, collections.abc.Mapping) or kind in (dict, Mapping):
        if not isinstance(value, Mapping):
            return None
        item = arguments[1] if len(arguments) == 2 else Any
        if _is_record(item):
            return {key: item.from_json(v) for key, v in value.items() if isinstance(v, Mapping)}
        return dict(value)
    return value


class JsonRecord:
    """Base of the typed results: ``to_json()`` and ``from_json()`` from the dataclass fields."""

    @classmethod
    @lru_cache(maxsize=None)
    def _fields(cls) -> tuple[tuple[dataclasses.Field, Any], ...]:
        hints = typing.get_type_hints(cls)
        return tuple((f, hints[f.name]) for f in dataclasses.fields(cls))  # type: ignore[arg-type]

    @classmethod
    @lru_cache(maxsize=None)
    def json_keys(cls) -> frozenset[str]:
        """Every key this record reads from its mapping (flattened records' keys included)."""
        keys: set[str] = set()
        for item, kind in cls._fields():
            if item.metadata.get("flatten"):
                keys |= kind.json_keys()
            elif item.name != "extra":
                keys.add(item.name)
        return frozenset(keys)

    @classmethod
    def from_json(cls: type[T], data: Mapping[str, Any], keep_extra: bool = True) -> T:
        """Read the record from its JSON mapping (tolerantly, see the module docstring); a flattened record
        is read with ``keep_extra`` False (the enclosing record keeps the unknown keys)."""
        values: dict[str, Any] = {}
        for item, kind in cls._fields():
            if item.metadata.get("flatten"):
                values[item.name] = kind.from_json(data, keep_extra=False)
            elif item.name == "extra":
                known = cls.json_keys()
                values["extra"] = {key: value for key, value in data.items() if key not in known} if keep_extra else {}
            elif item.name in data:
                values[item.name] = parse_value(kind, data[item.name])
        return cls(**values)  # type: ignore[call-arg]

    def json_items(self) -> list[tuple[str, Any]]:
        """``(key, JSON value)`` pairs in document order."""
        items: list[tuple[str, Any]] = []
        for item, _ in self._fields():
            value = getattr(self, item.name)
            if item.metadata.get("flatten"):
                items += value.json_items()
            elif item.name == "extra":
                items += [(key, json_value(v)) for key, v in value.items()]
            elif not (item.metadata.get("omit_none") and value is None):
                items.append((item.name, json_value(value)))
        return items

    def to_json(self) -> dict[str, Any]:
        """The JSON mapping of the record (lists for tuples, nested records as mappings)."""
        return dict(self.json_items())


FLATTEN = {"flatten": True}
OMIT_NONE = {"omit_none": True}


def extra_field() -> Any:
    """The ``extra`` field of a record: unknown keys, written last."""
    return dataclasses.field(default_factory=dict)


@typing.runtime_checkable
class TaskResults(typing.Protocol):
    """The typed metrics block of a task (the record names its class: ``Task.results``).

    Its class measures a segmentation (``measure``) and reads the block of a document (``from_document``);
    an instance writes its top-level document keys (``document_items``), flattens itself into coded
    findings, lists its lesions for a follow-up, gives the figures of lesion n for the SR and the key
    metrics of ``cohort.csv``. ``notes`` say why figures are not assessed.
    """

    notes: tuple[str, ...]

    def document_items(self) -> list[tuple[str, Any]]:
        """The block's top-level keys of the metrics document with their JSON values."""

    def findings(self) -> list:
        """Coded findings (:class:`gynai.metrics.findings.Finding`), in report order."""

    def tracked_lesions(self) -> list:
        """Its lesions as the follow-up tracks them (:class:`gynai.metrics.results.lesion.Lesion`), numbered as
        in the document."""

    def instance_values(self, number: int) -> dict[str, Any]:
        """Figures of lesion ``number`` (1-based), as metrics keys and values, for its SR group."""

    def cohort_row(self) -> dict[str, Any]:
        """The task's key metrics (``Task.cohort_columns``), None where not assessed."""
