"""GynAI home module: dependencies, model manager, batch processing, sample data, version."""

from typing import Annotated

import slicer
from GynAILib.slicer_version import require_supported_slicer

require_supported_slicer(slicer.app)   # first: on an older Slicer this one sentence is the error users see

from gynai.tasks import TASKS  # noqa: E402
from slicer.i18n import tr as _  # noqa: E402
from slicer.i18n import translate  # noqa: E402
from slicer.parameterNodeWrapper import Choice, WithinRange, parameterNodeWrapper  # noqa: E402
from slicer.ScriptedLoadableModule import (ScriptedLoadableModule, ScriptedLoadableModuleLogic,  # noqa: E402
                                           ScriptedLoadableModuleTest, ScriptedLoadableModuleWidget)
from slicer.util import VTKObservationMixin  # noqa: E402

from GynAIGui.home_panel import ModelsPanel, load_terminology, register_sample_data, reinstall_text  # noqa: E402
from GynAIGui.module_widget import ModuleWidgetMixin  # noqa: E402
from GynAIGui.timers import JobPoller  # noqa: E402
from GynAILib.batch_job import BatchControl  # noqa: E402
from GynAILib.home_logic import HomeLogic  # noqa: E402
from GynAILib.self_test import sample_phantom  # noqa: E402


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
        slicer.app.connect("startupCompleted()", load_terminology)
        slicer.app.connect("startupCompleted()", register_sample_data)


@parameterNodeWrapper
class GynAIParameterNode:
    """The last loaded sample volume, and the batch panel's task and workers: a combo box needs ``Choice`` (Slicer's
    connector fills it), a spin box ``WithinRange`` (else Slicer replaces the .ui range): gui_rules.py."""

    sampleVolume: slicer.vtkMRMLScalarVolumeNode
    batchTask: Annotated[str, Choice(tuple(TASKS))] = next(iter(TASKS))
    batchWorkers: Annotated[int, WithinRange(1, 16)] = 1


class GynAIWidget(ScriptedLoadableModuleWidget, VTKObservationMixin, ModuleWidgetMixin):
    """User interface: only wires widgets to the logic; every action shows its errors."""

    def __init__(self, parent=None):
        ScriptedLoadableModuleWidget.__init__(self, parent)
        VTKObservationMixin.__init__(self)
        self.initModuleWidget()
        self._batch = self._batchPoller = self._models = None

    def setup(self):
        ScriptedLoadableModuleWidget.setup(self)
        self.loadModuleUi("GynAI")
        self.logic = GynAILogic()
        self.ui.versionLabel.text = self.logic.version() or _("GynAI (dependencies not installed)")
        self._batch = BatchControl(self.logic.startBatch)
        self._batchPoller = JobPoller(500, self._pollBatch, _("The batch did not finish."))
        self._models = ModelsPanel(self.ui, self.logic, self.fillTable)
        for button, slot in ((self.ui.loadSampleButton, self.onLoadSample), (self.ui.batchRunButton, self.onBatchRun),
                             (self.ui.checkDependenciesButton, self.onCheckDependencies),
                             (self.ui.packageInformationButton, self.onPackageInformation),
                             (self.ui.forceReinstallButton, self.onForceReinstall)):
            button.connect("clicked(bool)", slot)
        self.addObserver(slicer.mrmlScene, slicer.mrmlScene.StartCloseEvent, self.onSceneStartClose)
        self.addObserver(slicer.mrmlScene, slicer.mrmlScene.EndCloseEvent, self.onSceneEndClose)
        self.initializeParameterNode()
        self._models.showAtStart(self.logic.missingPackages())

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
                self._models.show()

    def onPackageInformation(self):
        with slicer.util.tryWithErrorDisplay(_("Reading the package information failed.")):
            self._showPackageInformation()

    def _showPackageInformation(self):
        rows = [(s.name, s.requirement, s.installed_version or _("not installed"), _("yes") if s.satisfied else _("no"))
                for s in self.logic.packageInformation()]
        self.fillTable(self.ui.packagesTable, [_("Package"), _("Required"), _("Installed"), _("OK")], rows)
        self.ui.packagesTable.visible = True

    def onForceReinstall(self):
        with slicer.util.tryWithErrorDisplay(_("Reinstalling dependencies failed."), waitCursor=True):
            outcome = self.logic.reinstallDependencies(askConfirmation=True)
            if outcome is not None:
                self.ui.statusLabel.text = reinstall_text(outcome)
                self._showPackageInformation()

    def onBatchRun(self):
        """Run batch starts the background batch; while it runs the same button cancels it."""
        with slicer.util.tryWithErrorDisplay(_("The batch could not be started or cancelled.")):
            if self._batch.toggle(self.ui.batchInputPath.currentPath, self.ui.batchOutputPath.currentPath,
                                  self.ui.batchTaskComboBox.currentText, self.ui.batchWorkersSpinBox.value):
                self.ui.batchRunButton.text = _("Cancel")
                self._batchPoller.start()

    def _pollBatch(self):
        """One poll of the running batch (:class:`GynAIGui.timers.JobPoller`): True while it runs."""
        try:
            status = self._batch.poll()
        except Exception:
            self.ui.batchRunButton.text = _("Run batch")
            raise
        self.ui.batchProgressBar.value = status.percent
        self.ui.batchStatusLabel.text = status.message
        if not status.finished:
            return True
        self.ui.batchRunButton.text = _("Run batch")
        summary = self._batch.summary()
        text = _("{done} done, {failed} failed (see summary.json and cohort.csv)")
        self.ui.batchStatusLabel.text = text.format(done=summary["done"], failed=summary["failed"])
        return False


class GynAILogic(ScriptedLoadableModuleLogic, HomeLogic):
    """Thin logic: the console API is GynAILib.home_logic.HomeLogic (dependencies, models, batch, samples),
    e.g. ``GynAILogic().startBatch(inputFolder, outputFolder, "uterus-fibroid").wait()``."""

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
        sample_phantom(self, GynAILogic())
