"""Which ``@parameterNodeWrapper`` annotations Slicer's GUI connectors accept for which widget class.

Written (not copied) from Slicer's ``Base/Python/slicer/parameterNodeWrapper/guiConnectors.py`` at tag
**v5.10.0** (commit a2b6d082be); the file is byte-identical at v5.12.3 and at main 583e9b37 (Aug 2026).
v5.8.1 differs (no ``ctkCheckablePushButton`` and ``ctkColorPickerButton`` connectors, float-only double
spin boxes), but GynAI does not support Slicer 5.8.

Slicer tries its connectors in registration order and uses the first whose ``canRepresent`` is true; the
widget class is compared exactly (``type(widget) in (...)``, so a subclass does not match). Some connectors
then raise (a combo box bound to a plain ``str``: "ComboBoxToStringableConnector requires the Choice
annotation to be used"; an unbounded ``QSlider``/``ctkSliderWidget``), and when none matches
``createGuiConnector`` raises "Unable to create GUI connector".

One project rule is stricter than Slicer: an int or float bound to a spin box needs ``WithinRange`` (or
both ``Minimum`` and ``Maximum``); without it Slicer silently replaces the range set in the .ui file with
-2**31..2**31-1 (±inf for floats), which GynAI treats as a defect.
"""

from __future__ import annotations

import enum
import pathlib
import types
import typing
from dataclasses import dataclass
from typing import Any, Optional

SLICER_SOURCE = "Slicer v5.10.0 Base/Python/slicer/parameterNodeWrapper/guiConnectors.py"
INT_UNBOUNDED = (-(2**31), 2**31 - 1)
PATH_TYPES = (pathlib.Path, pathlib.PosixPath, pathlib.WindowsPath, pathlib.PurePath, pathlib.PurePosixPath,
              pathlib.PureWindowsPath)


class BindingError(Exception):
    """A widget/annotation pair that Slicer's connectors refuse (or that the project rule refuses)."""


@dataclass(frozen=True)
class Bounds:
    """What the validators ``WithinRange``/``Minimum``/``Maximum`` say about a number (duck-typed)."""

    minimum: Optional[float]
    maximum: Optional[float]

    @property
    def bounded(self) -> bool:
        """Both ends known (Slicer's ``isBounded``)."""
        return self.minimum is not None and self.maximum is not None


@dataclass(frozen=True)
class Binding:
    """The connector Slicer would create and what it does to the widget.

    Attributes:
        connector: Slicer's connector class name.
        choices: Items the connector puts into a combo box (it clears the box first).
        bounds: Range the connector sets on a spin box or slider.
        node_types: ``nodeTypes`` the connector sets on a ``qMRMLNodeComboBox``.
        enum_type: Enum of a combo box bound to an Enum.
    """

    connector: str
    choices: Optional[tuple] = None
    bounds: Optional[Bounds] = None
    node_types: Optional[tuple[str, ...]] = None
    enum_type: Optional[type] = None


def split_annotation(annotation: Any) -> tuple[Any, tuple]:
    """``(type, extras)`` of a possibly ``Annotated`` type (Slicer's ``splitAnnotations``)."""
    if typing.get_origin(annotation) is typing.Annotated:
        base, *extras = typing.get_args(annotation)
        return base, tuple(extras)
    return annotation, ()


def _named(extras: tuple, name: str) -> Optional[Any]:
    return next((extra for extra in extras if type(extra).__name__ == name), None)


def bounds_of(extras: tuple) -> Bounds:
    """Range from ``WithinRange`` (preferred, as in Slicer) or from ``Minimum``/``Maximum``."""
    within = _named(extras, "WithinRange")
    if within is not None:
        return Bounds(within.minimum, within.maximum)
    minimum, maximum = _named(extras, "Minimum"), _named(extras, "Maximum")
    return Bounds(minimum.minimum if minimum else None, maximum.maximum if maximum else None)


def choices_of(extras: tuple) -> Optional[tuple]:
    """Choices of a ``Choice`` annotation, or None."""
    choice = _named(extras, "Choice")
    return tuple(choice.choices) if choice is not None else None


def _node_base() -> type:
    import slicer

    return slicer.vtkMRMLNode


