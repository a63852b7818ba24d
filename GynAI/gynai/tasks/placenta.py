"""Task ``placenta``: the pregnant uterus's myometrium, the placenta and the urinary bladder on T2 MRI.

Measured: placenta research metrics for the SAR-ESUR signs of placenta accreta spectrum
(:mod:`gynai.metrics.placenta`), with a retroplacental myometrial thickness map; reported as *placenta
accreta assessment*; the placenta is the one lesion followed.
"""

from gynai.labels.codes import ANATOMICAL_STRUCTURE, MYOMETRIUM, TISSUE, Code
from gynai.tasks.record import HeldoutRecipe, ImportRef, LesionModel, ReportTemplate, Task, TrainingRecipe, segment

TASK = Task(
    id="placenta",
    description="Pregnant uterus: myometrium, placenta and urinary bladder on T2-weighted MRI",
    modality="MR",
    segments=(
        segment(1, "myometrium", "Myometrium", (216, 101, 79), TISSUE, MYOMETRIUM, translucent=True),
        segment(2, "placenta", "Placenta", (190, 80, 170), ANATOMICAL_STRUCTURE, Code("78067005", "SCT", "Placenta")),
        segment(3, "bladder", "Bladder", (222, 198, 101), ANATOMICAL_STRUCTURE,
                Code("89837001", "SCT", "Urinary bladder"), synonyms=("urinary-bladder",)),
    ),
    results=ImportRef("gynai.metrics.results.placenta:PlacentaResults"),
    lesions=LesionModel(kind="placenta", organ_structure="placenta",
                        organ_weights={"myometrium": 1.0, "placenta": 2.0},
                        instance_map=ImportRef("gynai.metrics.placenta:placenta_instances"),
                        key_image_title="Placenta"),
    report=ReportTemplate("placenta-accreta", "Placenta accreta assessment (research metrics)",
                          sections=ImportRef("gynai.report.templates.placenta:placenta_sections"),
                          summary=ImportRef("gynai.report.templates.placenta:placenta_summary")),
    cohort_columns=("placenta_volume_ml", "placenta_max_thickness_mm", "min_myometrial_thickness_mm",
                    "thin_myometrium_area_cm2", "dark_band_fraction", "bulge_depth_mm", "bladder_contact"),
    phantoms={"MR": ImportRef("gynai.phantom:generate_placenta")},
    models={"MR": "placenta"},
    thickness_map=ImportRef("gynai.metrics.placenta:thickness_map"),
    training=TrainingRecipe(
        defaults={"scene_kind": "pregnancy", "synth_scenes": 160},
        postprocessing={"groups": [{"labels": [1, 2], "min_island_ml": 5.0}], "labels": {"3": {"min_island_ml": 2.0}}}),
    heldout=HeldoutRecipe(code=2, modalities=("MR", "CT"),
                          scene=ImportRef("gynai.heldout.pregnancy:build_placenta_scene"),
                          mr_planes=((0.3, 0.4, 0.3), 0.1, (300, 420), (160, 300), (4.0, 6.0)),
                          mr_sequences=(0.2, 0.05, 0.4, 0.27, 0.08)),
)
