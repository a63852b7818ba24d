"""Install what a GynAI module file needs from Slicer's Python side, so pytest can run it for real.

Real: slicer-core's ``slicer`` package (MRML classes, ``slicer.util`` with ``VTKObservationMixin``) with the
headless context of ``Testing/mrml/headless_slicer.py`` (``slicer.mrmlScene``, ``slicer.app``).
Stand-ins (Slicer's own Python files are not copied; these are written from reading them at v5.10.0):

- ``qt`` and ``ctk``: :mod:`standin_qt`, :mod:`standin_widgets`;
- ``slicer.ScriptedLoadableModule``: the four base classes, with the behaviour module files rely on
  (``parent`` fields, ``resourcePath``, the singleton parameter node, ``slicer.selfTests`` and ``runTest``);
- ``slicer.i18n`` (``tr``/``translate`` return the text) and ``slicer.parameterNodeWrapper``
  (:mod:`standin_wrapper`, which enforces :mod:`gui_rules`);
- ``slicer.util.loadUI``/``childWidgetVariables`` (built from the .ui file), ``tryWithErrorDisplay``
  (records the error and re-raises it, as Slicer's does), message boxes that record and answer "cancel";
- ``slicer.app``: the headless app plus ``majorVersion``/``minorVersion`` and ``connect`` for
  ``startupCompleted()``.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import logging
import os
import sys
import types
import unittest
from pathlib import Path
from typing import Any, Callable, Iterator

import standin_qt
import standin_qt_views
import standin_widgets
import standin_wrapper
from standin_qt import StandInError

ROOT = Path(__file__).resolve().parents[2]
logger = logging.getLogger(__name__)


class ModuleParent(types.SimpleNamespace):
    """The ``qSlicerScriptedLoadableModule`` a module class receives (``path`` is the module file)."""


class ModuleWidgetParent(standin_widgets.qMRMLWidget):
    """The ``qSlicerScriptedLoadableModuleWidget`` a widget class receives; Slicer sets ``isEntered``."""

    PROPERTIES = {"isEntered": False}

    def __init__(self) -> None:
        super().__init__()
        self.setLayout(standin_qt.QVBoxLayout())


class ScriptedLoadableModule:
    def __init__(self, parent: ModuleParent) -> None:
        import slicer

        self.parent = parent
        self.moduleName = type(self).__name__
        parent.title, parent.categories, parent.dependencies = "", [], []
        parent.contributors, parent.helpText, parent.acknowledgementText = [], "", ""
        slicer.selfTests[self.moduleName] = self.runTest

    def resourcePath(self, filename: str) -> str:
        return os.path.join(os.path.dirname(self.parent.path), "Resources", filename)

    def runTest(self, msec: int = 100, **kwargs: Any) -> None:
        """As Slicer's: the module's ``<Name>Test`` class, instantiated without arguments, ``runTest()``."""
        module = importlib.import_module(type(self).__module__)
        test_case = getattr(module, self.moduleName + "Test")()
        test_case.messageDelay = msec
        test_case.runTest(**kwargs)


class ScriptedLoadableModuleWidget:
    def __init__(self, parent: Any = None) -> None:
        import slicer

        self.moduleName = type(self).__name__.removesuffix("Widget")
        self.developerMode = False
        self.parent = parent if parent is not None else ModuleWidgetParent()
        if parent is None:
            self.parent.setMRMLScene(slicer.mrmlScene)
        self.layout = self.parent.layout()
        if parent is None:
            self.setup()
            self.parent.show()

    def resourcePath(self, filename: str) -> str:
        import slicer

        return os.path.join(os.path.dirname(slicer.util.modulePath(self.moduleName)), "Resources", filename)

    def setup(self) -> None:
        """The developer section is only added in developer mode (off here)."""

    def cleanup(self) -> None:
        pass


class ScriptedLoadableModuleLogic:
    def __init__(self, parent: Any = None) -> None:
        super().__init__()
        self.moduleName = type(self).__name__.removesuffix("Logic")
        self.isSingletonParameterNode = True

    def getParameterNode(self) -> Any:
        """The scene's singleton ``vtkMRMLScriptedModuleNode`` of the module, created when missing."""
        import slicer

        node = slicer.mrmlScene.GetSingletonNode(self.moduleName, "vtkMRMLScriptedModuleNode")
        if node is not None:
            if node.GetAttribute("ModuleName") != self.moduleName:
                node.SetAttribute("ModuleName", self.moduleName)
            return node
        node = slicer.mrmlScene.CreateNodeByClass("vtkMRMLScriptedModuleNode")
        node.UnRegister(None)
        node.SetSingletonTag(self.moduleName)
        node.SetAttribute("ModuleName", self.moduleName)
        node.SetName(slicer.mrmlScene.GenerateUniqueName(self.moduleName))
        return slicer.mrmlScene.AddNode(node)


