"""`gynai demo` end to end with the bundled model; its output opens in Slicer's MRML (slicer-core)."""

import json
import subprocess
import sys

import numpy as np
import pytest


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "demo-output"
    result = subprocess.run([sys.executable, "-m", "gynai.cli.main", "demo", "-o", str(out), "--device", "cpu"],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    assert str(out.resolve()) in result.stdout and "segmentation.seg.nrrd" in result.stdout
    return out


def test_demo_files_and_metrics(demo_dir):
    assert sorted(p.name for p in demo_dir.iterdir()) == sorted(
        ["input.nrrd", "segmentation.seg.nrrd", "ground-truth.seg.nrrd", "metrics.json", "report.html"])
    metrics = json.loads((demo_dir / "metrics.json").read_text())
    assert metrics["schema"] == "gynai.metrics/1" and metrics["task"] == "uterus-fibroid"
    structures = metrics["structures"]
    parts = sum(structures[k]["volume_ml"] for k in ("myometrium", "endometrium", "fibroid"))
    assert np.isclose(structures["uterus"]["volume_ml"], parts)
    truth = metrics["demo"]["ground_truth_volume_ml"]
    # The bundled model must find the uterus of the phantom (Dice measured against analytic truth).
    assert metrics["demo"]["dice_vs_ground_truth"]["uterus"] > 0.85
    assert abs(structures["uterus"]["volume_ml"] - sum(truth.values())) / sum(truth.values()) < 0.2
    html = (demo_dir / "report.html").read_text()
    assert "Myometrium" in html and "data:image/png;base64," in html


def test_demo_output_opens_in_slicer(scene, demo_dir):
    import slicer

    from gynai.io.images import read_image
    from gynai.io.segnrrd import read_seg_nrrd
    from GynAILib.segmentations import segmentation_node_to_label_image

    volume = slicer.util.loadVolume(str(demo_dir / "input.nrrd"))
    segmentation = slicer.util.loadSegmentation(str(demo_dir / "segmentation.seg.nrrd"))
    names = [segmentation.GetSegmentation().GetNthSegment(i).GetName() for i in range(3)]
    assert names == ["Myometrium", "Endometrium", "Fibroid"]
    core = read_seg_nrrd(demo_dir / "segmentation.seg.nrrd")
    back = segmentation_node_to_label_image(segmentation, volume, core.labels)
    assert np.array_equal(back.array, core.array)
    assert back.geometry.allclose(read_image(demo_dir / "input.nrrd").geometry, 1e-5)
