"""GynAI home module: dependencies, model manager, batch processing, sample data, version."""

import logging
from typing import Annotated

import slicer
from GynAILib.slicer_version import require_supported_slicer

require_supported_slicer(slicer.app)   # first: on an older Slicer this one sentence is the error users see

import qt  # noqa: E402
from slicer.i18n import tr as _  # noqa: E402
from slicer.i18n import translate  # noqa: E402
from slicer.parameterNodeWrapper import Choice, WithinRange, parameterNodeWrapper  # noqa: E402
from slicer.ScriptedLoadableModule import (ScriptedLoadableModule, ScriptedLoadableModuleLogic,  # noqa: E402
                                           ScriptedLoadableModuleTest, ScriptedLoadableModuleWidget)
from slicer.util import VTKObservationMixin  # noqa: E402

from GynAILib.batch_job import BatchControl  # noqa: E402
from GynAILib.home_logic import HomeLogic  # noqa: E402


class GynAI(ScriptedLoadableModule):
    """Module description."""

    def __init__(self, parent):
        ScriptedLoadableModule.__init__(self, parent)
        self.parent.title = _("GynAI")
        self.parent.categories = [translate("qSlicerAbstractCoreModule", "GynAI")]
        self.parent.dependencies = []
        self.parent.contributors = ["GynAI contributors"]
        self.parent.helpText = _("Deep learning for gynecologic imaging. This module installs the Python "
                                 "dependencies, manages the model bundles, runs batches of cases and loads "
                                 "synthetic sample phantoms. Research use only; nothing is uploaded without "
                                 "your opt-in.")
        self.parent.acknowledgementText = _("GynAI is an open-source project (Apache License 2.0).")
        slicer.app.connect("startupCompleted()", loadGynAITerminology)
        slicer.app.connect("startupCompleted()", registerGynAISampleData)


def registerGynAISampleData():
    """List GynAI's phantoms in the Sample Data module (shipped files, checked by SHA-256)."""
    try:
        import SampleData
    except ImportError:
        logging.warning("Sample Data module not available; GynAI samples are not registered")
        return
    from GynAILib.sample_data import register_sample_data

    register_sample_data(SampleData.SampleDataLogic, __file__)


def loadGynAITerminology():
    """Register GynAI's terminology context so that the Segment Editor offers its coded concepts."""
    from GynAILib.home_logic import load_terminology

    terminologies = getattr(slicer.modules, "terminologies", None)
    load_terminology(__file__, terminologies.logic() if terminologies is not None else None)


TASKS = ("uterus-fibroid", "placenta", "adnexal-mass")


@parameterNodeWrapper
class GynAIParameterNode:
    """Parameters: the last loaded sample volume, and the batch panel's task and workers.

    A combo box needs ``Choice`` (Slicer's connector fills the box with the choices) and a spin box
    ``WithinRange`` (else Slicer replaces the .ui range): Testing/slicer_modules/gui_rules.py.
    """

    sampleVolume: slicer.vtkMRMLScalarVolumeNode
    batchTask: Annotated[str, Choice(TASKS)] = "uterus-fibroid"
    batchWorkers: Annotated[int, WithinRange(1, 16)] = 1