class ScriptedLoadableModuleTest(unittest.TestCase):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.messageDelay = 50

    def delayDisplay(self, message: str, requestedDelay: Any = None, msec: Any = None) -> None:
        logger.info("delayDisplay: %s", message)

    def takeScreenshot(self, name: str, description: str, type: int = -1) -> None:
        pass


class StandInApp:
    """``slicer.app``: the headless app, a version, and the ``startupCompleted()`` signal."""

    SIGNALS = ("startupCompleted()",)

    def __init__(self, inner: Any, version: tuple[int, int]) -> None:
        self._inner = inner
        self.majorVersion, self.minorVersion = version
        self.connections: list[tuple[str, Callable]] = []

    def connect(self, signal: str, slot: Callable) -> bool:
        if signal not in self.SIGNALS:
            raise StandInError(f"slicer.app has no signal {signal} in the stand-in")
        self.connections.append((signal, slot))
        return True

    def emit(self, signal: str) -> None:
        for connected, slot in self.connections:
            if connected == signal:
                slot()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class StandInSlicer:
    """What a test sees: the app, recorded errors and message boxes, and ``import_module_file``."""

    def __init__(self, monkeypatch: Any, version: tuple[int, int]) -> None:
        import slicer

        self.monkeypatch = monkeypatch
        self.errors: list[str] = []
        self.messages: list[str] = []
        self.module_paths: dict[str, str] = {}
        self.app = StandInApp(slicer.app, version)

    @contextlib.contextmanager
    def try_with_error_display(self, message: Any = None, show: bool = True, waitCursor: bool = False) -> Iterator:
        try:
            yield
        except Exception as error:
            self.errors.append(f"{message}: {error!r}")
            raise

    def confirm(self, text: str, *args: Any, **kwargs: Any) -> bool:
        self.messages.append(text)
        return False

    def import_module_file(self, name: str) -> types.ModuleType:
        """Import ``<name>/<name>.py`` as Slicer does (module name = file name), registered for the test only."""
        path = ROOT / name / f"{name}.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        self.monkeypatch.setitem(sys.modules, name, module)
        self.module_paths[name] = str(path)
        spec.loader.exec_module(module)
        return module


def _module(name: str, members: dict) -> types.ModuleType:
    module = types.ModuleType(name)
    for key, value in members.items():
        if not key.startswith("_"):
            setattr(module, key, value)
    return module


def install(monkeypatch: Any, version: tuple[int, int] = (5, 10)) -> StandInSlicer:
    """Put the stand-ins in place for one test (``monkeypatch`` undoes everything afterwards)."""
    import slicer

    env = StandInSlicer(monkeypatch, version)
    ctk_names = ("ctkCollapsibleButton", "ctkPathLineEdit")
    monkeypatch.setitem(sys.modules, "qt", _module("qt", {**vars(standin_qt), **vars(standin_qt_views)}))
    monkeypatch.setitem(sys.modules, "ctk", _module("ctk", {n: getattr(standin_widgets, n) for n in ctk_names}))
    scripted = _module("slicer.ScriptedLoadableModule", {
        cls.__name__: cls for cls in (ScriptedLoadableModule, ScriptedLoadableModuleWidget,
                                      ScriptedLoadableModuleLogic, ScriptedLoadableModuleTest)})
    i18n = _module("slicer.i18n", {"tr": lambda text: text, "translate": lambda context, text: text})
    for name, module in (("ScriptedLoadableModule", scripted), ("i18n", i18n),
                         ("parameterNodeWrapper", standin_wrapper.standin_module())):
        monkeypatch.setitem(sys.modules, f"slicer.{name}", module)
        monkeypatch.setattr(slicer, name, module, raising=False)
    monkeypatch.setattr(slicer, "app", env.app)
    monkeypatch.setattr(slicer, "selfTests", {}, raising=False)
    util = {"loadUI": standin_widgets.load_ui, "childWidgetVariables": standin_widgets.child_widget_variables,
            "findChildren": standin_widgets.find_children, "tryWithErrorDisplay": env.try_with_error_display,
            "confirmOkCancelDisplay": env.confirm, "errorDisplay": env.confirm, "infoDisplay": env.confirm,
            "warningDisplay": env.confirm, "modulePath": lambda name: env.module_paths[name]}
    for name, function in util.items():
        monkeypatch.setattr(slicer.util, name, function, raising=False)
    monkeypatch.setattr(standin_qt_views.QSettings, "store", {})
    for name in ("GynAI", "GynAISegment", "GynAIReport"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    return env
