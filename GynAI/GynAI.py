"""GynAI home module: dependencies, sample phantom, version."""

import logging
from pathlib import Path

import slicer
from slicer.i18n import tr as _
from slicer.i18n import translate
from slicer.parameterNodeWrapper import parameterNodeWrapper
from slicer.ScriptedLoadableModule import (ScriptedLoadableModule, ScriptedLoadableModuleLogic,
                                           ScriptedLoadableModuleTest, ScriptedLoadableModuleWidget)
from slicer.util import VTKObservationMixin

PIP_REQUIREMENTS = ["SimpleITK>=2.3", "monai>=1.3", "pydicom>=2.4", "highdicom>=0.22", "scipy>=1.10"]


class GynAI(ScriptedLoadableModule):
    """Module description."""

    def __init__(self, parent):
        ScriptedLoadableModule.__init__(self, parent)
        self.parent.title = _("GynAI")
        self.parent.categories = [translate("qSlicerAbstractCoreModule", "GynAI")]
        self.parent.dependencies = []
        self.parent.contributors = ["GynAI contributors"]
        self.parent.helpText = _("Deep learning for gynecologic imaging. This module installs the Python "
                                 "dependencies and loads a synthetic sample phantom. Research use only.")
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


@parameterNodeWrapper
class GynAIParameterNode:
    """Parameters: the seed of the sample phantom and the last loaded sample volume."""

    sampleSeed: int = 2026
    sampleVolume: slicer.vtkMRMLScalarVolumeNode


class GynAIWidget(ScriptedLoadableModuleWidget, VTKObservationMixin):
    """User interface: only wires widgets to the logic."""

    def __init__(self, parent=None):
        ScriptedLoadableModuleWidget.__init__(self, parent)
        VTKObservationMixin.__init__(self)
        self.logic = None

    def setup(self):
        ScriptedLoadableModuleWidget.setup(self)
        uiWidget = slicer.util.loadUI(self.resourcePath("UI/GynAI.ui"))
        self.layout.addWidget(uiWidget)
        self.ui = slicer.util.childWidgetVariables(uiWidget)
        self.logic = GynAILogic()
        self.ui.versionLabel.text = self.logic.version()
        self.ui.loadSampleButton.connect("clicked(bool)", self.onLoadSample)
        self.ui.checkDependenciesButton.connect("clicked(bool)", self.onCheckDependencies)

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


class GynAILogic(ScriptedLoadableModuleLogic):
    """Thin logic: dependency installation (after one confirmation) and sample data."""

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
    def missingPackages():
        missing = []
        for module in ("SimpleITK", "monai", "pydicom", "highdicom", "scipy", "torch"):
            try:
                __import__(module)
            except ImportError:
                missing.append(module)
        return missing

    def ensureDependencies(self, askConfirmation=True):
        """Install missing packages after one confirmation: torch via PyTorchUtils, others with pip."""
        missing = self.missingPackages()
        if not missing:
            return True
        if askConfirmation and not slicer.util.confirmOkCancelDisplay(
                _("GynAI needs these Python packages: {packages}. Install them now?").format(
                    packages=", ".join(missing))):
            return False
        if "torch" in missing:
            torchLogic = slicer.modules.pytorchutils.widgetRepresentation().self().logic
            if torchLogic.installTorch(askConfirmation=False) is None:
                return False
        others = [r for r in PIP_REQUIREMENTS if r.split(">")[0].split("=")[0] in missing]
        if others:
            if hasattr(slicer, "packaging") and hasattr(slicer.packaging, "pip_ensure"):
                slicer.packaging.pip_ensure(others)
            else:
                slicer.util.pip_install(others)
        logging.info("GynAI dependencies installed: %s", missing)
        return not self.missingPackages()

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
