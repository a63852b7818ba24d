"""Binding contract: every ``SlicerParameterName`` in a module's .ui file names a field of the module's
``@parameterNodeWrapper`` class whose annotation Slicer's GUI connector for that widget class accepts.

The rules are ``gui_rules.py``, written from Slicer v5.10.0's ``parameterNodeWrapper/guiConnectors.py``
(identical at v5.12.3 and main 583e9b37). The module files are imported with the stand-ins of
``standin_slicer.py`` so that the annotations are the real objects. The second half shows that the rule
table refuses what Slicer refuses (so these tests can fail).
"""

from __future__ import annotations

import enum
import pathlib
import types
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Annotated, Optional, Union

import pytest

import gui_rules
from gui_rules import BindingError, connector_for
from standin_wrapper import Choice, Maximum, Minimum, WithinRange

ROOT = Path(__file__).resolve().parents[2]
MODULES = ("GynAI", "GynAISegment", "GynAIReport")


def ui_bindings(name: str) -> dict[str, tuple[str, str]]:
    """objectName → (widget class, SlicerParameterName) of a module's .ui file."""
    found = {}
    for widget in ElementTree.parse(ROOT / name / "Resources" / "UI" / f"{name}.ui").iter("widget"):
        for prop in widget.findall("property"):
            if prop.get("name") == "SlicerParameterName":
                found[widget.get("name")] = (widget.get("class"), prop.findtext("string"))
    return found


@pytest.mark.parametrize("name", MODULES)
def test_every_ui_parameter_is_accepted_by_slicers_connector(slicer_gui, name):
    module = slicer_gui.import_module_file(name)
    fields = getattr(module, f"{name}ParameterNode").fields
    bindings = ui_bindings(name)
    assert bindings, name
    problems = {}
    for widget, (widget_class, parameter) in bindings.items():
        if parameter not in fields:
            problems[widget] = f"{parameter} is not a field of {name}ParameterNode"
            continue
        try:
            binding = connector_for(widget_class, fields[parameter].annotation)
        except BindingError as error:
            problems[widget] = str(error)
            continue
        if binding.choices is not None:          # Slicer writes the value into the box: it must be a choice
            assert fields[parameter].default in binding.choices, (widget, fields[parameter].default)
    assert problems == {}


@pytest.mark.parametrize("name", MODULES)
def test_task_choices_are_the_task_registry(slicer_gui, name):
    from gynai.tasks import TASKS

    module = slicer_gui.import_module_file(name)
    fields = getattr(module, f"{name}ParameterNode").fields
    task_field = "batchTask" if name == "GynAI" else "task"
    assert gui_rules.choices_of(gui_rules.split_annotation(fields[task_field].annotation)[1]) == tuple(TASKS)


class Colour(enum.Enum):
    RED = 1
    BLUE = 2


def test_rule_table_accepts_what_slicer_accepts():
    import slicer

    assert connector_for("QComboBox", Annotated[str, Choice(["a", "b"])]).choices == ("a", "b")
    assert connector_for("ctkComboBox", Annotated[int, Choice([1, 2])]).connector == "QComboBoxToStringableConnector"
    assert connector_for("QComboBox", Colour).choices == (Colour.RED, Colour.BLUE)
    bounds = connector_for("QSpinBox", Annotated[int, WithinRange(1, 16)]).bounds
    assert (bounds.minimum, bounds.maximum) == (1, 16)
    assert connector_for("QSpinBox", Annotated[int, Minimum(0), Maximum(4)]).bounds.bounded
    assert connector_for("QDoubleSpinBox", Annotated[float, WithinRange(0.0, 1.0)]).bounds.bounded
    assert connector_for("QCheckBox", bool).connector == "QCheckBoxToBoolConnector"
    assert connector_for("QPushButton", bool).connector == "QCheckablePushButtonToBoolConnector"
    assert connector_for("QLineEdit", str).connector == "QLineEditToStrConnector"
    assert connector_for("ctkPathLineEdit", pathlib.Path).connector == "ctkPathLineEditToPathConnector"
    node = slicer.vtkMRMLScalarVolumeNode
    assert connector_for("qMRMLNodeComboBox", node).node_types == ("vtkMRMLScalarVolumeNode",)
    union = Optional[Union[node, slicer.vtkMRMLSegmentationNode]]
    assert connector_for("qMRMLNodeComboBox", union).node_types == ("vtkMRMLScalarVolumeNode",
                                                                     "vtkMRMLSegmentationNode")


@pytest.mark.parametrize("widget_class, annotation, says", [
    ("QComboBox", str, "requires the Choice annotation"),                 # this repository's defect, issue 13
    ("QComboBox", int, "requires the Choice annotation"),
    ("QComboBox", Annotated[str, WithinRange(0, 1)], "requires the Choice annotation"),
    ("QSpinBox", int, "replaces the .ui range"),                          # Slicer sets -2**31..2**31-1
    ("QSpinBox", Annotated[int, Minimum(1)], "replaces the .ui range"),
    ("QSlider", int, "Slicer raises"),
    ("ctkSliderWidget", float, "Slicer raises"),
    ("QSpinBox", float, "no GUI connector"),
    ("QSpinBox", str, "no GUI connector"),
    ("QPlainTextEdit", str, "no GUI connector"),                          # only QTextEdit has a connector
    ("ctkPathLineEdit", str, "no GUI connector"),                         # needs pathlib.Path
    ("qMRMLNodeComboBox", str, "no GUI connector"),
    ("QCheckBox", int, "no GUI connector"),
    ("ctkCollapsibleButton", bool, "no GUI connector"),                   # exact classes only
])
def test_rule_table_refuses_what_slicer_refuses(widget_class, annotation, says):
    with pytest.raises(BindingError, match=says):
        connector_for(widget_class, annotation)


def test_standin_wrapper_refuses_a_plain_str_combo_box(slicer_gui):
    """The smoke test's wrapper applies the rule table: today's defect fails in ``connectGui``."""
    import slicer
    import standin_widgets
    from standin_wrapper import parameterNodeWrapper

    @parameterNodeWrapper
    class Parameters:
        task: str = "a"

    combo = standin_widgets.CLASSES["QComboBox"]()
    combo.setProperty("SlicerParameterName", "task")
    node = slicer.mrmlScene.AddNewNodeByClass("vtkMRMLScriptedModuleNode")
    with pytest.raises(BindingError, match="Choice"):
        Parameters(node).connectGui(types.SimpleNamespace(taskComboBox=combo))
