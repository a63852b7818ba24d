"""Turn the files of one golden case into comparable text: per-run values (UIDs, dates, times, temporary
paths, durations) are replaced by placeholders, everything else is kept byte for byte.

- JSON (metrics, report, batch summaries): the raw text, with ``created``, ``report_date``, ``seconds`` and
  ``mtime_ns`` values replaced (key order, number formatting and indentation are compared as written);
- HTML: inline PNG images replaced by their SHA-256 (the pixels still count), today's date replaced;
- PDF: the text as ``pdftotext`` reads it, and the size of every image as ``pdfimages -list`` lists it;
- DICOM: every element as ``tag keyword VR: value``, nested sequences indented; generated UIDs numbered in
  order of appearance across the case (so references between SEG, SR and PDF still have to match), dates
  and times replaced, pixel data by its SHA-256, the encapsulated PDF left out (its text is compared);
- images and segmentations: geometry, header fields and a SHA-256 of the voxels.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np

STANDARD_UID_PREFIX = "1.2.840.10008."
_JSON_PER_RUN = re.compile(r'("(?:created|report_date)": )"[^"]*"|("(?:seconds|mtime_ns)": )[0-9.eE+-]+')
_PNG = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=]+)")
_GENERATED_UID = re.compile(r"1\.2\.826\.0\.1\.3680043\.8\.498\.[0-9.]*[0-9]")
"""UIDs made by ``pydicom.uid.generate_uid`` (GynAI's and highdicom's new UIDs, and the tests' inputs)."""


class Normaliser:
    """Normalises the files of one case; UID placeholders are shared by all files of the case."""

    def __init__(self, tmp_root: Path) -> None:
        self.tmp_root = str(tmp_root)
        self.uids: dict[str, str] = {}
        today = dt.date.today()
        self.dates = (today.isoformat(), today.strftime("%Y%m%d"))

    def text(self, text: str) -> str:
        """Temporary paths, generated UIDs and today's date replaced."""
        text = _GENERATED_UID.sub(lambda match: self._uid(match.group()), text.replace(self.tmp_root, "<tmp>"))
        for date in self.dates:
            text = text.replace(date, "<today>")
        return text

    def json_text(self, path: Path) -> str:
        """A JSON file's text with per-run values replaced."""
        raw = Path(path).read_text(encoding="utf-8")
        return self.text(_JSON_PER_RUN.sub(lambda m: (m.group(1) or m.group(2)) + '"<per-run>"', raw))

    def html_text(self, path: Path) -> str:
        """An HTML report with its PNG images replaced by their digests."""
        def digest(match: re.Match) -> str:
            return "data:image/png;sha256," + hashlib.sha256(base64.b64decode(match.group(1))).hexdigest()

        return self.text(_PNG.sub(digest, Path(path).read_text(encoding="utf-8")))

    def pdf_text(self, path: Path) -> str:
        """The PDF's text and image sizes (poppler's pdftotext and pdfimages)."""
        for tool in ("pdftotext", "pdfimages"):
            if shutil.which(tool) is None:
                raise RuntimeError(f"{tool} (poppler-utils) is needed; .ci/run installs it")
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
        listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True,
                                 check=True).stdout.splitlines()[2:]
        images = [" ".join(line.split()[:5]) for line in listing]          # page, num, type, width, height
        return self.text(text) + "\n--- images (page num type width height) ---\n" + "\n".join(images) + "\n"

    def _uid(self, value: str) -> str:
        if value.startswith(STANDARD_UID_PREFIX) or not value:
            return value
        return self.uids.setdefault(value, f"<uid {len(self.uids) + 1}>")

    def _value(self, element) -> str:
        if element.keyword == "EncapsulatedDocument":
            return "<pdf: compared as text>"
        if element.keyword == "EncapsulatedDocumentLength":
            return "<length>"
        if element.VR == "UI":
            values = element.value if isinstance(element.value, (list, tuple)) or element.VM > 1 else [element.value]
            return "\\".join(self._uid(str(v)) for v in values)
        if element.VR in ("DA", "TM", "DT"):
            return "<date/time>" if element.value else ""
        if isinstance(element.value, (bytes, bytearray)):
            return "sha256:" + hashlib.sha256(bytes(element.value)).hexdigest()
        return self.text(str(element.value))

    def _walk(self, dataset, depth: int, lines: list[str]) -> None:
        for element in dataset:
            prefix = "  " * depth + f"{element.tag} {element.keyword or 'private'} {element.VR}"
            if element.VR == "SQ":
                lines.append(f"{prefix}: {len(element.value)} item(s)")
                for number, item in enumerate(element.value, start=1):
                    lines.append("  " * (depth + 1) + f"item {number}")
                    self._walk(item, depth + 2, lines)
            else:
                lines.append(f"{prefix}: {self._value(element)}")

    def dicom_text(self, path: Path) -> str:
        """Every element of a DICOM file (see the module docstring)."""
        import pydicom

        dataset = pydicom.dcmread(str(path))
        meta = dataset.file_meta
        lines = [f"MediaStorageSOPClassUID: {meta.MediaStorageSOPClassUID}",
                 f"TransferSyntaxUID: {meta.TransferSyntaxUID}"]
        self._walk(dataset, 0, lines)
        return "\n".join(lines) + "\n"

    def image_text(self, path: Path) -> str:
        """Geometry, GynAI/Slicer header fields and a voxel digest of an image or ``.seg.nrrd`` file."""
        import SimpleITK as sitk

        image = sitk.ReadImage(str(path))
        array = np.ascontiguousarray(sitk.GetArrayFromImage(image))
        keys = sorted(k for k in image.GetMetaDataKeys() if k.startswith(("Segment", "GynAI", "gynai.")))
        lines = [f"size {image.GetSize()} spacing {image.GetSpacing()}", f"origin {image.GetOrigin()}",
                 f"direction {image.GetDirection()}", f"dtype {array.dtype}",
                 f"voxels sha256:{hashlib.sha256(array.tobytes()).hexdigest()}"]
        lines += [f"{key}: {image.GetMetaData(key)}" for key in keys]
        return "\n".join(lines) + "\n"

    def csv_text(self, path: Path) -> str:
        """A cohort table with its ``seconds`` column replaced."""
        import csv
        import io

        rows = list(csv.reader(io.StringIO(Path(path).read_text(encoding="utf-8"))))
        if rows and "seconds" in rows[0]:
            column = rows[0].index("seconds")
            for row in rows[1:]:
                row[column] = "<per-run>"
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        return self.text(out.getvalue())

    def file_text(self, path: Path) -> str:
        """The comparable text of one output file, chosen by its name."""
        name = Path(path).name
        if name.endswith(".json"):
            return self.json_text(path)
        if name.endswith(".html"):
            return self.html_text(path)
        if name.endswith(".pdf"):
            return self.pdf_text(path)
        if name.endswith(".dcm"):
            return self.dicom_text(path)
        if name.endswith(".csv"):
            return self.csv_text(path)
        if name.endswith((".nrrd", ".nii.gz")):
            return self.image_text(path)
        return self.text(Path(path).read_text(encoding="utf-8"))


def normalise_folder(folder: Path, tmp_root: Path, dicom_source_slices: int = 1) -> dict[str, str]:
    """``{relative name: comparable text}`` of every file under ``folder``, plus ``files.txt`` listing them.

    Of a generated ``dicom/source`` series only the first ``dicom_source_slices`` files are compared (all
    are counted in ``files.txt``).
    """
    folder = Path(folder)
    normaliser = Normaliser(tmp_root)
    paths = sorted(p for p in folder.rglob("*") if p.is_file())
    relative = [p.relative_to(folder).as_posix() for p in paths]
    out = {"files.txt": "\n".join(relative) + "\n"}
    order = sorted(paths, key=lambda p: (p.suffix != ".dcm", "source" in p.parts, p.as_posix()))
    sources = 0
    for path in order:
        name = path.relative_to(folder).as_posix()
        if "source" in path.parent.name and path.suffix == ".dcm":
            sources += 1
            if sources > dicom_source_slices:
                continue
        out[name.replace("/", "__") + ".txt"] = normaliser.file_text(path)
    return out
