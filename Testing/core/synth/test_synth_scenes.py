"""Training scenes (gynai.synth): primitives against analytic volumes, scene contents and determinism."""

import numpy as np
import pytest

from gynai.errors import LabelError
from gynai.synth.adnexa import MORPHOLOGIES, paint_lesion
from gynai.synth.canvas import SceneCanvas
from gynai.synth.pregnancy import PLACENTA_SITES, paint_pregnant_uterus
from gynai.synth.primitives import Blob, Tube, random_lobes, rotation, smooth_curve
from gynai.synth.scenes import draw_scene, load_or_draw
from gynai.synth.tissues import LABEL_TISSUES, TISSUES, label_lookup, labels_from_tissue, tissue_index
from gynai.tasks import TASKS, get_task


def voxel_volume_ml(canvas: SceneCanvas, tissue: str) -> float:
    return canvas.count(tissue) * canvas.spacing_mm ** 3 / 1000.0


def test_an_unlobed_blob_is_an_ellipsoid_of_its_analytic_volume():
    canvas = SceneCanvas.covering((-60, -60, -60), (60, 60, 60), 0.8, fill="fat")
    blob = Blob((3.0, -2.0, 5.0), (30.0, 18.0, 24.0), rotation([1, 2, 3], 0.7))
    canvas.paint(blob, "solid")
    assert voxel_volume_ml(canvas, "solid") == pytest.approx(blob.volume_ml, rel=0.01)
    low, high = blob.bounds()   # the box of a rotated ellipsoid is tight: every face is touched
    inside = np.argwhere(canvas.tissue == tissue_index("solid"))
    lps = inside[:, ::-1] * canvas.spacing_mm + canvas.origin_lps_mm
    assert np.all(lps.min(axis=0) >= low - 1e-3) and np.all(lps.max(axis=0) <= high + 1e-3)
    assert np.allclose(lps.min(axis=0), low, atol=1.2) and np.allclose(lps.max(axis=0), high, atol=1.2)


def test_lobes_only_add_volume_and_stay_in_the_bounds():
    canvas = SceneCanvas.covering((-80, -80, -80), (80, 80, 80), 1.0, fill="fat")
    lobes = random_lobes(np.random.default_rng(3), 4, (0.1, 0.4))
    blob = Blob((0.0, 0.0, 0.0), (25.0, 20.0, 22.0), np.eye(3), lobes)
    painted = canvas.paint(blob, "fibroid")
    assert painted * 1e-3 > blob.volume_ml * 1.02
    low, high = blob.bounds()
    lps = np.argwhere(canvas.tissue == tissue_index("fibroid"))[:, ::-1] * 1.0 + canvas.origin_lps_mm
    assert np.all(lps.min(axis=0) >= low) and np.all(lps.max(axis=0) <= high)


def test_a_straight_tube_has_the_volume_of_an_elliptic_cylinder_with_half_ellipsoid_caps():
    canvas = SceneCanvas.covering((-40, -40, -70), (40, 40, 70), 0.7, fill="fat")
    r1, r2, length = 12.0, 8.0, 80.0
    tube = Tube(smooth_curve([(0, 0, -length / 2), (0, 0, length / 2)], step_mm=0.5), r1, r2)
    assert tube.length_mm == pytest.approx(length, abs=1e-6)
    canvas.paint(tube, "vessel")
    expected = np.pi * r1 * r2 * length + 4.0 / 3.0 * np.pi * r1 * r2 * min(r1, r2)
    # the caps start half a centre-line step beyond each end point
    expected += np.pi * r1 * r2 * 0.5
    assert voxel_volume_ml(canvas, "vessel") == pytest.approx(expected / 1000.0, rel=0.02)


def test_a_curved_tube_follows_its_centre_line():
    line = smooth_curve([(0, 0, 0), (30, 10, 20), (40, 40, 30)])
    tube = Tube(line, 5.0, 5.0)
    on_line = line[::10].astype(np.float32)
    assert tube.inside(on_line).all()
    away = on_line + np.array([0.0, 0.0, 12.0], np.float32)   # 12 mm off a 5 mm tube
    assert not tube.inside(away[1:-1]).any()


