"""Qt-free logic of GynAIReport: metrics from a segmentation node + volume node, table and HTML."""

from __future__ import annotations

import numpy as np


# Segments used as reference tissue when present (gynai.labels.matching.REFERENCE_SEGMENT_NAMES, the same
# rules as gynai measure): a segment named "Muscle" (or "Skeletal muscle") gives the fibroid Funaki class
# and T2 ratio their muscle reference; for adnexal masses, a segment named "Myometrium" gives the
# solid-tissue ratio to myometrium.


def reference_masks(volume_node, segmentation_node, task: str) -> dict:
    """Reference tissue masks from segments named as in ``gynai.labels.matching.REFERENCE_SEGMENT_NAMES``."""
    from gynai.labels.matching import REFERENCE_SEGMENT_NAMES
    from gynai.tasks import get_task
    from GynAILib.segmentations import segment_mask_by_name

    task_ids = {label.id for label in get_task(task).labels}
    masks = {}
    for reference, names in REFERENCE_SEGMENT_NAMES.items():
        if reference in task_ids:
            continue                       # a label of the task itself, not a reference region
        mask = segment_mask_by_name(segmentation_node, names, volume_node)
        if mask is not None:
            masks[reference] = mask
    return masks


def check_segments_fit_task(segmentation_node, task: str) -> None:
    """Refuse a segmentation none of whose segments is a label of ``task`` (as ``gynai measure`` does).

    Raises:
        LabelError: No segment matches (gynai.labels.matching rules); the message names what was found.
    """
    from gynai.errors import LabelError
    from gynai.labels.matching import label_for_segment
    from gynai.tasks import get_task

    labels = get_task(task).labels
    segmentation = segmentation_node.GetSegmentation() if segmentation_node is not None else None
    if segmentation is None:
        return                             # reported by the export with its own message
    segments = [(segmentation.GetNthSegmentID(n), segmentation.GetNthSegment(n).GetName() or "")
                for n in range(segmentation.GetNumberOfSegments())]
    if any(label_for_segment(name, labels) or label_for_segment(sid, labels) for sid, name in segments):
        return
    found = ", ".join(repr(name) for _, name in segments) or "none"
    raise LabelError(f"no segment of '{segmentation_node.GetName()}' is a label of task '{task}' (expected "
                     f"{', '.join(label.name for label in labels)}; found {found}); "
                     "rename the segments or choose the task they belong to")


def task_label_image(volume_node, segmentation_node, task: str):
    """The segmentation's segments of ``task`` as a label image on the volume's grid (refused when no
    segment belongs to the task, see :func:`check_segments_fit_task`)."""
    from gynai.tasks import get_task
    from GynAILib.segmentations import segmentation_node_to_label_image

    check_segments_fit_task(segmentation_node, task)
    return segmentation_node_to_label_image(segmentation_node, volume_node, get_task(task).labels)


def case_from_nodes(volume_node, segmentation_node, task: str, image=None, prior=None):
    """The case (:class:`gynai.case.Case`) of a segmentation node on a volume node: its segments of ``task`` on
    the volume's grid (refused when none belongs to the task), reference segments named "Muscle" /
    "Myometrium", the provenance GynAISegment recorded on the node (None for a hand-made one).

    ``image``: the volume already converted (e.g. with its DICOM identity); by default converted here. Its
    intensities are read as the modality it declares, else the volume's DICOM Modality (DICOM database),
    else the segmenting model's (ultrasound or MR).
    """
    from gynai.case import Case
    from GynAILib.segment_state import segmentation_provenance
    from GynAILib.volumes import volume_node_modality, volume_node_to_image

    image = image if image is not None else volume_node_to_image(volume_node)
    image.state_modality(volume_node_modality(volume_node), strict=False)
    return Case(image, task_label_image(volume_node, segmentation_node, task), task,
                reference_masks(volume_node, segmentation_node, task), segmentation_provenance(segmentation_node),
                {"image": volume_node.GetName(), "segmentation": segmentation_node.GetName()}, prior)


def compute_metrics(volume_node, segmentation_node, task: str) -> dict:
    """The ``gynai.metrics/1`` document for a segmentation node on a volume node (:func:`case_from_nodes`,
    measured by :func:`gynai.case.measure_case`)."""
    from gynai.case import measure_case

    return measure_case(case_from_nodes(volume_node, segmentation_node, task)).to_json()


