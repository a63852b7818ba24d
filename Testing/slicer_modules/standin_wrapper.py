"""Stand-in for ``slicer.parameterNodeWrapper`` that enforces :mod:`gui_rules` (installed in tests).

What it does as Slicer's wrapper does (v5.10.0 ``wrapper.py``/``guiConnectors.py``, read, not copied):

- ``@parameterNodeWrapper`` reads the class's type hints (``typing.get_type_hints(include_extras=True)``,
  so an annotation that does not resolve fails at import) and gives the class one property per field whose
  value lives in the wrapped ``vtkMRMLScriptedModuleNode`` (node references for MRML nodes);
- assigning a value checks its type and the ``Choice``/``WithinRange``/``Minimum``/``Maximum`` validators;
- ``connectGui(gui)`` binds every widget of ``gui`` whose ``SlicerParameterName`` property is set: the name
  must be a field, :func:`gui_rules.connector_for` must accept the widget class and annotation, and then the
  connector does to the widget what Slicer's does (a combo box is cleared and filled with the choices, a spin
  box gets the range, a node combo box gets ``nodeTypes``), writes the value (a value missing from the
  choices raises ``ValueError`` as Slicer's does) and follows the widget's change signal;
- ``disconnectGui(tag)`` undoes the signal connections.
"""

from __future__ import annotations

import enum
import json
import typing
from typing import Any, Optional

import gui_rules
from standin_qt import StandInError
from standin_widgets import find_children


class Validator:
    """Base of the stand-in validators (names and arguments as in Slicer's ``validators.py``)."""

    def validate(self, value: Any) -> None:
        raise NotImplementedError


class WithinRange(Validator):
    def __init__(self, minimum: Any, maximum: Any) -> None:
        self.minimum, self.maximum = minimum, maximum

    def validate(self, value: Any) -> None:
        if not self.minimum <= value <= self.maximum:
            raise ValueError(f"Value must be within range [{self.minimum}, {self.maximum}], is {value}")


class Minimum(Validator):
    def __init__(self, minimum: Any) -> None:
        self.minimum = minimum

    def validate(self, value: Any) -> None:
        if value < self.minimum:
            raise ValueError(f"Value must be at least {self.minimum}, is {value}")


class Maximum(Validator):
    def __init__(self, maximum: Any) -> None:
        self.maximum = maximum

    def validate(self, value: Any) -> None:
        if value > self.maximum:
            raise ValueError(f"Value must be at most {self.maximum}, is {value}")


class Choice(Validator):
    def __init__(self, choices: Any) -> None:
        self.choices = choices

    def validate(self, value: Any) -> None:
        if value not in self.choices:
            raise ValueError(f"Value is {value}, but must be in one of the following: {self.choices}")


class Field:
    """One parameter: annotation, plain type, validators, default, and how it is kept in the node."""

    def __init__(self, name: str, annotation: Any, default: Any) -> None:
        self.name, self.annotation = name, annotation
        self.base, extras = gui_rules.split_annotation(annotation)
        self.validators = [extra for extra in extras if isinstance(extra, Validator)]
        self.node_types = gui_rules.node_types(self.base)
        if self.node_types is None and self.base not in (str, int, float, bool) and not self._is_enum() \
                and self.base not in gui_rules.PATH_TYPES:
            raise StandInError(f"parameter {name}: the stand-in wrapper does not model {annotation!r}; extend it")
        self.default = default
        self.check(default)

    def _is_enum(self) -> bool:
        return isinstance(self.base, type) and issubclass(self.base, enum.Enum)

    def check(self, value: Any) -> None:
        """Type and validators, as Slicer's serializers and validators check a written value."""
        if self.node_types is not None:
            if value is not None and not any(value.IsA(kind) for kind in self.node_types):
                raise TypeError(f"{self.name} must be one of {self.node_types} or None, got {value.GetClassName()}")
            return
        expected = (int, float) if self.base is float else self.base
        if not isinstance(value, expected) or (self.base is int and isinstance(value, bool)):
            raise TypeError(f"{self.name} must be {self.base.__name__}, got {value!r}")
        for validator in self.validators:
            validator.validate(value)

    def store(self, node: Any, value: Any) -> None:
        if self.node_types is not None:
            node.SetNodeReferenceID(self.name, value.GetID() if value is not None else None)
        elif self._is_enum():
            node.SetParameter(self.name, value.name)
        else:
            node.SetParameter(self.name, json.dumps(str(value) if self.base in gui_rules.PATH_TYPES else value))

    def load(self, node: Any) -> Any:
        if self.node_types is not None:
            return node.GetNodeReference(self.name)
        text = node.GetParameter(self.name)
        if not text:
            return self.default
        if self._is_enum():
            return self.base[text]
        value = json.loads(text)
        return self.base(value) if self.base in gui_rules.PATH_TYPES else value


def _default_of(base: Any) -> Any:
    return {str: "", int: 0, float: 0.0, bool: False}.get(base)


