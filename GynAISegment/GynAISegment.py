"""GynAISegment: run a bundled GynAI model on a volume and create a named, coloured segmentation."""

import logging

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
        self.parent.helpText = _("Segment the uterus (myometrium, endometrium, fibroids) on T2-weighted MRI "
                                 "with a bundled MONAI model. Research use only: review every result.")
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
        self.ui.inputVolumeSelector.connect("currentNodeChanged(vtkMRMLNode*)", self.updateButtonState)
        self.ui.progressBar.setValue(0)
        self.initializeParameterNode()

    def initializeParameterNode(self):
        self._parameterNode = self.logic.getParameterNode()
        if not self._parameterNode.inputVolume:
            self._parameterNode.inputVolume = slicer.mrmlScene.GetFirstNodeByClass("vtkMRMLScalarVolumeNode")
        self._parameterNode.connectGui(self.ui)
        self.updateButtonState()

    def updateButtonState(self, *args):
        self.ui.applyButton.enabled = self.ui.inputVolumeSelector.currentNode() is not None

    def onProgress(self, fraction, message):
        self.ui.progressBar.setValue(int(100 * fraction))
        self.ui.statusLabel.text = message
        slicer.app.processEvents()

    def onApplyButton(self):
        with slicer.util.tryWithErrorDisplay(_("Segmentation failed."), waitCursor=True):
            node = self.logic.segment(self.ui.inputVolumeSelector.currentNode(), self.ui.taskComboBox.currentText,
                                      self.ui.outputSegmentationSelector.currentNode(),
                                      self.ui.deviceComboBox.currentText, self.onProgress)
            self.ui.outputSegmentationSelector.setCurrentNode(node)
            self.ui.statusLabel.text = _("Done: {name}").format(name=node.GetName())


class GynAISegmentLogic(ScriptedLoadableModuleLogic):
    """Thin logic: usable from the Python console, e.g.
    ``GynAISegmentLogic().segment(getNode('T2'), 'uterus-fibroid')``."""

    def getParameterNode(self):
        return GynAISegmentParameterNode(super().getParameterNode())

    def segment(self, inputVolumeNode, task="uterus-fibroid", outputSegmentationNode=None, device="auto",
                progress=None):
        """Segment ``inputVolumeNode`` and return the segmentation node (in-process)."""
        from GynAISegmentLib.logic import segment_volume_node

        logging.info("GynAI: segmenting %s (%s)", inputVolumeNode.GetName(), task)
        return segment_volume_node(inputVolumeNode, task, outputSegmentationNode, device, progress)


class GynAISegmentTest(ScriptedLoadableModuleTest):
    """End-to-end test inside Slicer: phantom → model → segments with the task's names."""

    def setUp(self):
        slicer.mrmlScene.Clear()

    def runTest(self):
        self.setUp()
        self.test_segment_phantom()

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
