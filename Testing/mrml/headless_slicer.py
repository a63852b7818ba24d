"""A headless Slicer context on slicer-core (no Qt) for tests of the MRML adapters and module logic.

Builds what ``qSlicerCoreApplication`` would: scene, application logic with the default colour tables,
data-IO manager, registered module logics (Volumes, Segmentations, SubjectHierarchy, Tables, Markups,
Models, Transforms, Sequences, Data, Units; Terminologies when a folder of term files is given),
subject-hierarchy items for new data nodes, VTK messages routed to the ``vtk`` logger, and
``slicer.mrmlScene`` / ``slicer.app`` / ``slicer.modules.<name>.logic()``. A small IO manager lets
``slicer.util.loadVolume``/``loadSegmentation``/``loadScene``/``saveNode``/``saveScene`` work.
Follows the project notes (shared/notes/slicer-core-headless.md, section 3).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import types
from typing import Any, Optional

import slicer
import vtk

from headless_io import CoreIOManager

_CONTEXT: Optional[types.SimpleNamespace] = None
_SUBJECT_HIERARCHY_CLASSES = ("vtkMRMLDisplayableNode", "vtkMRMLTableNode", "vtkMRMLTransformNode",
                              "vtkMRMLTextNode", "vtkMRMLSequenceNode", "vtkMRMLPlotChartNode")
class HeadlessApp:
    """Stand-in for ``slicer.app``: only what Logic-level code and slicer.util touch."""

    applicationName, majorVersion, minorVersion = "Slicer", 5, 13

    def __init__(self, context: types.SimpleNamespace) -> None:
        self._context, self._io, self.temporaryPath = context, CoreIOManager(context), context.temp_dir
        self._modules = types.SimpleNamespace(module=lambda name: getattr(slicer.modules, name.lower(), None))

    def mrmlScene(self) -> Any: return self._context.scene  # noqa: E704, N802
    def applicationLogic(self) -> Any: return self._context.app_logic  # noqa: E704, N802
    def coreIOManager(self) -> CoreIOManager: return self._io  # noqa: E704, N802
    ioManager = coreIOManager
    def moduleManager(self) -> Any: return self._modules  # noqa: E704, N802
    def layoutManager(self) -> None: return None  # noqa: E704, N802
    def testingEnabled(self) -> bool: return True  # noqa: E704, N802 - message boxes log + default answer
    def translate(self, context: str, text: str) -> str: return text  # noqa: E704 - slicer.i18n.tr()
    processEvents = pauseRender = resumeRender = setOverrideCursor = restoreOverrideCursor = \
        lambda self, *args: None


def _auto_subject_hierarchy(scene: Any) -> None:
    """What Slicer's Qt subject-hierarchy plugin logic does: data nodes get and lose SH items."""
    def hierarchy() -> Any:
        return slicer.vtkMRMLSubjectHierarchyNode.GetSubjectHierarchyNode(scene)

    def add(node: Any) -> None:
        if node and not node.GetHideFromEditors() and any(node.IsA(c) for c in _SUBJECT_HIERARCHY_CLASSES) \
                and not hierarchy().GetItemByDataNode(node):
            hierarchy().CreateItem(hierarchy().GetSceneItemID(), node)

    @vtk.calldata_type(vtk.VTK_OBJECT)
    def added(caller: Any, event: str, node: Any) -> None:
        if not scene.IsImporting():
            add(node)

    @vtk.calldata_type(vtk.VTK_OBJECT)
    def removing(caller: Any, event: str, node: Any) -> None:   # else "DataNodeCache inconsistency" later
        if not scene.IsClosing() and node and not node.IsA("vtkMRMLSubjectHierarchyNode"):
            item = hierarchy().GetItemByDataNode(node)
            if item:
                hierarchy().RemoveItem(item, False, False)

    def imported(caller: Any, event: str) -> None:
        slicer.vtkMRMLSubjectHierarchyNode.ResolveSubjectHierarchy(scene)
        for n in range(scene.GetNumberOfNodes()):
            add(scene.GetNthNode(n))

    scene.AddObserver(slicer.vtkMRMLScene.NodeAddedEvent, added)
    scene.AddObserver(slicer.vtkMRMLScene.NodeAboutToBeRemovedEvent, removing)
    scene.AddObserver(slicer.vtkMRMLScene.EndImportEvent, imported)


def _capture_vtk_output(context: types.SimpleNamespace) -> None:
    """VTK errors/warnings -> ``context.vtk_messages`` and the ``vtk`` logger (pytest captures it)."""
    vtk.vtkLogger.SetStderrVerbosity(vtk.vtkLogger.VERBOSITY_OFF)   # else a second, loguru-style copy
    logger = logging.getLogger("vtk")

    @vtk.calldata_type(vtk.VTK_STRING)
    def on_message(caller: Any, event: str, text: str) -> None:
        if event == "MessageEvent":   # fired for every message: keep only plain text from it
            if not text.startswith(("ERROR", "Warning", "Generic Warning")):
                logger.debug(text.strip())
            return
        context.vtk_messages.append((event, text.strip()))
        logger.log(logging.ERROR if event == "ErrorEvent" else logging.WARNING, text.strip())

    window = vtk.vtkOutputWindow.GetInstance()
    window.SetDisplayModeToNever()   # events still fire
    for event in (vtk.vtkCommand.ErrorEvent, vtk.vtkCommand.WarningEvent, vtk.vtkCommand.MessageEvent):
        window.AddObserver(event, on_message)


