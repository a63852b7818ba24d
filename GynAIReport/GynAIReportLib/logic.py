"""Qt-free logic of GynAIReport: metrics from a segmentation node + volume node, table and HTML."""

from __future__ import annotations

import numpy as np


def compute_metrics(volume_node, segmentation_node, task: str) -> dict:
    """The ``gynai.metrics/1`` document for a segmentation node on a volume node."""
    from gynai.metrics.document import metrics_document
    from gynai.tasks import get_task
    from GynAILib.segmentations import segmentation_node_to_label_image
    from GynAILib.volumes import volume_node_to_image

    image = volume_node_to_image(volume_node)
    labels = segmentation_node_to_label_image(segmentation_node, volume_node, get_task(task).labels)
    return metrics_document(image, labels, task, None,
                            {"image": volume_node.GetName(), "segmentation": segmentation_node.GetName()})


def metrics_to_table_node(metrics: dict, table_node=None):
    """Fill (or create) a table node: one row per structure, units in the column headers."""
    import slicer
    import vtk

    if table_node is None:
        table_node = slicer.mrmlScene.AddNewNodeByClass("vtkMRMLTableNode", "GynAI metrics")
    table = table_node.GetTable()
    table.Initialize()
    names = vtk.vtkStringArray()
    names.SetName("Structure")
    volumes = vtk.vtkDoubleArray()
    volumes.SetName("Volume (mL)")
    voxels = vtk.vtkIntArray()
    voxels.SetName("Voxel count")
    for structure_id, values in metrics["structures"].items():
        names.InsertNextValue(structure_id)
        volumes.InsertNextValue(float(values["volume_ml"]))
        voxels.InsertNextValue(int(values["voxel_count"]))
    for column in (names, volumes, voxels):
        table.AddColumn(column)
    table_node.SetColumnUnitLabel("Volume (mL)", "mL")
    table_node.Modified()
    return table_node


def report_html(metrics: dict) -> str:
    """HTML report text for the module panel and for saving."""
    from gynai.report.html import render_html

    return render_html(metrics)


def structure_volume_ml(metrics: dict, structure_id: str) -> float:
    """Volume of one structure in mL (NaN when absent), a convenience for scripts."""
    values = metrics["structures"].get(structure_id)
    return float(values["volume_ml"]) if values else float(np.nan)
