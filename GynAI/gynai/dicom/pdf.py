"""Encapsulated PDF Storage (DICOM PS3.3 A.45.1) of a report, in the study of its source series.

highdicom 0.28 has no encapsulated-document class, so the object is assembled with pydicom: patient and
study attributes are copied from the source series (read or generated, see :mod:`gynai.dicom.source`),
the document gets a new series (modality DOC) and references the source images it was made from.
"""

from __future__ import annotations

import datetime as _dt
from typing import Optional, Sequence

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, PYDICOM_IMPLEMENTATION_UID

from gynai import __version__
from gynai.dicom.source import SourceSeries, mark_deidentified
from gynai.dicom.uids import new_uid
from gynai.errors import InputFileError

ENCAPSULATED_PDF_STORAGE = "1.2.840.10008.5.1.4.1.1.104.1"
PDF_SERIES_NUMBER = 903
REPORT_CONCEPT = ("18748-4", "LN", "Diagnostic imaging report")
PATIENT_ATTRIBUTES = ("PatientName", "PatientID", "PatientBirthDate", "PatientSex")
STUDY_ATTRIBUTES = ("StudyInstanceUID", "StudyDate", "StudyTime", "ReferringPhysicianName", "StudyID",
                    "AccessionNumber")
_OPTIONAL_COPIED = ("IssuerOfPatientID", "PatientAge", "StudyDescription")


def _copy_identity(target: Dataset, source: Dataset) -> None:
    """Patient and General Study attributes (type 2: present, possibly empty)."""
    for keyword in PATIENT_ATTRIBUTES + STUDY_ATTRIBUTES:
        setattr(target, keyword, getattr(source, keyword, "") or "")
    for keyword in _OPTIONAL_COPIED:
        value = getattr(source, keyword, None)
        if value not in (None, ""):
            setattr(target, keyword, value)
    if not target.StudyInstanceUID:
        raise InputFileError("the source series has no Study Instance UID; the PDF cannot join its study")


def _reference(dataset: Dataset) -> Dataset:
    item = Dataset()
    item.ReferencedSOPClassUID = dataset.SOPClassUID
    item.ReferencedSOPInstanceUID = dataset.SOPInstanceUID
    return item


def build_encapsulated_pdf(pdf_bytes: bytes, source: SourceSeries, document_title: str = "GynAI report",
                           series_description: Optional[str] = None, series_number: int = PDF_SERIES_NUMBER,
                           also_references: Sequence[Dataset] = ()) -> Dataset:
    """An Encapsulated PDF Storage instance of ``pdf_bytes`` in the study of ``source``, in a new series.

    Args:
        pdf_bytes: The PDF document (must start with ``%PDF-``).
        source: The series the report was made from; patient and study attributes are copied from it
            and its images are listed in the Source Instance Sequence.
        document_title: Document Title (0042,0010).
        series_description: Series Description (default: ``GynAI report PDF``, marked when the source
            series was generated from non-DICOM input).
        series_number: Series Number of the new series.
        also_references: Further instances the report was made from (e.g. the SEG and SR).

    Returns:
        The dataset, with file meta information (``save_as`` writes a valid Part 10 file).

    Raises:
        InputFileError: ``pdf_bytes`` is not a PDF, or the source series has no study UID.
    """
    if not isinstance(pdf_bytes, (bytes, bytearray)) or not bytes(pdf_bytes[:5]) == b"%PDF-":
        raise InputFileError("the report to encapsulate is not a PDF document (no %PDF- header)")
    if not source.datasets:
        raise InputFileError("the source series has no images; the PDF cannot join its study")
    first = source.datasets[0]
    now = _dt.datetime.now()
    sop_uid = new_uid()
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = ENCAPSULATED_PDF_STORAGE
    ds.file_meta.MediaStorageSOPInstanceUID = sop_uid
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID, ds.SOPInstanceUID = ENCAPSULATED_PDF_STORAGE, sop_uid
    ds.InstanceCreationDate, ds.InstanceCreationTime = now.strftime("%Y%m%d"), now.strftime("%H%M%S")
    _copy_identity(ds, first)
    # Encapsulated Document Series, General Equipment, SC Equipment
    ds.Modality = "DOC"
    ds.SeriesInstanceUID, ds.SeriesNumber = new_uid(), int(series_number)
    ds.SeriesDate, ds.SeriesTime = now.strftime("%Y%m%d"), now.strftime("%H%M%S")
    default_description = "GynAI report PDF" + (" (generated source)" if source.generated else "")
    ds.SeriesDescription = (series_description or default_description)[:64]
    ds.Manufacturer, ds.ManufacturerModelName, ds.SoftwareVersions = "GynAI", "gynai", __version__
    ds.ConversionType = "WSD"
    # Encapsulated Document
    ds.InstanceNumber = 1
    ds.ContentDate, ds.ContentTime = now.strftime("%Y%m%d"), now.strftime("%H%M%S")
    ds.AcquisitionDateTime = now.strftime("%Y%m%d%H%M%S")
    ds.BurnedInAnnotation = "YES"  # the report shows the patient's identifiers
    ds.DocumentTitle = document_title[:64]
    concept = Dataset()
    concept.CodeValue, concept.CodingSchemeDesignator, concept.CodeMeaning = REPORT_CONCEPT
    ds.ConceptNameCodeSequence = [concept]
    ds.VerificationFlag = "UNVERIFIED"
    ds.SourceInstanceSequence = [_reference(item) for item in [*source.datasets, *also_references]]
    mark_deidentified(ds, source)
    ds.MIMETypeOfEncapsulatedDocument = "application/pdf"
    document = bytes(pdf_bytes)
    ds.EncapsulatedDocumentLength = len(document)
    ds.EncapsulatedDocument = document + (b"\x00" if len(document) % 2 else b"")
    return ds
