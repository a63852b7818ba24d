"""Segment names matched to a task: numbered and synonym segments, reference regions, other segments,
and `gynai measure` on segmentations made for another task or missing structures."""

import json
import subprocess
import sys

import numpy as np
import pytest

from gynai.errors import LabelError
from gynai.image import Geometry, Image, LabelImage, LabelInfo
from gynai.io.images import write_image
from gynai.io.segnrrd import write_seg_nrrd
from gynai.labels.matching import match_segments, normalise_name


def user_segmentation(names: list[str]) -> LabelImage:
    """Slabs along k, one per segment (value n+1 in slab n), on a 2 x 2 x 4 mm grid."""
    array = np.zeros((4 * len(names), 12, 12), np.uint8)
    for n in range(len(names)):
        array[4 * n:4 * n + 3, 2:10, 2:10] = n + 1          # 3 x 8 x 8 = 192 voxels each
    labels = tuple(LabelInfo(n + 1, normalise_name(name), name) for n, name in enumerate(names))
    return LabelImage(array, Geometry((2.0, 2.0, 4.0)), labels)


def test_numbered_synonym_and_reference_segments():
    source = user_segmentation(["Myometrium", "Fibroid 1", "Leiomyoma_2", "Endometrium", "Skeletal muscle", "Ruler"])
    matched = match_segments(source, "uterus-fibroid")
    table = {label.id: label.value for label in matched.labels.labels}
    assert list(table) == ["myometrium", "endometrium", "fibroid"]
    counts = {name: int((matched.labels.array == value).sum()) for name, value in table.items()}
    assert counts == {"myometrium": 192, "endometrium": 192, "fibroid": 384}          # two fibroid segments
    assert matched.matched["fibroid"] == ("Fibroid 1", "Leiomyoma_2")
    assert set(matched.references) == {"muscle"} and int(matched.references["muscle"].sum()) == 192
    assert np.array_equal(matched.references["muscle"], source.array == 5)
    assert matched.ignored == ("Ruler",)
    assert int((matched.labels.array != 0).sum()) == 4 * 192                          # muscle and ruler left out


def test_myometrium_is_a_reference_only_where_it_is_not_a_label():
    source = user_segmentation(["Cyst", "Solid", "Myometrium"])
    matched = match_segments(source, "adnexal-mass")
    assert {k: len(v) for k, v in matched.matched.items()} == {"adnexal-mass": 1, "solid-tissue": 1}
    assert set(matched.references) == {"myometrium"} and matched.ignored == ()


def test_segmentation_of_another_task_is_refused():
    with pytest.raises(LabelError, match="no segment is a label of task 'uterus-fibroid'") as caught:
        match_segments(user_segmentation(["Segment_1", "Tumor"]), "uterus-fibroid")
    assert "'Segment_1', 'Tumor'" in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(LabelError, match="task 'adnexal-mass'"):
        match_segments(user_segmentation(["Myometrium", "Placenta"]), "adnexal-mass")


def run_measure(*args):
    return subprocess.run([sys.executable, "-m", "gynai.cli.main", "measure", *map(str, args)],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def image_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("matching")
    source = user_segmentation(["a", "b", "c", "d"])
    write_image(Image(np.full(source.array.shape, 100.0, np.float32) + source.array * 50, source.geometry),
                folder / "img.nrrd")
    return folder


def test_measure_refuses_a_segmentation_of_another_task(image_file):
    write_seg_nrrd(user_segmentation(["Segment_1", "Tumor"]), image_file / "other.seg.nrrd")
    out = image_file / "other.json"
    result = run_measure(image_file / "img.nrrd", image_file / "other.seg.nrrd", "--task", "uterus-fibroid", "-o", out)
    assert result.returncode == 2 and not out.exists()
    assert len(result.stderr.strip().splitlines()) == 1
    assert "no segment is a label of task 'uterus-fibroid'" in result.stderr and "Tumor" in result.stderr


def test_measure_reports_missing_structures_as_not_present(image_file):
    write_seg_nrrd(user_segmentation(["Myometrium"]), image_file / "partial.seg.nrrd")
    out = image_file / "partial.json"
    result = run_measure(image_file / "img.nrrd", image_file / "partial.seg.nrrd", "--task", "placenta", "-o", out)
    assert result.returncode == 0, result.stderr
    document = json.loads(out.read_text())
    structures = document["structures"]
    assert structures["myometrium"]["present"] and structures["myometrium"]["voxel_count"] == 192
    for missing in ("placenta", "bladder"):
        assert structures[missing]["present"] is False and structures[missing]["volume_ml"] == 0.0
    assert document["placenta"]["present"] is False


def test_measure_uses_numbered_fibroids_and_a_muscle_segment(image_file):
    names = ["Myometrium", "Fibroid 1", "Fibroid 2", "Muscle"]
    write_seg_nrrd(user_segmentation(names), image_file / "numbered.seg.nrrd")
    out = image_file / "numbered.json"
    result = run_measure(image_file / "img.nrrd", image_file / "numbered.seg.nrrd", "--task", "uterus-fibroid",
                         "-o", out)
    assert result.returncode == 0, result.stderr
    document = json.loads(out.read_text())
    assert document["structures"]["fibroid"]["voxel_count"] == 384
    assert document["structures"]["endometrium"]["present"] is False
    assert document["fibroid_map"]["count"] == 2 and document["reference_regions"] == ["muscle"]
    # image value = 100 + 50 x segment value: fibroids 200 and 250, muscle 300
    ratios = sorted(f["t2_ratio_to_muscle"] for f in document["fibroids"])
    assert ratios == pytest.approx([200 / 300, 250 / 300])
    assert all(f["figo_type"] is None for f in document["fibroids"])          # no endometrium: not typed
    assert "no endometrium" in result.stderr
