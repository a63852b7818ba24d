"""The model card (``docs/README.md``) of a trained bundle: honest about data, results and limits."""

from __future__ import annotations

from gynai.tasks import MODALITY_NAMES, get_task, task_description
from gynai.training.train import TrainConfig

VARIATION = {
    "MR": "Phantoms vary contrast, bias field, noise, in-plane spacing, slice thickness, orientation and field of view.",
    "US": ("Phantoms are B-mode renderings (speckle from blurred random scatterers, attenuation along each ray from "
           "the probe with time-gain compensation, log compression, 0 outside the scanned cone) and vary "
           "echogenicity, speckle size, attenuation and gain slope, dynamic range, cyst content (anechoic to "
           "ground glass), voxel size, cone angle and depth, probe position, tilt and roll; anechoic look-alikes "
           "(an iliac vessel, free fluid) and the bladder are background."),
}
MODALITY_LIMITS = {
    "US": ("- Ultrasound phantoms model B-mode grey scale only: no Doppler (O-RADS US colour score), no acoustic "
           "shadowing of solid tissue, no reverberation or side lobes. The input must be a scan-converted 3D volume "
           "with patient orientation (as the phantoms are); label voxels exist only inside the scanned cone.\n"),
}

STYLE_HEADINGS = {
    "train": ("In distribution: held-out phantoms of the training generator",
              "phantoms of `gynai.phantom` with seeds never used in training and its evaluation appearance settings"),
    "heldout": ("Held-out style: a second generator, never used for training or model selection",
                "phantoms of `gynai.heldout`, written separately (other shape primitives, other renderer, sagittal, "
                "coronal, axial and oblique acquisitions, other contrasts and surroundings)"),
    "ct": ("CT-like variant (no target)",
           "the held-out generator rendered with Hounsfield-like values; the model was not trained for CT, so "
           "this only says how far its contrast-agnostic training carries"),
}


def _table(result: dict) -> str:
    rows = ["| Structure | mean Dice | worst case |", "|---|---|---|"]
    for name, mean in result["dice_mean"].items():
        label = "all foreground (union)" if name == "union" else name
        rows.append(f"| {label} | {mean:.3f} | {result['dice_min'][name]:.3f} |")
    return "\n".join(rows)


def _dice_rows(evaluation: dict) -> str:
    styles = evaluation.get("styles") or ({"train": evaluation["held_out"]} if evaluation.get("held_out") else {})
    if not styles:
        return "No held-out evaluation was run.\n"
    parts = []
    for style, result in styles.items():
        heading, what = STYLE_HEADINGS[style]
        parts.append(f"### {heading}\n{result['cases']} cases (seeds {result['seeds'][0]}–{result['seeds'][1]}): "
                     f"{what}; original geometry, full inference pipeline (resampling, sliding window, "
                     f"post-processing).\n\n{_table(result)}\n")
    return "\n".join(parts)


def randomization_text(config: TrainConfig) -> str:
    """The randomisation ranges of domain-randomised training, for the model card."""
    if config.synth_scenes <= 0:
        return ""
    from gynai.synth.appearance import MODE_WEIGHTS, MODES
    from gynai.synth.engine import SynthSettings

    s = SynthSettings()
    modes = ", ".join(f"{mode} {weight:.0%}" for mode, weight in zip(MODES, MODE_WEIGHTS))
    return (f"Randomisation of every synthetic patch (drawn afresh): appearance mode ({modes}; random: every "
            f"tissue's mean uniform in [0, 1], inversions included; t2: nominal T2 signal × log-normal factor per "
            f"tissue; ct: Hounsfield-like), texture and noise per tissue; rotation ±{s.rotation_deg:g}° about each "
            f"axis, scaling ±{s.scale_range:.0%}, elastic deformation ({s.elastic_probability:.0%} of patches), "
            f"left-right flip; partial-volume blur ({s.partial_volume_probability:.0%}); bias field "
            f"({s.bias_probability:.0%}, degree 3, coefficients up to {s.bias_coefficients[1]:g}); thick slices of "
            f"{s.thickness_mm[0]:g}–{s.thickness_mm[1]:g} mm ({s.thick_slice_probability:.0%} of patches; axial, "
            f"coronal, sagittal, oblique {', '.join(f'{w:.0%}' for w in s.axis_weights)}; slice gaps up to 25 %, "
            f"profile 30–100 % of the thickness) or a coarser isotropic resolution "
            f"({s.low_resolution_probability:.0%}); Rician ({s.rician_probability:.0%}) and Gaussian "
            f"({s.gaussian_probability:.0%}) noise; gamma {s.gamma[0]:g}–{s.gamma[1]:g} "
            f"({s.gamma_probability:.0%}); histogram shift ({s.histogram_shift_probability:.0%}); field-of-view "
            f"edges ({s.fov_cut_probability:.0%}). Scenes: flexed uterus with cervix (small to enlarged), 0–12 "
            "lobulated fibroids of 5–120 mm of every FIGO type, ovaries with follicles, adnexal lesions of every "
            "O-RADS morphology on one or both sides, pregnant uteri with placentas at every site, and background "
            "look-alikes (bowel with gas and fluid, vessels, Nabothian cysts, free fluid, bladder of any filling).\n")


