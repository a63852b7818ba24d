"""File IO for the headless Slicer context: what ``slicer.util.loadVolume``/``saveNode`` call on ``slicer.app``.

A minimal ``coreIOManager`` over slicer-core's storage nodes (volumes, segmentations, scenes, tables,
markups, models, transforms, sequences). Used by :mod:`headless_slicer`.
"""

from __future__ import annotations

import os
import types
from typing import Any

import slicer
import vtk

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
