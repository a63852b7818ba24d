"""The ``*Logic`` classes of the three module files (GynAI.py, GynAISegment.py, GynAIReport.py) on slicer-core.

slicer-core has no ``slicer.ScriptedLoadableModule``, ``slicer.i18n``, ``slicer.parameterNodeWrapper`` or
``qt``; the fixture below puts minimal stand-ins for them into ``sys.modules`` for the duration of a test
(written here, not copied from Slicer) and loads the module files from disk. The Logic methods then run
against the real MRML scene of the headless harness: dependency check in testing mode, the shipped sample
phantom, a background batch with a fake child and Cancel, and the thin wrappers' delegation.
"""

import importlib.util
import shutil
import sys
import time
import types
import unittest
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FAKE_CHILD = str(ROOT / "Testing" / "fixtures" / "fake_child.py")


def _stand_ins() -> dict:
    """Modules a module file imports at load time that slicer-core lacks (behaviour the Logic classes need)."""
    import slicer

    i18n = types.ModuleType("slicer.i18n")
    i18n.tr = lambda text: text
    i18n.translate = lambda context, text: text

    wrapper = types.ModuleType("slicer.parameterNodeWrapper")

    def parameterNodeWrapper(cls):  # noqa: N802 - Slicer's name
        def __init__(self, node):
            self.parameterNode = node
        cls.__init__ = __init__
        return cls

    wrapper.parameterNodeWrapper = parameterNodeWrapper

    scripted = types.ModuleType("slicer.ScriptedLoadableModule")

    class ScriptedLoadableModuleLogic:
        def __init__(self, parent=None):
            self.moduleName = type(self).__name__[:-len("Logic")]

        def getParameterNode(self):
            node = slicer.mrmlScene.GetSingletonNode(self.moduleName, "vtkMRMLScriptedModuleNode")
            if node is None:
                node = slicer.vtkMRMLScriptedModuleNode()
                node.SetSingletonTag(self.moduleName)
                node = slicer.mrmlScene.AddNode(node)
            return node

    scripted.ScriptedLoadableModuleLogic = ScriptedLoadableModuleLogic
    scripted.ScriptedLoadableModule = type("ScriptedLoadableModule", (), {"__init__": lambda self, parent: None})
    scripted.ScriptedLoadableModuleWidget = type("ScriptedLoadableModuleWidget", (), {})
    scripted.ScriptedLoadableModuleTest = unittest.TestCase
    return {"slicer.i18n": i18n, "slicer.parameterNodeWrapper": wrapper, "slicer.ScriptedLoadableModule": scripted,
            "qt": types.ModuleType("qt")}


