"""Wrong input for a model: 2D, declared CT, no contrast (errors); CT-like values, small FOV, empty result (warnings)."""

import numpy as np
import pytest

from gynai.cli.main import main
from gynai.errors import ImageDimensionError, InvalidVoxelDataError, ModelError
from gynai.image import Geometry, Image, LabelImage
from gynai.inference.input_checks import check_input, check_prediction, image_modality
from gynai.io.images import write_image
from gynai.tasks import get_task

GRID = Geometry((1.0, 1.0, 4.0))


def _noise(shape=(20, 80, 80), offset=0.0, seed=0):
    return np.random.default_rng(seed).normal(100.0, 20.0, shape).astype(np.float32) + offset


def test_two_dimensional_image_is_refused():
    with pytest.raises(ImageDimensionError, match="in effect 2D"):
        check_input(Image(_noise((1, 80, 80)), GRID), "uterus-fibroid", "MR")


def test_declared_ct_is_refused_for_mr_model():
    image = Image(_noise(), GRID, {"dicom.Modality": "CT"})
    assert image_modality(image) == "CT"
    with pytest.raises(ModelError, match="modality is CT.*trained for MR only"):
        check_input(image, "placenta", "MR")
    assert check_input(Image(_noise(), GRID, {"dicom.Modality": "MR"}), "placenta", "MR") == []


def test_constant_image_is_refused():
    with pytest.raises(InvalidVoxelDataError, match="no contrast"):
        check_input(Image(np.full((20, 80, 80), 7.0, np.float32), GRID), "uterus-fibroid", "MR")


def test_ct_like_values_and_small_field_of_view_warn():
    ct = _noise()
    ct[:, :30, :] = -1000.0
    warnings = check_input(Image(ct, GRID), "uterus-fibroid", "MR")
    assert len(warnings) == 1 and "look like CT" in warnings[0]
    small = check_input(Image(_noise((20, 30, 80)), GRID), "uterus-fibroid", "MR")
    assert len(small) == 1 and "field of view is only 30 mm" in small[0]


def test_undeclared_ultrasound_warns_for_an_mr_model():
    from gynai.phantom import UltrasoundConfig, generate_adnexal_mass_us

    image = generate_adnexal_mass_us(2, UltrasoundConfig(spacing_mm=1.5, depth_mm=90.0)).image
    with pytest.raises(ModelError, match="modality is US"):        # declared US: refused by an MR model
        check_input(image, "adnexal-mass", "MR")
    undeclared = Image(image.array, image.geometry)
    warnings = check_input(undeclared, "adnexal-mass", "MR")
    assert len(warnings) == 1 and "--modality US" in warnings[0]
    assert check_input(undeclared, "adnexal-mass", "US") == []
    assert check_input(Image(np.clip(_noise(), 0, 255), GRID), "uterus-fibroid", "MR") == []   # no zero sector


def test_prediction_checks():
    labels = get_task("uterus-fibroid").labels
    empty = LabelImage(np.zeros((4, 5, 6), np.uint8), GRID, labels)
    assert "found no structure" in check_prediction(empty, "uterus-fibroid")[0]
    array = np.zeros((4, 5, 6), np.uint8)
    array[1, 1, 1], array[2, 2, 2] = 1, 2
    assert check_prediction(LabelImage(array, GRID, labels), "uterus-fibroid") == ["not found in this image: Fibroid"]
    array[3, 3, 3] = 3
    assert check_prediction(LabelImage(array, GRID, labels), "uterus-fibroid") == []


def test_cli_warns_about_ct_values_and_what_was_not_found(tmp_path, capsys):
    array = _noise((12, 64, 64))
    array[:, :24] = -1000.0
    write_image(Image(array, Geometry((2.0, 2.0, 5.0))), tmp_path / "ctlike.nrrd")
    assert main(["segment", str(tmp_path / "ctlike.nrrd"), "--task", "uterus-fibroid", "--device", "cpu",
                 "-o", str(tmp_path / "out.seg.nrrd")]) == 0
    err = capsys.readouterr().err
    assert "look like CT" in err
    assert "found no structure" in err or "not found in this image" in err
    assert (tmp_path / "out.seg.nrrd").exists()
