"""The Qt-free console API behind the three module files' ``*Logic`` classes, on the slicer-core harness.

``GynAILogic``, ``GynAISegmentLogic`` and ``GynAIReportLogic`` are thin subclasses of
``GynAILib.home_logic.HomeLogic``, ``GynAISegmentLib.segment_logic.SegmentLogic`` and
``GynAIReportLib.report_logic.ReportLogic`` (checked statically in Testing/slicer_modules); these tests run
those classes and their helper functions against the real MRML scene, with no stand-in for Qt or Slicer:
dependency check/install orchestration (testing mode, the one confirmation), the shipped sample phantom,
the terminology, a background batch with a fake child and Cancel, and the segment/report argument handling.
"""

import shutil
import sys
import time
import types
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
FAKE_CHILD = str(ROOT / "Testing" / "fixtures" / "fake_child.py")


def _forbidden(*args, **kwargs):
    raise AssertionError("no installation and no dialog here")


@pytest.fixture()
def absent_package(monkeypatch):
    """One required package is missing: ``gynai-absent`` is appended to the package information."""
    from GynAILib import dependencies

    absent = dependencies.PackageStatus("gynai-absent>=1", "gynai-absent", None, False)
    real = dependencies.package_information
    monkeypatch.setattr(dependencies, "package_information", lambda module_file: real(module_file) + [absent])
    return absent


@pytest.fixture()
def fake_install(monkeypatch):
    """``dependencies.install`` recording its calls; it reports nothing missing afterwards."""
    from GynAILib import dependencies

    calls = []

    def install(slicer_module, module_file, force_reinstall=False):
        calls.append((slicer_module, module_file, force_reinstall))
        return dependencies.InstallOutcome(missing=[], reinstalled=["monai>=1.3"] if force_reinstall else [])

    monkeypatch.setattr(dependencies, "install", install)
    return calls


# HomeLogic (GynAILogic): dependencies


def test_dependency_check_in_testing_mode_installs_nothing_and_asks_nothing(slicer_ctx, monkeypatch):
    import slicer

    from GynAILib import dependencies
    from GynAILib.home_logic import HomeLogic

    class Logic(HomeLogic):
        confirmInstall = staticmethod(_forbidden)

    logic = Logic()
    assert logic.isTesting() and slicer.app.testingEnabled()         # the harness runs in testing mode
    assert logic.ensureDependencies() is True                        # everything is installed here
    absent = dependencies.PackageStatus("gynai-absent>=1", "gynai-absent", None, False)
    real = dependencies.package_information
    monkeypatch.setattr(dependencies, "package_information", lambda module_file: real(module_file) + [absent])
    monkeypatch.setattr(dependencies, "install", _forbidden)
    monkeypatch.setattr(slicer.util, "confirmOkCancelDisplay", _forbidden)
    assert logic.missingPackages() == ["gynai-absent"]
    assert logic.ensureDependencies() is False
    assert logic.ensureDependencies(askConfirmation=False, forceReinstall=True) is False
    for outcome in (logic.reinstallDependencies(), logic.reinstallDependencies(askConfirmation=True)):
        assert [s.name for s in outcome.missing] == ["gynai-absent"] and outcome.reinstalled == []
    assert [s.name for s in logic.packageInformation()][-1] == "gynai-absent"


def test_one_confirmation_then_install_outside_testing_mode(slicer_ctx, absent_package, fake_install):
    from GynAILib.home_logic import MODULE_FILE, ensure_dependencies

    asked, answer = [], [False]

    def confirm(packages, reinstall):
        asked.append((list(packages), reinstall))
        return answer[0]

    slicer_module = types.SimpleNamespace(name="slicer")
    assert ensure_dependencies(MODULE_FILE, slicer_module, testing=False, confirm=confirm) is False
    assert asked == [(["gynai-absent"], False)] and fake_install == []            # declined: nothing installed
    answer[0] = True
    assert ensure_dependencies(MODULE_FILE, slicer_module, testing=False, confirm=confirm) is True
    assert asked[1:] == [(["gynai-absent"], False)] and fake_install == [(slicer_module, MODULE_FILE, False)]
    assert ensure_dependencies(MODULE_FILE, slicer_module, testing=False, confirm=confirm, force_reinstall=True)
    assert asked[2:] == [(["gynai-absent"], True)]                                 # asked once, not again
    assert fake_install[1:] == [(slicer_module, MODULE_FILE, True)]
    assert ensure_dependencies(MODULE_FILE, slicer_module, testing=False, confirm=None) is True   # not asked
    assert len(asked) == 3 and len(fake_install) == 3