def thickness_map_volume_node(volume_node, segmentation_node, node=None):
    """Scalar volume of the retroplacental myometrial thickness (mm on the placental bed, −1 elsewhere), from
    the segments of the task that has a thickness map (``Task.thickness_map``: the placenta).

    Returns ``None`` when the segmentation has no placenta or no myometrium.
    """
    from gynai.tasks import TASKS
    from GynAILib.segmentations import segmentation_node_to_label_image
    from GynAILib.volumes import image_to_volume_node

    task = next(task for task in TASKS.values() if task.thickness_map is not None)
    labels = segmentation_node_to_label_image(segmentation_node, volume_node, task.labels)
    thickness = task.thickness_map.load()(labels)
    if thickness is None:
        return None
    node = image_to_volume_node(thickness, "Myometrial thickness (mm)", node)
    display = node.GetDisplayNode()
    if display is not None:
        display.SetAutoWindowLevel(False)
        display.SetWindowLevelMinMax(0.0, 10.0)
        display.SetApplyThreshold(True)
        display.SetLowerThreshold(0.0)
    return node


TABLE_COLUMNS = (
    # header, metrics key (index into a list when given), unit
    ("Volume (mL)", ("volume_ml", None), "mL"),
    ("Ellipsoid volume (mL)", ("ellipsoid_volume_ml", None), "mL"),
    ("Diameter 1 (mm)", ("principal_diameters_mm", 0), "mm"),
    ("Diameter 2 (mm)", ("principal_diameters_mm", 1), "mm"),
    ("Diameter 3 (mm)", ("principal_diameters_mm", 2), "mm"),
    ("Max Feret diameter (mm)", ("max_feret_diameter_mm", None), "mm"),
    ("Surface area (mm2)", ("surface_area_mm2", None), "mm2"),
)
"""Numeric columns of the metrics table: diameters are the principal-axis diameters (second moments), longest
first."""


def _cell(values: dict, key: str, index) -> float:
    value = values.get(key)
    if value is None:
        return float("nan")
    return float(value[index] if index is not None else value)


def metrics_to_table_node(metrics: dict, table_node=None):
    """Fill (or create) a table node: one row per structure, units in the column headers.

    Absent structures get a row with "no" in the Present column and empty (NaN) figures. With a fibroid
    map, each fibroid instance gets a row "fibroid N (FIGO t)" after the structures.
    """
    import slicer
    import vtk

    if table_node is None:
        table_node = slicer.mrmlScene.AddNewNodeByClass("vtkMRMLTableNode", "GynAI metrics")
    table = table_node.GetTable()
    table.Initialize()
    names = vtk.vtkStringArray()
    names.SetName("Structure")
    numeric = []
    for header, _, _ in TABLE_COLUMNS:
        column = vtk.vtkDoubleArray()
        column.SetName(header)
        numeric.append(column)
    present = vtk.vtkStringArray()
    present.SetName("Present")
    voxels = vtk.vtkIntArray()
    voxels.SetName("Voxel count")
    rows = list(metrics["structures"].items())
    for fibroid in (metrics.get("fibroid_map") or {}).get("fibroids", []):
        rows.append((f"fibroid {fibroid['id']} (FIGO {fibroid['figo_type'] or 'not assessed'})", fibroid))
    for structure_id, values in rows:
        names.InsertNextValue(structure_id)
        for column, (_, (key, index), _) in zip(numeric, TABLE_COLUMNS):
            column.InsertNextValue(_cell(values, key, index))
        present.InsertNextValue("yes" if values.get("present") else "no")
        voxels.InsertNextValue(int(values["voxel_count"]))
    for column in (names, *numeric, present, voxels):
        table.AddColumn(column)
    from gynai.metrics.codes import MEASUREMENT_CODES

    for header, (key, _), unit in TABLE_COLUMNS:
        table_node.SetColumnUnitLabel(header, unit)
        concept, unit_code, method = MEASUREMENT_CODES[key]
        table_node.SetColumnProperty(header, "dicomQuantity", f"{concept.scheme}^{concept.value}^{concept.meaning}")
        table_node.SetColumnProperty(header, "dicomUnit", f"{unit_code.scheme}^{unit_code.value}^{unit_code.meaning}")
        if method is not None:
            table_node.SetColumnProperty(header, "dicomMethod", f"{method.scheme}^{method.value}^{method.meaning}")
    table_node.Modified()
    return table_node


