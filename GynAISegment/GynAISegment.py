"""GynAISegment: run a bundled GynAI model on a volume and create a named, coloured segmentation."""

import logging

import qt
import slicer
from slicer.i18n import tr as _
from slicer.i18n import translate
from slicer.parameterNodeWrapper import parameterNodeWrapper
from slicer.ScriptedLoadableModule import (ScriptedLoadableModule, ScriptedLoadableModuleLogic,
                                           ScriptedLoadableModuleTest, ScriptedLoadableModuleWidget)
from slicer.util import VTKObservationMixin

TASKS = ("uterus-fibroid", "placenta", "adnexal-mass")
DEVICES = ("auto", "cpu", "cuda")


class GynAISegment(ScriptedLoadableModule):
    """Module description."""

    def __init__(self, parent):
        ScriptedLoadableModule.__init__(self, parent)
        self.parent.title = _("GynAI Segment")
        self.parent.categories = [translate("qSlicerAbstractCoreModule", "GynAI")]
        self.parent.dependencies = []
        self.parent.contributors = ["GynAI contributors"]
        self.parent.helpText = _("Segment the uterus (myometrium, endometrium, fibroids), the placenta with "
                                 "myometrium and bladder, or an adnexal mass with its solid tissue on MRI with "
                                 "bundled MONAI models. Research use only: review every result.")
        self.parent.acknowledgementText = _("GynAI is an open-source project. Models were trained on "
                                            "synthetic phantoms only.")


@parameterNodeWrapper
class GynAISegmentParameterNode:
    """Parameters: input volume, task, device, output segmentation."""

    inputVolume: slicer.vtkMRMLScalarVolumeNode
    outputSegmentation: slicer.vtkMRMLSegmentationNode
    task: str = "uterus-fibroid"
    device: str = "auto"


