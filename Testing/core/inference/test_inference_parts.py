"""Inference building blocks: model grid, resampling back, normalisation, post-processing, catalog checks."""

import json

import numpy as np
import pytest

from gynai.errors import ModelError
from gynai.image import Geometry, Image
from gynai.models import catalog, selection
from gynai.models.bundle import read_bundle
from gynai.inference.postprocess import postprocess_labels
from gynai.inference.preprocess import labels_to_input_grid, model_grid, normalize_intensity, resample_to_model
from gynai.training.bundle_writer import register_in_catalog, write_bundle
from gynai.training.run import smoke_config


def test_model_grid_covers_oblique_extent():
    c, s = np.cos(np.radians(30)), np.sin(np.radians(30))
    geometry = Geometry((1.0, 1.0, 4.0), (0, 0, 0), (c, -s, 0, s, c, 0, 0, 0, 1))
    grid = model_grid(geometry, (100, 50, 10), (2.0, 2.0, 4.0))
    # Rotated 100 x 50 mm rectangle: bounding box 100c + 50s by 100s + 50c.
    assert grid.GetSize()[0] == int(np.ceil((100 * c + 50 * s) / 2.0 - 1e-6))
    assert grid.GetSize()[1] == int(np.ceil((100 * s + 50 * c) / 2.0 - 1e-6))
    assert grid.GetSize()[2] == 10
    assert np.allclose(grid.GetDirection(), np.eye(3).reshape(-1))


def test_labels_return_exactly_to_input_grid_when_spacing_matches():
    geometry = Geometry((2.0, 2.0, 4.0), (5.0, -3.0, 1.0))
    labels = np.zeros((6, 20, 24), np.uint8)
    labels[2:4, 5:12, 6:15] = 2
    image = Image(labels.astype(np.float32), geometry)
    _, grid = resample_to_model(image, (2.0, 2.0, 4.0))
    assert np.array_equal(labels_to_input_grid(labels, grid, geometry, image.size_xyz), labels)


def test_normalize_intensity_maps_percentiles():
    array = np.linspace(1, 101, 1000).reshape(10, 10, 10)
    out = normalize_intensity(array)
    assert out.min() >= -0.5 and out.max() <= 1.5
    assert abs(float(np.percentile(out, 50)) - 0.5) < 0.01


def test_postprocess_drops_islands_and_fills_holes():
    labels = np.zeros((20, 20, 20), np.uint8)
    labels[2:12, 2:12, 2:12] = 1
    labels[6, 6, 6] = 0                     # enclosed hole -> filled with 1
    labels[16:18, 16:18, 16:18] = 1         # 8-voxel island (8 mm3 at 1 mm) -> removed (< 0.01 mL = 10 voxels)
    rules = {"groups": [{"labels": [1], "min_island_ml": 0.01, "fill_holes_with": 1}]}
    out = postprocess_labels(labels, 1.0, rules)
    assert out[6, 6, 6] == 1 and out[16:18, 16:18, 16:18].sum() == 0
    assert int((out == 1).sum()) == 1000


@pytest.fixture()
def tiny_bundle(tmp_path):
    import torch
    from monai.networks.nets import UNet

    config = smoke_config()
    definition = config.network_def(4)
    network = UNet(**{k: v for k, v in definition.items() if not k.startswith("_")})
    path = write_bundle(tmp_path / "uterus-fibroid", network.state_dict(), "uterus-fibroid", "0.0.1", config,
                        "card", "test", {}, "license")
    register_in_catalog(tmp_path, path, "uterus-fibroid", "0.0.1")
    assert torch.load(path / "models" / "model.pt", weights_only=True)["model.0.conv.unit0.conv.weight"].dtype \
        == torch.float16
    return path


def test_catalog_verifies_hashes(tiny_bundle):
    entry = selection.find_entry("uterus-fibroid", tiny_bundle.parent)
    catalog.verify_entry(entry)
    weights = tiny_bundle / "models" / "model.pt"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="SHA-256"):
        catalog.verify_entry(entry)
    with pytest.raises(ModelError, match="no model for task 'placenta'"):
        selection.find_entry("placenta", tiny_bundle.parent)


@pytest.mark.parametrize("change, message", [({"_target_": "os.system"}, "not allowed"),
                                             ({"channels": "$__import__('os')"}, "expression")])
def test_bundle_refuses_code(tiny_bundle, change, message):
    path = tiny_bundle / "configs" / "inference.json"
    config = json.loads(path.read_text())
    config["network_def"].update(change)
    path.write_text(json.dumps(config))
    with pytest.raises(ModelError, match=message):
        read_bundle(tiny_bundle)


def test_segment_with_tiny_bundle_keeps_input_geometry(tiny_bundle):
    from gynai.inference.predict import segment_image

    c, s = np.cos(0.3), np.sin(0.3)
    geometry = Geometry((1.3, 1.3, 3.5), (-40.0, 20.0, 7.0), (c, 0, s, 0, 1, 0, -s, 0, c))
    image = Image(np.random.default_rng(0).normal(100, 10, (9, 40, 44)).astype(np.float32), geometry)
    calls = []
    labels = segment_image(image, "uterus-fibroid", "cpu", models_directory=tiny_bundle.parent,
                           progress=lambda f, m: calls.append(f))
    assert labels.array.shape == image.array.shape and labels.geometry == geometry
    assert [label.id for label in labels.labels] == ["myometrium", "endometrium", "fibroid"]
    assert calls[0] == 0.0 and calls[-1] == 1.0 and calls == sorted(calls)


def test_gpu_out_of_memory_falls_back_to_cpu(tiny_bundle, monkeypatch, caplog):
    import torch

    from gynai.inference import predict
    from gynai.models.bundle import load_network

    info = read_bundle(tiny_bundle)
    network = load_network(info, "cpu")
    calls = []
    real = predict.predict_model_grid

    def flaky(net, array, info_, device, overlap, progress):
        calls.append(device)
        if device == "cuda":
            raise torch.cuda.OutOfMemoryError("CUDA out of memory (simulated)")
        return real(net, array, info_, device, overlap, progress)

    monkeypatch.setattr(predict, "predict_model_grid", flaky)
    image = Image(np.random.default_rng(0).normal(size=(12, 40, 40)).astype(np.float32), Geometry((2.0, 2.0, 4.0)))
    with caplog.at_level("WARNING"):
        labels = predict.segment_with_network(image, info, network, "cuda")
    assert calls == ["cuda", "cpu"]
    assert labels.array.shape == image.array.shape
    assert "out of memory" in caplog.text


def test_postprocess_keeps_only_the_largest_lesion():
    labels = np.zeros((20, 20, 20), np.uint8)
    labels[2:10, 2:10, 2:10] = 1
    labels[4:6, 4:6, 4:6] = 2                    # solid part inside the large lesion: kept
    labels[14:18, 14:18, 14:18] = 1              # second, smaller lesion: removed
    rules = {"groups": [{"labels": [1, 2], "min_island_ml": 0.0, "keep_largest": True}]}
    out = postprocess_labels(labels, 1.0, rules)
    assert out[14:18, 14:18, 14:18].sum() == 0
    assert int((out == 1).sum()) == 512 - 8 and int((out == 2).sum()) == 8