class MetricsAutoUpdate:
    """Recompute the metrics table once the segmentation stops changing (e.g. after Segment Editor edits).

    Args:
        volume_node: The analysed volume.
        segmentation_node: The segmentation to watch.
        task: Task id of the segmentation.
        table_node: Table to keep up to date (created when None).
        on_update: Optional ``on_update(metrics)`` called after each recomputation.
        timer: When to recompute after a change (:class:`~GynAILib.debounce.OneShotTimer`); the module
            passes a Qt timer, so a paint stroke's many modifications cause one computation ``delay_ms`` after
            the stroke. None: at once (:class:`~GynAILib.debounce.ImmediateTimer`, for scripts).
        on_state: Optional ``on_state(state, message)`` with each :class:`~GynAILib.debounce.UpdateState`
            (``PENDING`` from the first edit: the panel shows "updating…").
        delay_ms: Pause after the last change.

    ``table_node`` holds the per-structure table, ``findings_table_node`` the coded findings (FIGO types,
    PAS research metrics, adnexal features). Call :meth:`stop` to remove the observers.
    """

    def __init__(self, volume_node, segmentation_node, task: str, table_node=None, on_update=None,
                 timer=None, on_state=None, delay_ms: int = 500) -> None:
        from GynAILib.debounce import DebouncedCall, ImmediateTimer
        from GynAIReportLib.findings_table import findings_to_table_node

        self.volume_node, self.segmentation_node, self.task = volume_node, segmentation_node, task
        self.on_update = on_update
        self.metrics = compute_metrics(volume_node, segmentation_node, task)
        self.table_node = metrics_to_table_node(self.metrics, table_node)
        self.findings_table_node = findings_to_table_node(self.metrics)
        self._update = DebouncedCall(self._recompute, timer if timer is not None else ImmediateTimer(), delay_ms,
                                     on_state)
        segmentation = segmentation_node.GetSegmentation()
        self._observed = segmentation
        self._tags = [segmentation.AddObserver(event, self._changed) for event in
                      (segmentation.SegmentModified, segmentation.SegmentAdded, segmentation.SegmentRemoved,
                       segmentation.RepresentationModified)]

    @property
    def state(self):
        """The :class:`~GynAILib.debounce.UpdateState` of the automatic update."""
        return self._update.state

    @property
    def computations(self) -> int:
        """How many times the metrics were recomputed after changes."""
        return self._update.runs

    def _changed(self, caller=None, event=None) -> None:
        self._update.request()

    def _recompute(self) -> None:
        from GynAIReportLib.findings_table import findings_to_table_node

        self.metrics = compute_metrics(self.volume_node, self.segmentation_node, self.task)
        metrics_to_table_node(self.metrics, self.table_node)
        findings_to_table_node(self.metrics, self.findings_table_node)
        if self.on_update is not None:
            self.on_update(self.metrics)

    def stop(self) -> None:
        """Stop watching the segmentation (a pending recomputation is dropped)."""
        for tag in self._tags:
            self._observed.RemoveObserver(tag)
        self._tags = []
        self._update.cancel()


def report_html(metrics: dict, volume_node=None, file_for_instance=None) -> str:
    """HTML report text (without figures, fast enough to follow edits) for the module panel.

    With ``volume_node``, the patient and study identity of a DICOM-loaded volume is shown (its files are
    found with ``file_for_instance``, default ``slicer.dicomDatabase.fileForInstance``; when they cannot be
    found the panel says "de-identified" and a warning is logged).
    """
    from gynai.report.html_report import render_report_html
    from gynai.report.model import report_model

    image = None
    if volume_node is not None:
        from GynAILib.volumes import volume_node_to_image_with_identity

        image = volume_node_to_image_with_identity(volume_node, file_for_instance, strict=False)
    return render_report_html(report_model(metrics, image))


def structure_volume_ml(metrics: dict, structure_id: str) -> float:
    """Volume of one structure in mL (NaN when absent), a convenience for scripts."""
    values = metrics["structures"].get(structure_id)
    return float(values["volume_ml"]) if values else float(np.nan)
