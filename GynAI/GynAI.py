"""GynAI home module: dependencies, model manager, batch processing, sample data, version."""

import logging
from pathlib import Path

import slicer
from slicer.i18n import tr as _
from slicer.i18n import translate
from slicer.parameterNodeWrapper import parameterNodeWrapper
from slicer.ScriptedLoadableModule import (ScriptedLoadableModule, ScriptedLoadableModuleLogic,
                                           ScriptedLoadableModuleTest, ScriptedLoadableModuleWidget)
from slicer.util import VTKObservationMixin

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
    here = Path(__file__).resolve().parent
    for folder in (here, here.parent):  # installed extension, source tree
        path = folder / "Resources" / "Terminology" / "GynAI.term.json"
        if path.is_file():
            terminologies = getattr(slicer.modules, "terminologies", None)
            if terminologies is not None:
                terminologies.logic().LoadTerminologyFromFile(str(path))
            return
    logging.warning("GynAI terminology file not found; segments keep their codes but the list is not loaded")


TASKS = ("uterus-fibroid", "placenta", "adnexal-mass")


@parameterNodeWrapper
class GynAIParameterNode:
    """Parameters: the sample phantom, and the batch panel's task and workers."""

    sampleSeed: int = 2026
    sampleVolume: slicer.vtkMRMLScalarVolumeNode
    batchTask: str = "uterus-fibroid"
    batchWorkers: int = 1


