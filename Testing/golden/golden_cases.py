"""The golden cases: fixed segmentations measured and reported through the ``gynai`` command line.

Every case starts from a segmentation that no model made: the sample phantoms' analytic ground truth
(``Resources/SampleData``), phantoms of ``gynai phantom --truth`` (one per task, one of them read as a DICOM
series), a follow-up against prior studies, and a batch and a demo whose "model" returns the ground truth
(:class:`TruthSegmenter`), so the outputs do not change when the bundled model weights do.

``produce(name, work)`` writes a case's outputs into ``work/<name>/out`` and returns that folder;
:mod:`golden_normalise` turns them into comparable text.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "Resources" / "SampleData"
EXPECTED = Path(__file__).resolve().parent / "expected"
ALL_FORMATS = "json,html,pdf,dicom"
SEED = 7


def gynai(*args) -> None:
    """Run the ``gynai`` command line in this process; fail on a non-zero exit code."""
    from gynai.cli.main import main

    code = main([str(a) for a in args])
    if code != 0:
        raise AssertionError(f"gynai {' '.join(map(str, args))} exited with {code}")


def _phantom(task: str, folder: Path, seed: int = SEED) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    image, truth = folder / f"{task}.nrrd", folder / f"{task}-truth.seg.nrrd"
    gynai("phantom", "--task", task, "--seed", seed, "-o", image, "--truth", truth)
    return image, truth


def _sample(name: str) -> tuple[Path, Path]:
    return SAMPLES / f"{name}.nrrd", SAMPLES / f"{name}-truth.seg.nrrd"


def _measure_and_report(image: Path, truth: Path, task: str, out: Path, *extra_measure: str) -> Path:
    out.mkdir(parents=True)
    gynai("measure", image, truth, "--task", task, "-o", out / "metrics.json", *extra_measure)
    gynai("report", image, truth, "--task", task, "-o", out / "report", "--format", ALL_FORMATS)
    return out


def _centre_lps(image: Path) -> list[float]:
    from gynai.io.images import read_image

    loaded = read_image(image)
    return loaded.geometry.index_to_lps(np.array(loaded.size_xyz) / 2.0).round(1).tolist()


def sample_pelvis(work: Path) -> Path:
    image, truth = _sample("GynAIPhantomPelvisT2")
    return _measure_and_report(image, truth, "uterus-fibroid", work / "out")


def sample_placenta(work: Path) -> Path:
    image, truth = _sample("GynAIPhantomPlacentaT2")
    out = work / "out"
    return _measure_and_report(image, truth, "placenta", out, "--thickness-map", out / "thickness.nrrd")


def sample_adnexal_us(work: Path) -> Path:
    image, truth = _sample("GynAIPhantomAdnexalUS")
    return _measure_and_report(image, truth, "adnexal-mass", work / "out")


def phantom_uterus_fibroid(work: Path) -> Path:
    image, truth = _phantom("uterus-fibroid", work / "in")
    x, y, z = _centre_lps(image)
    return _measure_and_report(image, truth, "uterus-fibroid", work / "out", "--roi", f"muscle={x},{y},{z},6")


def phantom_placenta(work: Path) -> Path:
    """The truth as a plain labelmap with ``--labels`` (measure) and as a .seg.nrrd (report)."""
    from gynai.io.images import write_image
    from gynai.io.segnrrd import read_seg_nrrd

    image, truth = _phantom("placenta", work / "in")
    labels = read_seg_nrrd(truth)
    from gynai.image import Image

    labelmap = work / "in" / "labels.nrrd"
    write_image(Image(labels.array.astype(np.uint8), labels.geometry), labelmap)
    out = work / "out"
    out.mkdir(parents=True)
    gynai("measure", image, labelmap, "--task", "placenta", "--labels", "1=myometrium,2=placenta,3=bladder",
          "-o", out / "metrics.json")
    gynai("report", image, truth, "--task", "placenta", "-o", out / "report", "--format", ALL_FORMATS)
    return out


def write_dicom_series(image_path: Path, folder: Path) -> Path:
    """The image as an MR DICOM series with a fixed patient and study date (new UIDs each run)."""
    from gynai.dicom.source import synthesize_series
    from gynai.io.images import read_image

    folder.mkdir(parents=True)
    series = synthesize_series(read_image(image_path), patient_id="GOLDEN-001", patient_name="Golden^Case",
                               series_description="Golden T2")
    for number, dataset in enumerate(series.datasets, start=1):
        dataset.StudyDate = dataset.SeriesDate = dataset.ContentDate = "20250101"
        dataset.StudyTime = dataset.SeriesTime = dataset.ContentTime = "120000"
        dataset.save_as(folder / f"slice{number:03d}.dcm", enforce_file_format=True)
    return folder


def phantom_adnexal_dicom(work: Path) -> Path:
    image, truth = _phantom("adnexal-mass", work / "in")
    series = write_dicom_series(image, work / "in" / "dicom")
    return _measure_and_report(series, truth, "adnexal-mass", work / "out")


def followup_fibroid(work: Path) -> Path:
    """Current: the seed-7 phantom; priors: the pelvis sample (oldest), then the same phantom without its
    smallest fibroid, given with its segmentation (overlap matching after rigid alignment)."""
    from gynai.io.segnrrd import read_seg_file, write_seg_nrrd
    from gynai.metrics.instances import split_instances

    image, truth = _phantom("uterus-fibroid", work / "in")
    labels, _ = read_seg_file(truth)
    fibroid = labels.label("fibroid").value
    instances = split_instances(labels.array == fibroid, labels.geometry.spacing_mm)
    labels.array[instances == instances.max()] = labels.label("myometrium").value
    prior_seg = work / "in" / "prior.seg.nrrd"
    write_seg_nrrd(labels, prior_seg)
    older_image, older_truth = _sample("GynAIPhantomPelvisT2")
    gynai("measure", older_image, older_truth, "--task", "uterus-fibroid", "-o", work / "in" / "older.json")
    gynai("measure", image, prior_seg, "--task", "uterus-fibroid", "-o", work / "in" / "prior.json")
    out = work / "out"
    gynai("report", image, truth, "--task", "uterus-fibroid", "-o", out, "--format", "json,html,pdf",
          "--prior", work / "in" / "older.json", "--prior", work / "in" / "prior.json",
          "--prior-segmentation", prior_seg)
    return out


def followup_adnexal(work: Path) -> Path:
    """A prior given as the report.json of a DICOM study (its study date names it), matched by centroid."""
    image, truth = _phantom("adnexal-mass", work / "in")
    series = write_dicom_series(image, work / "in" / "dicom")
    gynai("report", series, truth, "--task", "adnexal-mass", "-o", work / "in" / "prior", "--format", "json")
    out = work / "out"
    gynai("report", image, truth, "--task", "adnexal-mass", "-o", out, "--format", "json,html",
          "--prior", work / "in" / "prior" / "report.json")
    return out


class TruthSegmenter:
    """Stands in for the model: returns the registered ground truth of an image (found by its voxels)."""

    NAME, VERSION = "golden-truth", "1.0.0"

    def __init__(self) -> None:
        self.truths: dict[str, object] = {}

    @staticmethod
    def _key(array: np.ndarray) -> str:
        return hashlib.sha256(np.ascontiguousarray(array).tobytes() + str(array.shape).encode()).hexdigest()

    def register(self, array: np.ndarray, labels) -> None:
        """``labels`` (a LabelImage on the task's table) is the result for an image with these voxels."""
        self.truths[self._key(array)] = labels

    def register_files(self, image: Path, truth: Path, task: str) -> None:
        from gynai.io.images import read_image
        from gynai.io.segnrrd import read_seg_nrrd
        from gynai.labels.spec import to_task_labels

        self.register(read_image(image).array, to_task_labels(read_seg_nrrd(truth), task))

    def segment_image(self, image, task, *args, warnings=None, provenance=None, **kwargs):
        from gynai.models.provenance import model_provenance

        labels = self.truths[self._key(image.array)]
        if provenance is not None:
            provenance.update(model_provenance(self.NAME, self.VERSION, task, modality="MR"))
        return labels

    def load_task_bundle(self, task, *args, **kwargs):
        return SimpleNamespace(name=self.NAME, version=self.VERSION, task=task, modality="MR")

    def install(self, monkeypatch) -> None:
        """Replace the model (inference and bundle lookup) for the rest of the test."""
        import gynai.models.selection
        import gynai.inference.predict

        monkeypatch.setattr(gynai.inference.predict, "segment_image", self.segment_image)
        monkeypatch.setattr(gynai.models.selection, "load_task_bundle", self.load_task_bundle)


def batch_uterus_fibroid(work: Path, monkeypatch) -> Path:
    import shutil

    folder = work / "in" / "cohort"
    folder.mkdir(parents=True)
    segmenter = TruthSegmenter()
    image, truth = _sample("GynAIPhantomPelvisT2")
    shutil.copy(image, folder / "sample.nrrd")
    segmenter.register_files(folder / "sample.nrrd", truth, "uterus-fibroid")
    image, truth = _phantom("uterus-fibroid", work / "in" / "phantom")
    shutil.copy(image, folder / "phantom.nrrd")
    segmenter.register_files(folder / "phantom.nrrd", truth, "uterus-fibroid")
    segmenter.install(monkeypatch)
    gynai("batch", folder, work / "out", "--task", "uterus-fibroid", "--report-format", ALL_FORMATS)
    return work / "out"


def demo(work: Path, monkeypatch) -> Path:
    from gynai.cli.demo import _demo_fibroids
    from gynai.phantom import generate_uterus_fibroid

    segmenter = TruthSegmenter()
    case = generate_uterus_fibroid(SEED, _demo_fibroids())
    segmenter.register(case.image.array, case.labels)
    segmenter.install(monkeypatch)
    gynai("demo", "-o", work / "out", "--seed", SEED, "--device", "cpu")
    return work / "out"


CASES: dict[str, Callable[..., Path]] = {
    "sample-pelvis": sample_pelvis, "sample-placenta": sample_placenta, "sample-adnexal-us": sample_adnexal_us,
    "phantom-uterus-fibroid": phantom_uterus_fibroid, "phantom-placenta": phantom_placenta,
    "phantom-adnexal-dicom": phantom_adnexal_dicom, "followup-fibroid": followup_fibroid,
    "followup-adnexal": followup_adnexal, "batch-uterus-fibroid": batch_uterus_fibroid, "demo": demo,
}
WITH_MONKEYPATCH = {"batch-uterus-fibroid", "demo"}


def produce(name: str, work: Path, monkeypatch=None) -> Path:
    """Write the outputs of case ``name`` under ``work``; returns the folder to compare."""
    work.mkdir(parents=True, exist_ok=True)
    if name in WITH_MONKEYPATCH:
        return CASES[name](work, monkeypatch)
    return CASES[name](work)