def test_reinstall_asks_once_and_none_means_declined(slicer_ctx, absent_package, fake_install):
    from GynAILib.home_logic import MODULE_FILE, HomeLogic, reinstall_dependencies

    asked = []
    declined = reinstall_dependencies(MODULE_FILE, "slicer", testing=False,
                                      confirm=lambda packages, reinstall: asked.append(reinstall) or False)
    assert declined is None and asked == [True] and fake_install == []
    outcome = reinstall_dependencies(MODULE_FILE, "slicer", testing=False,
                                     confirm=lambda packages, reinstall: asked.append(reinstall) or True)
    assert outcome.reinstalled == ["monai>=1.3"] and asked == [True, True]
    assert fake_install == [("slicer", MODULE_FILE, True)]

    class OutsideTestingMode(HomeLogic):
        def isTesting(self):
            return False

    logic = OutsideTestingMode()         # the Qt-free default confirmation declines: it never installs
    assert logic.ensureDependencies() is False and logic.reinstallDependencies(askConfirmation=True) is None
    assert len(fake_install) == 1


def test_version_names_the_core_package():
    import gynai
    from GynAILib.home_logic import HomeLogic

    assert HomeLogic.version() == f"GynAI {gynai.__version__}"


# HomeLogic: sample phantom and terminology


