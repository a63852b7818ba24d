"""Issue 19: every way a bundle on disk can be broken is one ModelError line that says what is wrong and
what to do (reading its configs, building its network, loading its weights), never a traceback; and a
bundle whose metadata cannot be read declares no modality."""

import dataclasses
import json
import os

import pytest
import torch

from gynai.errors import ModelError
from gynai.models.bundle import bundle_file, bundle_modality, load_network, network_from_definition, read_bundle


def _edit(bundle, name, change):
    path = bundle / "configs" / name
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


def test_a_bundle_config_that_is_not_json_is_unreadable(bundle_folder):
    (bundle_folder / "configs" / "inference.json").write_text("{not json")
    with pytest.raises(ModelError) as raised:
        read_bundle(bundle_folder)
    message = str(raised.value)
    assert message.startswith(f"bundle file {bundle_folder / 'configs' / 'inference.json'} is unreadable (")
    assert message.endswith("); reinstall the model") and "\n" not in message


def test_a_bundle_without_its_metadata_file_is_unreadable(bundle_folder):
    (bundle_folder / "configs" / "metadata.json").unlink()
    with pytest.raises(ModelError, match=r"^bundle file .*metadata\.json is unreadable \(.*\); reinstall the model$"):
        read_bundle(bundle_folder)


def test_configs_that_are_not_json_objects_are_refused(bundle_folder):
    (bundle_folder / "configs" / "metadata.json").write_text("[1, 2, 3]")
    with pytest.raises(ModelError) as raised:
        read_bundle(bundle_folder)
    assert str(raised.value) == ("bundle My Fibroid Model: its configs are not JSON objects; reinstall or fix "
                                 "the model")


def test_metadata_without_a_gynai_section_is_not_a_gynai_bundle(bundle_folder):
    _edit(bundle_folder, "metadata.json", lambda meta: meta.pop("gynai"))
    with pytest.raises(ModelError) as raised:
        read_bundle(bundle_folder)
    assert str(raised.value) == (f"bundle {bundle_folder} has no 'gynai' section in configs/metadata.json; "
                                 "it is not a GynAI bundle")


def test_an_output_label_unknown_to_the_task_is_refused(bundle_folder):
    _edit(bundle_folder, "metadata.json",
          lambda meta: meta["network_data_format"]["outputs"]["pred"]["channel_def"].update({"1": "placenta"}))
    with pytest.raises(ModelError) as raised:
        read_bundle(bundle_folder)
    assert str(raised.value) == f"bundle {bundle_folder} outputs label 'placenta', unknown to task 'uterus-fibroid'"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links on this system")
def test_weights_that_are_a_link_leading_outside_are_refused(bundle_folder, tmp_path):
    """The weights' name stays inside the bundle but the file is a link to one outside it (which could be
    swapped at will after the bundle is checked)."""
    weights = bundle_folder / "models" / "model.pt"
    outside = tmp_path / "elsewhere.pt"
    weights.rename(outside)
    weights.symlink_to(outside)
    with pytest.raises(ModelError) as raised:
        read_bundle(bundle_folder)
    assert str(raised.value) == ("bundle My Fibroid Model: 'models/model.pt' leads outside the bundle (a link); "
                                 "every file a bundle uses must be inside its folder: fix the bundle and add it "
                                 "again")


def test_a_network_definition_not_allow_listed_is_not_built():
    with pytest.raises(ModelError) as raised:
        network_from_definition({"_target_": "torch.nn.Linear", "in_features": 2, "out_features": 2})
    assert str(raised.value) == "network '_target_' 'torch.nn.Linear' is not allowed"


def test_invalid_network_arguments_are_one_model_error(bundle_folder):
    definition = dict(read_bundle(bundle_folder).network_def)
    network_from_definition(definition)                                   # the bundle's own arguments build
    with pytest.raises(ModelError, match=r"^invalid network arguments \(.*unexpected keyword.*colour"):
        network_from_definition({**definition, "colour": "red"})