class GynAIWidget(ScriptedLoadableModuleWidget, VTKObservationMixin):
    """User interface: only wires widgets to the logic; every action shows its errors."""

    def __init__(self, parent=None):
        ScriptedLoadableModuleWidget.__init__(self, parent)
        VTKObservationMixin.__init__(self)
        self.logic = None
        self._parameterNode = None
        self._parameterNodeGuiTag = None
        self._batch = None
        self._batchTimer = None

    def setup(self):
        ScriptedLoadableModuleWidget.setup(self)
        uiWidget = slicer.util.loadUI(self.resourcePath("UI/GynAI.ui"))
        self.layout.addWidget(uiWidget)
        self.ui = slicer.util.childWidgetVariables(uiWidget)
        uiWidget.setMRMLScene(slicer.mrmlScene)
        self.logic = GynAILogic()
        self.ui.versionLabel.text = self.logic.version() or _("GynAI (dependencies not installed)")
        self._batch = BatchControl(self.logic.startBatch)
        self._batchTimer = qt.QTimer()
        self._batchTimer.setInterval(500)
        self._batchTimer.connect("timeout()", self._pollBatch)
        for button, slot in ((self.ui.loadSampleButton, self.onLoadSample),
                             (self.ui.checkDependenciesButton, self.onCheckDependencies),
                             (self.ui.packageInformationButton, self.onPackageInformation),
                             (self.ui.forceReinstallButton, self.onForceReinstall),
                             (self.ui.verifyModelsButton, self.onVerifyModels),
                             (self.ui.addModelFileButton, self.onAddModelFile),
                             (self.ui.addModelUrlButton, self.onAddModelUrl),
                             (self.ui.removeModelButton, self.onRemoveModel),
                             (self.ui.openModelsFolderButton, self.onOpenModelsFolder),
                             (self.ui.batchRunButton, self.onBatchRun)):
            button.connect("clicked(bool)", slot)
        self.addObserver(slicer.mrmlScene, slicer.mrmlScene.StartCloseEvent, self.onSceneStartClose)
        self.addObserver(slicer.mrmlScene, slicer.mrmlScene.EndCloseEvent, self.onSceneEndClose)
        self.initializeParameterNode()
        if not self.logic.missingPackages():
            try:
                self._showModels()
            except Exception as error:  # shown in the panel; the module stays usable
                self.ui.statusLabel.text = _("The models could not be listed: {reason}").format(reason=str(error))

    # Parameter node lifecycle (as in Slicer's scripted module template)

    def cleanup(self):
        self._batch.cancel()
        self.setParameterNode(None)
        self.removeObservers()

    def enter(self):
        self.initializeParameterNode()

    def exit(self):
        self.setParameterNode(None)

    def onSceneStartClose(self, caller, event):
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

    # Actions

    def _fillTable(self, table, headers, rows):
        table.clear()
        table.setColumnCount(len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                table.setItem(r, c, qt.QTableWidgetItem(str(value)))
        table.resizeColumnsToContents()

    def onLoadSample(self):
        with slicer.util.tryWithErrorDisplay(_("Loading the sample phantom failed."), waitCursor=True):
            volume, segmentation = self.logic.loadSamplePhantom()
            if self._parameterNode is not None:
                self._parameterNode.sampleVolume = volume
            slicer.util.setSliceViewerLayers(background=volume, fit=True)
            self.ui.statusLabel.text = _("Loaded {volume} and {segmentation} (the Sample Data entry "
                                         "\"GynAI phantom: pelvic T2 with fibroids\")").format(
                volume=volume.GetName(), segmentation=segmentation.GetName())

    def onCheckDependencies(self):
        with slicer.util.tryWithErrorDisplay(_("Installing dependencies failed."), waitCursor=True):
            ok = self.logic.ensureDependencies()
            self.ui.statusLabel.text = _("Dependencies ready.") if ok else _("Dependencies missing.")
            if ok:
                self._showModels()

    def onPackageInformation(self):
        with slicer.util.tryWithErrorDisplay(_("Reading the package information failed.")):
            self._showPackageInformation()

    def _showPackageInformation(self):
        rows = [(s.name, s.requirement, s.installed_version or _("not installed"), _("yes") if s.satisfied else _("no"))
                for s in self.logic.packageInformation()]
        self._fillTable(self.ui.packagesTable, [_("Package"), _("Required"), _("Installed"), _("OK")], rows)
        self.ui.packagesTable.visible = True

    def onForceReinstall(self):
        with slicer.util.tryWithErrorDisplay(_("Reinstalling dependencies failed."), waitCursor=True):
            outcome = self.logic.reinstallDependencies(askConfirmation=True)
            if outcome is None:
                return
            lines = [_("Reinstalled: {packages}.").format(packages=", ".join(outcome.reinstalled) or _("none")),
                     _("Kept as shipped with Slicer: {packages}.").format(packages=", ".join(outcome.kept) or _("none"))]
            if outcome.torch_reinstalled is False:
                lines.append(_("PyTorch is already loaded in this session, so it was not reinstalled: restart "
                               "Slicer and press Force reinstall before running a segmentation, or use the PyTorch "
                               "Utils module."))
            if outcome.missing:
                lines.append(_("Still missing: {packages}.").format(
                    packages=", ".join(s.requirement for s in outcome.missing)))
            lines.append(_("Restart Slicer to use the reinstalled packages."))
            self.ui.statusLabel.text = "\n".join(lines)
            self._showPackageInformation()

    def _showModels(self, verify=False):
        from GynAILib.model_manager import model_rows

        rows = [(m.name, m.task, m.version, m.origin, f"{m.size_mb:.2f}", m.status) for m in model_rows(verify)]
        self._fillTable(self.ui.modelsTable, [_("Name"), _("Task"), _("Version"), _("Origin"), _("Size (MB)"),
                                              _("SHA-256")], rows)

    def onVerifyModels(self):
        with slicer.util.tryWithErrorDisplay(_("Verifying the models failed."), waitCursor=True):
            self._showModels(verify=True)

    def onAddModelFile(self):
        with slicer.util.tryWithErrorDisplay(_("Adding the model failed."), waitCursor=True):
            path = qt.QFileDialog.getOpenFileName(None, _("Model bundle (.zip)"), "", "Zip (*.zip)") or \
                qt.QFileDialog.getExistingDirectory(None, _("Or a model bundle folder"))
            if path:
                self.logic.addModel(path)
                self._showModels()

    def onAddModelUrl(self):
        with slicer.util.tryWithErrorDisplay(_("Adding the model failed."), waitCursor=True):
            url = qt.QInputDialog.getText(None, _("Add model"), _("URL of the bundle .zip:"))
            if not url:
                return
            digest = qt.QInputDialog.getText(None, _("Add model"), _("SHA-256 of the .zip (from its publisher):"))
            self.logic.addModel(url, sha256=digest)
            self._showModels()

    def onRemoveModel(self):
        with slicer.util.tryWithErrorDisplay(_("Removing the model failed.")):
            row = self.ui.modelsTable.currentRow()
            if row < 0:
                return
            name = self.ui.modelsTable.item(row, 0).text()
            if slicer.util.confirmOkCancelDisplay(_("Remove the model {name}?").format(name=name)):
                self.logic.removeModel(name)
                self._showModels()

    def onOpenModelsFolder(self):
        with slicer.util.tryWithErrorDisplay(_("Opening the models folder failed.")):
            from GynAILib.model_manager import user_models_folder

            qt.QDesktopServices.openUrl(qt.QUrl.fromLocalFile(str(user_models_folder())))

    def onBatchRun(self):
        """Run batch starts the background batch; while it runs the same button cancels it."""
        with slicer.util.tryWithErrorDisplay(_("The batch could not be started or cancelled.")):
            if self._batch.toggle(self.ui.batchInputPath.currentPath, self.ui.batchOutputPath.currentPath,
                                  self.ui.batchTaskComboBox.currentText, self.ui.batchWorkersSpinBox.value):
                self.ui.batchRunButton.text = _("Cancel")
                self._batchTimer.start()

    def _pollBatch(self):
        with slicer.util.tryWithErrorDisplay(_("The batch did not finish.")):
            try:
                status = self._batch.poll()
            except Exception:
                self._stopBatchTimer()
                raise
            self.ui.batchProgressBar.value = status.percent
            self.ui.batchStatusLabel.text = status.message
            if status.finished:
                self._stopBatchTimer()
                summary = self._batch.summary()
                self.ui.batchStatusLabel.text = _("{done} done, {failed} failed (see summary.json and "
                                                  "cohort.csv)").format(done=summary["done"], failed=summary["failed"])

    def _stopBatchTimer(self):
        self._batchTimer.stop()
        self.ui.batchRunButton.text = _("Run batch")


class GynAILogic(ScriptedLoadableModuleLogic, HomeLogic):
    """Thin logic: the console API is GynAILib.home_logic.HomeLogic (dependencies, models, batch, samples),
    e.g. ``GynAILogic().startBatch(inputFolder, outputFolder, "uterus-fibroid").wait()``."""

    moduleFile = __file__

    def getParameterNode(self):
        return GynAIParameterNode(super().getParameterNode())

    def confirmInstall(self, packages, reinstall):
        """The one confirmation before GynAI installs (or, with ``reinstall``, reinstalls) packages."""
        if reinstall:
            return slicer.util.confirmOkCancelDisplay(_(
                "Reinstall GynAI's own Python packages, and PyTorch through the PyTorch extension? Packages "
                "that ship with Slicer (numpy, scipy, SimpleITK, ...) are kept as they are. Restart Slicer "
                "afterwards."))
        return slicer.util.confirmOkCancelDisplay(_("GynAI needs these Python packages: {packages}. Install "
                                                    "them now?").format(packages=", ".join(packages)))


class GynAITest(ScriptedLoadableModuleTest):
    """Inside Slicer: the shipped sample phantom loads with its geometry and named segments."""

    def setUp(self):
        slicer.mrmlScene.Clear()

    def runTest(self):
        self.setUp()
        self.test_sample_phantom()

    def test_sample_phantom(self):
        volume, segmentation = GynAILogic().loadSamplePhantom()
        self.assertEqual(volume.GetName(), "GynAIPhantomPelvisT2")
        self.assertEqual(volume.GetImageData().GetDimensions(), (192, 192, 30))
        names = [segmentation.GetSegmentation().GetNthSegment(i).GetName() for i in range(3)]
        self.assertEqual(names, ["Myometrium", "Endometrium", "Fibroid"])
        self.delayDisplay("GynAI test passed")