def _bias_sentence(config: TrainConfig) -> str:
    if config.bias_field_strength <= 0:
        return ""
    return (f"; each patch multiplied by a random smooth bias field (quadratic log-field, coefficients "
            f"±{config.bias_field_strength})")


def model_card(task_id: str, version: str, config: TrainConfig, data_source: str, evaluation: dict,
               synthetic: bool, phantoms: int = 40, bundle_name: str = "") -> str:
    """Markdown text of the model card."""
    task = get_task(task_id)
    validation = ", ".join(f"{name} {value:.3f}" for name, value in evaluation.get("validation_dice", {}).items())
    held = evaluation.get("held_out") or {}
    cases = held.get("cases", 10)
    labels = "\n".join(f"- {label.value}: {label.name} (`{label.id}`)" for label in task.labels)
    modality = config.modality
    title = f"{task_id} ultrasound" if modality == "US" else task_id
    flag = " --modality US" if modality == "US" else ""
    scenes_flag = f" --scenes {config.synth_scenes}" if config.synth_scenes > 0 else ""
    model_flag = f" --model {bundle_name}" if modality != task.modality and bundle_name else ""
    warning = ("**This model was trained and evaluated only on synthetic phantoms generated by GynAI. It has not "
               "been validated on patient data. Its accuracy on real "
               f"{MODALITY_NAMES.get(modality, modality)} is unknown and likely much lower. It is "
               "not a medical device and must not be used for clinical decisions.**" if synthetic else
               "**This model was trained on user-provided data; its validity is the trainer's responsibility. "
               "Not for clinical use without proper validation.**")
    return f"""# GynAI {title} model {version}

{warning}

## What it does
{task_description(task_id, modality)}. Output labels (exclusive, one per voxel):
{labels}

## Network and pre-processing
- MONAI 3D U-Net, channels {list(config.channels)}, strides {[list(s) if isinstance(s, tuple) else s
                                                               for s in config.strides]}, \
{config.num_res_units} residual unit(s), instance norm; weights stored in float16.
- Input resampled to an axis-aligned LPS grid with spacing {list(config.spacing_mm)} mm (x, y, z); intensities
  scaled so that the 1st–99th percentile of non-zero voxels maps to 0–1.
- Sliding window {list(config.patch_size_zyx)} (z, y, x), Gaussian blending, argmax on the model grid, labels
  resampled back to the exact input geometry (nearest neighbour), small islands removed, holes filled.

## Training data
{data_source}.
{VARIATION.get(modality, VARIATION["MR"])}
{randomization_text(config)}
Training: {config.steps} steps, batch {config.batch_size}, AdamW lr {config.learning_rate}, Dice + cross-entropy;
patch centres {'drawn per label (class-balanced)' if config.class_balanced else 'on foreground'} \
{round(100 * config.foreground_probability)} % of the time, random otherwise{_bias_sentence(config)}.
Best validation Dice (model selection set): {validation or 'not measured'}; training time
{evaluation.get('training_seconds', '?')} s on the training machine.

## Evaluation
{_dice_rows(evaluation)}
These figures describe agreement with the phantom generators' analytic ground truth only: no patient data
was used for training or evaluation, and the accuracy on real scans is unknown.

## Limits
{MODALITY_LIMITS.get(modality, "")}- Synthetic training data: anatomy and {"ultrasound" if modality == "US" else "MR"} appearance are simplified; real scans contain structures,
  artefacts and pathology the phantoms do not model.
- Research and education use only. Every output requires review by a qualified reader.

## Reproduce
- Train: `gynai train --task {task_id}{flag} --phantoms {phantoms}{scenes_flag} --steps {config.steps} --version {version} -o <bundle-folder>`
  (synthetic data; CPU or `--device cuda`), or `gynai train --task {task_id}{flag} --datalist datalist.json -o <bundle-folder>`
  (your labelled NIfTI data).
- Re-measure the evaluation tables of the installed model: `gynai evaluate --task {task_id}{model_flag} --style all --cases {cases}`
  (or `--style train`, `--style heldout`{", `--style ct`" if modality == "MR" else ""} for one table).
"""
