"""Task ``adnexal-mass``: an adnexal mass (cystic part with wall and septa) and its solid tissue, on MRI or
3D transvaginal ultrasound.

Measured: the O-RADS MRI (or US) inputs of every lesion (:mod:`gynai.metrics.adnexal`; no score is
claimed); a lesion is a connected part of mass ∪ solid tissue, so the SEG adds one overlapping
"whole lesion" segment per lesion for its SR measurement group.
"""

from gynai.image import LabelInfo
from gynai.labels.codes import ABNORMAL_STRUCTURE, MASS, OVARY, Code
from gynai.tasks.record import (DerivedStructure, DicomStyle, HeldoutRecipe, ImportRef, LesionModel, ReportTemplate,
                                SegmentSpec, Task, TrainingRecipe, segment)

_MASS = segment(1, "adnexal-mass", "Adnexal mass", (144, 238, 144), ABNORMAL_STRUCTURE, MASS, OVARY,
                synonyms=("mass", "adnexal-lesion", "ovarian-mass", "cyst"), translucent=True)

TASK = Task(
    id="adnexal-mass",
    description="Adnexal mass (cystic part) and its solid tissue on MRI",
    modality="MR",
    segments=(
        _MASS,
        segment(2, "solid-tissue", "Solid tissue", (230, 60, 60), ABNORMAL_STRUCTURE,
                Code("108369006", "SCT", "Neoplasm"), OVARY, synonyms=("solid", "solid-component")),
    ),
    derived=(DerivedStructure("adnexal-lesion", ("adnexal-mass", "solid-tissue")),),
    results=ImportRef("gynai.metrics.results.adnexal:AdnexalResults"),
    lesions=LesionModel(kind="adnexal lesion", organ_structure="adnexal-lesion",
                        organ_weights={"adnexal-mass": 1.0, "solid-tissue": 1.0},
                        instance_map=ImportRef("gynai.metrics.adnexal:adnexal_instances"),
                        key_image_title="Adnexal lesion {n}"),
    report=ReportTemplate("adnexal-mass", "Adnexal mass (O-RADS MRI inputs)",
                          sections=ImportRef("gynai.report.templates.adnexal:adnexal_sections"),
                          summary=ImportRef("gynai.report.templates.adnexal:adnexal_summary"),
                          titles_by_modality={"US": "Adnexal mass (O-RADS US inputs)"}),
    # a whole lesion has the adnexal mass's codes; value 0: no voxel value of its own (derived from two labels)
    dicom=DicomStyle(whole_lesion=SegmentSpec(LabelInfo(0, "adnexal-lesion", "Adnexal lesion", (0.95, 0.8, 0.2)),
                                              _MASS.category, _MASS.type, _MASS.region),
                     whole_lesion_name="Adnexal lesion {} (whole)",
                     finding_types={"adnexal lesion": MASS, "adnexal lesions": MASS},
                     finding_sites={"adnexal lesion": OVARY, "adnexal lesions": OVARY}),
    cohort_columns=("lesion_count", "lesion_volume_ml", "max_diameter_mm", "solid_volume_ml", "solid_fraction",
                    "locule_count"),
    phantoms={"MR": ImportRef("gynai.phantom:generate_adnexal_mass"),
              "US": ImportRef("gynai.phantom:generate_adnexal_mass_us")},
    models={"MR": "adnexal-mass", "US": "adnexal-mass-us"},
    training=TrainingRecipe(
        # the solid tissue is ~1 % of the lesion: patch centres sampled per label, half of the patches random so
        # that other bright fluid (bladder, bowel) is learnt as background; a random bias field per patch,
        # because fat brightened by the coil's bias was taken for cyst fluid
        defaults={"class_balanced": True, "foreground_probability": 0.5, "bias_field_strength": 0.3,
                  "scene_kind": "pelvis"},
        # 3D transvaginal volumes are isotropic and small: an isotropic 1.2 mm model grid and cubic patches
        ultrasound={"spacing_mm": (1.2, 1.2, 1.2), "patch_size_zyx": (64, 64, 64),
                    "strides": ((2, 2, 2), (2, 2, 2), (2, 2, 2))},
        randomized_ultrasound={"patch_size_zyx": (64, 64, 64), "channels": (16, 32, 64, 128, 256),
                               "strides": ((2, 2, 2), (2, 2, 2), (2, 2, 2), (2, 2, 2)), "synth_scenes": 100,
                               "synth_fraction": 0.6},
        postprocessing={"groups": [{"labels": [1, 2], "min_island_ml": 1.0, "keep_largest": True}]}),
    heldout=HeldoutRecipe(code=3, modalities=("MR", "CT", "US"),
                          scene=ImportRef("gynai.heldout.adnexal_pelvis:build_adnexal_scene"),
                          mr_planes=((0.4, 0.3, 0.3), 0.15, (200, 320), (80, 180), (3.0, 6.0)),
                          mr_sequences=(0.45, 0.2, 0.1, 0.08, 0.17)),
)
