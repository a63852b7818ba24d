"""The report model (schema ``gynai.report/1``): what a radiologist signs after review, format-neutral.

One template per clinical question: ``fibroid-mapping`` (uterus-fibroid), ``placenta-accreta``
(placenta) and ``adnexal-mass``. The model holds a header (patient and study identifiers from the DICOM
input, or "de-identified"), the technique, the coded findings (:mod:`gynai.metrics.findings`; figures not
assessed say so), a short summary, the full metrics document and the notice. HTML, PDF and the
structured report are renderings of it.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Optional, Sequence

from gynai import __version__
from gynai.image import Image
from gynai.metrics.findings import Finding, adnexal_lesions, findings
from gynai.models.provenance import segmentation_origin

SCHEMA = "gynai.report/1"
NOTICE = ("AI-generated measurements; they require review by a qualified reader. Research use only; "
          "not a medical device and not a diagnosis.")
TEMPLATES = {"uterus-fibroid": ("fibroid-mapping", "Fibroid mapping"),
             "placenta": ("placenta-accreta", "Placenta accreta assessment (research metrics)"),
             "adnexal-mass": ("adnexal-mass", "Adnexal mass (O-RADS MRI inputs)")}
NOT_ASSESSED = "not assessed"


def display_value(finding: Finding) -> str:
    """Text of a finding's value with its unit ("not assessed" when missing)."""
    value = finding.value
    if value is None:
        return NOT_ASSESSED
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        number = f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"
    else:
        number = str(value)
    unit = {"1": "", "ml": " mL", "{ratio}": "", "cm2": " cm²", "mm2": " mm²"}.get(finding.unit, f" {finding.unit}")
    return number + unit


def _header(document: dict, image: Optional[Image]) -> dict[str, Any]:
    meta = image.metadata if image is not None else {}
    from_dicom = "dicom.StudyInstanceUID" in meta
    return {"patient_id": meta.get("dicom.PatientID", "de-identified") if from_dicom else "de-identified",
            "study_instance_uid": meta.get("dicom.StudyInstanceUID"), "series_instance_uid": meta.get("dicom.SeriesInstanceUID"),
            "series_description": meta.get("dicom.SeriesDescription"), "study_date": meta.get("dicom.StudyDate"),
            "input": (document.get("source") or {}).get("image"), "input_is_dicom": from_dicom,
            "model": document.get("model"), "generator": f"gynai {__version__}",
            "report_date": _dt.date.today().isoformat()}


def _summary(document: dict) -> list[str]:
    if not any(values.get("present", values.get("voxel_count", 0) > 0) for values in document["structures"].values()):
        return [f"No segmented structure: the segmentation is empty, so every measurement is {NOT_ASSESSED}."]
    lines = []
    fibroid_map = document.get("fibroid_map")
    if fibroid_map is not None:
        uterine_ml = fibroid_map.get("uterine_volume_ml")
        lines.append(f"Uterine volume {'not assessed' if uterine_ml is None else f'{uterine_ml:.1f} mL'}; "
                     f"{fibroid_map['count']} fibroid(s)"
                     + (f", dominant fibroid {fibroid_map['dominant_fibroid_id']} "
                        f"(FIGO {fibroid_map['fibroids'][0]['figo_type'] or 'not assessed'}, "
                        f"{fibroid_map['fibroids'][0]['volume_ml']:.1f} mL)" if fibroid_map["count"] else "")
                     + (f"; burden {fibroid_map['burden_percent']:.1f} % of the uterus"
                        if fibroid_map.get("burden_percent") is not None else "") + ".")
    placenta = document.get("placenta")
    if placenta is not None:
        if not placenta.get("present"):
            lines.append("No placenta segmented; placenta metrics not assessed.")
        else:
            thickness = placenta.get("min_myometrial_thickness_mm")
            lines.append(f"Placental volume {placenta['volume_ml']:.1f} mL; minimum retroplacental myometrial "
                         f"thickness {NOT_ASSESSED if thickness is None else f'{thickness:.1f} mm'}.")
    adnexal = document.get("adnexal")
    if adnexal is not None:
        if not adnexal.get("present"):
            lines.append("No adnexal lesion segmented.")
        else:
            lines.append(_adnexal_summary(adnexal_lesions(adnexal), adnexal.get("total_volume_ml")))
    return lines


def _adnexal_summary(lesions: list[dict], total_ml: Optional[float]) -> str:
    """``1 adnexal lesion: 80.0 mL, …`` or ``2 adnexal lesions, total …: lesion 1 …; lesion 2 …``."""
    def described(lesion: dict) -> str:
        solid, diameter = lesion.get("solid_fraction"), lesion.get("max_diameter_mm")
        return (f"{lesion['volume_ml']:.1f} mL, maximal diameter "
                f"{NOT_ASSESSED if diameter is None else f'{diameter:.1f} mm'}, solid tissue "
                f"{NOT_ASSESSED if solid is None else f'{100 * solid:.1f} %'} of the lesion")

    if len(lesions) == 1:
        return f"1 adnexal lesion: {described(lesions[0])}."
    total = sum(lesion["volume_ml"] for lesion in lesions) if total_ml is None else total_ml
    return (f"{len(lesions)} adnexal lesions, total {total:.1f} mL: "
            + "; ".join(f"lesion {lesion['id']} {described(lesion)}" for lesion in lesions) + ".")


def report_model(document: dict, image: Optional[Image] = None, followup: Optional[dict] = None,
                 notes: Sequence[str] = ()) -> dict[str, Any]:
    """The report model of a metrics document (see the module docstring).

    Args:
        document: The ``gynai.metrics/1`` document.
        image: The measured image; its DICOM attributes (when read from DICOM) identify patient and study.
        followup: A ``gynai.followup/1`` comparison with a prior study, shown in its own section.
        notes: Lines about the report itself (e.g. DICOM objects left out and why), kept as ``output_notes``.
    """
    metadata = image.metadata if image is not None else {}
    template, title = TEMPLATES[document["task"]]
    if document["task"] == "adnexal-mass" and (document.get("adnexal") or {}).get("modality") == "US":
        title = "Adnexal mass (O-RADS US inputs)"
    technique = (f"{'DICOM' if 'dicom.StudyInstanceUID' in metadata else 'Non-DICOM'} volume of "
                 f"{' × '.join(str(n) for n in document['image']['size_xyz'])} voxels "
                 f"({' × '.join(f'{s:.2f}' for s in document['image']['spacing_mm'])} mm); segmentation "
                 + segmentation_origin(document.get("model"))
                 + f"; measurements by gynai {__version__}.")
    rows = [{"group": row.group, "key": row.key, "name": row.name, "value": row.value, "unit": row.unit,
             "display": display_value(row)} for row in findings(document)]
    return {"schema": SCHEMA, "template": template, "title": title, "header": _header(document, image),
            "technique": technique, "summary": _summary(document), "findings": rows, "metrics": document,
            "notice": NOTICE, "output_notes": list(notes), **({"followup": followup} if followup else {})}