@pytest.fixture()
def load_module(slicer_ctx, monkeypatch):
    """``load_module("GynAI")`` → the module file ``GynAI/GynAI.py`` loaded with the stand-ins."""
    for name, module in _stand_ins().items():
        monkeypatch.setitem(sys.modules, name, module)

    def load(name):
        spec = importlib.util.spec_from_file_location(f"{name}_under_test", ROOT / name / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


# GynAILogic


def test_dependency_check_in_testing_mode_installs_nothing_and_asks_nothing(load_module, monkeypatch):
    import slicer

    from GynAILib import dependencies

    logic = load_module("GynAI").GynAILogic()
    assert logic.ensureDependencies() is True                        # everything is installed here
    absent = dependencies.PackageStatus("gynai-absent>=1", "gynai-absent", None, False)
    real = dependencies.package_information
    monkeypatch.setattr(dependencies, "package_information", lambda module_file: real(module_file) + [absent])

    def forbidden(*args, **kwargs):
        raise AssertionError("no installation and no dialog in testing mode")

    monkeypatch.setattr(dependencies, "install", forbidden)
    monkeypatch.setattr(slicer.util, "confirmOkCancelDisplay", forbidden)
    assert slicer.app.testingEnabled()
    assert logic.missingPackages() == ["gynai-absent"]
    assert logic.ensureDependencies() is False
    assert logic.ensureDependencies(askConfirmation=False, forceReinstall=True) is False
    outcome = logic.reinstallDependencies()
    assert [s.name for s in outcome.missing] == ["gynai-absent"] and outcome.reinstalled == []
    assert [s.name for s in logic.packageInformation()][-1] == "gynai-absent"


def test_sample_phantom_is_the_registered_sample(load_module, scene):
    from GynAILib.sample_data import DEFAULT_SAMPLE, SAMPLE_FILES, registration_arguments, sample_data_folder

    module = load_module("GynAI")
    volume, segmentation = module.GynAILogic().loadSamplePhantom()
    entry = next(e for e in registration_arguments(sample_data_folder(module.__file__))
                 if e["sampleName"] == SAMPLE_FILES[DEFAULT_SAMPLE]["title"])
    assert entry["sampleName"] == "GynAI phantom: pelvic T2 with fibroids"
    assert [volume.GetName(), segmentation.GetName()] == entry["nodeNames"] == \
        ["GynAIPhantomPelvisT2", "GynAIPhantomPelvisT2 ground truth"]
    assert volume.GetImageData().GetDimensions() == (192, 192, 30)
    names = [segmentation.GetSegmentation().GetNthSegment(i).GetName()
             for i in range(segmentation.GetSegmentation().GetNumberOfSegments())]
    assert names == ["Myometrium", "Endometrium", "Fibroid"]
    assert scene.GetNodesByClass("vtkMRMLScalarVolumeNode").GetNumberOfItems() == 1


def test_a_changed_sample_file_is_refused(scene, tmp_path):
    import slicer

    from GynAILib.sample_data import DEFAULT_SAMPLE, load_sample

    folder = tmp_path / "Resources" / "SampleData"
    shutil.copytree(ROOT / "Resources" / "SampleData", folder)
    path = folder / f"{DEFAULT_SAMPLE}.nrrd"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="SHA-256"):
        load_sample(DEFAULT_SAMPLE, str(tmp_path / "GynAI.py"), slicer.util)
    assert scene.GetNodesByClass("vtkMRMLScalarVolumeNode").GetNumberOfItems() == 0


def test_start_batch_and_cancel_with_a_fake_child(load_module, monkeypatch, tmp_path):
    import gynai.runner
    from gynai.errors import CancelledError

    received = []

    def fake_command(arguments, python_executable=None):
        received.append(list(arguments))
        return [sys.executable, FAKE_CHILD, "slow", str(tmp_path / "pids")]

    monkeypatch.setattr(gynai.runner, "gynai_command", fake_command)
    logic = load_module("GynAI").GynAILogic()
    job = logic.startBatch(tmp_path / "in", tmp_path / "out", "placenta", 2, ("json",))
    assert received == [["batch", str(tmp_path / "in"), str(tmp_path / "out"), "--task", "placenta", "--workers", "2",
                         "--report-format", "json"]]
    deadline = time.monotonic() + 60
    while job.poll() <= 0.0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert 0.0 < job.fraction < 1.0 and job.message.startswith("window ") and not job.finished
    job.cancel()
    with pytest.raises(CancelledError, match="resume"):
        job.summary()
    while not job.finished and time.monotonic() < deadline:    # what the panel's timer does until it ends
        job.poll()
        time.sleep(0.01)
    assert job.finished


# GynAISegmentLogic


def _volume(name="phantom"):
    import numpy as np

    from gynai.image import Geometry, Image
    from GynAILib.volumes import image_to_volume_node

    return image_to_volume_node(Image(np.arange(4 * 16 * 16, dtype=np.float32).reshape(4, 16, 16), Geometry()), name)


def test_segment_logic_delegates(load_module, scene, monkeypatch):
    import GynAISegmentLib.job
    import GynAISegmentLib.logic

    calls = []
    monkeypatch.setattr(GynAISegmentLib.logic, "segment_volume_node", lambda *a: calls.append(("in-process", a)) or "node")

    class RecordingJob:
        def __init__(self, *args, **kwargs):
            calls.append(("job", args, kwargs))

    monkeypatch.setattr(GynAISegmentLib.job, "SegmentationJob", RecordingJob)
    logic = load_module("GynAISegment").GynAISegmentLogic()
    volume, progress, log = _volume(), (lambda f, m: None), (lambda m: None)
    assert logic.segment(volume, "placenta", None, "cpu", progress=progress, model="mine") == "node"
    assert calls[0] == ("in-process", (volume, "placenta", None, "cpu", progress, False, "mine"))
    job = logic.segment(volume, "adnexal-mass", None, "cuda", waitForCompletion=False, progress=progress,
                        overwriteEdited=True, log=log)
    assert isinstance(job, RecordingJob)
    assert calls[1] == ("job", (volume, "adnexal-mass", None, "cuda", progress, True), {"model": None, "log": log})


