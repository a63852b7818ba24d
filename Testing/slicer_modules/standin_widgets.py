"""Stand-ins for the CTK and qMRML widgets of GynAI's .ui files, and a ``loadUI`` that builds them.

``load_ui`` reads a Qt Designer file like Slicer's ``slicer.util.loadUI`` (QUiLoader): one stand-in per
``<widget>``/``<layout>`` with the properties the file sets (an unknown property becomes a dynamic property,
as ``SlicerParameterName`` is in Qt), and the ``<connections>`` wired. A class without a stand-in fails the
test, so every widget class a .ui file uses is listed here with the API Slicer gives it.
"""

from __future__ import annotations

import types
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import standin_qt as qt
import standin_qt_views as views
from standin_qt import QAbstractButton, QObject, QWidget, StandInError


class ctkCollapsibleButton(QAbstractButton):
    PROPERTIES = {"collapsed": False, "collapsedHeight": 14, "contentsFrameShape": 0}
    SIGNALS = frozenset({"contentsCollapsed(bool)"})

    def _changed(self, name: str, value: Any) -> None:
        super()._changed(name, value)
        if name == "collapsed":
            self.emit("contentsCollapsed(bool)", value)


class ctkPathLineEdit(QWidget):
    Dirs, Drives, Files, NoDot, NoDotDot, Readable, Writable, Executable = 1, 4, 2, 0x2000, 0x4000, 16, 32, 64
    PROPERTIES = {"currentPath": "", "filters": None, "nameFilters": None, "label": "", "showBrowseButton": True}
    SIGNALS = frozenset({"currentPathChanged(QString)", "validInputChanged(bool)"})

    def _changed(self, name: str, value: Any) -> None:
        if name == "currentPath":
            self.emit("currentPathChanged(QString)", value)


class qMRMLWidget(QWidget):
    SIGNALS = frozenset({"mrmlSceneChanged(vtkMRMLScene*)"})

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._scene = None

    def setMRMLScene(self, scene: Any) -> None:
        self._scene = scene
        self.emit("mrmlSceneChanged(vtkMRMLScene*)", scene)

    def mrmlScene(self) -> Any:
        return self._scene


class qMRMLNodeComboBox(qMRMLWidget):
    """Selects the first matching node when a scene is set and ``noneEnabled`` is off, as Slicer's does."""

    PROPERTIES = {"nodeTypes": [], "noneEnabled": False, "addEnabled": True, "removeEnabled": True,
                  "renameEnabled": False, "showChildNodeTypes": True, "hideChildNodeTypes": [],
                  "showHidden": False, "selectNodeUponCreation": True, "baseName": ""}
    SIGNALS = frozenset({"currentNodeChanged(vtkMRMLNode*)", "currentNodeChanged(bool)",
                         "currentNodeIDChanged(QString)", "nodeAdded(vtkMRMLNode*)"})

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._current = None

    def _accepts(self, node: Any) -> bool:
        if node is None:
            return True
        if node.GetHideFromEditors() or any(node.IsA(hidden) for hidden in self.hideChildNodeTypes or []):
            return False
        if self.showChildNodeTypes:
            return any(node.IsA(kind) for kind in self.nodeTypes)
        return node.GetClassName() in self.nodeTypes

    def _candidates(self) -> list:
        if self._scene is None:
            return []
        nodes = [self._scene.GetNthNode(i) for i in range(self._scene.GetNumberOfNodes())]
        return [node for node in nodes if self._accepts(node)]

    def setMRMLScene(self, scene: Any) -> None:
        super().setMRMLScene(scene)
        if self._current is None and not self.noneEnabled and self._candidates():
            self.setCurrentNode(self._candidates()[0])

    def currentNode(self) -> Any:
        return self._current

    def currentNodeID(self) -> str:
        return self._current.GetID() if self._current is not None else ""

    def setCurrentNode(self, node: Any) -> None:
        if node is not None and (self._scene is None or not self._accepts(node)):
            return          # Qt ignores a node its model does not hold
        if node is not self._current:
            self._current = node
            self.emit("currentNodeChanged(vtkMRMLNode*)", node)
            self.emit("currentNodeChanged(bool)", node is not None)
            self.emit("currentNodeIDChanged(QString)", self.currentNodeID())


