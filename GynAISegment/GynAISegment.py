"""GynAISegment: run a bundled GynAI model on a volume and create a named, coloured segmentation."""

from typing import Annotated

import slicer
from GynAILib.slicer_version import require_supported_slicer

require_supported_slicer(slicer.app)   # first: on an older Slicer this one sentence is the error users see

from gynai.tasks import TASKS  # noqa: E402
from slicer.i18n import tr as _  # noqa: E402
from slicer.i18n import translate  # noqa: E402
from slicer.parameterNodeWrapper import Choice, parameterNodeWrapper  # noqa: E402
from slicer.ScriptedLoadableModule import (ScriptedLoadableModule, ScriptedLoadableModuleLogic,  # noqa: E402
                                           ScriptedLoadableModuleTest, ScriptedLoadableModuleWidget)
from slicer.util import VTKObservationMixin  # noqa: E402

from GynAIGui.module_widget import ModuleWidgetMixin  # noqa: E402
from GynAIGui.timers import JobPanel  # noqa: E402
from GynAISegmentLib.segment_logic import SegmentLogic, finish_result  # noqa: E402
from GynAISegmentLib.self_test import background_job_and_cancel, segment_phantom  # noqa: E402
from GynAISegmentLib.texts import input_hint_text, model_card_text  # noqa: E402

DEVICES = ("auto", "cpu", "cuda")
MODALITY_CHOICES = ("auto", "MR", "US")


class GynAISegment(ScriptedLoadableModule):
    """Module description."""

    def __init__(self, parent):
        ScriptedLoadableModule.__init__(self, parent)
        self.parent.title = _("GynAI Segment")
        self.parent.categories = [translate("qSlicerAbstractCoreModule", "GynAI")]
        self.parent.dependencies = ["GynAI"]   # GynAILib (MRML adapters, version check) lives there
        self.parent.contributors = ["GynAI contributors"]
        self.parent.helpText = _("Segment the uterus (myometrium, endometrium, fibroids), the placenta with "
                                 "myometrium and bladder, or an adnexal mass with its solid tissue on MRI with "
                                 "bundled MONAI models. Research use only: review every result.")
        self.parent.acknowledgementText = _("GynAI is an open-source project. Models were trained on "
                                            "synthetic phantoms only.")


@parameterNodeWrapper
class GynAISegmentParameterNode:
    """Input volume, its modality (auto: from DICOM), task, device, output segmentation; Slicer's combo-box
    connector needs ``Choice`` and fills each box with its choices."""

    inputVolume: slicer.vtkMRMLScalarVolumeNode
    outputSegmentation: slicer.vtkMRMLSegmentationNode
    modality: Annotated[str, Choice(MODALITY_CHOICES)] = "auto"
    task: Annotated[str, Choice(tuple(TASKS))] = next(iter(TASKS))
    device: Annotated[str, Choice(DEVICES)] = "auto"


