"""Console API of GynAIReport, Qt-free: ``GynAIReport.py``'s ``GynAIReportLogic`` only adds the parameter node
and reads the PACS setting (:meth:`ReportLogic.pacsConfigFile`) for :class:`ReportLogic`, so headless tests
run the same methods the module and the console use (see the README's console section)."""

from __future__ import annotations

import logging
from typing import Any, Callable, Optional, Sequence

logger = logging.getLogger(__name__)


class ReportLogic:
    """``compute``, ``findingsTable``, ``thicknessMap``, ``watch``, ``generateReport`` and ``sendToPacs``."""

    pacsConfigSetting = "GynAI/PacsConfigFile"
    """Application setting naming the user's PACS (DICOMweb) configuration file; nothing is sent without it."""

    def compute(self, volumeNode: Any, segmentationNode: Any, task: str = "uterus-fibroid",
                tableNode: Any = None) -> tuple[dict, Any, str]:
        """Metrics document, filled table node and report HTML for a segmentation on a volume."""
        from GynAIReportLib import logic

        logger.info("GynAI: measuring %s on %s", segmentationNode.GetName(), volumeNode.GetName())
        metrics = logic.compute_metrics(volumeNode, segmentationNode, task)
        return metrics, logic.metrics_to_table_node(metrics, tableNode), logic.report_html(metrics, volumeNode)

    def reportHtml(self, metrics: dict, volumeNode: Any = None) -> str:
        """The report's HTML (without figures, fast enough to follow edits) for the module panel; with
        ``volumeNode``, the patient and study of a DICOM-loaded volume."""
        from GynAIReportLib import logic

        return logic.report_html(metrics, volumeNode)

    def findingsTable(self, metrics: dict, tableNode: Any = None) -> Any:
        """Table node with one row per coded finding (group, measurement, value, unit, DICOM codes)."""
        from GynAIReportLib import findings_table

        return findings_table.findings_to_table_node(metrics, tableNode)

    def thicknessMap(self, volumeNode: Any, segmentationNode: Any, outputVolumeNode: Any = None) -> Any:
        """Placenta: volume node of the retroplacental myometrial thickness (mm), or None when not assessable."""
        from GynAIReportLib import logic

        return logic.thickness_map_volume_node(volumeNode, segmentationNode, outputVolumeNode)

    def watch(self, volumeNode: Any, segmentationNode: Any, task: str = "uterus-fibroid",
              onUpdate: Optional[Callable[[dict], None]] = None, tableNode: Any = None,
              onState: Optional[Callable[[Any, str], None]] = None) -> Any:
        """Compute the metrics table now and again once each edit of the segmentation is over.

        The recomputation waits until the segmentation has not changed for half a second (timer from
        :meth:`createTimer`), so a paint stroke costs one computation, and ``onState(state, message)`` hears
        when it is pending, running, done or failed. Returns a ``MetricsAutoUpdate`` (``.metrics``,
        ``.table_node``, ``.state``; ``.stop()`` ends the watching).
        """
        from GynAIReportLib import logic

        return logic.MetricsAutoUpdate(volumeNode, segmentationNode, task, tableNode, onUpdate,
                                       timer=self.createTimer(), on_state=onState)

    def createTimer(self) -> Any:
        """The timer of :meth:`watch` (a ``GynAILib.debounce.OneShotTimer``); this Qt-free default is
        None (recompute at once); the module returns a Qt timer."""
        return None

    def generateReport(self, volumeNode: Any, segmentationNode: Any, template: str, outputDir: Any,
                       formats: Sequence[str] = ("html", "pdf", "json", "dicom"), priorVolumeNode: Any = None,
                       priorSegmentationNode: Any = None, priorMetrics: Optional[dict] = None,
                       progress: Optional[Callable[[float, str], None]] = None) -> dict:
        """Write the report files (as ``gynai report``) into ``outputDir``, a new or empty folder.

        ``template``: ``fibroid-mapping``, ``placenta-accreta``, ``adnexal-mass`` or a task id. The prior study
        is given as nodes or as a metrics document (``priorMetrics``). Returns ``{"metrics", "files"}``.
        """
        from GynAIReportLib import report_files

        return report_files.generate_report(volumeNode, segmentationNode, template, outputDir, formats,
                                            priorMetrics, priorVolumeNode, priorSegmentationNode, progress)

    def pacsConfigFile(self) -> str:
        """The PACS configuration file the user set, or "" (then nothing is ever sent); the module reads it
        from the application settings, this Qt-free default has none."""
        return ""

    def sendToPacs(self, files: dict, configFile: Optional[str] = None) -> int:
        """Store the report's DICOM objects (SEG, SR, encapsulated PDF) on the configured DICOMweb server.

        ``configFile`` defaults to :meth:`pacsConfigFile`; without any, nothing is sent (``PacsConfigError``).
        """
        from GynAIReportLib import report_files

        return report_files.send_report_to_pacs(files, configFile or self.pacsConfigFile())
