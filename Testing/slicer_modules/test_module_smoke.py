"""Import-and-setup smoke test: every module file is imported and its Module, ``Widget.setup()``,
``enter()``, ``exit()``, scene close and ``cleanup()`` run against the stand-ins of ``standin_slicer.py``
(recording ``qt``/``ctk`` widgets built from the module's .ui file, ``slicer.util.loadUI``, and a
parameter-node wrapper that enforces Slicer's GUI connector rules, ``gui_rules.py``) on the real
slicer-core scene. Any exception, including one that ``tryWithErrorDisplay`` would show in Slicer, fails.
"""

from __future__ import annotations

import ast
import io
import sys
import types
import unittest
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import numpy as np
import pytest
from standin_slicer import ModuleParent, ModuleWidgetParent

ROOT = Path(__file__).resolve().parents[2]
MODULES = ("GynAI", "GynAISegment", "GynAIReport")
TASKS = ["uterus-fibroid", "placenta", "adnexal-mass"]


def bound_widgets(name: str) -> set[str]:
    """objectNames of the widgets that have a ``SlicerParameterName`` in the module's .ui file."""
    tree = ElementTree.parse(ROOT / name / "Resources" / "UI" / f"{name}.ui")
    return {w.get("name") for w in tree.iter("widget")
            if any(p.get("name") == "SlicerParameterName" for p in w.findall("property"))}


def start(env, name: str):
    """Import the module file, build the module and its widget, and run ``setup()``."""
    module = env.import_module_file(name)
    parent = ModuleParent(path=env.module_paths[name])
    getattr(module, name)(parent)
    widget_parent = ModuleWidgetParent()
    widget = getattr(module, f"{name}Widget")(widget_parent)
    widget.setup()
    return module, parent, widget


def enter(widget) -> None:
    widget.parent.isEntered = True
    widget.enter()


def leave(widget) -> None:
    widget.exit()
    widget.parent.isEntered = False


@pytest.mark.parametrize("name", MODULES)
def test_module_setup_enter_exit_cleanup(slicer_gui, name):
    import slicer

    module, parent, widget = start(slicer_gui, name)
    assert isinstance(parent.title, str) and parent.title and parent.helpText
    assert parent.categories == ["GynAI"]
    assert callable(slicer.selfTests[name]) and hasattr(module, f"{name}Test")
    first = widget._parameterNode
    assert set(first.connected_widgets()) == bound_widgets(name)
    enter(widget)
    wrapper = widget._parameterNode
    assert first.connected_widgets() == []                            # the setup's connection was undone
    assert sorted(wrapper.connected_widgets()) == sorted(bound_widgets(name))   # each widget bound once
    leave(widget)
    assert wrapper.connected_widgets() == [] and widget._parameterNode is None
    enter(widget)
    slicer.mrmlScene.Clear(0)                         # StartCloseEvent, EndCloseEvent while entered
    assert widget._parameterNode is not None and set(widget._parameterNode.connected_widgets()) == bound_widgets(name)
    leave(widget)
    widget.cleanup()
    assert widget.Observations == []
    assert slicer_gui.errors == []


