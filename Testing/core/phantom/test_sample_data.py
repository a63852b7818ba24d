"""The shipped sample phantoms: checksums as registered with Sample Data, and identical to the generator."""

import hashlib
import sys
from pathlib import Path

import numpy as np
import pytest

from gynai.io.images import read_image
from gynai.io.segnrrd import read_seg_nrrd
from gynai.phantom.samples import SAMPLES, sample_case

ROOT = Path(__file__).resolve().parents[3]
FOLDER = ROOT / "Resources" / "SampleData"
sys.path.insert(0, str(ROOT / "GynAI"))
from GynAILib.sample_data import SAMPLE_FILES, register_sample_data  # noqa: E402


@pytest.mark.parametrize("name", sorted(SAMPLE_FILES))
def test_shipped_files_have_the_registered_checksums(name):
    for file, digest in SAMPLE_FILES[name]["files"].items():
        assert hashlib.sha256((FOLDER / file).read_bytes()).hexdigest() == digest, file
    assert (FOLDER / f"{name}.png").is_file()


@pytest.mark.parametrize("spec", SAMPLES, ids=lambda s: s.name)
def test_samples_are_the_generators_phantoms(spec):
    image, labels = sample_case(spec)
    shipped = read_image(FOLDER / f"{spec.name}.nrrd")
    assert np.array_equal(shipped.array, image.array)
    assert np.allclose(shipped.geometry.ijk_to_lps(), image.geometry.ijk_to_lps())
    truth = read_seg_nrrd(FOLDER / f"{spec.name}-truth.seg.nrrd")
    names = {label.value: label.name for label in truth.labels}
    for label in labels.labels:
        value = next(v for v, n in names.items() if n == label.name)
        assert np.array_equal(truth.array == value, labels.array == label.value), label.name


def test_registration_lists_every_sample_with_file_urls():
    calls = []

    class FakeLogic:
        @staticmethod
        def registerCustomSampleDataSource(**kwargs):
            calls.append(kwargs)

    assert register_sample_data(FakeLogic, str(ROOT / "GynAI" / "GynAI.py")) == 3
    pelvis = next(c for c in calls if "fibroids" in c["sampleName"])
    assert pelvis["category"] == "GynAI" and pelvis["loadFileTypes"] == ["VolumeFile", "SegmentationFile"]
    for uri, checksum, file in zip(pelvis["uris"], pelvis["checksums"], pelvis["fileNames"]):
        assert uri.startswith("file://") and uri.endswith(file)
        assert checksum == "SHA256:" + hashlib.sha256((FOLDER / file).read_bytes()).hexdigest()
    assert Path(pelvis["thumbnailFileName"]).is_file()
    assert all(Path(call["thumbnailFileName"]).is_file() for call in calls)


def test_the_ultrasound_sample_is_an_8_bit_volume_that_says_it_is_ultrasound():
    from gynai.inference.input_checks import image_modality

    image = read_image(FOLDER / "GynAIPhantomAdnexalUS.nrrd")
    assert image.array.dtype == np.uint8 and image_modality(image) == "US"
    assert len(set(image.geometry.spacing_mm)) == 1 and (image.array == 0).mean() > 0.2     # the cone in its box