class GynAISegmentWidget(ScriptedLoadableModuleWidget, VTKObservationMixin):
    """User interface: only wires widgets to the logic."""

    def __init__(self, parent=None):
        ScriptedLoadableModuleWidget.__init__(self, parent)
        VTKObservationMixin.__init__(self)
        self.logic = None
        self._parameterNode = None
        self._job = None
        self._timer = None

    def setup(self):
        ScriptedLoadableModuleWidget.setup(self)
        uiWidget = slicer.util.loadUI(self.resourcePath("UI/GynAISegment.ui"))
        self.layout.addWidget(uiWidget)
        self.ui = slicer.util.childWidgetVariables(uiWidget)
        uiWidget.setMRMLScene(slicer.mrmlScene)
        self.ui.taskComboBox.addItems(list(TASKS))
        self.ui.deviceComboBox.addItems(list(DEVICES))
        self.logic = GynAISegmentLogic()
        self.ui.applyButton.connect("clicked(bool)", self.onApplyButton)
        self._timer = qt.QTimer()
        self._timer.setInterval(200)
        self._timer.connect("timeout()", self._pollJob)
        self.ui.inputVolumeSelector.connect("currentNodeChanged(vtkMRMLNode*)", self.updateButtonState)
        self.ui.inputVolumeSelector.connect("currentNodeChanged(vtkMRMLNode*)", self.updateHints)
        self.ui.taskComboBox.connect("currentIndexChanged(int)", self.updateHints)
        self.ui.openSegmentEditorButton.connect("clicked(bool)", self.onOpenSegmentEditor)
        self.ui.progressBar.setValue(0)
        self.initializeParameterNode()

    def initializeParameterNode(self):
        self._parameterNode = self.logic.getParameterNode()
        if not self._parameterNode.inputVolume:
            self._parameterNode.inputVolume = slicer.mrmlScene.GetFirstNodeByClass("vtkMRMLScalarVolumeNode")
        self._parameterNode.connectGui(self.ui)
        self.updateButtonState()
        self.updateHints()

    def updateHints(self, *args):
        """The selected model's card summary and a warning when the volume's modality does not fit."""
        from GynAISegmentLib.model_info import model_card_summary, modality_hint

        task = self.ui.taskComboBox.currentText
        try:
            self.ui.modelCardLabel.text = model_card_summary(task)
        except Exception as error:  # shown, not raised: a missing dependency or a tampered bundle
            self.ui.modelCardLabel.text = _("Model not available: {reason}").format(reason=str(error))
        self.ui.modalityHintLabel.text = modality_hint(self.ui.inputVolumeSelector.currentNode(), task,
                                                       getattr(slicer, "dicomDatabase", None))

    def onOpenSegmentEditor(self):
        """Show the result in Segment Editor for review and correction."""
        segmentation = self.ui.outputSegmentationSelector.currentNode()
        slicer.util.selectModule("SegmentEditor")
        editor = slicer.modules.segmenteditor.widgetRepresentation().self().editor
        editor.setSegmentationNode(segmentation)
        editor.setSourceVolumeNode(self.ui.inputVolumeSelector.currentNode())

    def updateButtonState(self, *args):
        if self._job is None:
            self.ui.applyButton.text = _("Apply")
            self.ui.applyButton.enabled = self.ui.inputVolumeSelector.currentNode() is not None
        else:
            self.ui.applyButton.text = _("Cancel")
            self.ui.applyButton.enabled = True

    def onProgress(self, fraction, message):
        self.ui.progressBar.setValue(int(100 * fraction))
        self.ui.statusLabel.text = message

    def onApplyButton(self):
        """Apply starts a child-process job; while it runs the same button cancels it."""
        if self._job is not None:
            self._job.cancel()
            self._stopJob(_("Cancelled; the scene was not changed."))
            return
        with slicer.util.tryWithErrorDisplay(_("Segmentation could not start."), waitCursor=True):
            self._job = self.logic.segment(self.ui.inputVolumeSelector.currentNode(),
                                           self.ui.taskComboBox.currentText,
                                           self.ui.outputSegmentationSelector.currentNode(),
                                           self.ui.deviceComboBox.currentText, waitForCompletion=False,
                                           progress=self.onProgress)
            self.ui.progressBar.setValue(0)
            self._timer.start()
        self.updateButtonState()

    def _pollJob(self):
        job = self._job
        if job is None:
            return
        try:
            if job.poll():
                return
        except Exception as error:  # shown to the user; the scene was not changed
            self._stopJob(_("Failed: {reason}").format(reason=str(error)))
            slicer.util.errorDisplay(_("Segmentation failed: {reason}").format(reason=str(error)))
            return
        self.ui.outputSegmentationSelector.setCurrentNode(job.result_node)
        job.result_node.CreateClosedSurfaceRepresentation()
        self.ui.openSegmentEditorButton.enabled = True
        warnings = job.result_node.GetAttribute("GynAI.warnings") or ""
        self._stopJob(_("Done: {name}").format(name=job.result_node.GetName()) + ("\n" + warnings if warnings else ""))

    def _stopJob(self, message):
        self._timer.stop()
        self._job = None
        self.ui.statusLabel.text = message
        self.updateButtonState()

    def cleanup(self):
        if self._job is not None:
            self._job.cancel()
            self._job = None
        self.removeObservers()


class GynAISegmentLogic(ScriptedLoadableModuleLogic):
    """Thin logic, usable from the Python console::

        node = slicer.util.getModuleLogic("GynAISegment").segment(getNode("T2"), "uterus-fibroid")
    """

    def getParameterNode(self):
        return GynAISegmentParameterNode(super().getParameterNode())

    def segment(self, inputVolumeNode, task="uterus-fibroid", outputSegmentationNode=None, device="auto",
                waitForCompletion=True, progress=None, overwriteEdited=False, model=None):
        """Segment ``inputVolumeNode``.

        With ``waitForCompletion`` (console, batch) the model runs in this process and the segmentation node
        is returned. Without it, a child process runs the model and a ``SegmentationJob`` is returned: call
        its ``poll()`` (GUI timer) or ``wait()``; ``cancel()`` leaves the scene unchanged. ``model`` names an
        installed model for the task (default: the shipped one).
        """
        from GynAISegmentLib.job import SegmentationJob
        from GynAISegmentLib.logic import segment_volume_node

        logging.info("GynAI: segmenting %s (%s)", inputVolumeNode.GetName(), task)
        if waitForCompletion:
            return segment_volume_node(inputVolumeNode, task, outputSegmentationNode, device, progress,
                                       overwriteEdited, model)
        return SegmentationJob(inputVolumeNode, task, outputSegmentationNode, device, progress, overwriteEdited,
                               model=model)


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

