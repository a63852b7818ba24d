"""A fetus in the amniotic fluid: skull and brain, trunk with spine, lungs and stomach, limbs, cord.

Sizes follow gestational age (biparietal diameter about 2.6 mm/week - 5 mm; abdominal circumference
about 10 mm/week - 30 mm). Every fetal part paints only over amniotic fluid or other fetal parts, so the
fetus never cuts into the placenta or wall, whatever its pose. All fetal parts are label 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gynai.heldout.frames import frame_from_axis, random_unit_vector, unit
from gynai.heldout.gravid import GravidPart
from gynai.heldout.scene import Scene, restrict
from gynai.heldout.shapes import Superellipsoid, Tube

_FLUID = {"amniotic_fluid", "fetal_body", "fetal_brain", "fetal_skull", "fetal_lung", "cord"}


def add_fetus(scene: Scene, rng: np.random.Generator, uterus: GravidPart) -> dict[str, Any]:
    """Add a fetus (and its umbilical cord) inside ``uterus``; returns its presentation and sizes."""
    p = uterus.plan
    bpd = 2.6 * p.ga_weeks - 5.0
    trunk_r = (10.0 * p.ga_weeks - 30.0) / (2 * np.pi)
    presentation = str(rng.choice(["cephalic", "breech", "transverse"], p=[0.7, 0.2, 0.1]))
    long_axis = uterus.rotation[:, 2]
    axis = {"cephalic": -long_axis, "breech": long_axis,
            "transverse": uterus.rotation[:, 0] * float(rng.choice([-1, 1]))}[presentation]
    axis = unit(axis + rng.normal(0, 0.2, 3))
    away = -(uterus.rotation @ p.placenta_direction_local)
    center = uterus.center + away * 0.15 * min(p.radii) + rng.normal(0, 5, 3)
    trunk_len = 1.9 * bpd
    frame = frame_from_axis(axis, random_unit_vector(rng))
    head_c = center + axis * (trunk_len / 2 + 0.45 * bpd)
    over = restrict(over=_FLUID)
    head = Superellipsoid(head_c, (bpd / 2, 0.62 * bpd, bpd / 2 * 1.05), 1.0, 1.0,
                          frame_from_axis(axis, frame[:, 1]))
    scene.add_shape("fetal skull", head, "fetal_skull", restriction=over)
    scene.add_shape("fetal brain", head.offset(-max(1.5, 0.03 * bpd)), "fetal_brain", restriction=over)
    trunk = Superellipsoid(center, (trunk_r, trunk_r * 0.85, trunk_len / 2), 1.0, 1.0, frame)
    scene.add_shape("fetal trunk", trunk, "fetal_body", restriction=over)
    back = frame[:, 1]
    spine = Tube(np.array([center + axis * trunk_len * 0.45 + back * trunk_r * 0.7,
                           center - axis * trunk_len * 0.45 + back * trunk_r * 0.7]), np.array([3.0, 2.5]))
    scene.add_shape("fetal spine", spine, "fetal_skull", restriction=restrict(over={"fetal_body"}))
    for side in (-1, 1):
        lung = Superellipsoid(center + axis * trunk_len * 0.18 + frame[:, 0] * side * trunk_r * 0.45,
                              (trunk_r * 0.4, trunk_r * 0.45, trunk_len * 0.2), 1.0, 1.0, frame)
        scene.add_shape("fetal lung", lung, "fetal_lung", restriction=restrict(over={"fetal_body"}))
    stomach = Superellipsoid(center - axis * trunk_len * 0.08 - back * trunk_r * 0.3 + frame[:, 0] * trunk_r * 0.3,
                             (trunk_r * 0.25,) * 3)
    scene.add_shape("fetal stomach", stomach, "amniotic_fluid", restriction=restrict(over={"fetal_body"}))
    limb_r = max(2.5, 0.12 * trunk_r)
    for end in (0.35, -0.45):
        for side in (-1, 1):
            root = center + axis * trunk_len * end + frame[:, 0] * side * trunk_r * 0.8
            knee = root + unit(frame[:, 0] * side - back + rng.normal(0, 0.4, 3)) * trunk_len * 0.35
            tip = knee + unit(-axis * np.sign(end) + rng.normal(0, 0.5, 3)) * trunk_len * 0.3
            limb = Tube(np.array([root, knee, tip]), np.array([limb_r * 1.3, limb_r, limb_r * 0.8]))
            scene.add_shape("fetal limb", limb, "fetal_body", restriction=over)
    plac_point = uterus.center + uterus.rotation @ (p.placenta_direction_local * np.array(p.radii)) * 0.6
    belly = center - back * trunk_r
    mid = (plac_point + belly) / 2 + rng.normal(0, 15, 3)
    cord = Tube(np.array([plac_point, (plac_point + mid) / 2 + rng.normal(0, 8, 3), mid, (mid + belly) / 2, belly]),
                np.full(5, float(rng.uniform(5, 8))))
    scene.add_shape("umbilical cord", cord, "cord", restriction=restrict(over={"amniotic_fluid"}))
    return {"presentation": presentation, "biparietal_diameter_mm": round(bpd, 1),
            "abdominal_circumference_mm": round(2 * np.pi * trunk_r, 1)}
