"""`gynai phantom`: the phantom image and its analytic truth as files; NRRD keeps the declared modality."""

import numpy as np
import pytest

from gynai.cli.main import main
from gynai.image import Geometry, Image
from gynai.inference.input_checks import image_modality
from gynai.io.images import read_image, write_image
from gynai.io.segnrrd import read_seg_nrrd
from gynai.phantom import generate


def test_ultrasound_phantom_files_match_the_generator(tmp_path):
    assert main(["phantom", "--task", "adnexal-mass", "--modality", "US", "--seed", "7", "-o",
                 str(tmp_path / "us.nrrd"), "--truth", str(tmp_path / "truth.seg.nrrd")]) == 0
    case = generate("adnexal-mass", 7, modality="US")
    image = read_image(tmp_path / "us.nrrd")
    assert image.array.dtype == np.uint8 and image_modality(image) == "US"
    np.testing.assert_array_equal(image.array, np.rint(case.image.array).astype(np.uint8))
    assert image.geometry.allclose(case.image.geometry)
    truth = read_seg_nrrd(tmp_path / "truth.seg.nrrd")
    np.testing.assert_array_equal(truth.array, case.labels.array)
    assert [label.id for label in truth.labels] == ["adnexal-mass", "solid-tissue"]


def test_bad_requests_write_nothing(tmp_path, capsys):
    assert main(["phantom", "--task", "placenta", "--modality", "US", "-o", str(tmp_path / "p.nrrd")]) == 2
    assert "no US phantom for task 'placenta'" in capsys.readouterr().err
    assert main(["phantom", "--task", "placenta", "-o", str(tmp_path / "p.nrrd"), "--truth",
                 str(tmp_path / "truth.nrrd")]) == 2
    assert "written as a .seg.nrrd" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
    (tmp_path / "p.nrrd").write_text("mine")
    assert main(["phantom", "--task", "placenta", "-o", str(tmp_path / "p.nrrd")]) == 2
    assert (tmp_path / "p.nrrd").read_text() == "mine"


@pytest.mark.parametrize("suffix, kept", [(".nrrd", True), (".mha", True), (".nii.gz", False)])
def test_declared_modality_survives_a_write_where_the_format_can_hold_it(tmp_path, suffix, kept):
    image = Image(np.arange(64, dtype=np.float32).reshape(4, 4, 4), Geometry(), {"modality": "US"})
    path = write_image(image, tmp_path / f"image{suffix}")
    assert image_modality(read_image(path)) == ("US" if kept else "")
    plain = write_image(Image(image.array, Geometry()), tmp_path / f"plain{suffix}")
    assert image_modality(read_image(plain)) == ""
