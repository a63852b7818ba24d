"""Choosing the model by the image's modality: the declared modality picks the model trained for it."""

from dataclasses import replace

import numpy as np
import pytest

from gynai.errors import ModelError
from gynai.image import Geometry, Image
from gynai.models.selection import choose_entry, load_task_bundle, task_modalities
from gynai.inference.input_checks import declare_modality, image_modality
from gynai.inference.predict import segment_image
from gynai.phantom import UltrasoundConfig, generate_adnexal_mass_us
from gynai.training.bundle_writer import register_in_catalog, write_bundle
from gynai.training.run import smoke_config

TASK = "adnexal-mass"


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory):
    """A models folder with an MR and an ultrasound model of the adnexal-mass task (untrained smoke networks)."""
    from monai.networks.nets import UNet

    folder = tmp_path_factory.mktemp("models")
    for name, modality in (("mr-mass", "MR"), ("us-mass", "US")):
        config = smoke_config(modality)
        definition = config.network_def(3)
        network = UNet(**{k: v for k, v in definition.items() if not k.startswith("_")})
        bundle = write_bundle(folder / name, network.state_dict(), TASK, "1.0.0", config, "card", "test", {}, "license")
        register_in_catalog(folder, bundle, TASK, "1.0.0")
    return folder


def test_the_declared_modality_picks_the_model(models_dir):
    assert choose_entry(TASK, models_dir).name == "mr-mass"                       # undeclared: the default
    assert choose_entry(TASK, models_dir, modality="US").name == "us-mass"
    assert choose_entry(TASK, models_dir, modality="mr").name == "mr-mass"
    assert choose_entry(TASK, models_dir, modality="CT").name == "mr-mass"        # none fits: default (refused later)
    assert choose_entry(TASK, models_dir, model="mr-mass", modality="US").name == "mr-mass"   # a named model wins
    assert task_modalities(TASK, models_dir) == ["MR", "US"]
    assert load_task_bundle(TASK, models_dir, modality="US").modality == "US"


def test_segment_image_runs_the_ultrasound_model_on_an_ultrasound_image(models_dir):
    image = generate_adnexal_mass_us(4, UltrasoundConfig(spacing_mm=1.5, depth_mm=90.0)).image
    provenance: dict = {}
    labels = segment_image(image, TASK, "cpu", models_directory=models_dir, provenance=provenance)
    assert labels.array.shape == image.array.shape
    assert provenance["modality"] == "US" and provenance["name"] == "GynAI adnexal-mass ultrasound"
    with pytest.raises(ModelError, match="image modality is US but the adnexal-mass model was trained for MR"):
        segment_image(image, TASK, "cpu", models_directory=models_dir, model="mr-mass")


def test_declare_modality_fills_in_only_what_the_file_does_not_say():
    image = Image(np.zeros((4, 4, 4), np.float32), Geometry())
    assert image_modality(declare_modality(image, None)) == ""
    assert image_modality(declare_modality(image, "us")) == "US"
    dicom = Image(np.zeros((4, 4, 4), np.float32), Geometry(), {"dicom.Modality": "MR"})
    assert image_modality(declare_modality(dicom, "MR")) == "MR"
    with pytest.raises(ModelError, match="header says its modality is MR, not US"):
        declare_modality(dicom, "US")


def test_smoke_configs_of_both_modalities_differ_only_where_they_must():
    mr, us = smoke_config("MR"), smoke_config("US")
    assert us.modality == "US" and mr.modality == "MR"
    assert len(set(us.spacing_mm)) == 1 and len(set(us.patch_size_zyx)) == 1          # isotropic for ultrasound
    assert replace(us, spacing_mm=mr.spacing_mm, patch_size_zyx=mr.patch_size_zyx, strides=mr.strides,
                   modality="MR") == mr
