"""Shared fixtures of the model tests: a small user bundle written by GynAI's own bundle writer."""

import pytest

from gynai.training.bundle_writer import write_bundle
from gynai.training.run import smoke_config


@pytest.fixture()
def bundle_folder(tmp_path):
    """A valid uterus-fibroid bundle (the smoke network, untrained) in ``tmp_path / "My Fibroid Model"``."""
    from monai.networks.nets import UNet

    config = smoke_config()
    definition = config.network_def(4)
    network = UNet(**{k: v for k, v in definition.items() if not k.startswith("_")})
    return write_bundle(tmp_path / "My Fibroid Model", network.state_dict(), "uterus-fibroid", "2.0.0", config,
                        "card", "test", {}, "license")
