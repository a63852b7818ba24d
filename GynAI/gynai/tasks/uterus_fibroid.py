"""Task ``uterus-fibroid``: the uterus with its myometrium, endometrium and leiomyomas (fibroids) on T2 MRI.

Measured: the uterus (myometrium ∪ endometrium ∪ fibroids) and the fibroid map (FIGO type, distances,
T2 signal, burden; :mod:`gynai.metrics.fibroid_map`); reported as *fibroid mapping*; each fibroid is a
lesion of its own (key image, SEG segment, follow-up).
"""

from gynai.labels.codes import ABNORMAL_STRUCTURE, ANATOMICAL_STRUCTURE, MYOMETRIUM, TISSUE, UTERUS, Code
from gynai.tasks.record import (DerivedStructure, DicomStyle, HeldoutRecipe, ImportRef, LesionModel, ReportTemplate,
                                Task, TrainingRecipe, segment)

LEIOMYOMA = Code("44598004", "SCT", "Leiomyoma")
FIBROID_SUMMARY = "fibroids"
"""The SR group of the fibroid count, total volume and burden (apart from the uterus group, which reports the
uterus: its volume, ellipsoid volume and principal diameters)."""

TASK = Task(
    id="uterus-fibroid",
    description="Uterus with myometrium, endometrium and leiomyomas (fibroids) on T2-weighted pelvic MRI",
    modality="MR",
    segments=(
        segment(1, "myometrium", "Myometrium", (216, 101, 79), TISSUE, MYOMETRIUM, translucent=True),
        segment(2, "endometrium", "Endometrium", (241, 214, 145), ANATOMICAL_STRUCTURE,
                Code("2739003", "SCT", "Endometrium")),
        segment(3, "fibroid", "Fibroid", (111, 184, 210), ABNORMAL_STRUCTURE, LEIOMYOMA,
                UTERUS, synonyms=("leiomyoma", "myoma", "fibroids")),
    ),
    derived=(DerivedStructure("uterus", ("myometrium", "endometrium", "fibroid"), required="myometrium"),),
    results=ImportRef("gynai.metrics.results.fibroid:FibroidMap"),
    lesions=LesionModel(
        kind="fibroid", organ_structure="uterus",
        # the endometrium stands out, so the organ's inner axis fixes the rotation an ellipsoidal outline leaves
        # free; fibroids weigh as myometrium, so their change does not pull the alignment
        organ_weights={"myometrium": 1.0, "endometrium": 3.0, "fibroid": 1.0},
        instance_map=ImportRef("gynai.metrics.fibroid_map:fibroid_instances"), key_image_title="Fibroid {n}"),
    report=ReportTemplate("fibroid-mapping", "Fibroid mapping",
                          sections=ImportRef("gynai.report.templates.fibroid:fibroid_sections"),
                          summary=ImportRef("gynai.report.templates.fibroid:fibroid_summary"),
                          notes_in_notes_section=False),
    dicom=DicomStyle(split_label="fibroid", finding_types={"uterus": UTERUS, FIBROID_SUMMARY: LEIOMYOMA},
                     finding_sites={"uterus": UTERUS, FIBROID_SUMMARY: UTERUS},
                     sr_groups={"count": FIBROID_SUMMARY, "total_fibroid_volume_ml": FIBROID_SUMMARY,
                                "burden_percent": FIBROID_SUMMARY},
                     group_shapes={"uterus": "uterus"}),
    cohort_columns=("uterine_volume_ml", "fibroid_count", "total_fibroid_volume_ml", "fibroid_burden_percent",
                    "dominant_fibroid_volume_ml", "dominant_fibroid_figo_type"),
    phantoms={"MR": ImportRef("gynai.phantom:generate_uterus_fibroid")},
    models={"MR": "uterus-fibroid"},
    training=TrainingRecipe(
        # patch centres per label: drawn over voxels, a 10 cm fibroid would take most of the patches
        defaults={"scene_kind": "pelvis", "class_balanced": True},
        postprocessing={"groups": [{"labels": [1, 2, 3], "min_island_ml": 2.0, "fill_holes_with": 1}],
                        "labels": {"2": {"min_island_ml": 0.1}, "3": {"min_island_ml": 0.1}}}),
    heldout=HeldoutRecipe(code=1, modalities=("MR", "CT"),
                          scene=ImportRef("gynai.heldout.pelvis:build_uterus_fibroid_scene"),
                          mr_planes=((0.3, 0.45, 0.25), 0.4, (200, 300), (70, 160), (3.0, 6.0)),
                          mr_sequences=(0.5, 0.16, 0.12, 0.08, 0.14)),
)
