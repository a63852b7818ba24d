"""Held-out cases: determinism, label tables and geometry, supported combinations, tissue values per
modality and labels only where they belong."""

import json

import numpy as np
import pytest

from gynai.errors import LabelError, UsageError
from gynai.heldout import HELDOUT_MODALITIES, generate_heldout
from gynai.heldout.api import build_scene, streams
from gynai.heldout.ct_render import CTProtocol, render_ct
from gynai.heldout.export import write_case
from gynai.heldout.planning import plan_ct
from gynai.heldout.painting import paint_points
from gynai.heldout.truth import labelled_bounds
from gynai.heldout.us_scan import output_geometry, plan_sweep
from gynai.heldout.voxelize import sample_acquisition
from gynai.io.images import read_image
from gynai.tasks import get_task

QUICK = 0.3


def test_same_seed_gives_the_same_case_and_another_seed_another():
    a = generate_heldout("uterus-fibroid", 7, "MR", resolution_scale=QUICK)
    b = generate_heldout("uterus-fibroid", 7, "MR", resolution_scale=QUICK)
    c = generate_heldout("uterus-fibroid", 8, "MR", resolution_scale=QUICK)
    assert np.array_equal(a.image.array, b.image.array) and np.array_equal(a.labels.array, b.labels.array)
    assert a.image.geometry.allclose(b.image.geometry) and json.dumps(a.truth) == json.dumps(b.truth)
    assert a.truth["anatomy"] != c.truth["anatomy"]
    assert a.image.shape_zyx != c.image.shape_zyx or not np.array_equal(a.image.array, c.image.array)


@pytest.mark.parametrize("task,modality", [(t, m) for t, mods in HELDOUT_MODALITIES.items() for m in mods])
def test_case_contract(task, modality):
    case = generate_heldout(task, 3, modality, resolution_scale=QUICK)
    assert case.task == task
    assert case.labels.labels == get_task(task).labels
    assert case.image.array.dtype == np.float32 and case.image.array.ndim == 3
    assert case.labels.array.shape == case.image.array.shape
    assert case.labels.geometry.allclose(case.image.geometry)
    assert case.image.metadata["modality"] == modality and task in case.image.metadata["description"]
    assert set(np.unique(case.labels.array)) <= {0} | {info.value for info in case.labels.labels}
    truth = json.loads(json.dumps(case.truth))
    assert truth["seed"] == 3 and truth["modality"] == modality and truth["contrast"]["name"]
    assert {"plane", "spacing_mm", "direction"} <= set(truth["acquisition"])
    assert isinstance(truth["lookalikes"], list) and truth["lookalikes"]
    main = case.labels.labels[1 if task == "placenta" else 0].id
    assert truth["scene_volumes_ml"][main] > 0.5


@pytest.mark.parametrize("task,modality", [("uterus-fibroid", "US"), ("placenta", "US"), ("adnexal-mass", "PET"),
                                           ("ovary-cyst", "MR")])
def test_unsupported_combinations_raise_label_error(task, modality):
    with pytest.raises(LabelError) as error:
        generate_heldout(task, 1, modality)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("options", [{"plane": "oblique"}, {"modality": "CT", "plane": "sagittal"},
                                     {"sequence": "DWI"}, {"resolution_scale": 5.0}])
def test_options_that_do_not_apply_raise_usage_error(options):
    options = dict(options)
    modality = options.pop("modality", "MR")
    with pytest.raises(UsageError):
        generate_heldout("uterus-fibroid", 1, modality, **options)


def test_anatomy_does_not_depend_on_modality_or_plane():
    mr = generate_heldout("adnexal-mass", 5, "MR", plane="axial", resolution_scale=QUICK)
    ct = generate_heldout("adnexal-mass", 5, "CT", resolution_scale=QUICK)
    assert json.dumps(mr.truth["anatomy"]) == json.dumps(ct.truth["anatomy"])
    assert mr.truth["scene_volumes_ml"] == ct.truth["scene_volumes_ml"]


def _pure(materials, n_sub):
    fine = materials.reshape(-1, n_sub, *materials.shape[1:])
    return np.where(np.all(fine == fine[:, :1], axis=1), fine[:, 0], 255)


