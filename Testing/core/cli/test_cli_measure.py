"""`gynai measure` on a .seg.nrrd and on a labelmap with --labels: volumes equal the voxel truth."""

import json
import subprocess
import sys

import numpy as np
import pytest

import SimpleITK as sitk

from gynai.image import Geometry, LabelImage
from gynai.io.images import write_image
from gynai.io.segnrrd import write_seg_nrrd
from gynai.metrics.shape import crop_geometry
from gynai.phantom import PhantomConfig, generate_placenta, generate_uterus_fibroid
from gynai.io.sitk_bridge import apply_geometry, array_to_sitk


@pytest.fixture(scope="module")
def case_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("measure")
    case = generate_uterus_fibroid(1, config=PhantomConfig(size_xyz=(96, 96, 20), spacing_mm=(2.0, 2.0, 4.0)))
    write_image(case.image, folder / "img.nrrd")
    write_seg_nrrd(case.labels, folder / "seg.seg.nrrd")
    write_image(case.image.with_array(case.labels.array.astype(np.uint8)), folder / "lab.nii.gz")
    return folder, case


def measure(*args):
    return subprocess.run([sys.executable, "-m", "gynai.cli.main", "measure", *map(str, args)],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("segmentation, extra", [("seg.seg.nrrd", []),
                                                 ("lab.nii.gz", ["--labels", "1=myometrium,2=endometrium,3=fibroid"])])
def test_measure_volumes(case_files, segmentation, extra):
    folder, case = case_files
    out = folder / f"{segmentation}.json"
    result = measure(folder / "img.nrrd", folder / segmentation, "--task", "uterus-fibroid", "-o", out, *extra)
    assert result.returncode == 0, result.stderr
    structures = json.loads(out.read_text())["structures"]
    voxel_ml = 2.0 * 2.0 * 4.0 / 1000.0
    for value, name in ((1, "myometrium"), (2, "endometrium"), (3, "fibroid")):
        assert structures[name]["voxel_count"] == int((case.labels.array == value).sum())
        assert np.isclose(structures[name]["volume_ml"], structures[name]["voxel_count"] * voxel_ml)
    assert structures["uterus"]["voxel_count"] == int((case.labels.array > 0).sum())


@pytest.mark.parametrize("extra, message", [([], "give its label values with --labels"),
                                            (["--labels", "1=myometrium"], "without a name")])
def test_measure_labelmap_errors(case_files, extra, message):
    folder, _ = case_files
    out = folder / "bad.json"
    result = measure(folder / "img.nrrd", folder / "lab.nii.gz", "--task", "uterus-fibroid", "-o", out, *extra)
    assert result.returncode == 2 and message in result.stderr and not out.exists()


def test_measure_refuses_other_grid(case_files, tmp_path):
    folder, case = case_files
    other = generate_uterus_fibroid(2, config=PhantomConfig(size_xyz=(90, 96, 20), spacing_mm=(2.0, 2.0, 4.0)))
    write_seg_nrrd(other.labels, tmp_path / "other.seg.nrrd")
    result = measure(folder / "img.nrrd", tmp_path / "other.seg.nrrd", "--task", "uterus-fibroid", "-o",
                     tmp_path / "m.json")
    assert result.returncode == 2 and "on another voxel grid" in result.stderr and "--resample" in result.stderr


def test_measure_places_a_cropped_segmentation_exactly(case_files, tmp_path):
    folder, case = case_files
    crop = (slice(2, 18), slice(10, 80), slice(5, 90))
    cropped = LabelImage(case.labels.array[crop], crop_geometry(case.labels.geometry, crop), case.labels.labels)
    write_seg_nrrd(cropped, tmp_path / "crop.seg.nrrd")
    out = tmp_path / "m.json"
    result = measure(folder / "img.nrrd", tmp_path / "crop.seg.nrrd", "--task", "uterus-fibroid", "-o", out)
    assert result.returncode == 0, result.stderr
    structures = json.loads(out.read_text())["structures"]
    assert structures["fibroid"]["voxel_count"] == int((case.labels.array[crop] == 3).sum())


def test_measure_resamples_on_request(case_files, tmp_path):
    folder, case = case_files
    fine = Geometry((1.0, 1.0, 2.0), case.labels.geometry.origin_lps_mm, case.labels.geometry.direction)
    reference = sitk.Image([192, 192, 40], sitk.sitkUInt8)
    apply_geometry(reference, fine)
    resampled = sitk.Resample(array_to_sitk(case.labels.array, case.labels.geometry), reference, sitk.Transform(),
                              sitk.sitkNearestNeighbor)
    write_seg_nrrd(LabelImage(sitk.GetArrayFromImage(resampled), fine, case.labels.labels), tmp_path / "f.seg.nrrd")
    out = tmp_path / "m.json"
    args = (folder / "img.nrrd", tmp_path / "f.seg.nrrd", "--task", "uterus-fibroid", "-o", out)
    refused = measure(*args)
    assert refused.returncode == 2 and "--resample" in refused.stderr and not out.exists()
    result = measure(*args, "--resample")
    assert result.returncode == 0 and "resampled" in result.stderr
    # back on the original grid, nearest neighbour of a 2x-finer copy gives back the very same voxels
    structures = json.loads(out.read_text())["structures"]
    assert structures["uterus"]["voxel_count"] == int((case.labels.array > 0).sum())


def test_measure_with_a_muscle_reference_region(case_files, tmp_path):
    folder, case = case_files
    centre = np.asarray(case.truth["pelvis"]["muscle_centres_lps_mm"][0])
    out = tmp_path / "m.json"
    spec = "muscle=" + ",".join(f"{v:.2f}" for v in centre) + ",6"
    result = measure(folder / "img.nrrd", folder / "seg.seg.nrrd", "--task", "uterus-fibroid", "-o", out,
                     "--roi", spec)
    assert result.returncode == 0, result.stderr
    document = json.loads(out.read_text())
    assert document["reference_regions"] == ["muscle"] and document["fibroid_map"]["muscle_reference"]
    assert {f["funaki_class"] for f in document["fibroid_map"]["fibroids"]} <= {"I", "II", "III"}
    bad = measure(folder / "img.nrrd", folder / "seg.seg.nrrd", "--task", "uterus-fibroid", "-o",
                  tmp_path / "b.json", "--roi", "muscle=1,2,3")
    assert bad.returncode == 2 and "NAME=X,Y,Z,RADIUS" in bad.stderr and not (tmp_path / "b.json").exists()
    outside = measure(folder / "img.nrrd", folder / "seg.seg.nrrd", "--task", "uterus-fibroid", "-o",
                      tmp_path / "b.json", "--roi", "muscle=900,900,900,5")
    assert outside.returncode == 2 and "outside the image" in outside.stderr


def test_measure_writes_the_placenta_thickness_map(tmp_path):
    case = generate_placenta(0, 0.0)
    write_image(case.image, tmp_path / "img.nrrd")
    write_seg_nrrd(case.labels, tmp_path / "seg.seg.nrrd")
    out, thickness = tmp_path / "m.json", tmp_path / "thickness.nrrd"
    result = measure(tmp_path / "img.nrrd", tmp_path / "seg.seg.nrrd", "--task", "placenta", "-o", out,
                     "--thickness-map", thickness)
    assert result.returncode == 0, result.stderr
    values = sitk.GetArrayFromImage(sitk.ReadImage(str(thickness)))
    placenta = json.loads(out.read_text())["placenta"]
    assert values[values >= 0].min() == pytest.approx(placenta["min_myometrial_thickness_mm"])
    assert (values[case.labels.array != 2] == -1).all()
    wrong = measure(tmp_path / "img.nrrd", tmp_path / "seg.seg.nrrd", "--task", "uterus-fibroid", "-o",
                    tmp_path / "w.json", "--thickness-map", tmp_path / "w.nrrd")
    assert wrong.returncode == 2 and "task placenta" in wrong.stderr
    assert not (tmp_path / "w.json").exists() and not (tmp_path / "w.nrrd").exists()


CONTRACT = {  # ../shared/DESIGN.md §2: the minimum every metrics.json carries
    "uterus-fibroid": ("fibroids", ("id", "volume_ml", "ellipsoid_volume_ml", "diameters_mm", "centroid_lps_mm",
                                    "figo_type", "distance_to_endometrium_mm", "distance_to_serosa_mm")),
    "placenta": ("placenta", ("volume_ml", "min_myometrial_thickness_mm", "thin_myometrium_area_cm2",
                              "dark_band_volume_ml", "dark_band_fraction", "bulge_depth_mm", "bladder_contact")),
    "adnexal-mass": ("adnexal", ("volume_ml", "solid_volume_ml", "solid_fraction")),
}


@pytest.mark.parametrize("task", sorted(CONTRACT))
def test_measure_output_has_the_documented_contract(task, tmp_path):
    from gynai.phantom import generate

    case = generate(task, 3, PhantomConfig(size_xyz=(96, 96, 24), spacing_mm=(2.5, 2.5, 4.0)))
    write_image(case.image, tmp_path / "img.nrrd")
    write_seg_nrrd(case.labels, tmp_path / "seg.seg.nrrd")
    result = measure(tmp_path / "img.nrrd", tmp_path / "seg.seg.nrrd", "--task", task, "-o", tmp_path / "m.json")
    assert result.returncode == 0, result.stderr
    document = json.loads((tmp_path / "m.json").read_text())
    assert document["schema"] == "gynai.metrics/1" and document["task"] == task
    assert document["image"]["size_xyz"] == [96, 96, 24] and document["image"]["spacing_mm"] == [2.5, 2.5, 4.0]
    for label in case.labels.labels:                                  # every label, with its voxel volume
        assert document["structures"][label.id]["volume_ml"] == pytest.approx(
            int((case.labels.array == label.value).sum()) * 2.5 * 2.5 * 4.0 / 1000.0)
    if task == "uterus-fibroid":
        assert document["structures"]["uterus"]["volume_ml"] == pytest.approx(
            int((case.labels.array > 0).sum()) * 2.5 * 2.5 * 4.0 / 1000.0)
    block, keys = CONTRACT[task]
    items = document[block] if isinstance(document[block], list) else [document[block]]
    assert items, f"no {block} in the phantom"
    for item in items:
        assert set(keys) <= set(item), set(keys) - set(item)
        if task == "uterus-fibroid":
            assert len(item["diameters_mm"]) == 3 and len(item["centroid_lps_mm"]) == 3
            assert item["figo_type"] in {"0", "1", "2", "3", "4", "5", "6", "7", "8"} or "-" in item["figo_type"]
    for key in document["measurement_codes"]:                        # every coded key appears in the document
        assert key in json.dumps(document)
