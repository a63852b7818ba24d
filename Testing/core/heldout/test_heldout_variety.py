"""Held-out variety: every O-RADS morphology, placenta site, FIGO type and MR sequence can be produced,
and each one looks the way it is declared."""

import numpy as np
import pytest

from gynai.heldout.adnexa import MORPHOLOGIES, LesionPart, sample_morphology
from gynai.heldout.api import build_scene, streams
from gynai.heldout.fibroids import FIGO_TYPES, place_fibroid, sample_diameters, sample_fibroid_count
from gynai.heldout.frames import to_local
from gynai.heldout.gravid import PLACENTA_POSITIONS, GravidPart, GravidPlan
from gynai.heldout.mr_contrast import SEQUENCES, sample_contrast
from gynai.heldout.painting import paint_points
from gynai.heldout.truth import scene_label_volumes_ml
from gynai.heldout.uterus import UterusGeometry, UterusPlan


@pytest.mark.parametrize("morphology", MORPHOLOGIES)
def test_every_morphology_is_built_as_declared(morphology):
    scene = build_scene("adnexal-mass", streams("adnexal-mass", 11)[0], morphology=morphology)
    lesion = next(part for part in scene.parts if isinstance(part, LesionPart))
    facts = scene.facts["adnexal_lesions"][0]
    assert lesion.morphology == facts["morphology"] == morphology
    rng = np.random.default_rng(1)
    core = lesion.core
    points = core.center + rng.uniform(-1, 1, (60_000, 3)) * max(core.radii_mm)
    materials, labels = paint_points(scene, points)
    names = np.array([n.split(":")[0] for n in scene.materials.names()])[materials]
    lesion_points = labels > 0
    solid_fraction = np.count_nonzero(labels == 2) / max(np.count_nonzero(lesion_points), 1)
    assert np.count_nonzero(lesion_points) > 500
    if morphology == "solid":
        assert solid_fraction > 0.75
    elif morphology.endswith("-solid"):
        assert 0.0 < solid_fraction < 0.75
    else:
        assert solid_fraction == 0.0
    if morphology.startswith("multilocular"):
        assert facts["septa"] >= 2 and len(lesion.septa) == facts["septa"]
    if morphology == "dermoid":
        assert "sebum" in set(names[lesion_points])


def test_morphology_sampler_draws_every_kind():
    rng = np.random.default_rng(0)
    assert {sample_morphology(rng) for _ in range(400)} == set(MORPHOLOGIES)


def _placenta_points(position):
    scene = build_scene("placenta", streams("placenta", 4)[0], placenta_position=position)
    uterus = next(part for part in scene.parts if isinstance(part, GravidPart))
    lo, hi = uterus.bounds
    points = np.random.default_rng(0).uniform(lo, hi, (150_000, 3))
    _, labels = paint_points(scene, points)
    local = np.stack(to_local(*(points[:, c] for c in range(3)), uterus.center, uterus.rotation), axis=1)
    return scene, uterus, local / np.array(uterus.plan.radii), labels


@pytest.mark.parametrize("position", PLACENTA_POSITIONS)
def test_placenta_sits_where_declared(position):
    scene, uterus, local, labels = _placenta_points(position)
    assert scene.facts["pregnancy"]["placenta_position"] == position
    centroid = local[labels == 2].mean(axis=0)
    expected = {"anterior": (1, -1), "posterior": (1, 1), "fundal": (2, 1), "left-lateral": (0, 1),
                "right-lateral": (0, -1), "low-lying": (2, -1), "praevia": (2, -1)}[position]
    axis, sign = expected
    assert sign * centroid[axis] > 0.25, centroid
    if position == "praevia":
        c = uterus.plan.radii[2]
        line = uterus.center - uterus.rotation[:, 2] * np.linspace(c, 0, 400)[:, None]
        _, along = paint_points(scene, line)
        wall = np.flatnonzero(along == 1)
        assert wall.size and wall[0] < 200
        beyond = np.flatnonzero(along[wall[0]:] != 1)
        assert along[wall[0] + beyond[0]] == 2


def test_pregnancies_vary_in_age_wall_and_thinning():
    plans = [GravidPlan.random(np.random.default_rng(s)) for s in range(80)]
    ages = [p.ga_weeks for p in plans]
    assert min(ages) < 21 and max(ages) > 33
    assert any(p.thin_mm is not None for p in plans) and any(p.thin_mm is None for p in plans)
    assert {p.placenta_position for p in plans} == set(PLACENTA_POSITIONS)


def test_fibroid_types_are_placed_relative_to_cavity_and_serosa():
    geometry = UterusGeometry.build(UterusPlan.random(np.random.default_rng(2), 1.2))
    rng = np.random.default_rng(5)
    line, outer, cavity = geometry.line, geometry.outer, geometry.cavity
    for figo in FIGO_TYPES:
        for _ in range(5):
            fibroid = place_fibroid(rng, geometry, figo, 24.0)
            c = fibroid.center.astype(np.float32)[:, None]
            s = float(line.project(*c)[0][0])
            d_outer = float(outer.sdf(*c)[0])
            d_cavity = float(cavity.sdf(*c)[0])
            if figo == "8":
                assert s < geometry.internal_os_s and d_outer < 0
            elif figo in ("6", "7"):
                assert d_outer > 0
            elif figo in ("3", "4"):
                assert d_outer < 0 and d_cavity > fibroid.radius_mm * 0.8
            elif figo == "0":
                assert d_cavity < 3.0 and fibroid.stalk is not None
            elif figo in ("1", "2"):
                assert d_cavity < fibroid.radius_mm
    assert place_fibroid(rng, geometry, "7", 30.0).stalk is not None


def test_fibroid_counts_sizes_and_sequences_vary():
    rng = np.random.default_rng(0)
    assert {sample_fibroid_count(rng) for _ in range(400)} == set(range(9))
    diameters = sample_diameters(rng, 300)
    assert min(diameters) >= 5.0 and max(diameters) <= 100.0 and min(diameters) < 8 and max(diameters) > 80
    assert diameters == sorted(diameters, reverse=True)
    for task in ("uterus-fibroid", "placenta"):
        assert {sample_contrast(rng, task).name for _ in range(300)} == set(SEQUENCES)
    fs = [sample_contrast(rng, "uterus-fibroid", "T2-FSE-FS") for _ in range(5)]
    assert all(c.fat_saturation for c in fs) and all(80 <= c.te_ms <= 130 for c in fs)


def test_uteri_vary_in_size_and_posture():
    scenes = [build_scene("uterus-fibroid", streams("uterus-fibroid", s)[0]) for s in range(12)]
    facts = [scene.facts["uterus"] for scene in scenes]
    assert min(f["flexion_deg"] for f in facts) < 0 < max(f["flexion_deg"] for f in facts)
    assert max(f["corpus_length_mm"] for f in facts) > 1.4 * min(f["corpus_length_mm"] for f in facts)
    volumes = [scene_label_volumes_ml(s, np.random.default_rng(0), 200_000)[0].get(1, 0.0) for s in scenes[:6]]
    assert max(volumes) > 1.5 * min(volumes)