def imported_roots(folder: Path, name: str) -> set[str]:
    """Top-level packages imported by a module file and its ``<name>Lib`` package."""
    roots = set()
    for path in [folder / f"{name}.py", *(folder / f"{name}Lib").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                roots |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                roots.add(node.module.split(".")[0])
    return roots


def test_module_dependencies_are_declared(slicer_gui):
    """A module that imports another module's packages (GynAILib and gynai live in the GynAI module) lists
    that module in ``parent.dependencies``, so that Slicer loads it first."""
    owners = {"GynAILib": "GynAI", "gynai": "GynAI", "GynAISegmentLib": "GynAISegment",
              "GynAIReportLib": "GynAIReport"}
    for name in MODULES:
        module = slicer_gui.import_module_file(name)
        parent = ModuleParent(path=slicer_gui.module_paths[name])
        getattr(module, name)(parent)
        needed = sorted({owners[root] for root in imported_roots(ROOT / name, name) if root in owners} - {name})
        assert parent.dependencies == needed, name
    assert needed == ["GynAI"]                  # GynAIReport imports GynAILib


def test_home_panel_binds_task_and_workers(slicer_gui):
    _, _, widget = start(slicer_gui, "GynAI")
    ui, node = widget.ui, widget._parameterNode
    assert ui.batchTaskComboBox.items() == TASKS and ui.batchTaskComboBox.currentText == "uterus-fibroid"
    assert (ui.batchWorkersSpinBox.minimum, ui.batchWorkersSpinBox.maximum) == (1, 16)   # the .ui range, kept
    ui.batchTaskComboBox.currentIndex = 2
    assert node.batchTask == "adnexal-mass"
    node.batchWorkers = 3
    assert ui.batchWorkersSpinBox.value == 3
    with pytest.raises(ValueError):
        node.batchWorkers = 17
    widget.cleanup()


def test_home_startup_registers_samples_and_terminology(slicer_gui, monkeypatch):
    import slicer

    registered, loaded = [], []
    logic = types.SimpleNamespace(registerCustomSampleDataSource=lambda **kw: registered.append(kw))
    monkeypatch.setitem(sys.modules, "SampleData", types.SimpleNamespace(SampleDataLogic=logic))
    terminologies = types.SimpleNamespace(LoadTerminologyFromFile=loaded.append)
    monkeypatch.setattr(slicer.modules, "terminologies", types.SimpleNamespace(logic=lambda: terminologies),
                        raising=False)
    start(slicer_gui, "GynAI")[2].cleanup()
    assert registered == [] and loaded == []            # only once Slicer has started
    slicer_gui.app.emit("startupCompleted()")
    assert len(registered) == 3 and all(Path(p.removeprefix("file://")).is_file()
                                         for entry in registered for p in entry["uris"])
    assert loaded == [str(ROOT / "Resources" / "Terminology" / "GynAI.term.json")]


def test_segment_panel_binds_choices_and_picks_the_volume(slicer_gui):
    import slicer

    volume = slicer.util.addVolumeFromArray(np.zeros((8, 16, 16), np.int16) + np.arange(16, dtype=np.int16),
                                            name="T2")
    _, _, widget = start(slicer_gui, "GynAISegment")
    ui, node = widget.ui, widget._parameterNode
    assert ui.taskComboBox.items() == TASKS
    assert ui.deviceComboBox.items() == ["auto", "cpu", "cuda"]
    assert ui.modalityComboBox.items() == ["auto", "MR", "US"]
    assert node.inputVolume is volume and ui.inputVolumeSelector.currentNode() is volume
    assert ui.modelCardLabel.text.startswith("GynAI uterus-fibroid ")    # the model card of the chosen task
    ui.taskComboBox.currentIndex = 1
    assert node.task == "placenta" and ui.modelCardLabel.text.startswith("GynAI placenta ")
    assert ui.applyButton.enabled
    widget.cleanup()
    assert slicer_gui.errors == []


def test_report_panel_binds_task(slicer_gui):
    _, _, widget = start(slicer_gui, "GynAIReport")
    assert widget.ui.taskComboBox.items() == TASKS
    widget.ui.taskComboBox.currentIndex = 1
    assert widget._parameterNode.task == "placenta"
    assert not widget.ui.sendToPacsButton.visible        # no PACS configuration file set
    widget.cleanup()


def test_report_panel_updates_metrics_once_editing_pauses(slicer_gui):
    """Compute metrics, then a paint stroke: the panel says "updating…" at once, and the metrics are
    recomputed once, when the 0.5 s single-shot timer of Slicer's event loop fires."""
    import slicer
    from gynai.phantom import FibroidSpec, PhantomConfig, generate_uterus_fibroid

    from GynAILib.volumes import image_to_volume_node
    from GynAISegmentLib.logic import apply_result

    case = generate_uterus_fibroid(3, [FibroidSpec("4", 16.0)], PhantomConfig(spacing_mm=(1.5, 1.5, 4.0),
                                                                                size_xyz=(96, 96, 24)))
    volume = image_to_volume_node(case.image, "phantom")
    segmentation = apply_result(case.labels, volume, "uterus-fibroid")
    _, _, widget = start(slicer_gui, "GynAIReport")
    ui = widget.ui
    ui.inputVolumeSelector.setCurrentNode(volume)                # the user picks them
    ui.segmentationSelector.setCurrentNode(segmentation)
    assert widget._parameterNode.inputVolume is volume and widget._parameterNode.segmentation is segmentation
    ui.computeButton.click()
    watcher = widget._watcher
    assert ui.tableView.mrmlTableNode() is watcher.table_node and ui.metricsStatusLabel.text.startswith("Metrics up")
    timer = watcher._update.timer._timer
    assert timer.singleShot and not timer.active
    mask = slicer.util.arrayFromSegmentBinaryLabelmap(segmentation, "fibroid", volume)
    for row in range(mask.shape[1]):                            # a stroke: many modifications
        mask[:, row, :] = 0
        slicer.util.updateSegmentBinaryLabelmapFromArray(mask, segmentation, "fibroid", volume)
    assert "updating" in ui.metricsStatusLabel.text and timer.active and timer.interval == 500
    assert watcher.computations == 0
    timer.fire()
    assert watcher.computations == 1 and ui.metricsStatusLabel.text.startswith("Metrics up")
    assert watcher.metrics["structures"]["fibroid"]["volume_ml"] == 0
    widget.cleanup()
    assert ui.metricsStatusLabel.text == "" and slicer_gui.errors == []


@pytest.mark.parametrize("name", MODULES)
def test_self_test_runs_as_slicer_runs_it(slicer_gui, name):
    """What ``slicer_add_python_unittest`` runs (``slicer.testing.runUnitTest``: a unittest loader on the module
    name), and the module's Reload-and-Test entry ``slicer.selfTests[name]``."""
    import slicer

    start(slicer_gui, name)[2].cleanup()
    suite = unittest.TestLoader().loadTestsFromName(name)
    assert suite.countTestCases() >= 1
    result = unittest.TextTestRunner(verbosity=0, stream=io.StringIO()).run(suite)
    assert result.wasSuccessful(), result.errors + result.failures
    if name != "GynAISegment":                  # the same test methods again (20 s for the segmentation one)
        slicer.selfTests[name]()
