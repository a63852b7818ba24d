"""What DICOM SEG and SR share: GynAI codes as highdicom concepts, and the declaration of the private
coding schemes an object uses (Coding Scheme Identification Sequence)."""

from __future__ import annotations

import highdicom as hd
from pydicom.dataset import Dataset

from gynai.labels.codes import Code

PRIVATE_SCHEMES = {"99GYNAI": ("GynAI private codes", "GynAI project"),
                   "IBSI": ("Image Biomarker Standardisation Initiative", "IBSI")}
"""Coding schemes that are not in DICOM's list of standard schemes: designator → (name, organisation)."""


def coded(code: Code) -> hd.sr.CodedConcept:
    """A highdicom coded concept from a GynAI code."""
    return hd.sr.CodedConcept(code.value, code.scheme, code.meaning)


def _schemes_in(dataset: Dataset, found: set[str]) -> set[str]:
    for element in dataset:
        if element.VR == "SQ":
            for item in element.value:
                _schemes_in(item, found)
        elif element.keyword == "CodingSchemeDesignator":
            found.add(str(element.value))
    return found


def declare_private_schemes(dataset: Dataset) -> None:
    """Add the Coding Scheme Identification Sequence for the non-standard schemes the object uses."""
    used = _schemes_in(dataset, set())
    items = []
    for designator, (name, organization) in PRIVATE_SCHEMES.items():
        if designator in used:
            item = Dataset()
            item.CodingSchemeDesignator = designator
            item.CodingSchemeName = name
            item.CodingSchemeResponsibleOrganization = organization
            items.append(item)
    if items:
        dataset.CodingSchemeIdentificationSequence = items