def node_types(base: Any) -> Optional[tuple[str, ...]]:
    """MRML class names of a node type or ``Union`` of node types (``None`` allowed in the union), else None."""
    node = _node_base()
    if isinstance(base, type) and issubclass(base, node):
        return (base.__name__,)
    if typing.get_origin(base) in (typing.Union, types.UnionType):
        members = [split_annotation(arg)[0] for arg in typing.get_args(base)]
        nodes = [m for m in members if isinstance(m, type) and issubclass(m, node)]
        if nodes and all(m is type(None) or m in nodes for m in members):
            return tuple(m.__name__ for m in nodes)
    return None


def _need_bounds(widget_class: str, bounds: Bounds, slicer_raises: bool) -> None:
    if bounds.bounded:
        return
    if slicer_raises:
        raise BindingError(f"{widget_class}: Slicer raises 'Cannot have a connection to {widget_class} where the "
                           f"type is unbounded' ({SLICER_SOURCE}); add WithinRange")
    raise BindingError(f"{widget_class}: without WithinRange Slicer replaces the .ui range with an unbounded one "
                       f"({SLICER_SOURCE}); add WithinRange(minimum, maximum)")


def connector_for(widget_class: str, annotation: Any) -> Binding:
    """The connector Slicer creates for ``widget_class`` (the .ui class name) and ``annotation``.

    Raises:
        BindingError: Slicer's connectors refuse the pair (or the project's spin-box range rule does); the
            message says which rule and where Slicer decides it.
    """
    base, extras = split_annotation(annotation)
    if widget_class in ("QCheckBox", "ctkCheckBox") and base is bool:
        return Binding("QCheckBoxToBoolConnector")
    if widget_class == "QPushButton" and base is bool:
        return Binding("QCheckablePushButtonToBoolConnector")
    if widget_class == "ctkCheckablePushButton" and base is bool:
        return Binding("ctkCheckablePushButtonToBoolConnector")
    if widget_class in ("QSlider", "QSpinBox") and base is int:
        bounds = bounds_of(extras)
        _need_bounds(widget_class, bounds, slicer_raises=widget_class == "QSlider")
        return Binding("QSliderOrSpinBoxToIntConnector", bounds=bounds)
    if widget_class in ("QDoubleSpinBox", "ctkSliderWidget", "qMRMLSliderWidget", "ctkDoubleSlider",
                        "ctkDoubleSpinBox", "qMRMLSpinBox") and base in (float, int):
        bounds = bounds_of(extras)
        _need_bounds(widget_class, bounds, slicer_raises=widget_class in ("ctkSliderWidget", "qMRMLSliderWidget"))
        return Binding("QDoubleSpinBoxCtkSliderWidgetToFloatIntConnector", bounds=bounds)
    if widget_class in ("QComboBox", "ctkComboBox"):
        if base in (int, float, str, bool):
            choices = choices_of(extras)
            if choices is None:
                raise BindingError(f"{widget_class} bound to a plain {base.__name__}: Slicer raises "
                                   f"'ComboBoxToStringableConnector requires the Choice annotation to be used' "
                                   f"({SLICER_SOURCE}); use Annotated[{base.__name__}, Choice([...])] or an Enum")
            return Binding("QComboBoxToStringableConnector", choices=choices)
        if isinstance(base, type) and issubclass(base, enum.Enum):
            return Binding("QComboBoxToEnumConnector", enum_type=base, choices=tuple(base))
    if base is str and widget_class in ("QLineEdit", "QLabel", "QTextEdit"):
        return Binding({"QLineEdit": "QLineEditToStrConnector", "QLabel": "QLabelToStrConnector",
                        "QTextEdit": "QTextEditPlainTextToStrConnector"}[widget_class])
    if widget_class in ("ctkPathLineEdit", "ctkDirectoryButton") and base in PATH_TYPES:
        return Binding(f"{widget_class}ToPathConnector")
    if widget_class == "qMRMLNodeComboBox":
        names = node_types(base)
        if names is not None:
            return Binding("qMRMLNodeComboBoxToNodeConnector", node_types=names)
    raise BindingError(f"Slicer has no GUI connector from {annotation!r} to {widget_class} ('Unable to create GUI "
                       f"connector', {SLICER_SOURCE}; range widgets, color pickers and parameter packs are not "
                       f"in this table: extend it from that file when GynAI needs them)")
