"""The GynAI home module's start-up hooks, its model manager panel and texts (Qt and Slicer's GUI).

``register_sample_data`` and ``load_terminology`` run when Slicer has started (``startupCompleted()``);
:class:`ModelsPanel` wires the model buttons to the module's logic, each action inside
``slicer.util.tryWithErrorDisplay``; ``reinstall_text`` words the outcome of a forced reinstall.
"""

import logging

import qt
import slicer
from slicer.i18n import tr as _

from GynAILib.home_logic import MODULE_FILE


def register_sample_data():
    """List GynAI's phantoms in the Sample Data module (shipped files, checked by SHA-256)."""
    try:
        import SampleData
    except ImportError:
        logging.warning("Sample Data module not available; GynAI samples are not registered")
        return
    from GynAILib.sample_data import register_sample_data as register

    register(SampleData.SampleDataLogic, MODULE_FILE)


def load_terminology():
    """Register GynAI's terminology context so that the Segment Editor offers its coded concepts."""
    from GynAILib.home_logic import load_terminology as load

    terminologies = getattr(slicer.modules, "terminologies", None)
    load(MODULE_FILE, terminologies.logic() if terminologies is not None else None)


def reinstall_text(outcome):
    """The status lines after a forced reinstall (``GynAILib.dependencies.InstallOutcome``)."""
    lines = [_("Reinstalled: {packages}.").format(packages=", ".join(outcome.reinstalled) or _("none")),
             _("Kept as shipped with Slicer: {packages}.").format(packages=", ".join(outcome.kept) or _("none"))]
    if outcome.torch_reinstalled is False:
        lines.append(_("PyTorch is already loaded in this session, so it was not reinstalled: restart Slicer and "
                       "press Force reinstall before running a segmentation, or use the PyTorch Utils module."))
    if outcome.missing:
        lines.append(_("Still missing: {packages}.").format(packages=", ".join(s.requirement for s in outcome.missing)))
    lines.append(_("Restart Slicer to use the reinstalled packages."))
    return "\n".join(lines)


class ModelsPanel:
    """The home module's model manager: the installed bundles (with their SHA-256 checked on request), add one
    from a file or a URL, remove one, open the user models folder. Every action shows its errors.

    Args:
        ui: The module's widgets (``modelsTable``, the model buttons, ``statusLabel``).
        logic: The module's logic (``addModel``, ``removeModel``).
        fill_table: ``fill_table(table, headers, rows)``.
    """

    def __init__(self, ui, logic, fill_table):
        self.ui, self.logic, self._fill = ui, logic, fill_table
        for button, slot in ((ui.verifyModelsButton, self.onVerifyModels),
                             (ui.addModelFileButton, self.onAddModelFile), (ui.addModelUrlButton, self.onAddModelUrl),
                             (ui.removeModelButton, self.onRemoveModel),
                             (ui.openModelsFolderButton, self.onOpenModelsFolder)):
            button.connect("clicked(bool)", slot)

    def show(self, verify=False):
        """List the installed bundles (``verify``: check every file's SHA-256)."""
        from GynAILib.model_manager import model_rows

        rows = [(m.name, m.task, m.version, m.origin, f"{m.size_mb:.2f}", m.status) for m in model_rows(verify)]
        self._fill(self.ui.modelsTable, [_("Name"), _("Task"), _("Version"), _("Origin"), _("Size (MB)"),
                                         _("SHA-256")], rows)

    def showAtStart(self, missing_packages):
        """List the bundles when the dependencies are there; a failure is shown in the panel (the module stays
        usable)."""
        if missing_packages:
            return
        try:
            self.show()
        except Exception as error:
            self.ui.statusLabel.text = _("The models could not be listed: {reason}").format(reason=str(error))

    def onVerifyModels(self):
        with slicer.util.tryWithErrorDisplay(_("Verifying the models failed."), waitCursor=True):
            self.show(verify=True)

    def onAddModelFile(self):
        with slicer.util.tryWithErrorDisplay(_("Adding the model failed."), waitCursor=True):
            path = qt.QFileDialog.getOpenFileName(None, _("Model bundle (.zip)"), "", "Zip (*.zip)") or \
                qt.QFileDialog.getExistingDirectory(None, _("Or a model bundle folder"))
            if path:
                self.logic.addModel(path)
                self.show()

    def onAddModelUrl(self):
        with slicer.util.tryWithErrorDisplay(_("Adding the model failed."), waitCursor=True):
            url = qt.QInputDialog.getText(None, _("Add model"), _("URL of the bundle .zip:"))
            if not url:
                return
            digest = qt.QInputDialog.getText(None, _("Add model"), _("SHA-256 of the .zip (from its publisher):"))
            self.logic.addModel(url, sha256=digest)
            self.show()

    def onRemoveModel(self):
        with slicer.util.tryWithErrorDisplay(_("Removing the model failed.")):
            row = self.ui.modelsTable.currentRow()
            if row < 0:
                return
            name = self.ui.modelsTable.item(row, 0).text()
            if slicer.util.confirmOkCancelDisplay(_("Remove the model {name}?").format(name=name)):
                self.logic.removeModel(name)
                self.show()

    def onOpenModelsFolder(self):
        with slicer.util.tryWithErrorDisplay(_("Opening the models folder failed.")):
            from GynAILib.model_manager import user_models_folder

            qt.QDesktopServices.openUrl(qt.QUrl.fromLocalFile(str(user_models_folder())))
