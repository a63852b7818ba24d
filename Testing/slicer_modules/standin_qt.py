"""Recording stand-ins for the PythonQt classes GynAI's module files use (installed as ``qt`` in tests,
together with standin_qt_views.py).

Strict on purpose: a widget has only the properties, methods and signals listed for its class (as in Qt 5.15,
which Slicer 5.10+ uses), so a misspelt attribute or a signal the class does not have fails the test instead
of silently doing nothing. Signals are emitted where Qt emits them (a combo box's ``currentIndexChanged``
when items are added or cleared, a spin box's ``valueChanged``), so connected handlers run as in Slicer.
Slots receive as many of the signal's arguments as they accept, as PythonQt does.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable


class StandInError(AssertionError):
    """Module code used a widget in a way the stand-ins (and PythonQt) refuse."""


def call_slot(slot: Callable, args: tuple) -> Any:
    """Call ``slot`` with the leading ``args`` it accepts (PythonQt drops the others)."""
    try:
        parameters = list(inspect.signature(slot).parameters.values())
    except (TypeError, ValueError):
        return slot(*args)
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return slot(*args)
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return slot(*args[:len(positional)])


class QObject:
    """Properties (``PROPERTIES``: name → default), dynamic properties, signals (``SIGNALS``) and children."""

    PROPERTIES: dict[str, Any] = {"objectName": ""}
    READ_ONLY: frozenset[str] = frozenset()
    SIGNALS: frozenset[str] = frozenset({"destroyed()"})

    def __init__(self, parent: Any = None) -> None:
        values: dict[str, Any] = {}
        for cls in reversed(type(self).__mro__):
            values.update(getattr(cls, "PROPERTIES", {}))
        object.__setattr__(self, "_values", values)
        object.__setattr__(self, "_dynamic", {})
        object.__setattr__(self, "_slots", [])
        object.__setattr__(self, "_parent", parent)

    @classmethod
    def signals(cls) -> frozenset[str]:
        """Every signal of the class and its bases."""
        return frozenset().union(*(getattr(c, "SIGNALS", frozenset()) for c in cls.__mro__))

    def __getattr__(self, name: str) -> Any:
        values = object.__getattribute__(self, "_values")
        if name in values:
            return values[name]
        raise AttributeError(f"{type(self).__name__} stand-in has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        elif name in type(self).READ_ONLY:
            raise StandInError(f"{type(self).__name__}.{name} is read-only")
        elif name in self._values:
            old, self._values[name] = self._values[name], value
            if old != value:
                self._changed(name, value)
        else:
            raise StandInError(f"{type(self).__name__} has no property {name!r}")

    def _changed(self, name: str, value: Any) -> None:
        """Emit the change signal of a property (subclasses)."""

    @property
    def name(self) -> str:
        """PythonQt's name of ``objectName``."""
        return self._values["objectName"]

    def property(self, name: str) -> Any:
        """A declared or dynamic property (None when unset, as QVariant() in PythonQt)."""
        return self._values[name] if name in self._values else self._dynamic.get(name)

    def setProperty(self, name: str, value: Any) -> None:
        if name in self._values:
            setattr(self, name, value)
        else:
            self._dynamic[name] = value

    def parent(self) -> Any:
        return self._parent

    def children(self) -> list:
        return []

    def isWidgetType(self) -> bool:
        return False

    def connect(self, signal: str, slot: Callable) -> bool:
        """PythonQt's ``obj.connect("signal(args)", slot)``; an unknown signal fails the test."""
        if signal not in self.signals():
            raise StandInError(f"{type(self).__name__} has no signal {signal}")
        if not callable(slot):
            raise StandInError(f"slot for {signal} is not callable: {slot!r}")
        self._slots.append((signal, slot))
        return True

    def disconnect(self, signal: str, slot: Callable) -> bool:
        before = len(self._slots)
        self._slots[:] = [(s, f) for s, f in self._slots if not (s == signal and f == slot)]
        return len(self._slots) < before

    def connected(self, signal: str) -> list[Callable]:
        """Slots connected to ``signal`` (test helper)."""
        return [f for s, f in self._slots if s == signal]

    def emit(self, signal: str, *args: Any) -> None:
        """Call the slots of ``signal`` (test helper, and used where Qt emits)."""
        assert signal in self.signals(), signal
        for connected_signal, slot in list(self._slots):
            if connected_signal == signal:
                call_slot(slot, args)


class QLayout(QObject):
    PROPERTIES = {"spacing": 6, "leftMargin": 9, "rightMargin": 9, "topMargin": 9, "bottomMargin": 9}

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list = []
        if isinstance(parent, QWidget):
            parent.setLayout(self)

    def addWidget(self, widget: Any, *args: Any) -> None:
        self._items.append(widget)

    def addLayout(self, layout: Any, *args: Any) -> None:
        self._items.append(layout)

    def addRow(self, *items: Any) -> None:
        self._items.extend(item for item in items if isinstance(item, (QWidget, QLayout)))

    def count(self) -> int:
        return len(self._items)

    def children(self) -> list:
        return [item for item in self._items if isinstance(item, QLayout)]

    def widgets(self) -> list:
        """Widgets in this layout and its nested layouts (Qt makes them children of the layout's widget)."""
        found = []
        for item in self._items:
            found.extend(item.widgets() if isinstance(item, QLayout) else [item])
        return found


