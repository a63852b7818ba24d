"""GynAIReport: metrics, structured report (HTML/PDF/JSON), DICOM SEG + SR and PACS export of a segmentation."""

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

from GynAIReportLib.debounce import UpdateState  # noqa: E402
from GynAIReportLib.report_logic import ReportLogic  # noqa: E402

TASKS = ("uterus-fibroid", "placenta", "adnexal-mass")
PACS_CONFIG_SETTING = "GynAI/PacsConfigFile"
"""Application setting naming the user's PACS (DICOMweb) configuration file; nothing is sent without it."""


class GynAIReport(ScriptedLoadableModule):
    """Module description."""

    def __init__(self, parent):
        ScriptedLoadableModule.__init__(self, parent)
        self.parent.title = _("GynAI Report")
        self.parent.categories = [translate("qSlicerAbstractCoreModule", "GynAI")]
        self.parent.dependencies = ["GynAI"]   # GynAILib (MRML adapters, version check) lives there
        self.parent.contributors = ["GynAI contributors"]
        self.parent.helpText = _("Measure a segmentation (volumes, fibroid map with FIGO types, placenta research "
                                 "metrics, adnexal features), compare with a prior study, and export a structured "
                                 "report as HTML, PDF, JSON and DICOM SEG + SR. AI-generated measurements require "
                                 "review; research use only.")
        self.parent.acknowledgementText = _("GynAI is an open-source project.")


@parameterNodeWrapper
class GynAIReportParameterNode:
    """Parameters: volume, segmentation, task, optional prior study."""

    inputVolume: slicer.vtkMRMLScalarVolumeNode
    segmentation: slicer.vtkMRMLSegmentationNode
    task: Annotated[str, Choice(TASKS)] = "uterus-fibroid"    # Slicer's connector fills the combo box
    priorVolume: slicer.vtkMRMLScalarVolumeNode
    priorSegmentation: slicer.vtkMRMLSegmentationNode


