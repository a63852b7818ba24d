"""GynAIReport: metrics, structured report (HTML/PDF/JSON), DICOM SEG + SR and PACS export of a segmentation."""

from pathlib import Path
from typing import Annotated

import slicer
from GynAILib.slicer_version import require_supported_slicer

require_supported_slicer(slicer.app)   # first: on an older Slicer this one sentence is the error users see

import qt  # noqa: E402
from gynai.tasks import TASKS  # noqa: E402
from slicer.i18n import tr as _  # noqa: E402
from slicer.i18n import translate  # noqa: E402
from slicer.parameterNodeWrapper import Choice, parameterNodeWrapper  # noqa: E402
from slicer.ScriptedLoadableModule import (ScriptedLoadableModule, ScriptedLoadableModuleLogic,  # noqa: E402
                                           ScriptedLoadableModuleTest, ScriptedLoadableModuleWidget)
from slicer.util import VTKObservationMixin  # noqa: E402

from GynAIGui.module_widget import ModuleWidgetMixin, application_setting, html_view  # noqa: E402
from GynAIGui.timers import QtOneShotTimer  # noqa: E402
from GynAIReportLib.report_logic import ReportLogic  # noqa: E402
from GynAIReportLib.self_test import report_files, volumes_of_phantom  # noqa: E402
from GynAIReportLib.texts import metrics_state_text  # noqa: E402


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
    """Parameters: volume, segmentation, task (Slicer's connector fills its combo box), optional prior study."""
    inputVolume: slicer.vtkMRMLScalarVolumeNode
    segmentation: slicer.vtkMRMLSegmentationNode
    task: Annotated[str, Choice(tuple(TASKS))] = next(iter(TASKS))
    priorVolume: slicer.vtkMRMLScalarVolumeNode
    priorSegmentation: slicer.vtkMRMLSegmentationNode


class GynAIReportWidget(ScriptedLoadableModuleWidget, VTKObservationMixin, ModuleWidgetMixin):
    """User interface: only wires widgets to the logic; every action shows its errors."""

    def __init__(self, parent=None):
        ScriptedLoadableModuleWidget.__init__(self, parent)
        VTKObservationMixin.__init__(self)
        self.initModuleWidget()
        self._watcher = None
        self._written = {}

    def setup(self):
        ScriptedLoadableModuleWidget.setup(self)
        self.loadModuleUi("GynAIReport")
        self.reportView = html_view(self.ui.reportViewFrame)
        self.logic = GynAIReportLogic()
        for button, slot in ((self.ui.computeButton, self.onComputeButton), (self.ui.sendToPacsButton,
                             self.onSendToPacsButton), (self.ui.generateReportButton, self.onGenerateReportButton),
                             (self.ui.openPdfButton, self.onOpenPdfButton)):
            button.connect("clicked(bool)", slot)
        self.ui.sendToPacsButton.visible = bool(self.logic.pacsConfigFile())
        self.addObserver(slicer.mrmlScene, slicer.mrmlScene.StartCloseEvent, self.onSceneStartClose)
        self.addObserver(slicer.mrmlScene, slicer.mrmlScene.EndCloseEvent, self.onSceneEndClose)
        self.initializeParameterNode()

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

    def _stopWatching(self):
        if self._watcher is not None:
            self._watcher.stop()
        self._watcher, self.ui.metricsStatusLabel.text = None, ""

    def _showMetricsState(self, state, message):
        """The automatic update's state: "updating…" from the first edit until the metrics are recomputed."""
        self.ui.metricsStatusLabel.text = metrics_state_text(state, message)

    def onComputeButton(self):
        """Compute once, then keep the tables and report up to date while the segmentation is edited."""
        with slicer.util.tryWithErrorDisplay(_("Computing metrics failed."), waitCursor=True):
            self._stopWatching()
            self._watcher = self.logic.watch(self.ui.inputVolumeSelector.currentNode(),
                                             self.ui.segmentationSelector.currentNode(),
                                             self.ui.taskComboBox.currentText, self.onMetricsUpdated,
                                             onState=self._showMetricsState)
            self._showMetricsState(self._watcher.state, "")
            self.ui.tableView.setMRMLTableNode(self._watcher.table_node)
            self.ui.findingsTableView.setMRMLTableNode(self._watcher.findings_table_node)
            self.reportView.setHtml(self.logic.reportHtml(self._watcher.metrics, self._watcher.volume_node))

    def onMetricsUpdated(self, metrics):
        """Called by the watcher after each edit of the segmentation: refresh the report view."""
        with slicer.util.tryWithErrorDisplay(_("Updating the report after the edit failed.")):
            self.reportView.setHtml(self.logic.reportHtml(metrics, self._watcher.volume_node))

    def onGenerateReportButton(self):
        with slicer.util.tryWithErrorDisplay(_("Writing the report failed."), waitCursor=True):
            folder = qt.QFileDialog.getExistingDirectory(None, _("Choose an empty folder for the report"))
            if not folder:
                return
            boxes = (("html", self.ui.htmlCheckBox), ("pdf", self.ui.pdfCheckBox), ("json", self.ui.jsonCheckBox),
                     ("dicom", self.ui.dicomCheckBox))
            result = self.logic.generateReport(
                self.ui.inputVolumeSelector.currentNode(), self.ui.segmentationSelector.currentNode(),
                self.ui.taskComboBox.currentText, folder, [name for name, box in boxes if box.checked],
                priorVolumeNode=self.ui.priorVolumeSelector.currentNode(),
                priorSegmentationNode=self.ui.priorSegmentationSelector.currentNode())
            self._written = result["files"]
            if "html" in self._written:
                self.reportView.setHtml(Path(self._written["html"]).read_text(encoding="utf-8"))
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


class GynAIReportLogic(ScriptedLoadableModuleLogic, ReportLogic):
    """Thin logic: the console API (``compute``, ``findingsTable``, ``thicknessMap``, ``watch``,
    ``generateReport``, ``sendToPacs``; see the README) is GynAIReportLib.report_logic.ReportLogic's."""

    def getParameterNode(self):
        return GynAIReportParameterNode(super().getParameterNode())

    def pacsConfigFile(self):
        """The PACS configuration file set in the application settings, or "" (nothing is ever sent then)."""
        return application_setting(self.pacsConfigSetting)

    def createTimer(self):
        """The automatic metric update waits for a pause in the edits on Slicer's event loop."""
        return QtOneShotTimer()


class GynAIReportTest(ScriptedLoadableModuleTest):
    """End-to-end tests inside Slicer (scenarios in GynAIReportLib.self_test)."""

    def setUp(self):
        slicer.mrmlScene.Clear()

    def runTest(self):
        self.setUp()
        self.test_volumes_of_phantom()
        self.test_report_files()

    def test_volumes_of_phantom(self):
        volumes_of_phantom(self, GynAIReportLogic())

    def test_report_files(self):
        report_files(self, GynAIReportLogic())