class qMRMLTableView(qMRMLWidget):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._table = None

    def setMRMLTableNode(self, node: Any) -> None:
        if node is not None and not node.IsA("vtkMRMLTableNode"):
            raise StandInError(f"setMRMLTableNode needs a vtkMRMLTableNode, got {node.GetClassName()}")
        self._table = node

    def mrmlTableNode(self) -> Any:
        return self._table


CLASSES: dict[str, type] = {
    cls.__name__: cls for cls in (
        qt.QWidget, qt.QFrame, qt.QLabel, qt.QPushButton, qt.QCheckBox, qt.QComboBox, qt.QSpinBox,
        views.QProgressBar, views.QPlainTextEdit, views.QTableWidget, views.QTextBrowser,
        qt.QVBoxLayout, qt.QHBoxLayout, qt.QFormLayout, ctkCollapsibleButton, ctkPathLineEdit, qMRMLWidget,
        qMRMLNodeComboBox, qMRMLTableView)}
"""Widget and layout classes the stand-in ``loadUI`` can build, by .ui class name."""


def _value(prop: ElementTree.Element) -> Any:
    """Python value of a Designer ``<property>`` (string, bool, number, set, enum, stringlist, ...)."""
    child = prop[0]
    if child.tag == "bool":
        return child.text == "true"
    if child.tag == "number":
        return int(child.text)
    if child.tag == "double":
        return float(child.text)
    if child.tag == "stringlist":
        return [item.text or "" for item in child.iter("string")]
    if child.tag in ("string", "set", "enum", "cstring"):
        return child.text or ""
    return {item.tag: item.text for item in child}


def _build(element: ElementTree.Element, parent: Any, named: dict) -> Any:
    kind = element.get("class")
    if kind not in CLASSES:
        raise StandInError(f"no stand-in for the .ui class {kind}: add it to standin_widgets.CLASSES with the "
                           f"API Slicer gives it")
    cls = CLASSES[kind]
    obj = cls(parent if issubclass(cls, QWidget) else None)     # a layout is owned through setLayout
    obj.setProperty("objectName", element.get("name") or "")
    named[obj.name] = obj
    for prop in element.findall("property"):
        if prop.get("name") not in ("geometry",):
            obj.setProperty(prop.get("name"), _value(prop))
    if isinstance(obj, QWidget):
        for child in element:
            if child.tag in ("layout", "widget"):
                built = _build(child, obj, named)
                if child.tag == "layout":
                    obj.setLayout(built)
    else:                                    # a layout: its items
        for item in element.findall("item"):
            for child in item:
                if child.tag == "widget":
                    obj.addWidget(_build(child, parent, named))
                elif child.tag == "layout":
                    obj.addLayout(_build(child, parent, named))
    return obj


def load_ui(path: str) -> QWidget:
    """Stand-in for ``slicer.util.loadUI``: the .ui file's top widget with its children and connections.

    Raises:
        RuntimeError: The file does not exist (as Slicer's ``loadUI``).
    """
    if not Path(path).is_file():
        raise RuntimeError(f"Could not load UI file: file not found {path}")
    root = ElementTree.parse(path).getroot()
    named: dict[str, QObject] = {}
    top = _build(root.find("widget"), None, named)
    for connection in root.iter("connection"):
        sender, receiver = named[connection.findtext("sender")], named[connection.findtext("receiver")]
        slot_name = connection.findtext("slot").split("(")[0]
        if not hasattr(receiver, slot_name):
            raise StandInError(f"{connection.findtext('receiver')} has no slot {connection.findtext('slot')}")
        sender.connect(connection.findtext("signal"), getattr(receiver, slot_name))
    return top


def find_children(widget: Any) -> list:
    """All descendants, as Slicer's ``slicer.util.findChildren`` walks ``children()``."""
    found, parents = [], [widget]
    while parents:
        current = parents.pop()
        children = current.children()
        parents += children
        found.append(current)
    return found


def child_widget_variables(widget: Any) -> types.SimpleNamespace:
    """Stand-in for ``slicer.util.childWidgetVariables``: every named descendant as an attribute."""
    ui = types.SimpleNamespace()
    for child in find_children(widget):
        if child.name:
            setattr(ui, child.name, child)
    return ui


def ui_widget_classes(path: Path) -> dict[str, str]:
    """objectName → class of every widget in a .ui file (layouts excluded)."""
    return {w.get("name"): w.get("class") for w in ElementTree.parse(path).iter("widget")}
