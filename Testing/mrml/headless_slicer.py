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

_CONTEXT: Optional[types.SimpleNamespace] = None
_FILE_TYPES = {
    "SceneFile": (".mrml", ".mrb"), "SegmentationFile": (".seg.nrrd", ".seg.nhdr", ".seg.vtm"),
    "SequenceFile": (".seq.nrrd", ".seq.mrb"), "MarkupsFile": (".mrk.json", ".fcsv", ".json"),
    "TableFile": (".tsv", ".csv", ".txt"), "ModelFile": (".vtk", ".vtp", ".stl", ".obj", ".ply"),
    "TransformFile": (".h5", ".tfm", ".mat"), "ColorTableFile": (".ctbl",),
    "VolumeFile": (".nrrd", ".nhdr", ".nii", ".nii.gz", ".mha", ".mhd", ".tif", ".png", ".dcm"),
}
_DOUBLE_EXTENSIONS = (".seg.nrrd", ".seg.nhdr", ".seg.vtm", ".seq.nrrd", ".seq.mrb", ".mrk.json", ".nii.gz")
_VOLUME_OPTION_BITS = (("labelmap", 1), ("center", 2), ("singleFile", 4), ("autoWindowLevel", 8),
                       ("discardOrientation", 16))   # as in qSlicerVolumesReader
_SUBJECT_HIERARCHY_CLASSES = ("vtkMRMLDisplayableNode", "vtkMRMLTableNode", "vtkMRMLTransformNode",
                              "vtkMRMLTextNode", "vtkMRMLSequenceNode", "vtkMRMLPlotChartNode")


def _extension(path: Any) -> str:
    name = os.path.basename(str(path)).lower()
    return next((e for e in _DOUBLE_EXTENSIONS if name.endswith(e)), os.path.splitext(name)[1])


class CoreIOManager:
    """The parts of ``qSlicerCoreIOManager`` that slicer.util's load and save functions call."""

    def __init__(self, context: types.SimpleNamespace) -> None:
        self.context = context

    def fileType(self, fileName: str) -> str:  # noqa: N802, N803 - Slicer API names
        extension = _extension(fileName)
        return next((kind for kind, extensions in _FILE_TYPES.items() if extension in extensions), "NoFile")

    def fileWriterFileType(self, node: Any) -> str:  # noqa: N802
        return node.GetClassName()   # saveNodes() treats every storable node alike

    def _load(self, file_type: str, props: dict, messages: Any) -> list:
        scene, logics, path = self.context.scene, self.context.logics, str(props["fileName"])
        name = props.get("name") or ""
        if file_type == "VolumeFile":
            bits = sum(bit for key, bit in _VOLUME_OPTION_BITS if props.get(key))
            node = logics["Volumes"].AddArchetypeVolume(path, name or os.path.basename(path).split(".")[0],
                                                        bits, None, messages)
            if node is not None and props.get("colorNodeID"):
                node.GetDisplayNode().SetAndObserveColorNodeID(props["colorNodeID"])
            return [node]
        if file_type == "SegmentationFile":
            color = scene.GetNodeByID(props["colorNodeID"]) if props.get("colorNodeID") else None
            return [logics["Segmentations"].LoadSegmentationFromFile(
                path, bool(props.get("autoOpacities", True)), name, color, messages)]
        if file_type == "TableFile":
            return [logics["Tables"].AddTable(path, name, True, "", messages)]
        if file_type == "MarkupsFile":
            return [scene.GetNodeByID(logics["Markups"].LoadMarkups(path, name, messages) or "")]
        if file_type == "ModelFile":
            return [logics["Models"].AddModel(path, props.get("coordinateSystem", 1), messages)]  # 1 = LPS
        if file_type == "TransformFile":
            return [logics["Transforms"].AddTransform(path, scene, messages)]
        if file_type == "ColorTableFile":
            return [logics["Colors"].LoadColorFile(path, name or None, messages)]
        if file_type == "SequenceFile":
            return [logics["Sequences"].AddSequence(path, messages)]
        messages.AddMessage(vtk.vtkCommand.ErrorEvent, f"headless IO: unsupported file type {file_type}")
        return []

    def _load_scene(self, props: dict, messages: Any) -> tuple[bool, list]:
        scene, path = self.context.scene, os.path.abspath(str(props["fileName"]))
        all_nodes = lambda: [scene.GetNthNode(n) for n in range(scene.GetNumberOfNodes())]  # noqa: E731
        before = {node.GetID() for node in all_nodes()}
        if path.lower().endswith(".mrb"):
            ok = scene.ReadFromMRB(path, bool(props.get("clear")), messages)
        else:
            scene.SetURL(path)
            ok = scene.Connect(messages) if props.get("clear") else scene.Import(messages)
        return bool(ok), [node for node in all_nodes() if node.GetID() not in before] if ok else []

    def loadNodes(self, fileType: str, properties: dict, loadedNodes: Any = None,  # noqa: N802, N803
                  messages: Any = None) -> bool:
        messages = messages if messages is not None else slicer.vtkMRMLMessageCollection()
        if fileType == "SceneFile":
            ok, nodes = self._load_scene(properties, messages)
        else:
            nodes = [node for node in self._load(fileType, properties, messages) if node is not None]
            ok = bool(nodes)
        for node in nodes if loadedNodes is not None else ():
            loadedNodes.AddItem(node)
        return ok

    def _save_scene(self, path: str, messages: Any) -> bool:
        """Like qSlicerSceneWriter: .mrml = XML only, .mrb = zip bundle, anything else = a folder."""
        scene = self.context.scene
        os.makedirs(os.path.dirname(path), exist_ok=True)
        scene.SetURL(path)
        scene.SetRootDirectory(os.path.dirname(path))
        if path.lower().endswith(".mrml"):
            return bool(scene.Commit(None, messages))
        if path.lower().endswith(".mrb"):
            ok = scene.WriteToMRB(path, None, messages)
            scene.SetStorableNodesModifiedSinceRead()
            return bool(ok)
        os.makedirs(path, exist_ok=True)
        return bool(self.context.app_logic.SaveSceneToSlicerDataBundleDirectory(path, None))

    def saveNodes(self, fileType: str, properties: dict, messages: Any = None) -> bool:  # noqa: N802, N803
        messages = messages if messages is not None else slicer.vtkMRMLMessageCollection()
        scene, path = self.context.scene, os.path.abspath(str(properties["fileName"]))
        if fileType == "SceneFile":
            return self._save_scene(path, messages)
        node = scene.GetNodeByID(properties["nodeID"])          # as qSlicerNodeWriter::write
        if node is None or not node.IsA("vtkMRMLStorableNode") or not node.AddDefaultStorageNode():
            return False
        storage = node.GetStorageNode()
        if _extension(path) == ".fcsv" and not storage.SupportedFileType(path):   # legacy markups format
            storage = scene.AddNewNodeByClass("vtkMRMLMarkupsFiducialStorageNode")
            node.SetAndObserveStorageNodeID(storage.GetID())
        storage.SetFileName(path)
        storage.SetURI(None)
        if properties.get("fileFormat"):
            storage.SetWriteFileFormat(properties["fileFormat"])
        if "useCompression" in properties:
            storage.SetUseCompression(int(properties["useCompression"]))
        ok = bool(storage.WriteData(node))
        messages.AddMessages(storage.GetUserMessages())
        return ok


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
