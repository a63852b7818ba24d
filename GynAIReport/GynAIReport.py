"""GynAIReport: structure volumes from a segmentation, shown as a table and an HTML report."""

import logging

import slicer
from slicer.i18n import tr as _
from slicer.i18n import translate
from slicer.parameterNodeWrapper import parameterNodeWrapper
from slicer.ScriptedLoadableModule import (ScriptedLoadableModule, ScriptedLoadableModuleLogic,
                                           ScriptedLoadableModuleTest, ScriptedLoadableModuleWidget)
from slicer.util import VTKObservationMixin

TASKS = ("uterus-fibroid", "placenta", "adnexal-mass")


class GynAIReport(ScriptedLoadableModule):
    """Module description."""

    def __init__(self, parent):
        ScriptedLoadableModule.__init__(self, parent)
        self.parent.title = _("GynAI Report")
        self.parent.categories = [translate("qSlicerAbstractCoreModule", "GynAI")]
        self.parent.dependencies = []
        self.parent.contributors = ["GynAI contributors"]
        self.parent.helpText = _("Compute structure volumes (voxel counting) from a segmentation and show "
                                 "them as a table and a report. AI-generated measurements require review.")
        self.parent.acknowledgementText = _("GynAI is an open-source project.")


@parameterNodeWrapper
class GynAIReportParameterNode:
    """Parameters: volume, segmentation, task."""

    inputVolume: slicer.vtkMRMLScalarVolumeNode
    segmentation: slicer.vtkMRMLSegmentationNode
    task: str = "uterus-fibroid"


class GynAIReportWidget(ScriptedLoadableModuleWidget, VTKObservationMixin):
    """User interface: only wires widgets to the logic."""

    def __init__(self, parent=None):
        ScriptedLoadableModuleWidget.__init__(self, parent)
        VTKObservationMixin.__init__(self)
        self.logic = None
        self.lastHtml = ""
        self._watcher = None

    def setup(self):
        ScriptedLoadableModuleWidget.setup(self)
        uiWidget = slicer.util.loadUI(self.resourcePath("UI/GynAIReport.ui"))
        self.layout.addWidget(uiWidget)
        self.ui = slicer.util.childWidgetVariables(uiWidget)
        uiWidget.setMRMLScene(slicer.mrmlScene)
        self.ui.taskComboBox.addItems(list(TASKS))
        self.logic = GynAIReportLogic()
        self.ui.computeButton.connect("clicked(bool)", self.onComputeButton)
        self.ui.saveReportButton.connect("clicked(bool)", self.onSaveReportButton)
        self.logic.getParameterNode().connectGui(self.ui)

    def onComputeButton(self):
        """Compute once, then keep the table and report up to date while the segmentation is edited."""
        with slicer.util.tryWithErrorDisplay(_("Computing metrics failed."), waitCursor=True):
            if self._watcher is not None:
                self._watcher.stop()
            self._watcher = self.logic.watch(self.ui.inputVolumeSelector.currentNode(),
                                             self.ui.segmentationSelector.currentNode(),
                                             self.ui.taskComboBox.currentText, self._showMetrics)
            self.ui.tableView.setMRMLTableNode(self._watcher.table_node)
            self._showMetrics(self._watcher.metrics)

    def _showMetrics(self, metrics):
        from GynAIReportLib.logic import report_html

        self.lastHtml = report_html(metrics)
        self.ui.reportBrowser.setHtml(self.lastHtml)

    def cleanup(self):
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
        self.removeObservers()

    def onSaveReportButton(self):
        with slicer.util.tryWithErrorDisplay(_("Saving the report failed.")):
            import qt

            path = qt.QFileDialog.getSaveFileName(None, _("Save report"), "report.html", "HTML (*.html)")
            if path:
                with open(path, "w", encoding="utf-8") as stream:
                    stream.write(self.lastHtml)


class GynAIReportLogic(ScriptedLoadableModuleLogic):
    """Thin logic, usable from the Python console:
    ``metrics, table, html = GynAIReportLogic().compute(volume, segmentation, 'uterus-fibroid')``."""

    def getParameterNode(self):
        return GynAIReportParameterNode(super().getParameterNode())

    def compute(self, volumeNode, segmentationNode, task="uterus-fibroid", tableNode=None):
        """Metrics document, filled table node and report HTML for a segmentation on a volume."""
        from GynAIReportLib.logic import compute_metrics, metrics_to_table_node, report_html

        logging.info("GynAI: measuring %s on %s", segmentationNode.GetName(), volumeNode.GetName())
        metrics = compute_metrics(volumeNode, segmentationNode, task)
        return metrics, metrics_to_table_node(metrics, tableNode), report_html(metrics)

    def findingsTable(self, metrics, tableNode=None):
        """Table node with one row per coded finding (group, measurement, value, unit, DICOM codes)."""
        from GynAIReportLib.findings_table import findings_to_table_node

        return findings_to_table_node(metrics, tableNode)

    def thicknessMap(self, volumeNode, segmentationNode, outputVolumeNode=None):
        """Placenta: volume node of the retroplacental myometrial thickness (mm), or None when not assessable."""
        from GynAIReportLib.logic import thickness_map_volume_node

        return thickness_map_volume_node(volumeNode, segmentationNode, outputVolumeNode)

    def watch(self, volumeNode, segmentationNode, task="uterus-fibroid", onUpdate=None, tableNode=None):
        """Compute the metrics table now and again after every edit of the segmentation.

        Returns a ``MetricsAutoUpdate`` (``.metrics``, ``.table_node``; ``.stop()`` ends the watching).
        """
        from GynAIReportLib.logic import MetricsAutoUpdate

        return MetricsAutoUpdate(volumeNode, segmentationNode, task, tableNode, onUpdate)


class GynAIReportTest(ScriptedLoadableModuleTest):
    """End-to-end test inside Slicer: phantom labels → segmentation node → metrics and table."""

    def setUp(self):
        slicer.mrmlScene.Clear()

    def runTest(self):
        self.setUp()
        self.test_volumes_of_phantom()

    def test_volumes_of_phantom(self):
        from gynai.phantom import FibroidSpec, generate_uterus_fibroid
        from GynAILib.segmentations import label_image_to_segmentation_node
        from GynAILib.volumes import image_to_volume_node

        case = generate_uterus_fibroid(0, [FibroidSpec("4", 20.0)])
        volume = image_to_volume_node(case.image, "phantom")
        segmentation = label_image_to_segmentation_node(case.labels, volume, name="truth")
        metrics, table, html = GynAIReportLogic().compute(volume, segmentation, "uterus-fibroid")
        voxel_ml = case.image.geometry.voxel_volume_mm3 / 1000.0
        expected = float((case.labels.array > 0).sum()) * voxel_ml
        self.assertAlmostEqual(metrics["structures"]["uterus"]["volume_ml"], expected, places=6)
        self.assertEqual(table.GetNumberOfRows(), 4)
        self.assertIn("Myometrium", html)
        self.delayDisplay("GynAIReport test passed")