def test_segmentation_job_forwards_the_childs_log_lines(scene):
    from gynai.errors import InputFileError
    from GynAISegmentLib.job import SegmentationJob

    lines, steps = [], []
    job = SegmentationJob(_volume(), "uterus-fibroid", command=[sys.executable, FAKE_CHILD, "ok"],
                          progress=lambda fraction, message: steps.append(message), log=lines.append)
    deadline = time.monotonic() + 60
    with pytest.raises(InputFileError):          # the fake child writes no segmentation file
        while job.poll() and time.monotonic() < deadline:
            time.sleep(0.02)
    assert lines == ["a plain log line"] and steps == ["step 1", "step 2", "step 3"]


def test_default_input_volume_skips_label_maps(load_module, scene):
    import slicer
    import vtk

    logic = load_module("GynAISegment").GynAISegmentLogic()
    assert logic.defaultInputVolume() is None
    labels = slicer.mrmlScene.AddNewNodeByClass("vtkMRMLLabelMapVolumeNode", "labels")
    image = vtk.vtkImageData()
    image.SetDimensions(8, 8, 2)
    image.AllocateScalars(vtk.VTK_UNSIGNED_CHAR, 1)
    labels.SetAndObserveImageData(image)
    volume = _volume("t2")
    assert logic.defaultInputVolume() is volume
    from GynAISegmentLib.model_info import is_segmentable_volume

    assert not is_segmentable_volume(labels) and is_segmentable_volume(volume)


# GynAIReportLogic


def test_report_logic_delegates(load_module, monkeypatch):
    import GynAIReportLib.findings_table as findings_table
    import GynAIReportLib.logic as report_logic
    import GynAIReportLib.report_files as report_files

    calls = []

    def recorder(name, result=None):
        return lambda *args: calls.append((name, args)) or result

    monkeypatch.setattr(report_logic, "compute_metrics", recorder("compute_metrics", {"m": 1}))
    monkeypatch.setattr(report_logic, "metrics_to_table_node", recorder("table", "table-node"))
    monkeypatch.setattr(report_logic, "report_html", recorder("html", "<html>"))
    monkeypatch.setattr(report_logic, "thickness_map_volume_node", recorder("thickness", "map"))
    monkeypatch.setattr(report_logic, "MetricsAutoUpdate", recorder("watch", "watcher"))
    monkeypatch.setattr(findings_table, "findings_to_table_node", recorder("findings", "findings-node"))
    monkeypatch.setattr(report_files, "generate_report", recorder("generate", {"files": {}}))
    monkeypatch.setattr(report_files, "send_report_to_pacs", recorder("pacs", 3))
    logic = load_module("GynAIReport").GynAIReportLogic()
    volume, segmentation = types.SimpleNamespace(GetName=lambda: "v"), types.SimpleNamespace(GetName=lambda: "s")
    assert logic.compute(volume, segmentation, "placenta", "t") == ({"m": 1}, "table-node", "<html>")
    assert calls[:3] == [("compute_metrics", (volume, segmentation, "placenta")), ("table", ({"m": 1}, "t")),
                         ("html", ({"m": 1}, volume))]
    assert logic.findingsTable({"m": 1}) == "findings-node" and calls[3] == ("findings", ({"m": 1}, None))
    assert logic.thicknessMap(volume, segmentation) == "map" and calls[4] == ("thickness", (volume, segmentation, None))
    update = object()
    assert logic.watch(volume, segmentation, "adnexal-mass", update) == "watcher"
    assert calls[5] == ("watch", (volume, segmentation, "adnexal-mass", None, update))
    progress = object()
    logic.generateReport(volume, segmentation, "fibroid-mapping", "out", ("html",), priorVolumeNode="pv",
                         priorSegmentationNode="ps", priorMetrics={"prior": 1}, progress=progress)
    assert calls[6] == ("generate", (volume, segmentation, "fibroid-mapping", "out", ("html",), {"prior": 1}, "pv",
                                     "ps", progress))
    assert logic.sendToPacs({"sr": "x"}, configFile="pacs.json") == 3 and calls[7] == ("pacs", ({"sr": "x"}, "pacs.json"))
