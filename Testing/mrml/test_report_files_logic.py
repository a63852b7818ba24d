"""GynAIReport's Qt-free report generation from scene nodes (slicer-core): files, follow-up, PACS."""

import json
import sys
from pathlib import Path

import numpy as np
import pydicom
import pytest

from gynai.phantom import FibroidSpec, PhantomConfig, generate_uterus_fibroid

SMALL = PhantomConfig(spacing_mm=(2.0, 2.0, 4.0), size_xyz=(96, 96, 20))
CORE_TESTS = Path(__file__).resolve().parents[1] / "core" / "pacs"


def nodes(seed, fibroids, name, drop_smallest_fibroid=False):
    from gynai.metrics.instances import split_instances
    from GynAILib.segmentations import label_image_to_segmentation_node
    from GynAILib.volumes import image_to_volume_node

    case = generate_uterus_fibroid(seed, fibroids, SMALL)
    if drop_smallest_fibroid:
        instances = split_instances(case.labels.array == 3, case.labels.geometry.spacing_mm)
        case.labels.array[instances == instances.max()] = 1
    volume = image_to_volume_node(case.image, name)
    return case, volume, label_image_to_segmentation_node(case.labels, volume, name=f"{name} segmentation")


def test_generate_report_with_prior_and_send_to_orthanc(scene, tmp_path):
    from GynAIReportLib.report_files import generate_report, send_report_to_pacs

    if str(CORE_TESTS) not in sys.path:
        sys.path.insert(0, str(CORE_TESTS))
    import orthanc_server

    case, volume, segmentation = nodes(4, [FibroidSpec("4", 16.0), FibroidSpec("2", 12.0)], "current")
    _, prior_volume, prior_segmentation = nodes(4, [FibroidSpec("4", 16.0), FibroidSpec("2", 12.0)], "prior",
                                                drop_smallest_fibroid=True)
    result = generate_report(volume, segmentation, "fibroid-mapping", tmp_path / "report",
                             ("json", "html", "pdf", "dicom"), prior_volume_node=prior_volume,
                             prior_segmentation_node=prior_segmentation)
    files = result["files"]
    for key in ("json", "html", "pdf", "seg", "sr", "pdf_dicom"):
        assert Path(files[key]).is_file(), key
    voxel_ml = case.image.geometry.voxel_volume_mm3 / 1000.0
    assert result["metrics"]["structures"]["uterus"]["volume_ml"] == pytest.approx(
        float((case.labels.array > 0).sum()) * voxel_ml)
    followup = result["followup"]
    assert followup["alignment"]["method"] == "rigid registration of organ masks"
    assert followup["alignment"]["rotation_deg"] < 1.0            # same anatomy: no motion
    assert [(m["prior_id"], m["current_id"], m["change_percent"]) for m in followup["matched_lesions"]] == [(1, 1, 0.0)]
    assert [n["current_id"] for n in followup["new_lesions"]] == [2]   # absent from the prior
    pdf = pydicom.dcmread(files["pdf_dicom"])
    assert pdf.SOPClassUID == "1.2.840.10008.5.1.4.1.1.104.1" and bytes(pdf.EncapsulatedDocument).startswith(b"%PDF")
    assert pdf.StudyInstanceUID == pydicom.dcmread(files["seg"]).StudyInstanceUID

    with pytest.raises(Exception, match="no PACS configuration file is set"):
        send_report_to_pacs(files, "")
    with orthanc_server.running_orthanc(tmp_path / "orthanc") as server:
        config = tmp_path / "pacs.json"
        config.write_text(json.dumps({"url": server.dicomweb_url, "username": orthanc_server.USERNAME,
                                      "password": orthanc_server.PASSWORD}))
        stored = send_report_to_pacs(files, config)
        assert stored == 3 + case.image.array.shape[0]             # SEG, SR, PDF and the generated MR series
        import requests

        studies = requests.get(f"{server.dicomweb_url}/studies", auth=(orthanc_server.USERNAME,
                                                                      orthanc_server.PASSWORD), timeout=10).json()
        assert [s["0020000D"]["Value"][0] for s in studies] == [pdf.StudyInstanceUID]
    closed = tmp_path / "closed.json"
    closed.write_text(json.dumps({"url": f"http://127.0.0.1:{orthanc_server.free_port()}/dicom-web"}))
    from gynai.errors import PacsError

    with pytest.raises(PacsError):
        send_report_to_pacs(files, closed)
    assert Path(files["seg"]).is_file() and Path(files["pdf"]).is_file()   # local files kept


def test_unknown_template_is_refused(scene, tmp_path):
    from gynai.errors import UsageError
    from GynAIReportLib.report_files import generate_report

    _, volume, segmentation = nodes(1, [FibroidSpec("4", 16.0)], "case")
    with pytest.raises(UsageError, match="unknown report template"):
        generate_report(volume, segmentation, "cervix-staging", tmp_path / "r", ("json",))
    assert not (tmp_path / "r").exists()
