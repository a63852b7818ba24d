"""Each panel's main action driven through its widgets: what the user chose must be what reaches the logic.

The logic methods are replaced by recorders (the logic itself is tested in Testing/mrml); the widgets are the
stand-ins of ``standin_slicer.py`` built from each module's .ui file, so the handler reads the same widgets
a user sets. A handler that swaps two arguments, drops the modality or reads the wrong selector fails here.
"""

from __future__ import annotations

import types
from pathlib import Path

import numpy as np
import pytest
from standin_slicer import ModuleParent, ModuleWidgetParent


class Recorder:
    """A callable that records its calls and returns ``result``."""

    def __init__(self, result=None):
        self.calls: list[tuple[tuple, dict]] = []
        self.result = result

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        return self.result


def build(env, name: str, logic_methods: dict):
    """Import module ``name``, replace logic methods by recorders (before ``setup()`` binds them), set up."""
    module = env.import_module_file(name)
    logic_class = getattr(module, f"{name}Logic")
    for method, recorder in logic_methods.items():
        setattr(logic_class, method, lambda self, *a, _r=recorder, **k: _r(*a, **k))
    getattr(module, name)(ModuleParent(path=env.module_paths[name]))
    widget = getattr(module, f"{name}Widget")(ModuleWidgetParent())
    widget.setup()
    return widget


@pytest.fixture()
def volume(slicer_gui):
    import slicer

    return slicer.util.addVolumeFromArray(np.zeros((4, 8, 8), np.int16), name="T2")


def test_apply_sends_the_chosen_volume_task_device_modality_and_output(slicer_gui, volume):
    import slicer

    job = types.SimpleNamespace(poll=lambda: True, cancel=lambda: None)
    segment = Recorder(job)
    widget = build(slicer_gui, "GynAISegment", {"segment": segment})
    output = slicer.mrmlScene.AddNewNodeByClass("vtkMRMLSegmentationNode", "out")
    ui = widget.ui
    ui.taskComboBox.currentIndex = 1                    # placenta
    ui.deviceComboBox.currentIndex = 1                  # cpu
    ui.modalityComboBox.currentIndex = 1                # MR
    ui.outputSegmentationSelector.setCurrentNode(output)
    ui.applyButton.click()
    assert slicer_gui.errors == []
    assert len(segment.calls) == 1
    args, kwargs = segment.calls[0]
    assert args == (volume, "placenta", output, "cpu")
    assert kwargs["modality"] == "MR" and kwargs["waitForCompletion"] is False
    assert "placenta" in ui.logTextEdit.toPlainText() and "cpu" in ui.logTextEdit.toPlainText()
    ui.applyButton.click()                              # while the job runs, the same button cancels it
    assert len(segment.calls) == 1
    widget.cleanup()


def test_batch_run_sends_folders_task_and_workers(slicer_gui, tmp_path):
    cancel = Recorder()
    batch = types.SimpleNamespace(finished=False, message="", poll=lambda: 0.0, cancel=cancel,
                                  summary=lambda: {"done": 0, "failed": 0})
    start_batch = Recorder(batch)
    widget = build(slicer_gui, "GynAI", {"startBatch": start_batch})
    ui = widget.ui
    (tmp_path / "in").mkdir()
    ui.batchInputPath.currentPath = str(tmp_path / "in")
    ui.batchOutputPath.currentPath = str(tmp_path / "out")
    ui.batchTaskComboBox.currentIndex = 2               # adnexal-mass
    ui.batchWorkersSpinBox.value = 3
    ui.batchRunButton.click()
    assert slicer_gui.errors == []
    assert len(start_batch.calls) == 1
    assert start_batch.calls == [((str(tmp_path / "in"), str(tmp_path / "out"), "adnexal-mass", 3), {})]
    assert ui.batchRunButton.text == "Cancel"
    ui.batchRunButton.click()                           # the same button cancels the running batch
    assert len(start_batch.calls) == 1 and len(cancel.calls) == 1
    widget.cleanup()


def test_compute_and_generate_report_send_the_chosen_nodes_task_and_formats(slicer_gui, volume, tmp_path,
                                                                              monkeypatch):
    import qt
    import slicer

    segmentation = slicer.mrmlScene.AddNewNodeByClass("vtkMRMLSegmentationNode", "seg")
    watcher = types.SimpleNamespace(state="up-to-date", metrics={}, volume_node=volume, table_node=None,
                                    findings_table_node=None, stop=lambda: None)
    watch, generate = Recorder(watcher), Recorder({"files": {"json": str(tmp_path / "report.json")}})
    widget = build(slicer_gui, "GynAIReport", {"watch": watch, "generateReport": generate,
                                               "reportHtml": Recorder("<p>report</p>")})
    ui = widget.ui
    ui.inputVolumeSelector.setCurrentNode(volume)
    ui.segmentationSelector.setCurrentNode(segmentation)
    ui.taskComboBox.currentIndex = 2                    # adnexal-mass
    ui.computeButton.click()
    assert slicer_gui.errors == []
    assert watch.calls[0][0][:3] == (volume, segmentation, "adnexal-mass")
    monkeypatch.setattr(qt.QFileDialog, "getExistingDirectory", staticmethod(lambda *a: str(tmp_path)))
    ui.htmlCheckBox.checked, ui.pdfCheckBox.checked, ui.jsonCheckBox.checked, ui.dicomCheckBox.checked = (
        False, False, True, True)
    ui.generateReportButton.click()
    assert slicer_gui.errors == []
    args, kwargs = generate.calls[0]
    assert args[:5] == (volume, segmentation, "adnexal-mass", str(tmp_path), ["json", "dicom"])
    assert kwargs["priorVolumeNode"] is None and kwargs["priorSegmentationNode"] is None
    assert not ui.openPdfButton.enabled and str(tmp_path) in ui.statusLabel.text
    assert Path(widget._written["json"]) == tmp_path / "report.json"