class QVBoxLayout(QLayout):
    pass


class QHBoxLayout(QLayout):
    pass


class QFormLayout(QLayout):
    pass


class QWidget(QObject):
    PROPERTIES = {"enabled": True, "visible": True, "toolTip": "", "styleSheet": "", "geometry": None,
                  "minimumSize": None, "maximumSize": None, "windowTitle": ""}
    SIGNALS = frozenset({"customContextMenuRequested(QPoint)"})

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._layout = None

    def isWidgetType(self) -> bool:
        return True

    def layout(self) -> Any:
        return self._layout

    def setLayout(self, layout: QLayout) -> None:
        self._layout = layout

    def children(self) -> list:
        return [self._layout, *self._layout.widgets()] if self._layout is not None else []

    def setVisible(self, visible: bool) -> None:
        self.visible = bool(visible)

    def setEnabled(self, enabled: bool) -> None:
        self.enabled = bool(enabled)

    def show(self) -> None:
        self.visible = True

    def hide(self) -> None:
        self.visible = False


class QFrame(QWidget):
    PROPERTIES = {"frameShape": 0, "frameShadow": 0}


class QLabel(QFrame):
    PROPERTIES = {"text": "", "wordWrap": False, "textFormat": 0, "alignment": 0, "openExternalLinks": False}
    SIGNALS = frozenset({"linkActivated(QString)", "linkHovered(QString)"})


class QAbstractButton(QWidget):
    PROPERTIES = {"text": "", "checkable": False, "checked": False, "icon": None}
    SIGNALS = frozenset({"clicked()", "clicked(bool)", "toggled(bool)", "pressed()", "released()"})

    def _changed(self, name: str, value: Any) -> None:
        if name == "checked":
            self.emit("toggled(bool)", value)

    def click(self) -> None:
        """What a user click does: toggles a checkable button, then emits ``clicked(bool)``."""
        if self.checkable:
            self.checked = not self.checked
        self.emit("clicked(bool)", self.checked)
        self.emit("clicked()")


class QPushButton(QAbstractButton):
    PROPERTIES = {"default": False, "flat": False}


class QCheckBox(QAbstractButton):
    SIGNALS = frozenset({"stateChanged(int)"})

    def _changed(self, name: str, value: Any) -> None:
        super()._changed(name, value)
        if name == "checked":
            self.emit("stateChanged(int)", 2 if value else 0)


class QComboBox(QWidget):
    PROPERTIES = {"currentIndex": -1, "editable": False, "currentText": "", "count": 0}
    READ_ONLY = frozenset({"currentText", "count"})
    SIGNALS = frozenset({"currentIndexChanged(int)", "currentIndexChanged(QString)", "currentTextChanged(QString)",
                         "activated(int)"})

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[str] = []

    def _sync(self) -> None:
        index = self._values["currentIndex"]
        self._values["count"] = len(self._items)
        self._values["currentText"] = self._items[index] if 0 <= index < len(self._items) else ""

    def _changed(self, name: str, value: Any) -> None:
        if name == "currentIndex":
            if not -1 <= value < len(self._items):
                raise StandInError(f"QComboBox index {value} out of range (count {len(self._items)})")
            self._sync()
            self.emit("currentIndexChanged(int)", value)
            self.emit("currentIndexChanged(QString)", self.currentText)
            self.emit("currentTextChanged(QString)", self.currentText)

    def addItem(self, text: str, userData: Any = None) -> None:
        if not isinstance(text, str):
            raise StandInError(f"QComboBox.addItem needs a str, got {text!r}")
        self._items.append(text)
        self._sync()
        if self.currentIndex == -1:
            self.currentIndex = 0

    def addItems(self, texts: list) -> None:
        for text in texts:
            self.addItem(text)

    def clear(self) -> None:
        self._items.clear()
        self.currentIndex = -1
        self._sync()

    def itemText(self, index: int) -> str:
        return self._items[index] if 0 <= index < len(self._items) else ""

    def items(self) -> list[str]:
        """The items (test helper)."""
        return list(self._items)

    def findText(self, text: str) -> int:
        return self._items.index(text) if text in self._items else -1

    def setCurrentIndex(self, index: int) -> None:
        self.currentIndex = index


class QAbstractSpinBox(QWidget):
    PROPERTIES = {"readOnly": False, "suffix": "", "prefix": "", "singleStep": 1}


class QSpinBox(QAbstractSpinBox):
    PROPERTIES = {"value": 0, "minimum": 0, "maximum": 99}
    SIGNALS = frozenset({"valueChanged(int)", "valueChanged(QString)"})

    def _changed(self, name: str, value: Any) -> None:
        if name in ("minimum", "maximum"):
            self.value = min(max(self.value, self.minimum), self.maximum)
        elif name == "value":
            clamped = min(max(value, self.minimum), self.maximum)
            if clamped != value:
                self._values["value"] = clamped
            self.emit("valueChanged(int)", clamped)

    def setRange(self, minimum: int, maximum: int) -> None:
        self.minimum, self.maximum = minimum, maximum

    def setMinimum(self, minimum: int) -> None:
        self.minimum = minimum

    def setMaximum(self, maximum: int) -> None:
        self.maximum = maximum

    def setValue(self, value: int) -> None:
        self.value = value