class GynAIReportWidget(ScriptedLoadableModuleWidget, VTKObservationMixin):
    """User interface: only wires widgets to the logic; every action shows its errors."""

    def __init__(self, parent=None):
        ScriptedLoadableModuleWidget.__init__(self, parent)
        VTKObservationMixin.__init__(self)
        self.logic = None
        self._parameterNode = None
        self._parameterNodeGuiTag = None
        self._watcher = None
        self._reportVolume = None
        self._written = {}

    def setup(self):
        ScriptedLoadableModuleWidget.setup(self)
        uiWidget = slicer.util.loadUI(self.resourcePath("UI/GynAIReport.ui"))
        self.layout.addWidget(uiWidget)
        self.ui = slicer.util.childWidgetVariables(uiWidget)
        uiWidget.setMRMLScene(slicer.mrmlScene)
        self.reportView = self._createReportView()
        self.logic = GynAIReportLogic()
        self.ui.computeButton.connect("clicked(bool)", self.onComputeButton)
        self.ui.generateReportButton.connect("clicked(bool)", self.onGenerateReportButton)
        self.ui.openPdfButton.connect("clicked(bool)", self.onOpenPdfButton)
        self.ui.sendToPacsButton.connect("clicked(bool)", self.onSendToPacsButton)
        self.ui.sendToPacsButton.visible = bool(self.logic.pacsConfigFile())
        self.addObserver(slicer.mrmlScene, slicer.mrmlScene.StartCloseEvent, self.onSceneStartClose)
        self.addObserver(slicer.mrmlScene, slicer.mrmlScene.EndCloseEvent, self.onSceneEndClose)
        self.initializeParameterNode()

    # Parameter node lifecycle (as in Slicer's scripted module template)

    def cleanup(self):
        self._stopWatching()
        self.setParameterNode(None)
        self.removeObservers()

    def enter(self):
        self.initializeParameterNode()

    def exit(self):
        self.setParameterNode(None)

    def onSceneStartClose(self, caller, event):
        self._stopWatching()   # its nodes are about to be removed
        self._written = {}
        self.ui.openPdfButton.enabled = False
        self.setParameterNode(None)

    def onSceneEndClose(self, caller, event):
        if self.parent.isEntered:
            self.initializeParameterNode()

    def initializeParameterNode(self):
        self.setParameterNode(self.logic.getParameterNode())

    def setParameterNode(self, inputParameterNode):
        """Connect the GUI to ``inputParameterNode`` (None disconnects it, e.g. while the scene closes)."""
        if self._parameterNode is not None and self._parameterNodeGuiTag is not None:
            self._parameterNode.disconnectGui(self._parameterNodeGuiTag)
        self._parameterNode = inputParameterNode
        self._parameterNodeGuiTag = None
        if self._parameterNode is not None:
            self._parameterNodeGuiTag = self._parameterNode.connectGui(self.ui)

    # Display

    def _createReportView(self):
        """A web view for the HTML report (figures and charts render as in a browser)."""
        view = slicer.qSlicerWebWidget() if hasattr(slicer, "qSlicerWebWidget") else qt.QTextBrowser()
        self.ui.reportViewFrame.layout().addWidget(view)
        return view

    def _showHtml(self, html):
        self.reportView.setHtml(html)

    def _showMetrics(self, metrics, volume):
        from GynAIReportLib.logic import report_html

        self._showHtml(report_html(metrics, volume))

    def _stopWatching(self):
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
            self.ui.metricsStatusLabel.text = ""

    def _showMetricsState(self, state, message):
        """The automatic update's state: "updating…" from the first edit until the metrics are recomputed."""
        if state in (UpdateState.PENDING, UpdateState.RUNNING):
            text = _("Segmentation changed: updating the metrics…")
        elif state is UpdateState.FAILED:
            text = _("Updating the metrics failed: {reason}").format(reason=message)
        else:
            text = _("Metrics up to date (recomputed after each edit).")
        self.ui.metricsStatusLabel.text = text

    def _formats(self):
        boxes = (("html", self.ui.htmlCheckBox), ("pdf", self.ui.pdfCheckBox), ("json", self.ui.jsonCheckBox),
                 ("dicom", self.ui.dicomCheckBox))
        return [name for name, box in boxes if box.checked]

    # Actions

    def onComputeButton(self):
        """Compute once, then keep the tables and report up to date while the segmentation is edited."""
        with slicer.util.tryWithErrorDisplay(_("Computing metrics failed."), waitCursor=True):
            self._stopWatching()
            self._reportVolume = self.ui.inputVolumeSelector.currentNode()
            self._watcher = self.logic.watch(self._reportVolume, self.ui.segmentationSelector.currentNode(),
                                             self.ui.taskComboBox.currentText, self.onMetricsUpdated,
                                             onState=self._showMetricsState)
            self._showMetricsState(self._watcher.state, "")
            self.ui.tableView.setMRMLTableNode(self._watcher.table_node)
            self.ui.findingsTableView.setMRMLTableNode(self._watcher.findings_table_node)
            self._showMetrics(self._watcher.metrics, self._reportVolume)

    def onMetricsUpdated(self, metrics):
        """Called by the watcher after each edit of the segmentation: refresh the report view."""
        with slicer.util.tryWithErrorDisplay(_("Updating the report after the edit failed.")):
            self._showMetrics(metrics, self._reportVolume)

    def onGenerateReportButton(self):
        with slicer.util.tryWithErrorDisplay(_("Writing the report failed."), waitCursor=True):
            folder = qt.QFileDialog.getExistingDirectory(None, _("Choose an empty folder for the report"))
            if not folder:
                return
            result = self.logic.generateReport(
                self.ui.inputVolumeSelector.currentNode(), self.ui.segmentationSelector.currentNode(),
                self.ui.taskComboBox.currentText, folder, self._formats(),
                priorVolumeNode=self.ui.priorVolumeSelector.currentNode(),
                priorSegmentationNode=self.ui.priorSegmentationSelector.currentNode())
            self._written = result["files"]
            if "html" in self._written:
                with open(self._written["html"], encoding="utf-8") as stream:
                    self._showHtml(stream.read())
            self.ui.openPdfButton.enabled = "pdf" in self._written
            self.ui.statusLabel.text = _("Report written to {folder}").format(folder=folder)

    def onOpenPdfButton(self):
        with slicer.util.tryWithErrorDisplay(_("Opening the PDF failed.")):
            if "pdf" not in self._written:
                raise ValueError(_("Generate the report with PDF first."))
            qt.QDesktopServices.openUrl(qt.QUrl.fromLocalFile(self._written["pdf"]))

    def onSendToPacsButton(self):
        with slicer.util.tryWithErrorDisplay(_("Sending to PACS failed; the local files are kept."), waitCursor=True):
            if not self._written:
                raise ValueError(_("Generate the report first (with DICOM and/or PDF)."))
            stored = self.logic.sendToPacs(self._written)
            self.ui.statusLabel.text = _("Sent {count} DICOM objects to PACS").format(count=stored)


