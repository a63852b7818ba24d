"""`gynai report` on an entirely empty segmentation: the report is written and says nothing was assessed;
the DICOM SEG and SR are left out with a warning and a note in the report, instead of failing everything."""

import json
import subprocess
import sys

import numpy as np
import pydicom
import pytest

from gynai.image import LabelImage
from gynai.io.images import write_image
from gynai.io.segnrrd import write_seg_nrrd
from gynai.metrics.document import metrics_document
from gynai.phantom import FibroidSpec, PhantomConfig, generate_uterus_fibroid
from gynai.case import write_report
from gynai.report.outputs import EMPTY_SEGMENTATION_NOTE

SMALL = PhantomConfig(spacing_mm=(2.0, 2.0, 4.0), size_xyz=(96, 96, 20))
TASK = "uterus-fibroid"


def report(*args):
    return subprocess.run([sys.executable, "-m", "gynai.cli.main", "report", *map(str, args)],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def empty_case(tmp_path_factory):
    case = generate_uterus_fibroid(2, [FibroidSpec("4", 14.0)], SMALL)
    folder = tmp_path_factory.mktemp("empty")
    empty = LabelImage(np.zeros_like(case.labels.array), case.labels.geometry, case.labels.labels)
    write_image(case.image, folder / "img.nrrd")
    write_seg_nrrd(empty, folder / "empty.seg.nrrd")
    return case.image, empty, folder


def test_default_formats_write_the_report_without_seg_and_sr(empty_case, tmp_path, dciodvfy_errors):
    _, _, folder = empty_case
    out = tmp_path / "report"
    result = report(folder / "img.nrrd", folder / "empty.seg.nrrd", "--task", TASK, "-o", out)
    assert result.returncode == 0, result.stderr
    assert "No DICOM SEG or SR was written: the segmentation is empty" in result.stderr
    model = json.loads((out / "report.json").read_text())
    assert model["summary"] == ["No segmented structure: the segmentation is empty, so every measurement is "
                                "not assessed."]
    assert model["output_notes"] == [EMPTY_SEGMENTATION_NOTE]
    html = (out / "report.html").read_text()
    assert "No segmented structure" in html and EMPTY_SEGMENTATION_NOTE in html
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
    assert not (out / "dicom" / "seg.dcm").exists() and not (out / "dicom" / "sr.dcm").exists()
    # the encapsulated PDF is still stored, in the study of its (generated) source series
    pdf = pydicom.dcmread(out / "dicom" / "report-pdf.dcm")
    source = pydicom.dcmread(sorted((out / "dicom" / "source").iterdir())[0])
    assert pdf.StudyInstanceUID == source.StudyInstanceUID
    assert dciodvfy_errors(out / "dicom" / "report-pdf.dcm") == []


def test_dicom_only_writes_no_dicom_objects_and_says_why(empty_case, tmp_path):
    image, empty, _ = empty_case
    document = metrics_document(image, empty, TASK)
    out = tmp_path / "report"
    written = write_report(image, empty, TASK, out, ("json", "dicom"), document)
    assert written["notes"] == [EMPTY_SEGMENTATION_NOTE]
    assert not {"seg", "sr", "pdf_dicom", "source"} & set(written)
    assert sorted(p.name for p in out.iterdir()) == ["report.json"]
    assert json.loads((out / "report.json").read_text())["output_notes"] == [EMPTY_SEGMENTATION_NOTE]


def test_non_empty_segmentation_has_no_note(empty_case, tmp_path):
    image, empty, _ = empty_case
    labels = LabelImage(empty.array.copy(), empty.geometry, empty.labels)
    labels.array[8:12, 40:50, 40:50] = 1
    written = write_report(image, labels, TASK, tmp_path / "report", ("json", "dicom"),
                           metrics_document(image, labels, TASK))
    assert written["notes"] == [] and written["seg"] == "dicom/seg.dcm" and written["sr"] == "dicom/sr.dcm"
    assert json.loads((tmp_path / "report" / "report.json").read_text())["output_notes"] == []
