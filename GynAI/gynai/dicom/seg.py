"""DICOM Segmentation (highdicom) of a GynAI label image, with segment codes from the GynAI terminology.

Segments follow the task's labels in order; the fibroid label is split into one segment per instance
("Fibroid 1" … numbered as in the fibroid map, largest first) so that the structured report can point at
each lesion. An adnexal lesion spans two labels (cystic part and solid tissue), so for ``adnexal-mass``
the two label segments are followed by one extra, overlapping segment per lesion ("Adnexal lesion 1
(whole)" … = mass ∪ solid tissue of that lesion, numbered as in ``adnexal.lesions``): the lesion's
measurement group references it. Its name matches no task label or synonym, so re-measuring the SEG in
Slicer leaves it out (with a warning) instead of merging it into the adnexal mass. Empty labels are left
out. The segment codes (category, type, anatomic region) are those of :mod:`gynai.tasks` /
``Resources/Terminology/GynAI.term.json``; myometrium uses the private ``99GYNAI`` code because no
standard one exists; a whole adnexal lesion has the adnexal mass's codes.

When the source is not one image per slice (an enhanced multi-frame image, or a series resampled onto a
regular grid; :class:`gynai.dicom.source.SourceSeries` ``slice_aligned`` False), the segmentation is given to
highdicom as a :class:`highdicom.Volume` in the patient frame of reference: its frames are placed by position
and reference the source frames they coincide with; where they do not all coincide (a resampled grid),
the SEG has no per-frame source references and references the original instances at series level
(Source Image Sequence, Referenced Series Sequence), as the report's notes say.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import highdicom as hd
import numpy as np
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes

from gynai import __version__
from gynai.dicom.codes import coded, declare_private_schemes
from gynai.dicom.source import SourceSeries, mark_deidentified
from gynai.dicom.uids import new_uid
from gynai.errors import LabelError
from gynai.image import Geometry, LabelImage
from gynai.tasks import get_task
from gynai.tasks.record import SegmentSpec

SEG_SERIES_NUMBER = 901


@dataclass(frozen=True)
class SegmentEntry:
    """One segment of the DICOM SEG: its number, the label it comes from and its display name."""

    number: int
    label_id: str
    name: str
    spec: SegmentSpec
    instance: Optional[int] = None


def segment_labelmap(labels: LabelImage, task_id: str) -> tuple[np.ndarray, list[SegmentEntry]]:
    """Array of segment numbers (0 = none) and the segment list; the task's split label (``Task.dicom``, the
    fibroid) is split into its lesion instances, numbered as the metrics number them.

    Raises:
        LabelError: The label image is empty.
    """
    task = get_task(task_id)
    values = {label.id: label.value for label in labels.labels}
    out = np.zeros(labels.array.shape, np.uint16)
    entries: list[SegmentEntry] = []
    for spec in task.segments:
        label_id = spec.label.id
        mask = labels.array == values.get(label_id, -1)
        if not mask.any():
            continue
        if label_id == task.dicom.split_label:
            instances = task.lesions.instance_map.load()(labels)
            for instance in range(1, int(instances.max()) + 1):
                entries.append(SegmentEntry(len(entries) + 1, label_id, f"{spec.label.name} {instance}", spec, instance))
                out[instances == instance] = entries[-1].number
        else:
            entries.append(SegmentEntry(len(entries) + 1, label_id, spec.label.name, spec))
            out[mask] = entries[-1].number
    if not entries:
        raise LabelError("the segmentation is empty: there is nothing to store as DICOM SEG")
    return out, entries


def lesion_segments(labels: LabelImage, task_id: str, first_number: int) -> list[tuple[SegmentEntry, np.ndarray]]:
    """The overlapping whole-lesion segments of a task whose lesions span several labels (``Task.dicom``: the
    adnexal mass, one per lesion, mask = mass ∪ solid tissue of the lesion, numbered as the metrics number
    them); empty for other tasks."""
    task = get_task(task_id)
    spec = task.dicom.whole_lesion
    if spec is None:
        return []
    lesion_map = task.lesions.instance_map.load()(labels)
    return [(SegmentEntry(first_number + n - 1, spec.label.id, task.dicom.whole_lesion_name.format(n), spec, n),
             lesion_map == n) for n in range(1, int(lesion_map.max(initial=0)) + 1)]


def _as_volume(array: np.ndarray, geometry: Geometry, frame_of_reference_uid: str) -> hd.Volume:
    """The segment array (k, j, i[, segment]) as a highdicom volume in LPS: array axes k, j, i run along the
    direction columns 2, 1, 0 of the geometry."""
    direction = geometry.direction_matrix
    spacing = geometry.spacing_mm
    channels = {"SegmentNumber": list(range(1, array.shape[3] + 1))} if array.ndim == 4 else None
    return hd.Volume.from_components(
        array, spacing=(spacing[2], spacing[1], spacing[0]), coordinate_system="PATIENT",
        position=[float(v) for v in geometry.origin_lps_mm],
        direction=np.column_stack([direction[:, 2], direction[:, 1], direction[:, 0]]),
        frame_of_reference_uid=frame_of_reference_uid, channels=channels)


def build_seg(labels: LabelImage, source: SourceSeries, task_id: str, model: Optional[dict] = None,
              algorithm_type: str = "AUTOMATIC") -> tuple[Dataset, list[SegmentEntry]]:
    """The DICOM SEG of a label image on the source series' grid (slice k ↔ source image k), or placed by
    position when the source is not one image per slice (see the module description).

    Args:
        labels: Label image on the grid of the source series.
        source: The source series (read or generated).
        task_id: Task of the labels.
        model: ``{"name", "version"}`` of the model that produced the labels, if any.
        algorithm_type: ``AUTOMATIC`` for model output, ``SEMIAUTOMATIC`` after editing, ``MANUAL``.
    """
    if source.slice_aligned and labels.array.shape[0] != len(source.datasets):
        raise LabelError(f"the segmentation has {labels.array.shape[0]} slices but the source series "
                         f"{len(source.datasets)} images")
    array, entries = segment_labelmap(labels, task_id)
    overlapping = lesion_segments(labels, task_id, len(entries) + 1)
    if overlapping:   # one boolean layer per segment (frames, rows, columns, segments)
        array = np.stack([array == entry.number for entry in entries] + [mask for _, mask in overlapping], axis=-1)
        entries = entries + [entry for entry, _ in overlapping]
    if not source.slice_aligned:
        array = _as_volume(array.astype(np.uint8) if array.ndim == 4 else array, labels.geometry,
                           str(source.datasets[0].FrameOfReferenceUID))
    model = model or {}
    algorithm = None
    if algorithm_type != "MANUAL":
        algorithm = hd.AlgorithmIdentificationSequence(
            name=str(model.get("name", f"gynai {task_id}")), family=codes.cid7162.ArtificialIntelligence,
            version=str(model.get("version", __version__)))
    descriptions = []
    for entry in entries:
        red, green, blue = (int(round(255 * c)) for c in entry.spec.label.color_rgb)
        descriptions.append(hd.seg.SegmentDescription(
            segment_number=entry.number, segment_label=entry.name,
            segmented_property_category=coded(entry.spec.category),
            segmented_property_type=coded(entry.spec.type), algorithm_type=algorithm_type,
            algorithm_identification=algorithm,
            tracking_uid=new_uid(), tracking_id=entry.name,
            anatomic_regions=[coded(entry.spec.region)] if entry.spec.region else None,
            display_color=hd.color.CIELabColor.from_rgb(red, green, blue)))
    description = f"GynAI SEG {task_id}" + (" (source generated by GynAI)" if source.generated else "")
    seg = hd.seg.Segmentation(
        source_images=source.datasets, pixel_array=array, segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
        segment_descriptions=descriptions, series_instance_uid=new_uid(), series_number=SEG_SERIES_NUMBER,
        sop_instance_uid=new_uid(), instance_number=1, manufacturer="GynAI", manufacturer_model_name="gynai",
        software_versions=__version__, device_serial_number="0", series_description=description,
        content_description=description[:64], content_label="GYNAI_SEG")
    declare_private_schemes(seg)
    return mark_deidentified(seg, source), entries