class QtOneShotTimer:
    """``GynAIReportLib.debounce.OneShotTimer`` on a single-shot ``qt.QTimer`` (Slicer's event loop)."""

    def __init__(self):
        self._callback = None
        self._timer = qt.QTimer()
        self._timer.setSingleShot(True)
        self._timer.connect("timeout()", self._timeout)

    def start(self, delay_ms, callback):
        self._callback = callback
        self._timer.start(delay_ms)

    def stop(self):
        self._timer.stop()

    def _timeout(self):
        if self._callback is not None:
            self._callback()


class GynAIReportLogic(ScriptedLoadableModuleLogic, ReportLogic):
    """Thin logic: the console API (``compute``, ``findingsTable``, ``thicknessMap``, ``watch``,
    ``generateReport``, ``sendToPacs``; see the README) is GynAIReportLib.report_logic.ReportLogic's."""

    def getParameterNode(self):
        return GynAIReportParameterNode(super().getParameterNode())

    def pacsConfigFile(self):
        """The PACS configuration file set in the application settings, or "" (nothing is ever sent then)."""
        return str(qt.QSettings().value(PACS_CONFIG_SETTING, "") or "")

    def createTimer(self):
        """The automatic metric update waits for a pause in the edits on Slicer's event loop."""
        return QtOneShotTimer()


class GynAIReportTest(ScriptedLoadableModuleTest):
    """End-to-end test inside Slicer: phantom labels → segmentation node → metrics, table and report files."""

    def setUp(self):
        slicer.mrmlScene.Clear()

    def runTest(self):
        self.setUp()
        self.test_volumes_of_phantom()
        self.test_report_files()

    def _phantom_nodes(self):
        from gynai.phantom import FibroidSpec, generate_uterus_fibroid
        from GynAILib.segmentations import label_image_to_segmentation_node
        from GynAILib.volumes import image_to_volume_node

        case = generate_uterus_fibroid(0, [FibroidSpec("4", 20.0)])
        volume = image_to_volume_node(case.image, "phantom")
        return case, volume, label_image_to_segmentation_node(case.labels, volume, name="truth")

    def test_volumes_of_phantom(self):
        case, volume, segmentation = self._phantom_nodes()
        metrics, table, html = GynAIReportLogic().compute(volume, segmentation, "uterus-fibroid")
        voxel_ml = case.image.geometry.voxel_volume_mm3 / 1000.0
        expected = float((case.labels.array > 0).sum()) * voxel_ml
        self.assertAlmostEqual(metrics["structures"]["uterus"]["volume_ml"], expected, places=6)
        self.assertEqual(table.GetNumberOfRows(), 4 + metrics["fibroid_map"]["count"])
        self.assertIn("Myometrium", html)
        self.delayDisplay("GynAIReport metrics test passed")

    def test_report_files(self):
        import os
        import tempfile

        case, volume, segmentation = self._phantom_nodes()
        folder = os.path.join(tempfile.mkdtemp(), "report")
        result = GynAIReportLogic().generateReport(volume, segmentation, "fibroid-mapping", folder, ("html", "pdf"))
        self.assertTrue(os.path.getsize(result["files"]["pdf"]) > 0)
        self.assertIn("Fibroid mapping", open(result["files"]["html"], encoding="utf-8").read())
        self.delayDisplay("GynAIReport report files test passed")