class GynAISegmentWidget(ScriptedLoadableModuleWidget, VTKObservationMixin, ModuleWidgetMixin):
    """User interface: only wires widgets to the logic; every action shows its errors."""

    def __init__(self, parent=None):
        ScriptedLoadableModuleWidget.__init__(self, parent)
        VTKObservationMixin.__init__(self)
        self.initModuleWidget()
        self._jobs = None

    def setup(self):
        ScriptedLoadableModuleWidget.setup(self)
        self.loadModuleUi("GynAISegment")
        self.logic = GynAISegmentLogic()
        self._jobs = JobPanel(self.ui.applyButton, _("Apply"), _("Cancel"), self._finishedJob,
                              _("Segmentation failed; the scene was not changed."),
                              self.ui.inputVolumeSelector.currentNode, self.ui.progressBar, self.ui.statusLabel,
                              self._appendLog)
        self.ui.applyButton.connect("clicked(bool)", self.onApplyButton)
        self.ui.openSegmentEditorButton.connect("clicked(bool)", self.onOpenSegmentEditor)
        self.ui.inputVolumeSelector.connect("currentNodeChanged(vtkMRMLNode*)", self.onInputChanged)
        self.ui.taskComboBox.connect("currentIndexChanged(int)", self.onInputChanged)
        self.ui.modalityComboBox.connect("currentIndexChanged(int)", self.onInputChanged)
        self.addObserver(slicer.mrmlScene, slicer.mrmlScene.StartCloseEvent, self.onSceneStartClose)
        self.addObserver(slicer.mrmlScene, slicer.mrmlScene.EndCloseEvent, self.onSceneEndClose)
        self.initializeParameterNode()

    def cleanup(self):
        self._jobs.cancel(_("Cancelled; the scene was not changed."))
        self.setParameterNode(None)
        self.removeObservers()

    def enter(self):
        self.initializeParameterNode()

    def exit(self):
        self.setParameterNode(None)   # a running job goes on and fills the scene when it ends

    def onSceneStartClose(self, caller, event):
        self._jobs.cancel(_("Cancelled: the scene was closed."))
        self.setParameterNode(None)

    def onSceneEndClose(self, caller, event):
        if self.parent.isEntered:
            self.initializeParameterNode()

    def initializeParameterNode(self):
        self.setParameterNode(self.logic.getParameterNode())
        if not self._parameterNode.inputVolume:
            volume = self.logic.defaultInputVolume()
            if volume is not None:
                self._parameterNode.inputVolume = volume

    def setParameterNode(self, inputParameterNode):
        """Connect the GUI to ``inputParameterNode`` (None disconnects it, e.g. while the scene closes)."""
        if self._parameterNode is not None and self._parameterNodeGuiTag is not None:
            self._parameterNode.disconnectGui(self._parameterNodeGuiTag)
        self._parameterNode = inputParameterNode
        self._parameterNodeGuiTag = None
        if self._parameterNode is not None:
            self._parameterNodeGuiTag = self._parameterNode.connectGui(self.ui)
            self._jobs.refresh()
            self._updateHints()

    def onInputChanged(self, *args):
        with slicer.util.tryWithErrorDisplay(_("Updating the model information failed.")):
            self._jobs.refresh()
            self._updateHints()

    def _updateHints(self):
        """The selected model's card summary, and a warning when the volume does not fit the model."""
        task, volume = self.ui.taskComboBox.currentText, self.ui.inputVolumeSelector.currentNode()
        stated = self.ui.modalityComboBox.currentText
        self.ui.modelCardLabel.text = model_card_text(task, volume, stated)
        self.ui.modalityHintLabel.text = input_hint_text(task, volume, stated)

    def _appendLog(self, message):
        """Add one line to the log panel (the child's messages, progress steps, warnings)."""
        self.ui.logTextEdit.appendPlainText(str(message))

    def onOpenSegmentEditor(self):
        """Show the result in Segment Editor for review and correction."""
        with slicer.util.tryWithErrorDisplay(_("Opening Segment Editor failed.")):
            segmentation = self.ui.outputSegmentationSelector.currentNode()
            slicer.util.selectModule("SegmentEditor")
            editor = slicer.modules.segmenteditor.widgetRepresentation().self().editor
            editor.setSegmentationNode(segmentation)
            editor.setSourceVolumeNode(self.ui.inputVolumeSelector.currentNode())

    def onApplyButton(self):
        """Apply starts a child-process job; while it runs the same button cancels it."""
        with slicer.util.tryWithErrorDisplay(_("Segmentation could not start."), waitCursor=True):
            if self._jobs.running:
                self._jobs.cancel(_("Cancelled; the scene was not changed."))
                return
            volume = self.ui.inputVolumeSelector.currentNode()
            task, device = self.ui.taskComboBox.currentText, self.ui.deviceComboBox.currentText
            self.ui.logTextEdit.clear()
            self._appendLog(_("Segmenting {volume} with the {task} model ({device}).").format(
                volume=volume.GetName() if volume else "", task=task, device=device))
            self._jobs.start(self.logic.segment(volume, task, self.ui.outputSegmentationSelector.currentNode(), device,
                                                waitForCompletion=False, progress=self._jobs.showProgress,
                                                log=self._appendLog, modality=self.ui.modalityComboBox.currentText))

    def _finishedJob(self, job):
        """One poll of the running job (:class:`GynAIGui.timers.JobPanel`): its result, once done, in the scene."""
        if job.poll():
            return None
        node = job.result_node
        self.ui.outputSegmentationSelector.setCurrentNode(node)
        warnings = finish_result(node)
        self.ui.openSegmentEditorButton.enabled = True
        for warning in warnings:
            self._appendLog(_("Warning: {message}").format(message=warning))
        return "\n".join([_("Done: {name}").format(name=node.GetName())] + warnings)


class GynAISegmentLogic(ScriptedLoadableModuleLogic, SegmentLogic):
    """Thin logic: ``segment`` and ``defaultInputVolume`` are GynAISegmentLib.segment_logic.SegmentLogic's::

        node = slicer.util.getModuleLogic("GynAISegment").segment(getNode("T2"), "uterus-fibroid")
    """

    def getParameterNode(self):
        return GynAISegmentParameterNode(super().getParameterNode())


class GynAISegmentTest(ScriptedLoadableModuleTest):
    """End-to-end tests inside Slicer (scenarios in GynAISegmentLib.self_test)."""

    def setUp(self):
        slicer.mrmlScene.Clear()

    def runTest(self):
        self.setUp()
        self.test_segment_phantom()
        self.setUp()
        self.test_background_job_and_cancel()

    def test_segment_phantom(self):
        segment_phantom(self, GynAISegmentLogic())

    def test_background_job_and_cancel(self):
        background_job_and_cancel(self, GynAISegmentLogic())
