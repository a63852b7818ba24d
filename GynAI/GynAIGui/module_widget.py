"""What the three module widgets share around the parameter-node lifecycle, and table filling.

Slicer's scripted-module template keeps ``setup``/``enter``/``exit``/``cleanup`` and the parameter node's
``connectGui`` in each module's widget (Testing/slicer_modules checks them there); this mixin holds what
``setup`` calls to load the module's .ui into its panel, and fills table widgets.
"""

import qt
import slicer


class ModuleWidgetMixin:
    """Mixed into a ``ScriptedLoadableModuleWidget`` (and ``VTKObservationMixin``) of a GynAI module."""

    def initModuleWidget(self):
        """The state every module widget starts with: no logic and no parameter node yet."""
        self.logic = None
        self._parameterNode = None
        self._parameterNodeGuiTag = None

    def loadModuleUi(self, name):
        """Load ``Resources/UI/<name>.ui`` into the panel; ``self.ui`` holds its named widgets."""
        uiWidget = slicer.util.loadUI(self.resourcePath(f"UI/{name}.ui"))
        self.layout.addWidget(uiWidget)
        self.ui = slicer.util.childWidgetVariables(uiWidget)
        uiWidget.setMRMLScene(slicer.mrmlScene)
        return uiWidget

    @staticmethod
    def fillTable(table, headers, rows):
        """Fill a ``QTableWidget`` with ``headers`` and text ``rows``; columns fit their contents."""
        table.clear()
        table.setColumnCount(len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                table.setItem(r, c, qt.QTableWidgetItem(str(value)))
        table.resizeColumnsToContents()


def html_view(frame):
    """A web view added to ``frame``'s layout, for an HTML report (figures and charts render as in a browser;
    a text browser where Slicer has no web widget)."""
    view = slicer.qSlicerWebWidget() if hasattr(slicer, "qSlicerWebWidget") else qt.QTextBrowser()
    frame.layout().addWidget(view)
    return view


def application_setting(key, default=""):
    """A value of Slicer's application settings (``qt.QSettings``), as text; ``default`` when it is not set."""
    return str(qt.QSettings().value(key, default) or default)
