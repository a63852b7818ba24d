"""GynAISegment: run a bundled GynAI model on a volume and create a named, coloured segmentation."""

from typing import Annotated

import slicer
from GynAILib.slicer_version import require_supported_slicer

require_supported_slicer(slicer.app)   # first: on an older Slicer this one sentence is the error users see

import qt  # noqa: E402
from slicer.i18n import tr as _  # noqa: E402
from slicer.i18n import translate  # noqa: E402
from slicer.parameterNodeWrapper import Choice, parameterNodeWrapper  # noqa: E402
from slicer.ScriptedLoadableModule import (ScriptedLoadableModule, ScriptedLoadableModuleLogic,  # noqa: E402
                                           ScriptedLoadableModuleTest, ScriptedLoadableModuleWidget)
from slicer.util import VTKObservationMixin  # noqa: E402

from GynAISegmentLib.segment_logic import SegmentLogic, finish_result  # noqa: E402

TASKS = ("uterus-fibroid", "placenta", "adnexal-mass")
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
    """Parameters: input volume, its modality (auto: from DICOM), task, device, output segmentation.

    Slicer's combo-box connector needs ``Choice`` and fills each box with its choices.
    """

    inputVolume: slicer.vtkMRMLScalarVolumeNode
    outputSegmentation: slicer.vtkMRMLSegmentationNode
    modality: Annotated[str, Choice(MODALITY_CHOICES)] = "auto"
    task: Annotated[str, Choice(TASKS)] = "uterus-fibroid"
    device: Annotated[str, Choice(DEVICES)] = "auto"


class GynAISegmentWidget(ScriptedLoadableModuleWidget, VTKObservationMixin):
    """User interface: only wires widgets to the logic; every action shows its errors."""

    def __init__(self, parent=None):
        ScriptedLoadableModuleWidget.__init__(self, parent)
        VTKObservationMixin.__init__(self)
        self.logic = None
        self._parameterNode = None
        self._parameterNodeGuiTag = None
        self._job = None
        self._timer = None
        self._lastProgressMessage = None

    def setup(self):
        ScriptedLoadableModuleWidget.setup(self)
        uiWidget = slicer.util.loadUI(self.resourcePath("UI/GynAISegment.ui"))
        self.layout.addWidget(uiWidget)
        self.ui = slicer.util.childWidgetVariables(uiWidget)
        uiWidget.setMRMLScene(slicer.mrmlScene)
        self.logic = GynAISegmentLogic()
        self._timer = qt.QTimer()
        self._timer.setInterval(200)
        self._timer.connect("timeout()", self._pollJob)
        self.ui.applyButton.connect("clicked(bool)", self.onApplyButton)
        self.ui.openSegmentEditorButton.connect("clicked(bool)", self.onOpenSegmentEditor)
        self.ui.inputVolumeSelector.connect("currentNodeChanged(vtkMRMLNode*)", self.onInputChanged)
        self.ui.taskComboBox.connect("currentIndexChanged(int)", self.onInputChanged)
        self.ui.modalityComboBox.connect("currentIndexChanged(int)", self.onInputChanged)
        self.ui.progressBar.setValue(0)
        self.addObserver(slicer.mrmlScene, slicer.mrmlScene.StartCloseEvent, self.onSceneStartClose)
        self.addObserver(slicer.mrmlScene, slicer.mrmlScene.EndCloseEvent, self.onSceneEndClose)
        self.initializeParameterNode()

    # Parameter node lifecycle (as in Slicer's scripted module template)

    def cleanup(self):
        self._cancelJob(_("Cancelled; the scene was not changed."))
        self.setParameterNode(None)
        self.removeObservers()

    def enter(self):
        self.initializeParameterNode()

    def exit(self):
        self.setParameterNode(None)   # a running job goes on and fills the scene when it ends

    def onSceneStartClose(self, caller, event):
        self._cancelJob(_("Cancelled: the scene was closed."))
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
            self._updateButtonState()
            self._updateHints()

    # Display

    def onInputChanged(self, *args):
        with slicer.util.tryWithErrorDisplay(_("Updating the model information failed.")):
            self._updateButtonState()
            self._updateHints()

    def _updateHints(self):
        """The selected model's card summary, and a warning when the volume does not fit the model."""
        from GynAISegmentLib.model_info import input_modality, is_segmentable_volume, modality_mismatch, model_card_facts

        task = self.ui.taskComboBox.currentText
        volume = self.ui.inputVolumeSelector.currentNode()
        database = getattr(slicer, "dicomDatabase", None)
        stated = self.ui.modalityComboBox.currentText
        try:
            card = model_card_facts(task, input_modality(volume, stated, database))
            self.ui.modelCardLabel.text = _(
                "{name} {version} ({size} MB, {modality}). Held-out phantom Dice: {dice}. Trained and evaluated "
                "only on synthetic phantoms; not validated on patient data; not for clinical use.").format(
                name=card.name, version=card.version, size=f"{card.size_mb:.1f}", modality=card.modality,
                dice=card.dice_text() or _("not measured"))
        except Exception as error:  # shown, not raised: a missing dependency or a tampered bundle
            self.ui.modelCardLabel.text = _("Model not available: {reason}").format(reason=str(error))
        mismatch = modality_mismatch(volume, task, database, stated)
        if mismatch is not None:
            hint = _("{volume} is {modality}, but the {task} model expects {expected}: the result would not be "
                     "meaningful").format(volume=mismatch.volume_name, modality=mismatch.modality,
                                          task=mismatch.task, expected=mismatch.expected)
        elif volume is not None and not is_segmentable_volume(volume):
            hint = _("{volume} is not a single-component scalar volume (a label map, vector or empty volume): "
                     "choose the image volume").format(volume=volume.GetName())
        else:
            hint = ""
        self.ui.modalityHintLabel.text = hint

    def _updateButtonState(self):
        if self._job is None:
            self.ui.applyButton.text = _("Apply")
            self.ui.applyButton.enabled = self.ui.inputVolumeSelector.currentNode() is not None
        else:
            self.ui.applyButton.text = _("Cancel")
            self.ui.applyButton.enabled = True

    def _appendLog(self, message):
        """Add one line to the log panel (the child's messages, progress steps, warnings)."""
        self.ui.logTextEdit.appendPlainText(str(message))

    def _showProgress(self, fraction, message):
        """Progress of the running job (called from its ``poll``): bar, status line and, when it changes, log."""
        self.ui.progressBar.setValue(int(100 * fraction))
        self.ui.statusLabel.text = message
        if message and message != self._lastProgressMessage:
            self._lastProgressMessage = message
            self._appendLog(f"{int(100 * fraction):3d} %  {message}")

    # Actions

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
            if self._job is not None:
                self._cancelJob(_("Cancelled; the scene was not changed."))
                return
            volume = self.ui.inputVolumeSelector.currentNode()
            task, device = self.ui.taskComboBox.currentText, self.ui.deviceComboBox.currentText
            modality = self.ui.modalityComboBox.currentText
            self.ui.logTextEdit.clear()
            self._lastProgressMessage = None
            self._appendLog(_("Segmenting {volume} with the {task} model ({device}).").format(
                volume=volume.GetName() if volume else "", task=task, device=device))
            self._job = self.logic.segment(volume, task, self.ui.outputSegmentationSelector.currentNode(), device,
                                           waitForCompletion=False, progress=self._showProgress, log=self._appendLog,
                                           modality=modality)
            self.ui.progressBar.setValue(0)
            self._timer.start()
            self._updateButtonState()

    def _pollJob(self):
        with slicer.util.tryWithErrorDisplay(_("Segmentation failed; the scene was not changed.")):
            job = self._job
            if job is None:
                return
            try:
                if job.poll():
                    return
            except Exception as error:
                self._stopJob(_("Failed: {reason}").format(reason=str(error)))
                raise
            node = job.result_node
            self.ui.outputSegmentationSelector.setCurrentNode(node)
            warnings = finish_result(node)
            self.ui.openSegmentEditorButton.enabled = True
            for warning in warnings:
                self._appendLog(_("Warning: {message}").format(message=warning))
            self._stopJob("\n".join([_("Done: {name}").format(name=node.GetName())] + warnings))

    def _cancelJob(self, message):
        if self._job is not None:
            self._job.cancel()
            self._stopJob(message)

    def _stopJob(self, message):
        self._timer.stop()
        self._job = None
        self.ui.statusLabel.text = message
        self._appendLog(message)
        self._updateButtonState()