def test_weights_of_another_network_do_not_fit(bundle_folder):
    info = read_bundle(bundle_folder)
    weights = bundle_folder / info.weights_file
    torch.save({"layer.weight": torch.zeros(2, 2)}, weights)               # a loadable file, another network
    with pytest.raises(ModelError) as raised:
        load_network(info)
    message = str(raised.value)
    assert message.startswith(f"model weights {weights} do not fit the network of the bundle (")
    assert "layer.weight" in message


def test_a_bundle_whose_metadata_cannot_be_read_declares_no_modality(bundle_folder, tmp_path):
    _edit(bundle_folder, "metadata.json",
          lambda meta: meta.setdefault("network_data_format", {}).setdefault("inputs", {})
          .setdefault("image", {}).update({"modality": "us"}))
    assert bundle_modality(bundle_folder) == "US"                        # declared: upper case
    (bundle_folder / "configs" / "metadata.json").write_text("{truncated")
    assert bundle_modality(bundle_folder) == ""
    assert bundle_modality(tmp_path / "no such bundle") == ""


@pytest.mark.parametrize("target", ["UNet", "monai.networks.nets.UNet"])
def test_the_unet_is_allowed_by_its_short_and_full_name(bundle_folder, target):
    _edit(bundle_folder, "inference.json", lambda document: document["network_def"].update(_target_=target))
    info = read_bundle(bundle_folder)
    assert info.network_def["_target_"] == target
    assert type(load_network(info)).__name__ == "UNet"


def test_a_bundle_whose_network_is_not_allow_listed_names_what_is(bundle_folder):
    _edit(bundle_folder, "inference.json", lambda document: document["network_def"].update(_target_="os.system"))
    with pytest.raises(ModelError) as raised:
        read_bundle(bundle_folder)
    assert str(raised.value) == (f"bundle {bundle_folder}: network '_target_' 'os.system' is not allowed "
                                 "(allowed: monai.networks.nets.UNet)")


def test_bundle_info_counts_the_background_and_cannot_be_changed(bundle_folder):
    """uterus-fibroid: myometrium, endometrium, fibroid + background = 4 output channels. The same BundleInfo
    is shared by every case of a process (gynai.models.verified), so it is immutable."""
    info = read_bundle(bundle_folder)
    assert [label.name for label in info.labels] == ["Myometrium", "Endometrium", "Fibroid"]
    assert info.num_classes == 4
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.modality = "US"


@pytest.mark.parametrize("where, value", [("channels", [16, "$__import__('os')", 64, 128]),
                                          ("extra", {"nested": ["@net"]}), ("norm", "%other.json#x")])
def test_a_config_expression_anywhere_is_refused_and_located(bundle_folder, where, value):
    """MONAI config expressions ($ eval, @ reference, % import of another file) are refused wherever they
    sit in the network definition, and the message says where."""
    _edit(bundle_folder, "inference.json", lambda document: document["network_def"].update({where: value}))
    with pytest.raises(ModelError) as raised:
        read_bundle(bundle_folder)
    located = {"channels": ("network_def.channels[1]", "$__import__('os')"), "extra": ("network_def.extra.nested[0]", "@net"),
               "norm": ("network_def.norm", "%other.json#x")}[where]
    assert str(raised.value) == (f"bundle config {located[0]} uses the expression {located[1]!r}; GynAI runs no "
                                 "bundle code")


def test_a_bundle_that_declares_no_modality_is_for_its_task_modality(bundle_folder):
    """No ``network_data_format.inputs.image.modality``: the bundle declares '' and runs as the task's
    modality (MR for uterus-fibroid); no ``inputs`` section at all is the same."""
    _edit(bundle_folder, "metadata.json",
          lambda meta: meta["network_data_format"].setdefault("inputs", {}).setdefault("image", {}).pop("modality", None))
    assert bundle_modality(bundle_folder) == "" and read_bundle(bundle_folder).modality == "MR"
    _edit(bundle_folder, "metadata.json", lambda meta: meta["network_data_format"].pop("inputs", None))
    assert bundle_modality(bundle_folder) == "" and read_bundle(bundle_folder).modality == "MR"