def test_sample_phantom_is_the_registered_sample(scene):
    from GynAILib.home_logic import HomeLogic
    from GynAILib.sample_data import DEFAULT_SAMPLE, SAMPLE_FILES, registration_arguments, sample_data_folder

    volume, segmentation = HomeLogic().loadSamplePhantom()
    entry = next(e for e in registration_arguments(sample_data_folder(HomeLogic.moduleFile))
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
    from GynAILib.home_logic import HomeLogic
    from GynAILib.sample_data import DEFAULT_SAMPLE

    folder = tmp_path / "Resources" / "SampleData"
    shutil.copytree(ROOT / "Resources" / "SampleData", folder)
    path = folder / f"{DEFAULT_SAMPLE}.nrrd"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    logic = HomeLogic()
    logic.moduleFile = str(tmp_path / "GynAI.py")
    with pytest.raises(ValueError, match="SHA-256"):
        logic.loadSamplePhantom()
    assert scene.GetNodesByClass("vtkMRMLScalarVolumeNode").GetNumberOfItems() == 0


def test_terminology_is_loaded_into_the_terminologies_logic(slicer_ctx, tmp_path):
    import slicer
    import vtk

    from GynAILib.home_logic import MODULE_FILE, load_terminology

    terminologies = slicer.vtkSlicerTerminologiesModuleLogic()
    path = load_terminology(MODULE_FILE, terminologies)
    assert path == ROOT / "Resources" / "Terminology" / "GynAI.term.json"
    names = vtk.vtkStringArray()
    terminologies.GetLoadedTerminologyNames(names)
    assert any("GynAI" in names.GetValue(i) for i in range(names.GetNumberOfValues()))
    assert load_terminology(MODULE_FILE, None) == path                 # no Terminologies module: nothing loaded
    assert load_terminology(str(tmp_path / "GynAI.py"), terminologies) is None
    assert not [m for m in slicer_ctx.vtk_messages if m[0] == "ErrorEvent"]


# HomeLogic + BatchControl: the batch panel


def test_start_batch_and_cancel_with_a_fake_child(slicer_ctx, monkeypatch, tmp_path):
    import gynai.cli.runner
    from gynai.errors import CancelledError
    from GynAILib.batch_job import BatchControl
    from GynAILib.home_logic import HomeLogic

    received = []

    def fake_command(arguments, python_executable=None):
        received.append(list(arguments))
        return [sys.executable, FAKE_CHILD, "slow", str(tmp_path / "pids")]

    monkeypatch.setattr(gynai.cli.runner, "gynai_command", fake_command)
    control = BatchControl(HomeLogic().startBatch)
    with pytest.raises(RuntimeError, match="no batch"):
        control.poll()
    assert not control.running
    control.cancel()                                                   # nothing to cancel: no error
    assert control.toggle(tmp_path / "in", tmp_path / "out", "placenta", 2, ("json",)) is True
    assert received == [["batch", str(tmp_path / "in"), str(tmp_path / "out"), "--task", "placenta", "--workers", "2",
                         "--report-format", "json"]]
    deadline = time.monotonic() + 60
    status = control.poll()
    while status.percent <= 0 and time.monotonic() < deadline:
        time.sleep(0.05)
        status = control.poll()
    job = control.job
    assert 0.0 < job.fraction < 1.0 and 0 < status.percent < 100
    assert status.message.startswith("window ") and not status.finished and control.running
    assert control.toggle(tmp_path / "in", tmp_path / "out", "placenta") is False      # the same button cancels
    assert len(received) == 1
    HomeLogic().startBatch(tmp_path / "in", tmp_path / "out2", "placenta", 2, (),
                           scheduler="tcp://10.0.0.5:8786").cancel()
    assert received[-1][-2:] == ["--scheduler", "tcp://10.0.0.5:8786"] and "none" in received[-1]
    with pytest.raises(CancelledError, match="resume"):
        control.summary()
    while not status.finished and time.monotonic() < deadline:       # what the panel's timer does until it ends
        status = control.poll()
        time.sleep(0.01)
    assert status.finished and job.finished and not control.running


# SegmentLogic (GynAISegmentLogic)


def _volume(name="phantom"):
    from gynai.image import Geometry, Image
    from GynAILib.volumes import image_to_volume_node

    return image_to_volume_node(Image(np.arange(4 * 16 * 16, dtype=np.float32).reshape(4, 16, 16), Geometry()), name)


def test_segment_logic_delegates(scene, monkeypatch):
    import GynAISegmentLib.job
    import GynAISegmentLib.logic
    from GynAISegmentLib.segment_logic import SegmentLogic

    calls = []
    monkeypatch.setattr(GynAISegmentLib.logic, "segment_volume_node", lambda *a: calls.append(("in-process", a)) or "node")

    class RecordingJob:
        def __init__(self, *args, **kwargs):
            calls.append(("job", args, kwargs))

    monkeypatch.setattr(GynAISegmentLib.job, "SegmentationJob", RecordingJob)
    logic = SegmentLogic()
    volume, progress, log = _volume(), (lambda f, m: None), (lambda m: None)
    assert logic.segment(volume, "placenta", None, "cpu", progress=progress, model="mine") == "node"
    assert calls[0] == ("in-process", (volume, "placenta", None, "cpu", progress, False, "mine", None))
    job = logic.segment(volume, "adnexal-mass", None, "cuda", waitForCompletion=False, progress=progress,
                        overwriteEdited=True, log=log)
    assert isinstance(job, RecordingJob)
    assert calls[1] == ("job", (volume, "adnexal-mass", None, "cuda", progress, True),
                        {"model": None, "log": log, "modality": None})
    assert logic.segment(volume) == "node"
    assert calls[2] == ("in-process", (volume, "uterus-fibroid", None, "auto", None, False, None, None))
    logic.segment(volume, "adnexal-mass", modality="US")
    assert calls[3] == ("in-process", (volume, "adnexal-mass", None, "auto", None, False, None, "US"))


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


def test_default_input_volume_skips_label_maps(scene):
    import slicer
    import vtk

    from GynAISegmentLib.model_info import is_segmentable_volume
    from GynAISegmentLib.segment_logic import SegmentLogic

    logic = SegmentLogic()
    assert logic.defaultInputVolume() is None
    labels = slicer.mrmlScene.AddNewNodeByClass("vtkMRMLLabelMapVolumeNode", "labels")
    image = vtk.vtkImageData()
    image.SetDimensions(8, 8, 2)
    image.AllocateScalars(vtk.VTK_UNSIGNED_CHAR, 1)
    labels.SetAndObserveImageData(image)
    volume = _volume("t2")
    assert logic.defaultInputVolume() is volume
    assert not is_segmentable_volume(labels) and is_segmentable_volume(volume)


def test_finished_result_gets_a_surface_and_its_warnings(scene):
    from gynai.image import Geometry, LabelImage
    from gynai.tasks import get_task
    from GynAISegmentLib.logic import apply_result
    from GynAISegmentLib.segment_logic import finish_result

    volume = _volume()
    array = np.zeros((4, 16, 16), dtype=np.uint8)
    array[1:3, 4:12, 4:12] = 1
    array[1:3, 6:10, 6:10] = 2
    labels = LabelImage(array, Geometry(), get_task("uterus-fibroid").labels)
    node = apply_result(labels, volume, "uterus-fibroid", warnings=["input looks like CT", "small uterus"])
    assert not node.GetSegmentation().ContainsRepresentation("Closed surface")
    assert finish_result(node) == ["input looks like CT", "small uterus"]
    assert node.GetSegmentation().ContainsRepresentation("Closed surface")
    node.SetAttribute("GynAI.warnings", "")
    assert finish_result(node) == []


# ReportLogic (GynAIReportLogic)


def test_report_logic_delegates(monkeypatch):
    import GynAIReportLib.findings_table as findings_table
    import GynAIReportLib.logic as report_logic
    import GynAIReportLib.report_files as report_files
    from GynAIReportLib.report_logic import ReportLogic

    calls = []

    def recorder(name, result=None):
        return lambda *args, **kwargs: calls.append((name, args) + ((kwargs,) if kwargs else ())) or result

    monkeypatch.setattr(report_logic, "compute_metrics", recorder("compute_metrics", {"m": 1}))
    monkeypatch.setattr(report_logic, "metrics_to_table_node", recorder("table", "table-node"))
    monkeypatch.setattr(report_logic, "report_html", recorder("html", "<html>"))
    monkeypatch.setattr(report_logic, "thickness_map_volume_node", recorder("thickness", "map"))
    monkeypatch.setattr(report_logic, "MetricsAutoUpdate", recorder("watch", "watcher"))
    monkeypatch.setattr(findings_table, "findings_to_table_node", recorder("findings", "findings-node"))
    monkeypatch.setattr(report_files, "generate_report", recorder("generate", {"files": {}}))
    monkeypatch.setattr(report_files, "send_report_to_pacs", recorder("pacs", 3))
    logic = ReportLogic()
    volume, segmentation = types.SimpleNamespace(GetName=lambda: "v"), types.SimpleNamespace(GetName=lambda: "s")
    assert logic.compute(volume, segmentation, "placenta", "t") == ({"m": 1}, "table-node", "<html>")
    assert calls[:3] == [("compute_metrics", (volume, segmentation, "placenta")), ("table", ({"m": 1}, "t")),
                         ("html", ({"m": 1}, volume))]
    assert logic.findingsTable({"m": 1}) == "findings-node" and calls[3] == ("findings", ({"m": 1}, None))
    assert logic.thicknessMap(volume, segmentation) == "map" and calls[4] == ("thickness", (volume, segmentation, None))
    update = object()
    assert logic.watch(volume, segmentation, "adnexal-mass", update) == "watcher"
    assert calls[5] == ("watch", (volume, segmentation, "adnexal-mass", None, update),
                        {"timer": None, "on_state": None})         # the Qt-free default recomputes at once
    progress = object()
    logic.generateReport(volume, segmentation, "fibroid-mapping", "out", ("html",), priorVolumeNode="pv",
                         priorSegmentationNode="ps", priorMetrics={"prior": 1}, progress=progress)
    assert calls[6] == ("generate", (volume, segmentation, "fibroid-mapping", "out", ("html",), {"prior": 1}, "pv",
                                     "ps", progress))
    assert logic.sendToPacs({"sr": "x"}, configFile="pacs.json") == 3 and calls[7] == ("pacs", ({"sr": "x"}, "pacs.json"))
    assert logic.pacsConfigFile() == "" and logic.sendToPacs({"sr": "x"}) == 3
    assert calls[8] == ("pacs", ({"sr": "x"}, ""))                   # no setting: send_report_to_pacs refuses

    class Configured(ReportLogic):
        def pacsConfigFile(self):
            return "from-settings.json"

    Configured().sendToPacs({"sr": "x"})
    Configured().sendToPacs({"sr": "x"}, "explicit.json")
    assert calls[9:] == [("pacs", ({"sr": "x"}, "from-settings.json")), ("pacs", ({"sr": "x"}, "explicit.json"))]


def test_send_to_pacs_without_a_configuration_sends_nothing(tmp_path):
    from gynai.errors import PacsConfigError
    from GynAIReportLib.report_logic import ReportLogic

    with pytest.raises(PacsConfigError, match="nothing was sent"):
        ReportLogic().sendToPacs({"sr": str(tmp_path / "sr.dcm")})
