"""A headless Slicer context on slicer-core (no Qt) for tests of the MRML adapters and module logic.

Builds what Slicer's application would: scene, application logic with default colour tables, the module
logics (Volumes, Segmentations, SubjectHierarchy, Tables...), subject-hierarchy items for new nodes,
VTK messages routed to logging, and ``slicer.mrmlScene`` / ``slicer.app`` / ``slicer.modules`` with a
small IO manager so that ``slicer.util.loadVolume``/``loadSegmentation``/``saveNode`` work.
Follows the project notes on slicer-core as a headless harness.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import types

import slicer
import vtk

_CONTEXT = None
_FILE_TYPES = {"SegmentationFile": (".seg.nrrd", ".seg.nhdr"), "TableFile": (".tsv", ".csv"),
               "VolumeFile": (".nrrd", ".nhdr", ".nii", ".nii.gz", ".mha", ".mhd")}


def _extension(path: str) -> str:
    name = os.path.basename(str(path)).lower()
    for double in (".seg.nrrd", ".seg.nhdr", ".nii.gz"):
        if name.endswith(double):
            return double
    return os.path.splitext(name)[1]


class IOManager:
    """The part of qSlicerCoreIOManager that slicer.util's load/save helpers call."""

    def __init__(self, context):
        self.context = context

    def fileType(self, fileName):  # noqa: N802 - Slicer API name
        extension = _extension(fileName)
        return next((kind for kind, extensions in _FILE_TYPES.items() if extension in extensions), "NoFile")

    def fileWriterFileType(self, node):  # noqa: N802
        return node.GetClassName()

    def loadNodes(self, fileType, properties, loadedNodes=None, messages=None):  # noqa: N802
        messages = messages if messages is not None else slicer.vtkMRMLMessageCollection()
        logics, path = self.context.logics, str(properties["fileName"])
        name = properties.get("name") or os.path.basename(path).split(".")[0]
        if fileType == "VolumeFile":
            options = 1 if properties.get("labelmap") else 0
            node = logics["Volumes"].AddArchetypeVolume(path, name, options, None, messages)
        elif fileType == "SegmentationFile":
            node = logics["Segmentations"].LoadSegmentationFromFile(path, True, name, None, messages)
        elif fileType == "TableFile":
            node = logics["Tables"].AddTable(path, name, True, "", messages)
        else:
            return False
        if node is not None and loadedNodes is not None:
            loadedNodes.AddItem(node)
        return node is not None

    def saveNodes(self, fileType, properties, messages=None):  # noqa: N802
        node = self.context.scene.GetNodeByID(properties["nodeID"])
        if node is None or not node.AddDefaultStorageNode():
            return False
        storage = node.GetStorageNode()
        storage.SetFileName(os.path.abspath(str(properties["fileName"])))
        if "useCompression" in properties:
            storage.SetUseCompression(int(properties["useCompression"]))
        return bool(storage.WriteData(node))


class HeadlessApp:
    """Stand-in for ``slicer.app``."""

    applicationName, majorVersion, minorVersion = "Slicer", 5, 13

    def __init__(self, context):
        self._context = context
        self._io = IOManager(context)
        self.temporaryPath = context.temp_dir

    def mrmlScene(self):  # noqa: N802
        return self._context.scene

    def applicationLogic(self):  # noqa: N802
        return self._context.app_logic

    def coreIOManager(self):  # noqa: N802
        return self._io

    ioManager = coreIOManager

    def testingEnabled(self):  # noqa: N802
        return True

    def processEvents(self, *args):  # noqa: N802
        return None


def _subject_hierarchy_observers(scene) -> None:
    """Create subject-hierarchy items for new data nodes (Slicer's Qt plugin logic does this)."""
    classes = ("vtkMRMLDisplayableNode", "vtkMRMLTableNode")

    def hierarchy():
        return slicer.vtkMRMLSubjectHierarchyNode.GetSubjectHierarchyNode(scene)

    @vtk.calldata_type(vtk.VTK_OBJECT)
    def added(caller, event, node):
        if node and not scene.IsImporting() and not node.GetHideFromEditors() \
                and any(node.IsA(c) for c in classes) and not hierarchy().GetItemByDataNode(node):
            hierarchy().CreateItem(hierarchy().GetSceneItemID(), node)

    @vtk.calldata_type(vtk.VTK_OBJECT)
    def removing(caller, event, node):
        if node and not scene.IsClosing() and not node.IsA("vtkMRMLSubjectHierarchyNode"):
            item = hierarchy().GetItemByDataNode(node)
            if item:
                hierarchy().RemoveItem(item, False, False)

    scene.AddObserver(slicer.vtkMRMLScene.NodeAddedEvent, added)
    scene.AddObserver(slicer.vtkMRMLScene.NodeAboutToBeRemovedEvent, removing)


def _route_vtk_messages(context) -> None:
    vtk.vtkLogger.SetStderrVerbosity(vtk.vtkLogger.VERBOSITY_OFF)
    logger = logging.getLogger("vtk")

    @vtk.calldata_type(vtk.VTK_STRING)
    def on_message(caller, event, text):
        if event == "MessageEvent":
            return
        context.vtk_messages.append((event, text.strip()))
        logger.log(logging.ERROR if event == "ErrorEvent" else logging.WARNING, text.strip())

    window = vtk.vtkOutputWindow.GetInstance()
    window.SetDisplayModeToNever()
    for event in (vtk.vtkCommand.ErrorEvent, vtk.vtkCommand.WarningEvent):
        window.AddObserver(event, on_message)


def setup():
    """Build the context once per process and install it into the ``slicer`` module."""
    global _CONTEXT
    if _CONTEXT is not None:
        return _CONTEXT
    context = types.SimpleNamespace(vtk_messages=[], temp_dir=tempfile.mkdtemp(prefix="gynai-slicer-"))
    _route_vtk_messages(context)
    context.scene = scene = slicer.vtkMRMLScene()
    context.app_logic = app = slicer.vtkSlicerApplicationLogic()
    app.SetMRMLScene(scene)
    app.SetTemporaryPath(context.temp_dir)
    app.GetColorLogic().SetMRMLScene(scene)
    app.GetColorLogic().AddDefaultColorNodes()
    context.logics = {"Colors": app.GetColorLogic()}
    app.SetModuleLogic("Colors", app.GetColorLogic())
    classes = {"SubjectHierarchy": slicer.vtkSlicerSubjectHierarchyModuleLogic,
               "Volumes": slicer.vtkSlicerVolumesLogic, "Segmentations": slicer.vtkSlicerSegmentationsModuleLogic,
               "Tables": slicer.vtkSlicerTablesLogic}
    for name, cls in classes.items():
        logic = context.logics[name] = cls()
        logic.SetMRMLScene(scene)
        logic.SetMRMLApplicationLogic(app)
        app.SetModuleLogic(name, logic)
    _subject_hierarchy_observers(scene)
    slicer.mrmlScene, slicer.app = scene, HeadlessApp(context)
    slicer.modules = sys.modules["slicer.modules"] = types.ModuleType("slicer.modules")
    for name, logic in context.logics.items():
        setattr(slicer.modules, name.lower(), types.SimpleNamespace(name=name, logic=(lambda lg=logic: lg)))
    _CONTEXT = context
    return context


def reset() -> None:
    """Close the scene (like File > Close Scene) and forget VTK messages."""
    if _CONTEXT is not None:
        _CONTEXT.scene.Clear(0)
        _CONTEXT.vtk_messages.clear()