def test_ct_values_fall_in_tissue_hounsfield_ranges():
    anatomy, acquisition, render = streams("uterus-fibroid", 2)
    scene = build_scene("uterus-fibroid", anatomy)
    acq = plan_ct(acquisition, scene, 0.5)
    materials, _ = sample_acquisition(scene, acq)
    pure = _pure(materials, len(acq.sub_offsets_mm))
    names = scene.materials.names()
    plain = CTProtocol("non-contrast", 0.0, 0.0, 0.4, 6.0, -1024.0)
    venous = CTProtocol("portal-venous", 1.0, 0.0, 0.4, 6.0, -1024.0)
    image, _ = render_ct(render, scene, acq, materials, plain)
    enhanced, _ = render_ct(np.random.default_rng(0), scene, acq, materials, venous)
    ranges = {"fat_subcut": (-140, -70), "fat_visceral": (-130, -60), "muscle": (25, 80), "urine": (-15, 30),
              "marrow": (120, 350), "myometrium": (20, 75), "air": (-1024, -950)}
    for name, (low, high) in ranges.items():
        voxels = image[pure == names.index(name)]
        assert voxels.size > 20, name
        assert low <= float(np.median(voxels)) <= high, (name, float(np.median(voxels)))
    myo = pure == names.index("myometrium")
    assert np.median(enhanced[myo]) > np.median(image[myo]) + 40
    assert image.min() >= -3024 and image.max() <= 3071 and np.all(np.mod(image, 1) == 0)


def test_ultrasound_image_and_labels_lie_only_inside_the_cone():
    case = generate_heldout("adnexal-mass", 6, "US", resolution_scale=0.5)
    anatomy, acquisition, _ = streams("adnexal-mass", 6)
    scene = build_scene("adnexal-mass", anatomy)
    sweep = plan_sweep(acquisition, scene)
    geometry, shape = output_geometry(acquisition, scene, sweep, 0.5)
    assert geometry.allclose(case.image.geometry) and shape == case.image.shape_zyx
    centers = geometry.index_to_lps(np.stack(np.meshgrid(*[np.arange(n) for n in shape[::-1]], indexing="ij"),
                                             -1).reshape(-1, 3))
    probe = (scene.lps_to_body(centers) - sweep.apex) @ sweep.frame
    inside = sweep.inside(probe[:, 0], probe[:, 1], probe[:, 2]).reshape(shape[::-1]).transpose(2, 1, 0)
    assert 0.2 < inside.mean() < 0.9
    assert not case.labels.array[~inside].any() and not case.image.array[~inside].any()
    assert case.labels.array.any() and case.image.array[inside].mean() > 10


def _labelled_points(task, seed, count=120_000):
    scene = build_scene(task, streams(task, seed)[0])
    lo, hi = labelled_bounds(scene)
    points = np.random.default_rng(seed).uniform(lo, hi, (count, 3))
    materials, labels = paint_points(scene, points)
    names = np.array([n.split(":")[0] for n in scene.materials.names()])
    return names[materials], labels


@pytest.mark.parametrize("seed", [1, 3])
def test_uterus_labels_sit_on_uterine_tissue(seed):
    names, labels = _labelled_points("uterus-fibroid", seed)
    assert set(names[labels == 1]) <= {"myometrium", "junctional_zone", "cervix_stroma", "cervical_mucus"}
    assert set(names[labels == 2]) == {"endometrium"}
    assert set(names[labels == 3]) <= {"fibroid", "calcification", "fluid_simple", "fluid_mucinous"}
    assert np.all(labels[names == "endometrium"] == 2) and np.all(labels[names == "fibroid"] == 3)
    assert not labels[np.isin(names, ["urine", "bladder_wall", "ovary_stroma", "follicle", "fat_visceral"])].any()


@pytest.mark.parametrize("seed", [1, 2])
def test_placenta_labels_sit_on_wall_placenta_and_bladder(seed):
    names, labels = _labelled_points("placenta", seed)
    assert set(names[labels == 2]) == {"placenta"} and np.all(labels[names == "placenta"] == 2)
    assert set(names[labels == 3]) == {"urine", "bladder_wall"} and np.all(labels[names == "urine"] == 3)
    assert set(names[labels == 1]) <= {"myometrium", "cervix_stroma", "cervical_mucus"}
    assert not labels[np.isin(names, ["amniotic_fluid", "fetal_body", "fetal_brain", "cord"])].any()


@pytest.mark.parametrize("seed", [2, 4])
def test_adnexal_labels_sit_on_the_lesion_only(seed):
    names, labels = _labelled_points("adnexal-mass", seed)
    assert set(names[labels == 2]) <= {"solid_tissue", "solid_dark"}
    assert labels.any()
    assert not labels[np.isin(names, ["myometrium", "endometrium", "ovary_stroma", "follicle", "urine",
                                      "fibroid", "bowel_wall", "muscle", "marrow"])].any()


def test_written_case_reads_back(tmp_path):
    case = generate_heldout("placenta", 2, "MR", resolution_scale=QUICK)
    paths = write_case(case, tmp_path)
    image = read_image(paths["image"])
    labels = read_image(paths["labels"])
    assert image.geometry.allclose(case.image.geometry, 1e-3)
    assert np.array_equal(labels.array.astype(np.uint8), case.labels.array)
    assert json.loads(paths["truth"].read_text())["labels"] == {"myometrium": 1, "placenta": 2, "bladder": 3}
