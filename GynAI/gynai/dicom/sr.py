"""DICOM Comprehensive 3D SR with a TID 1500 Measurement Report of the metrics (highdicom).

One measurement group per SEG segment (TID 1411, referencing the segment and the source series): volume
(voxel sum, DCM 126030), ellipsoid volume (LWH method, DCM 126029), length / width / height (the three
principal-axis diameters, largest first), maximum 3D diameter and surface area (IBSI), plus the lesion's
coded findings (FIGO type, distances, T2 ratio and Funaki class for each fibroid; the placenta research
metrics on the placenta; the O-RADS MRI inputs on each adnexal lesion's whole-lesion segment, see :mod:`gynai.dicom.seg`).
Findings about no single segment are TID 1501 groups, with the finding type and Finding Site the task
gives them (``Task.dicom``): for ``uterus-fibroid`` a uterus group (the uterus's volume, ellipsoid volume,
length / width / height along its principal axes, maximum 3D diameter, surface area) and a fibroid group
(number of fibroids, their total volume, burden); for ``adnexal-mass`` the lesion count and total volume.
Every measurement of one group has its own concept, method and Derivation modifier
(:mod:`gynai.metrics.codes`); a finding that repeats a figure of the group (the uterine volume is the
uterus's volume, an adnexal lesion's largest diameter its maximum 3D diameter) is reported once. Numbers become measurements with UCUM units, classes and yes/no become qualitative
evaluations; figures that were not assessed are left out (the report says "not assessed"). The notice
(models trained only on synthetic phantoms; automated estimates to be confirmed by a reader) is a TEXT
comment in the report's Qualitative Evaluations container. Codes come
from :mod:`gynai.metrics.codes`; private ``99GYNAI`` codes are declared in the Coding Scheme
Identification Sequence.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from typing import Optional

import highdicom as hd
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes

from gynai import __version__
from gynai.dicom.codes import coded, declare_private_schemes
from gynai.dicom.seg import SegmentEntry
from gynai.dicom.source import SourceSeries, mark_deidentified
from gynai.dicom.uids import new_uid
from gynai.labels.codes import Code
from gynai.metrics.codes import MEASUREMENT_CODES, MEASUREMENT_DERIVATIONS
from gynai.metrics.findings import Finding
from gynai.metrics.results.document import NOTICE, MetricsDocument
from gynai.tasks import get_task
from gynai.tasks.record import Task

logger = logging.getLogger(__name__)

SR_SERIES_NUMBER = 902
IMAGING_PROCEDURE = Code("363679005", "SCT", "Imaging procedure")
QUALITATIVE_EVALUATIONS = hd.sr.CodedConcept("C0034375", "UMLS", "Qualitative Evaluations")
COMMENT = hd.sr.CodedConcept("121106", "DCM", "Comment")
SHAPE_CONCEPTS = (("volume_ml", None), ("ellipsoid_volume_ml", None), ("principal_diameters_mm", 0),
                  ("principal_diameters_mm", 1), ("principal_diameters_mm", 2), ("max_feret_diameter_mm", None),
                  ("surface_area_mm2", None))
_AXIS_CONCEPTS = (codes.SCT.Length, codes.SCT.Width, codes.DCM.Height)


def _value_code(key: str, value: str) -> hd.sr.CodedConcept:
    """Private code of a class value, e.g. FIGO type ``2-5`` or Funaki class ``II``."""
    label = "FIGO type" if key == "figo_type" else "Funaki class"
    token = "FIGO" if key == "figo_type" else "FUNAKI"
    return hd.sr.CodedConcept(f"{token}-{value}", "99GYNAI", f"{label} {value}")


def _items(key: str, value, method_override=None) -> tuple[list, list]:
    """Measurements and qualitative evaluations for one metrics key and value."""
    if value is None or key not in MEASUREMENT_CODES:
        return [], []
    concept, unit, method = MEASUREMENT_CODES[key]
    if isinstance(value, bool):
        return [], [hd.sr.QualitativeEvaluation(coded(concept), codes.SCT.Yes if value else codes.SCT.No)]
    if isinstance(value, str):
        return [], [hd.sr.QualitativeEvaluation(coded(concept), _value_code(key, value))]
    method = method_override or method
    derivation = MEASUREMENT_DERIVATIONS.get(key)
    return [hd.sr.Measurement(name=coded(concept), value=float(value), unit=coded(unit),
                              method=coded(method) if method else None,
                              derivation=coded(derivation) if derivation else None)], []


def _signature(measurement: hd.sr.Measurement) -> tuple:
    """What tells a measurement apart in its group: concept, unit and its coded modifiers (method, derivation)."""
    item = measurement[0]
    name = item.ConceptNameCodeSequence[0]
    unit = item.MeasuredValueSequence[0].MeasurementUnitsCodeSequence[0]
    modifiers = sorted((m.ConceptNameCodeSequence[0].CodeValue, m.ConceptCodeSequence[0].CodeValue,
                        m.ConceptCodeSequence[0].CodingSchemeDesignator)
                       for m in item.get("ContentSequence", []) if m.ValueType == "CODE")
    return name.CodeValue, name.CodingSchemeDesignator, unit.CodeValue, tuple(modifiers)


def _distinct(measurements: list) -> list:
    """The measurements without repeats: a finding with the codes and value of an earlier one (the uterine
    volume after the uterus's volume) is the same measurement and is left out."""
    kept: dict[tuple, float] = {}
    result = []
    for measurement in measurements:
        signature = _signature(measurement)
        value = float(measurement[0].MeasuredValueSequence[0].NumericValue)
        if signature in kept and math.isclose(kept[signature], value, rel_tol=1e-6, abs_tol=1e-9):
            continue
        if signature in kept:
            logger.warning("two figures of one SR group share the codes %s: %s and %s", signature, kept[signature],
                           value)
        kept.setdefault(signature, value)
        result.append(measurement)
    return result


def _notice_container(notice: str) -> hd.sr.ContainerContentItem:
    """TID 1500's "Qualitative Evaluations" container with the notice as a TEXT comment: the models were
    trained only on synthetic phantoms, types and measurements are automated estimates."""
    container = hd.sr.ContainerContentItem(name=QUALITATIVE_EVALUATIONS, relationship_type="CONTAINS")
    container.ContentSequence = [hd.sr.TextContentItem(name=COMMENT, value=notice[:1024],
                                                       relationship_type="CONTAINS")]
    return container


def _shape_measurements(values: dict) -> list:
    measurements = []
    for key, index in SHAPE_CONCEPTS:
        value = values.get(key)
        if value is None:
            continue
        if index is not None:
            measurements.append(hd.sr.Measurement(name=_AXIS_CONCEPTS[index], value=float(value[index]),
                                                  unit=coded(MEASUREMENT_CODES[key][1])))
        else:
            measurements += _items(key, value)[0]
    return measurements


def _finding_items(rows: list[Finding], skip: set[str]) -> tuple[list, list]:
    measurements, evaluations = [], []
    for row in rows:
        if row.key in skip:
            continue
        found_measurements, found_evaluations = _items(row.key, row.value)
        measurements += found_measurements
        evaluations += found_evaluations
    return measurements, evaluations


def _segment_values(document: MetricsDocument, entry: SegmentEntry) -> dict:
    """The figures of a segment: a lesion instance's (from the task's block), else its structure's."""
    if entry.instance is not None and document.results is not None:
        return document.results.instance_values(entry.instance)
    return document.structure(entry.label_id).to_json() if entry.label_id in document.structures else {}


def _group_name(entry: SegmentEntry, task: Task) -> str:
    """The findings group a segment's measurement group takes its findings from (``"<lesion kind> <n>"`` for
    a lesion instance)."""
    return entry.label_id if entry.instance is None else f"{task.lesions.kind} {entry.instance}"


def _summary_groups(metrics: MetricsDocument, task: Task, by_group: dict[str, list[Finding]],
                    algorithm: hd.sr.AlgorithmIdentification) -> list:
    """TID 1501 groups of the findings about no single segment: regrouped as the task says
    (``Task.dicom.sr_groups``), with the shape figures of a derived structure (``group_shapes``), finding type
    and Finding Site."""
    regrouped: dict[str, list[Finding]] = {name: [] for name in by_group}      # the findings' group order first
    regrouped.update({name: [] for name in task.dicom.sr_groups.values()})
    for group_name, rows in by_group.items():
        for row in rows:
            regrouped.setdefault(task.dicom.sr_groups.get(row.key, group_name), []).append(row)
    groups = []
    for group_name, rows in regrouped.items():
        structure = task.dicom.group_shapes.get(group_name)       # a derived structure not assessed: no figures
        shape = (_shape_measurements(metrics.structure(structure).to_json())
                 if structure and metrics.structure(structure).is_present else [])
        measurements, evaluations = _finding_items(rows, set())
        measurements = _distinct(shape + measurements)
        if not measurements and not evaluations:
            continue
        kind = group_name.rstrip("0123456789 ")
        finding_type, site = task.dicom.finding_types.get(kind), task.dicom.finding_sites.get(kind)
        groups.append(hd.sr.MeasurementsAndQualitativeEvaluations(
            tracking_identifier=hd.sr.TrackingIdentifier(uid=new_uid(), identifier=group_name),
            finding_type=coded(finding_type) if finding_type else None, algorithm_id=algorithm,
            finding_sites=[hd.sr.FindingSite(coded(site))] if site else None,
            measurements=measurements or None, qualitative_evaluations=evaluations or None))
    return groups


def build_sr(document: dict, seg: Dataset, entries: list[SegmentEntry], source: SourceSeries,
             model: Optional[dict] = None) -> Dataset:
    """The TID 1500 measurement report of a metrics document, referencing the SEG and the source series."""
    model = model or {}
    metrics = MetricsDocument.from_json(document)
    task = get_task(metrics.task)
    algorithm = hd.sr.AlgorithmIdentification(name=str(model.get("name", f"gynai {metrics.task}")),
                                              version=str(model.get("version", __version__)))
    by_group: dict[str, list[Finding]] = defaultdict(list)
    for row in metrics.results.findings() if metrics.results is not None else ():
        by_group[row.group].append(row)
    source_series = hd.sr.SourceSeriesForSegmentation(str(source.datasets[0].SeriesInstanceUID))
    tracking = {int(item.SegmentNumber): str(item.TrackingUID) for item in seg.SegmentSequence
                if "TrackingUID" in item}
    groups = []
    for entry in entries:
        values = _segment_values(metrics, entry)
        group_name = _group_name(entry, task)
        shape = _shape_measurements(values)
        extra, evaluations = _finding_items(by_group.pop(group_name, []), {key for key, _ in SHAPE_CONCEPTS})
        measurements = _distinct(shape + extra)
        groups.append(hd.sr.VolumetricROIMeasurementsAndQualitativeEvaluations(
            tracking_identifier=hd.sr.TrackingIdentifier(uid=tracking.get(entry.number) or new_uid(),
                                                         identifier=entry.name),   # the SEG segment's own
            referenced_segment=hd.sr.ReferencedSegment(sop_class_uid=seg.SOPClassUID,
                                                       sop_instance_uid=seg.SOPInstanceUID,
                                                       segment_number=entry.number, source_series=source_series),
            finding_type=coded(entry.spec.type), algorithm_id=algorithm,
            finding_sites=[hd.sr.FindingSite(coded(entry.spec.region))] if entry.spec.region else None,
            measurements=measurements or None, qualitative_evaluations=evaluations or None))
    groups += _summary_groups(metrics, task, by_group, algorithm)
    observer = hd.sr.ObserverContext(
        observer_type=codes.DCM.Device,
        observer_identifying_attributes=hd.sr.DeviceObserverIdentifyingAttributes(
            uid=new_uid(), name="GynAI", manufacturer_name="GynAI", model_name="gynai"))
    report = hd.sr.MeasurementReport(
        observation_context=hd.sr.ObservationContext(observer_device_context=observer),
        procedure_reported=coded(IMAGING_PROCEDURE), imaging_measurements=groups)
    report[0].ContentSequence.append(_notice_container(NOTICE))
    description = f"GynAI measurements {metrics.task}" + (" (generated source)" if source.generated else "")
    sr = hd.sr.Comprehensive3DSR(
        evidence=[seg, *source.datasets], content=report[0], series_instance_uid=new_uid(),
        series_number=SR_SERIES_NUMBER, sop_instance_uid=new_uid(), instance_number=1,
        manufacturer="GynAI", is_complete=True, is_final=False, is_verified=False,
        series_description=description)
    declare_private_schemes(sr)
    return mark_deidentified(sr, source)