def _register_logics(context: types.SimpleNamespace, terminology_dir: Optional[str]) -> None:
    app, scene = context.app_logic, context.scene
    context.logics = {"Colors": app.GetColorLogic()}
    app.SetModuleLogic("Colors", app.GetColorLogic())
    classes = dict(SubjectHierarchy=slicer.vtkSlicerSubjectHierarchyModuleLogic, Volumes=slicer.vtkSlicerVolumesLogic,
                   Segmentations=slicer.vtkSlicerSegmentationsModuleLogic, Tables=slicer.vtkSlicerTablesLogic,
                   Markups=slicer.vtkSlicerMarkupsLogic, Models=slicer.vtkSlicerModelsLogic,
                   Transforms=slicer.vtkSlicerTransformLogic, Sequences=slicer.vtkSlicerSequencesLogic,
                   Data=slicer.vtkSlicerDataModuleLogic, Units=slicer.vtkSlicerUnitsLogic)
    if terminology_dir:   # without the term files the logic logs load errors
        classes["Terminologies"] = slicer.vtkSlicerTerminologiesModuleLogic
    for name, cls in classes.items():
        logic = context.logics[name] = cls()
        if name == "Terminologies":
            logic.SetModuleShareDirectory(str(terminology_dir))
        logic.SetMRMLScene(scene)   # RegisterNodes(): segmentation converter rules are registered here
        logic.SetMRMLApplicationLogic(app)
        app.SetModuleLogic(name, logic)


def setup(terminology_dir: Optional[str] = None) -> types.SimpleNamespace:
    """Build the context once per process (idempotent) and install it into the ``slicer`` module.

    Args:
        terminology_dir: Folder with Slicer's ``*.term.json`` files, for terminology look-ups (optional).

    Returns:
        Namespace with ``scene``, ``app_logic``, ``logics`` (by module name), ``vtk_messages``
        (list of (event, text)) and ``temp_dir``.
    """
    global _CONTEXT
    if _CONTEXT is not None:
        return _CONTEXT
    context = types.SimpleNamespace(vtk_messages=[], temp_dir=tempfile.mkdtemp(prefix="gynai-slicer-"))
    _capture_vtk_output(context)
    context.scene = scene = slicer.vtkMRMLScene()
    crosshair = slicer.vtkMRMLCrosshairNode()
    crosshair.SetCrosshairName("default")
    scene.AddNode(crosshair)
    context.app_logic = app = slicer.vtkSlicerApplicationLogic()
    app.SetMRMLScene(scene)
    app.SetTemporaryPath(context.temp_dir)
    app.GetColorLogic().SetMRMLScene(scene)
    app.GetColorLogic().AddDefaultColorNodes()
    app.SetSliceLogics(vtk.vtkCollection())
    app.SetViewLogics(vtk.vtkCollection())
    context.remote_io = slicer.vtkMRMLRemoteIOLogic()   # ReadFromMRB needs a data-IO manager + cache folder
    context.remote_io.SetMRMLScene(scene)
    context.remote_io.GetCacheManager().SetRemoteCacheDirectory(os.path.join(context.temp_dir, "cache"))
    context.data_io = slicer.vtkDataIOManagerLogic()
    context.data_io.SetMRMLScene(scene)
    context.data_io.SetMRMLApplicationLogic(app)
    context.data_io.SetAndObserveDataIOManager(context.remote_io.GetDataIOManager())
    context.remote_io.AddDataIOToScene()
    _register_logics(context, terminology_dir)
    _auto_subject_hierarchy(scene)
    slicer.mrmlScene, slicer.app = scene, HeadlessApp(context)
    slicer.modules = sys.modules["slicer.modules"] = types.ModuleType("slicer.modules")
    for name, logic in context.logics.items():
        setattr(slicer.modules, name.lower(), types.SimpleNamespace(name=name, logic=(lambda lg=logic: lg)))
    if not hasattr(slicer, "qSlicerScriptedLoadableModule"):   # isinstance() target in util.getModuleLogic
        slicer.qSlicerScriptedLoadableModule = type("qSlicerScriptedLoadableModule", (), {})
    _CONTEXT = context
    return context


def reset() -> None:
    """Like File > Close Scene: remove data nodes, keep singletons and default nodes; forget VTK messages."""
    if _CONTEXT is not None:
        _CONTEXT.scene.Clear(0)
        _CONTEXT.vtk_messages.clear()
