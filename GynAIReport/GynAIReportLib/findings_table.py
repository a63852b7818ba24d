"""Findings table node: one row per coded measurement (group, name, value, unit, DICOM concept code, followed by
its Derivation modifier where it has one, e.g. the maximum wall thickness); values are written as the report
writes them (:func:`gynai.metrics.findings.format_value`)."""

from __future__ import annotations

from gynai.metrics.codes import MEASUREMENT_CODES, MEASUREMENT_DERIVATIONS
from gynai.metrics.findings import findings, format_value

FINDINGS_COLUMNS = ("Group", "Measurement", "Value", "Unit", "Concept code", "Unit code")


def _code_text(key: str, index: int) -> str:
    if key not in MEASUREMENT_CODES:
        return ""
    code = MEASUREMENT_CODES[key][index]
    text = f"{code.scheme}^{code.value}^{code.meaning}"
    derivation = MEASUREMENT_DERIVATIONS.get(key) if index == 0 else None
    if derivation is None:
        return text
    return f"{text} (Derivation {derivation.scheme}^{derivation.value}^{derivation.meaning})"


def findings_to_table_node(metrics: dict, table_node=None):
    """Fill (or create) the findings table of a metrics document; returns the table node."""
    import slicer
    import vtk

    if table_node is None:
        table_node = slicer.mrmlScene.AddNewNodeByClass("vtkMRMLTableNode", "GynAI findings")
    table = table_node.GetTable()
    table.Initialize()
    columns = []
    for name in FINDINGS_COLUMNS:
        column = vtk.vtkStringArray()
        column.SetName(name)
        columns.append(column)
    for finding in findings(metrics):
        values = (finding.group, finding.name, format_value(finding.value), finding.unit,
                  _code_text(finding.key, 0), _code_text(finding.key, 1))
        for column, value in zip(columns, values):
            column.InsertNextValue(value)
    for column in columns:
        table.AddColumn(column)
    table_node.Modified()
    return table_node