def test_every_task_label_has_tissues_and_tissues_map_to_one_label_per_task():
    for task in TASKS.values():
        table = label_lookup(task.labels)
        for label in task.labels:
            assert {TISSUES[i] for i in np.flatnonzero(table == label.value)} == set(LABEL_TISSUES[label.id])
    with pytest.raises(LabelError):
        tissue_index("bone-of-contention")


def test_scenes_are_determined_by_their_seed_and_differ_between_seeds():
    first, again, other = draw_scene("pelvis", 5, 4.0), draw_scene("pelvis", 5, 4.0), draw_scene("pelvis", 6, 4.0)
    assert np.array_equal(first.canvas.tissue, again.canvas.tissue)
    assert not np.array_equal(first.canvas.tissue, other.canvas.tissue)
    with pytest.raises(LabelError):
        draw_scene("moon", 1)


def test_pelvis_scenes_hold_a_whole_uterus_and_background_look_alikes():
    scene = draw_scene("pelvis", 11, 3.0)
    labels = labels_from_tissue(scene.canvas.tissue, get_task("uterus-fibroid").labels)
    voxel_ml = 27.0 / 1000.0
    uterus_ml = float((labels > 0).sum()) * voxel_ml
    assert 30.0 < uterus_ml < 3000.0
    present = {TISSUES[i] for i in np.unique(scene.canvas.tissue)}
    assert {"fat", "muscle", "bone-cortex", "bone-marrow", "vessel", "bowel-wall", "cervix", "endometrium"} <= present
    # the cervix is uterus: it carries the myometrium label
    cervix = scene.canvas.tissue == tissue_index("cervix")
    assert cervix.any() and np.all(labels[cervix] == get_task("uterus-fibroid").labels[0].value)


def test_pregnancy_scenes_have_placenta_myometrium_and_bladder():
    scene = draw_scene("pregnancy", 2, 4.0)
    labels = labels_from_tissue(scene.canvas.tissue, get_task("placenta").labels)
    assert set(np.unique(labels)) == {0, 1, 2, 3}
    assert scene.summary["uterus"]["site"] in PLACENTA_SITES


@pytest.mark.parametrize("site", sorted(PLACENTA_SITES))
def test_every_placental_site_is_drawn_on_its_side_of_the_uterus(site):
    canvas = SceneCanvas.covering((-150, -150, -120), (150, 150, 260), 4.0, fill="visceral-fat")
    summary = paint_pregnant_uterus(canvas, np.random.default_rng(1), (150.0, 120.0), site=site)
    placenta = np.argwhere(canvas.tissue == tissue_index("placenta"))
    assert len(placenta) > 50
    centre = placenta[:, ::-1].mean(axis=0) * 4.0 + canvas.origin_lps_mm - np.asarray(summary["centre_lps_mm"])
    expected = np.asarray(PLACENTA_SITES[site], float)
    assert np.dot(centre / np.linalg.norm(centre), expected / np.linalg.norm(expected)) > 0.6


@pytest.mark.parametrize("morphology", MORPHOLOGIES)
def test_every_adnexal_morphology_has_the_labels_it_should(morphology):
    canvas = SceneCanvas.covering((-120, -120, -120), (120, 120, 120), 1.5, fill="visceral-fat")
    paint_lesion(canvas, np.random.default_rng(4), np.zeros(3), 1.0, morphology)
    labels = labels_from_tissue(canvas.tissue, get_task("adnexal-mass").labels)
    mass, solid = (labels == 1).sum(), (labels == 2).sum()
    if morphology == "solid":
        assert solid > 0 and solid >= 5 * mass
    elif morphology in ("unilocular", "multilocular", "dermoid"):   # a dermoid plug is not solid tissue
        assert mass > 0 and solid == 0
    else:
        assert mass > 0 and solid > 0
    if morphology.startswith("multilocular"):
        assert canvas.count("lesion-wall") > canvas.count("lesion-fluid") * 0.02
    if morphology == "dermoid":
        assert canvas.count("lesion-fat") > 0


def test_the_scene_cache_returns_the_scene_drawn(tmp_path):
    drawn = load_or_draw("pelvis", [3], 4.0, tmp_path)
    assert len(list(tmp_path.glob("*.npz"))) == 1
    cached = load_or_draw("pelvis", [3], 4.0, tmp_path)
    assert np.array_equal(drawn[0].canvas.tissue, cached[0].canvas.tissue)
    assert np.allclose(drawn[0].canvas.origin_lps_mm, cached[0].canvas.origin_lps_mm)