class GynAIWidget(ScriptedLoadableModuleWidget, VTKObservationMixin):
    """User interface: only wires widgets to the logic."""

    def __init__(self, parent=None):
        ScriptedLoadableModuleWidget.__init__(self, parent)
        VTKObservationMixin.__init__(self)
        self.logic = None
        self._batchJob = None
        self._batchTimer = None

    def setup(self):
        ScriptedLoadableModuleWidget.setup(self)
        uiWidget = slicer.util.loadUI(self.resourcePath("UI/GynAI.ui"))
        self.layout.addWidget(uiWidget)
        self.ui = slicer.util.childWidgetVariables(uiWidget)
        self.logic = GynAILogic()
        self.ui.versionLabel.text = self.logic.version()
        self.ui.batchTaskComboBox.addItems(list(TASKS))
        for button, slot in ((self.ui.loadSampleButton, self.onLoadSample),
                             (self.ui.checkDependenciesButton, self.onCheckDependencies),
                             (self.ui.packageInformationButton, self.onPackageInformation),
                             (self.ui.forceReinstallButton, self.onForceReinstall),
                             (self.ui.verifyModelsButton, lambda: self.refreshModels(verify=True)),
                             (self.ui.addModelFileButton, self.onAddModelFile),
                             (self.ui.addModelUrlButton, self.onAddModelUrl),
                             (self.ui.removeModelButton, self.onRemoveModel),
                             (self.ui.openModelsFolderButton, self.onOpenModelsFolder),
                             (self.ui.batchRunButton, self.onBatchRun)):
            button.connect("clicked(bool)", slot)
        self.logic.getParameterNode().connectGui(self.ui)
        if not self.logic.missingPackages():
            self.refreshModels()

    def _fillTable(self, table, headers, rows):
        table.clear()
        table.setColumnCount(len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.setRowCount(len(rows))
        import qt

        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                table.setItem(r, c, qt.QTableWidgetItem(str(value)))
        table.resizeColumnsToContents()

    def onLoadSample(self):
        with slicer.util.tryWithErrorDisplay(_("Loading the sample phantom failed."), waitCursor=True):
            if not self.logic.ensureDependencies():
                return
            parameterNode = self.logic.getParameterNode()
            volume, segmentation = self.logic.loadSamplePhantom(parameterNode.sampleSeed)
            parameterNode.sampleVolume = volume
            slicer.util.setSliceViewerLayers(background=volume, fit=True)
            self.ui.statusLabel.text = _("Loaded {name}").format(name=volume.GetName())

    def onCheckDependencies(self):
        with slicer.util.tryWithErrorDisplay(_("Installing dependencies failed."), waitCursor=True):
            ok = self.logic.ensureDependencies()
            self.ui.statusLabel.text = _("Dependencies ready.") if ok else _("Dependencies missing.")
            if ok:
                self.refreshModels()

    def onPackageInformation(self):
        rows = [(s.name, s.requirement, s.installed_version or _("not installed"), _("yes") if s.satisfied else _("no"))
                for s in self.logic.packageInformation()]
        self._fillTable(self.ui.packagesTable, [_("Package"), _("Required"), _("Installed"), _("OK")], rows)
        self.ui.packagesTable.visible = True

    def onForceReinstall(self):
        if not slicer.util.confirmOkCancelDisplay(_("Reinstall all GynAI Python packages (including PyTorch)? "
                                                    "Slicer may need a restart afterwards.")):
            return
        with slicer.util.tryWithErrorDisplay(_("Reinstalling dependencies failed."), waitCursor=True):
            self.logic.ensureDependencies(askConfirmation=False, forceReinstall=True)
            self.onPackageInformation()

    def refreshModels(self, verify=False):
        with slicer.util.tryWithErrorDisplay(_("Listing the models failed."), waitCursor=True):
            from GynAILib.model_manager import model_rows

            rows = [(m.name, m.task, m.version, m.origin, f"{m.size_mb:.2f}", m.status) for m in model_rows(verify)]
            self._fillTable(self.ui.modelsTable, [_("Name"), _("Task"), _("Version"), _("Origin"), _("Size (MB)"),
                                                  _("SHA-256")], rows)

    def onAddModelFile(self):
        import qt

        path = qt.QFileDialog.getOpenFileName(None, _("Model bundle (.zip)"), "", "Zip (*.zip)") or \
            qt.QFileDialog.getExistingDirectory(None, _("Or a model bundle folder"))
        if path:
            with slicer.util.tryWithErrorDisplay(_("Adding the model failed."), waitCursor=True):
                self.logic.addModel(path)
                self.refreshModels()

    def onAddModelUrl(self):
        import qt

        url = qt.QInputDialog.getText(None, _("Add model"), _("URL of the bundle .zip:"))
        if not url:
            return
        digest = qt.QInputDialog.getText(None, _("Add model"), _("SHA-256 of the .zip (from its publisher):"))
        with slicer.util.tryWithErrorDisplay(_("Adding the model failed."), waitCursor=True):
            self.logic.addModel(url, sha256=digest)
            self.refreshModels()

    def onRemoveModel(self):
        row = self.ui.modelsTable.currentRow()
        if row < 0:
            return
        name = self.ui.modelsTable.item(row, 0).text()
        if slicer.util.confirmOkCancelDisplay(_("Remove the model {name}?").format(name=name)):
            with slicer.util.tryWithErrorDisplay(_("Removing the model failed.")):
                self.logic.removeModel(name)
                self.refreshModels()

    def onOpenModelsFolder(self):
        import qt

        from GynAILib.model_manager import user_models_folder

        qt.QDesktopServices.openUrl(qt.QUrl.fromLocalFile(str(user_models_folder())))

    def onBatchRun(self):
        import qt

        if self._batchJob is not None and not self._batchJob.finished:
            self._batchJob.cancel()
            return
        with slicer.util.tryWithErrorDisplay(_("Starting the batch failed.")):
            parameterNode = self.logic.getParameterNode()
            self._batchJob = self.logic.startBatch(self.ui.batchInputPath.currentPath,
                                                   self.ui.batchOutputPath.currentPath,
                                                   parameterNode.batchTask, parameterNode.batchWorkers)
            self.ui.batchRunButton.text = _("Cancel")
            self._batchTimer = qt.QTimer()
            self._batchTimer.timeout.connect(self._pollBatch)
            self._batchTimer.start(500)

    def _pollBatch(self):
        job = self._batchJob
        self.ui.batchProgressBar.value = int(100 * job.poll())
        self.ui.batchStatusLabel.text = job.message
        if not job.finished:
            return
        self._batchTimer.stop()
        self.ui.batchRunButton.text = _("Run batch")
        with slicer.util.tryWithErrorDisplay(_("The batch did not finish.")):
            summary = job.summary()
            self.ui.batchStatusLabel.text = _("{done} done, {failed} failed (see summary.json and cohort.csv)").format(
                done=summary["done"], failed=summary["failed"])

    def cleanup(self):
        if self._batchJob is not None and not self._batchJob.finished:
            self._batchJob.cancel()
        self.removeObservers()


class GynAILogic(ScriptedLoadableModuleLogic):
    """Thin logic: dependencies (after one confirmation), models, batch and sample data; usable from the
    Python console, e.g. ``GynAILogic().startBatch(inputFolder, outputFolder, "uterus-fibroid").wait()``."""

    def getParameterNode(self):
        return GynAIParameterNode(super().getParameterNode())

    @staticmethod
    def version():
        try:
            import gynai
            return f"GynAI {gynai.__version__}"
        except ImportError:
            return _("GynAI (dependencies not installed)")

    @staticmethod
    def packageInformation():
        """Every required package with the installed version."""
        from GynAILib.dependencies import package_information

        return package_information(__file__)

    @staticmethod
    def missingPackages():
        """Names of the packages that are absent or too old."""
        from GynAILib.dependencies import missing

        return [status.name for status in missing(__file__)]

    def ensureDependencies(self, askConfirmation=True, forceReinstall=False):
        """Install missing packages (all with ``forceReinstall``) after one confirmation; True when ready."""
        from GynAILib.dependencies import install

        missing = self.missingPackages()
        if not missing and not forceReinstall:
            return True
        if slicer.app.testingEnabled():
            logging.warning("GynAI: packages missing in testing mode (not installed): %s", missing)
            return False
        if askConfirmation and not slicer.util.confirmOkCancelDisplay(
                _("GynAI needs these Python packages: {packages}. Install them now?").format(
                    packages=", ".join(missing))):
            return False
        still = install(slicer, __file__, forceReinstall)
        if still:
            logging.warning("GynAI: still missing after installation: %s", [s.requirement for s in still])
        return not still

    @staticmethod
    def addModel(source, name=None, sha256=None):
        """Install a model bundle from a folder, a .zip or a URL (with its SHA-256)."""
        from GynAILib.model_manager import add_model

        return add_model(source, name, sha256)

    @staticmethod
    def removeModel(name):
        """Remove a user-installed model bundle."""
        from GynAILib.model_manager import remove_model

        remove_model(name)

    @staticmethod
    def startBatch(inputPath, outputFolder, task, workers=1, reportFormats=("json", "html")):
        """Start ``gynai batch`` in a background process; returns a ``BatchJob`` (poll/cancel/wait)."""
        from GynAILib.batch_job import BatchJob

        return BatchJob(inputPath, outputFolder, task, workers, reportFormats)

    def loadSamplePhantom(self, seed=2026):
        """Add a synthetic T2 phantom volume and its ground-truth segmentation to the scene."""
        from gynai.phantom import FibroidSpec, generate_uterus_fibroid
        from GynAILib.segmentations import label_image_to_segmentation_node
        from GynAILib.volumes import image_to_volume_node

        case = generate_uterus_fibroid(seed, [FibroidSpec("2", 28.0), FibroidSpec("4", 18.0),
                                              FibroidSpec("6", 26.0)])
        volume = image_to_volume_node(case.image, "GynAI phantom T2")
        segmentation = label_image_to_segmentation_node(case.labels, volume, name="GynAI phantom ground truth")
        return volume, segmentation


class GynAITest(ScriptedLoadableModuleTest):
    """Inside Slicer: the sample phantom loads with exact geometry and named segments."""

    def setUp(self):
        slicer.mrmlScene.Clear()

    def runTest(self):
        self.setUp()
        self.test_sample_phantom()

    def test_sample_phantom(self):
        volume, segmentation = GynAILogic().loadSamplePhantom(seed=1)
        self.assertEqual(volume.GetImageData().GetDimensions(), (192, 192, 30))
        names = [segmentation.GetSegmentation().GetNthSegment(i).GetName() for i in range(3)]
        self.assertEqual(names, ["Myometrium", "Endometrium", "Fibroid"])
        self.delayDisplay("GynAI test passed")