def test_a_bundle_file_named_outside_the_bundle_is_refused_in_one_line(bundle_folder):
    assert bundle_file(bundle_folder, "models/model.pt") == bundle_folder / "models" / "model.pt"
    with pytest.raises(ModelError) as raised:
        bundle_file(bundle_folder, "../elsewhere.pt")
    assert str(raised.value) == ("bundle My Fibroid Model refers to the file '../elsewhere.pt' outside the bundle; "
                                 "every file a bundle uses must be inside its folder: fix the bundle and add it again")


def test_an_empty_string_in_a_config_is_no_expression(bundle_folder):
    """Only a string starting with $, @ or % is a MONAI expression; an empty one was refused as one."""
    _edit(bundle_folder, "inference.json", lambda document: document["network_def"].update(note=""))
    assert read_bundle(bundle_folder).network_def["note"] == ""


@pytest.mark.parametrize("change, detail", [
    (lambda meta: meta["gynai"].pop("spacing_mm"), "missing 'spacing_mm'"),
    (lambda meta: meta["gynai"].update(spacing_mm=["one", 2, 3]), "a value of the wrong type")])
def test_malformed_metadata_says_what_is_missing_or_wrong(bundle_folder, change, detail):
    _edit(bundle_folder, "metadata.json", change)
    with pytest.raises(ModelError) as raised:
        read_bundle(bundle_folder)
    assert str(raised.value) == (f"bundle My Fibroid Model: configs/metadata.json is malformed ({detail}); "
                                 "reinstall or fix the model")


def test_metadata_defaults_and_settings_are_read_as_written(bundle_folder):
    """Without name, version and weights entries the bundle is its folder's name, version 0, with its weights
    in models/model.pt; its normalization and post-processing are those of its metadata."""
    def change(meta):
        for key in ("name", "version"):
            meta.pop(key, None)
        meta["gynai"].pop("weights", None)
        meta["gynai"]["normalization"] = {"lower_percentile": 0.5, "upper_percentile": 99.5}
        meta["gynai"]["postprocessing"] = {"largest_component": ["myometrium"]}

    _edit(bundle_folder, "metadata.json", change)
    info = read_bundle(bundle_folder)
    assert (info.name, info.version, info.weights_file) == ("My Fibroid Model", "0", "models/model.pt")
    assert info.normalization == {"lower_percentile": 0.5, "upper_percentile": 99.5}
    assert info.postprocessing == {"largest_component": ["myometrium"]}
    assert type(load_network(info)).__name__ == "UNet"


def test_weights_that_cannot_be_read_are_one_line(bundle_folder, tmp_path):
    (bundle_folder / "models" / "model.pt").write_bytes(b"not a torch file")
    with pytest.raises(ModelError) as raised:
        load_network(read_bundle(bundle_folder))
    message = str(raised.value)
    assert message.startswith(f"model weights {bundle_folder / 'models' / 'model.pt'} cannot be loaded safely (")
    assert message.endswith("); reinstall the model") and "\n" not in message
    (tmp_path / "list").mkdir()
    (tmp_path / "list" / "configs").mkdir()
    (tmp_path / "list" / "configs" / "metadata.json").write_text("[1, 2]")
    assert bundle_modality(tmp_path / "list") == ""


def test_a_network_definition_with_an_expression_is_not_built_either():
    """The network is checked again where it is built (a definition that did not come through read_bundle,
    e.g. training's)."""
    with pytest.raises(ModelError) as raised:
        network_from_definition({"_target_": "UNet", "spatial_dims": 3, "in_channels": 1, "out_channels": 2,
                                 "channels": [4, 8], "strides": [2], "act": "$torch.nn.ReLU"})
    assert str(raised.value) == ("bundle config network_def.act uses the expression '$torch.nn.ReLU'; GynAI runs "
                                 "no bundle code")