class GynAISegmentLogic(ScriptedLoadableModuleLogic, SegmentLogic):
    """Thin logic: ``segment`` and ``defaultInputVolume`` are GynAISegmentLib.segment_logic.SegmentLogic's::

        node = slicer.util.getModuleLogic("GynAISegment").segment(getNode("T2"), "uterus-fibroid")
    """

    def getParameterNode(self):
        return GynAISegmentParameterNode(super().getParameterNode())


class GynAISegmentTest(ScriptedLoadableModuleTest):
    """End-to-end test inside Slicer: phantom → model → segments with the task's names."""

    def setUp(self):
        slicer.mrmlScene.Clear()

    def runTest(self):
        self.setUp()
        self.test_segment_phantom()
        self.setUp()
        self.test_background_job_and_cancel()

    def test_segment_phantom(self):
        from gynai.phantom import FibroidSpec, generate_uterus_fibroid
        from GynAILib.volumes import image_to_volume_node

        case = generate_uterus_fibroid(0, [FibroidSpec("4", 20.0)])
        volume = image_to_volume_node(case.image, "phantom")
        node = GynAISegmentLogic().segment(volume, "uterus-fibroid", device="cpu")
        segmentation = node.GetSegmentation()
        names = [segmentation.GetNthSegment(i).GetName() for i in range(segmentation.GetNumberOfSegments())]
        self.assertEqual(names, ["Myometrium", "Endometrium", "Fibroid"])
        mask = slicer.util.arrayFromSegmentBinaryLabelmap(node, "myometrium", volume)
        self.assertGreater(int(mask.sum()), 1000)
        self.delayDisplay("GynAISegment test passed")

    def test_background_job_and_cancel(self):
        import time

        from gynai.phantom import FibroidSpec, generate_uterus_fibroid
        from GynAILib.volumes import image_to_volume_node

        volume = image_to_volume_node(generate_uterus_fibroid(1, [FibroidSpec("2", 18.0)]).image, "phantom")
        logic = GynAISegmentLogic()
        job = logic.segment(volume, "uterus-fibroid", device="cpu", waitForCompletion=False)
        deadline = time.monotonic() + 120
        while job.poll() and job.fraction == 0.0 and time.monotonic() < deadline:
            slicer.app.processEvents()
            time.sleep(0.05)
        job.cancel()
        self.assertEqual(slicer.mrmlScene.GetNodesByClass("vtkMRMLSegmentationNode").GetNumberOfItems(), 0)
        node = logic.segment(volume, "uterus-fibroid", device="cpu", waitForCompletion=False).wait(timeout_s=300)
        self.assertEqual(node.GetAttribute("GynAI.task"), "uterus-fibroid")
        self.delayDisplay("GynAISegment background job test passed")

