"""Assembly of a pregnant pelvis and abdomen for the placenta task.

Order: body with the belly blended around the uterus, bones and muscles, bowel pushed to the flanks and
upper abdomen, vessels, bladder (label 3) carved by the lower uterine segment, vagina, the pregnant
uterus (myometrium 1, placenta 2), the fetus and cord (label 0), and ovaries beside the lower segment.
"""

from __future__ import annotations

import numpy as np

from gynai.heldout.fetus import add_fetus
from gynai.heldout.gravid import build_gravid, gravid_facts
from gynai.heldout.organs import add_bladder, add_vagina
from gynai.heldout.ovaries import add_ovary
from gynai.heldout.pelvis import add_surroundings
from gynai.heldout.scene import Scene, restrict
from gynai.heldout.uterus import UterusOuter

LABEL_MYOMETRIUM, LABEL_PLACENTA, LABEL_BLADDER = 1, 2, 3


def build_pregnant_pelvis(scene: Scene, rng: np.random.Generator, position: str | None = None) -> None:
    """Add a whole pregnant pelvis and abdomen to ``scene`` (``position`` forces the placenta site)."""
    part = build_gravid(rng, scene.materials, LABEL_MYOMETRIUM, LABEL_PLACENTA,
                        restrict(not_over={"bone_cortex", "marrow", "table", "air", "fat_subcut"}), position)
    line = part.cervix.line
    external_os = line.points[0]
    facts = add_surroundings(scene, rng, belly=part.corpus, bowel_region=((-130, -80, 110), (130, 20, 320)),
                             cervix=line.points[1])
    facts["bladder"] = add_bladder(scene, rng, LABEL_BLADDER, float(rng.uniform(20, 300)), UterusOuter(part))
    add_vagina(scene, rng, external_os, line.tangents[0])
    scene.add(part)
    facts["fetus"] = add_fetus(scene, rng, part)
    a, _, c = part.plan.radii
    for side in (-1, 1):
        center = part.center + part.rotation @ np.array([side * a * 0.95, 10.0, -0.55 * c])
        add_ovary(scene, rng, center, postmenopausal=False)
    scene.lookalikes += ["amniotic fluid", "fetus", "umbilical cord"]
    scene.target_center_mm = part.center.copy()
    scene.target_axis = part.plan.axis.copy()
    scene.facts.update(facts)
    scene.facts["pregnancy"] = gravid_facts(part)


def build_placenta_scene(scene: Scene, rng: np.random.Generator, morphology: str | None = None,
                         placenta_position: str | None = None) -> None:
    """The ``placenta`` scene (``Task.heldout.scene``): a pregnant pelvis (``placenta_position`` forces the
    placenta site; ``morphology`` does not apply)."""
    build_pregnant_pelvis(scene, rng, placenta_position)