class Connector:
    """What Slicer's connector for one widget does, reduced to the stand-in widgets' API."""

    SIGNALS = {"QComboBoxToStringableConnector": "currentIndexChanged(int)",
               "QComboBoxToEnumConnector": "currentIndexChanged(int)",
               "QSliderOrSpinBoxToIntConnector": "valueChanged(int)",
               "QCheckBoxToBoolConnector": "stateChanged(int)",
               "QCheckablePushButtonToBoolConnector": "toggled(bool)",
               "ctkPathLineEditToPathConnector": "currentPathChanged(QString)",
               "qMRMLNodeComboBoxToNodeConnector": "currentNodeChanged(vtkMRMLNode*)"}

    def __init__(self, widget: Any, binding: gui_rules.Binding, field: Field) -> None:
        if binding.connector not in self.SIGNALS:
            raise StandInError(f"the stand-in wrapper does not model {binding.connector}; extend it")
        self.widget, self.binding, self.field = widget, binding, field
        self.signal = self.SIGNALS[binding.connector]
        if binding.choices is not None:
            widget.clear()
            for choice in binding.choices:
                label = getattr(type(choice), "label", lambda c: c.name)(choice) if binding.enum_type else str(choice)
                widget.addItem(label)
        if binding.bounds is not None:
            widget.setRange(binding.bounds.minimum, binding.bounds.maximum)
        if binding.node_types is not None:
            widget.nodeTypes = list(binding.node_types)
        if binding.connector == "QCheckablePushButtonToBoolConnector":
            widget.checkable = True

    def read(self) -> Any:
        if self.binding.choices is not None:
            return self.binding.choices[self.widget.currentIndex]
        if self.binding.node_types is not None:
            return self.widget.currentNode()
        if self.binding.connector == "ctkPathLineEditToPathConnector":
            return self.field.base(self.widget.currentPath)
        return self.widget.checked if self.field.base is bool else self.widget.value

    def write(self, value: Any) -> None:
        if self.binding.choices is not None:
            if value not in self.binding.choices:
                raise ValueError(f"Unable to find value {value} in choices {self.binding.choices}")
            self.widget.currentIndex = list(self.binding.choices).index(value)
        elif self.binding.node_types is not None:
            self.widget.setCurrentNode(value)
        elif self.binding.connector == "ctkPathLineEditToPathConnector":
            self.widget.currentPath = str(value)
        elif self.field.base is bool:
            self.widget.checked = value
        else:
            self.widget.value = value


class _Wrapper:
    """Base of the classes ``parameterNodeWrapper`` makes; ``fields`` is set per class."""

    fields: dict[str, Field] = {}

    def __init__(self, parameterNode: Any) -> None:
        if parameterNode is None or not parameterNode.IsA("vtkMRMLScriptedModuleNode"):
            raise TypeError(f"a parameter node wrapper needs a vtkMRMLScriptedModuleNode, got {parameterNode!r}")
        self.parameterNode = parameterNode
        self._guis: dict[int, list[tuple[str, Connector, Any]]] = {}
        self._next_tag = 0
        self._writing = False

    def _get(self, name: str) -> Any:
        return self.fields[name].load(self.parameterNode)

    def _set(self, name: str, value: Any, source: Optional[Connector] = None) -> None:
        self.fields[name].check(value)
        self.fields[name].store(self.parameterNode, value)
        self._writing = True
        try:
            for connections in self._guis.values():
                for param, connector, _ in connections:
                    if param == name and connector is not source:
                        connector.write(value)
        finally:
            self._writing = False

    def connectGui(self, gui: Any) -> int:
        """Bind the widgets of ``gui`` (a widget or a ``childWidgetVariables`` namespace); returns a tag."""
        is_widget = getattr(gui, "isWidgetType", lambda: False)()
        widgets = find_children(gui) if is_widget else list(vars(gui).values())
        connections = []
        for widget in widgets:
            name = widget.property("SlicerParameterName")
            if not name:
                continue
            if name not in self.fields:
                raise ValueError(f"{widget.name}: SlicerParameterName {name!r} is not a parameter of "
                                 f"{type(self).__name__}")
            field = self.fields[name]
            connector = Connector(widget, gui_rules.connector_for(type(widget).__name__, field.annotation), field)
            connector.write(self._get(name))

            def changed(*args: Any, param: str = name, source: Connector = connector) -> None:
                if not self._writing:
                    self._set(param, source.read(), source)

            widget.connect(connector.signal, changed)
            connections.append((name, connector, changed))
        tag, self._next_tag = self._next_tag, self._next_tag + 1
        self._guis[tag] = connections
        return tag

    def disconnectGui(self, tag: int) -> None:
        for _, connector, callback in self._guis.pop(tag, []):
            connector.widget.disconnect(connector.signal, callback)

    def connected_widgets(self) -> list[str]:
        """objectNames of the widgets bound now (test helper)."""
        return [c.widget.name for connections in self._guis.values() for _, c, _ in connections]


def parameterNodeWrapper(cls: type) -> type:
    """The stand-in ``@parameterNodeWrapper``: one validated property per annotated field of ``cls``."""
    hints = typing.get_type_hints(cls, include_extras=True)
    fields = {}
    for name, annotation in hints.items():
        base = gui_rules.split_annotation(annotation)[0]
        default = getattr(cls, name) if hasattr(cls, name) else _default_of(base)
        fields[name] = Field(name, annotation, default)
    namespace = {"fields": fields, "__doc__": cls.__doc__, "__module__": cls.__module__}
    for name in fields:
        namespace[name] = property(lambda self, n=name: self._get(n), lambda self, value, n=name: self._set(n, value))
    return type(cls.__name__, (_Wrapper,), namespace)


def standin_module() -> Any:
    """A module object to install as ``slicer.parameterNodeWrapper``."""
    import types

    module = types.ModuleType("slicer.parameterNodeWrapper")
    for item in (parameterNodeWrapper, Choice, WithinRange, Minimum, Maximum, Validator):
        setattr(module, item.__name__, item)
    return module
