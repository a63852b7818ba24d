"""Hostile DICOM series, segmentations, options, output locations and model bundles (issue 17 corpus)."""

import errno
import json
import os
import shutil
import tempfile

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk
from pydicom.dataset import FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage, generate_uid

from gynai.image import Geometry, LabelImage, LabelInfo
from gynai.io.segnrrd import write_seg_nrrd

TABLE = (LabelInfo(1, "myometrium", "Myometrium", (1, 0, 0)), LabelInfo(2, "endometrium", "Endometrium", (0, 1, 0)),
         LabelInfo(3, "fibroid", "Fibroid", (0, 0, 1)))


def series(folder, slices=8, series_uid=None, prefix="s"):
    """An axial MR series of 16x16 slices 5 mm apart in ``folder`` (created)."""
    folder.mkdir(parents=True, exist_ok=True)
    study, uid, frame = generate_uid(), series_uid or generate_uid(), generate_uid()
    for k in range(slices):
        ds = pydicom.Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.TransferSyntaxUID = MRImageStorage, ExplicitVRLittleEndian
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = generate_uid()
        ds.SOPClassUID, ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = \
            MRImageStorage, study, uid, frame
        ds.Modality, ds.PatientID, ds.InstanceNumber = "MR", "HOSTILE", k + 1
        ds.ImagePositionPatient, ds.ImageOrientationPatient = [0.0, 0.0, 5.0 * k], [1, 0, 0, 0, 1, 0]
        ds.PixelSpacing, ds.SliceThickness, ds.Rows, ds.Columns = [1.5, 1.5], 5.0, 16, 16
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
        ds.PixelData = np.full((16, 16), 100 + k, np.uint16).tobytes()
        ds.save_as(folder / f"{prefix}{k:02d}.dcm", enforce_file_format=True)
    return folder


def edit(path, change):
    dataset = pydicom.dcmread(path)
    change(dataset)
    dataset.save_as(path)


def missing_slice(d):
    (series(d / "s") / "s03.dcm").unlink()
    return d / "s"


def duplicate_slice(d):
    folder = series(d / "s")
    edit(folder / "s04.dcm", lambda ds: setattr(ds, "ImagePositionPatient", [0.0, 0.0, 15.0]))
    return folder


def uneven_gap(d):
    folder = series(d / "s")
    edit(folder / "s05.dcm", lambda ds: setattr(ds, "ImagePositionPatient", [0.0, 0.0, 26.5]))
    return folder


def mixed_orientation(d):
    folder = series(d / "s")
    edit(folder / "s02.dcm", lambda ds: setattr(ds, "ImageOrientationPatient", [0, 1, 0, 0, 0, -1]))
    return folder


def truncated_slice(d):
    folder = series(d / "s")
    (folder / "s04.dcm").write_bytes((folder / "s04.dcm").read_bytes()[:-200])
    return folder


def two_series(d):
    series(d / "s")
    series(d / "s", series_uid=generate_uid(), prefix="t")
    return d / "s"


def pipe_in_series(d):
    folder = series(d / "s")
    os.mkfifo(folder / "zz.dcm")
    return folder


DICOM = {"missing-slice": (missing_slice, "slice(s) missing"), "duplicate-slice": (duplicate_slice, "one position"),
         "uneven-gap": (uneven_gap, "irregular"), "mixed-orientation": (mixed_orientation, "orientations"),
         "truncated-slice": (truncated_slice, "s04.dcm"), "two-series": (two_series, "series"),
         "pipe-in-series": (pipe_in_series, "not a regular file")}


@pytest.mark.parametrize("case", sorted(DICOM))
def test_hostile_dicom_series(tmp_path, refused, case):
    build, fragment = DICOM[case]
    message = refused(["segment", build(tmp_path / "in"), "--task", "uterus-fibroid",
                       "-o", tmp_path / "out" / "l.seg.nrrd"])
    assert fragment in message


def seg(d, change=None, geometry=Geometry((1.5, 1.5, 3.0)), table=TABLE):
    array = np.zeros((12, 24, 24), np.uint8)
    array[2:10, 4:20, 4:20] = 1
    array[4:8, 8:16, 8:16] = 2
    array[3, 5:7, 5:7] = 3
    path = write_seg_nrrd(LabelImage(array, geometry, table), d / "labels.seg.nrrd")
    if change:
        head, body = path.read_bytes().split(b"\n\n", 1)
        path.write_bytes(head.replace(change[0].encode(), change[1].encode(), 1) + b"\n\n" + body)
    return path


def int_labelmap(d):
    image = sitk.GetImageFromArray(np.ones((12, 24, 24), np.uint8))
    image.SetSpacing((1.5, 1.5, 3.0))
    sitk.WriteImage(image, str(d / "labels.nrrd"))
    return d / "labels.nrrd"


def float_labelmap(d):
    image = sitk.GetImageFromArray(np.full((12, 24, 24), 0.5, np.float32))
    image.SetSpacing((1.5, 1.5, 3.0))
    sitk.WriteImage(image, str(d / "labels.nrrd"))
    return d / "labels.nrrd"


SEGMENTATIONS = {
    "label-value-text": (lambda d: seg(d, ("Segment1_LabelValue:=2", "Segment1_LabelValue:=abc")), [], "LabelValue"),
    "colour-text": (lambda d: seg(d, ("Segment0_Color:=1 0 0", "Segment0_Color:=red")), [], "Color"),
    "extent-text": (lambda d: seg(d, ("Segment0_Extent:=", "Segment0_Extent:=x")), [], "Extent"),
    "value-without-segment": (lambda d: seg(d, ("Segment2_LabelValue:=3", "Segment2_LabelValue:=9")), [],
                              "no segment"),
    "shifted-origin": (lambda d: seg(d, geometry=Geometry((1.5, 1.5, 3.0), (0.7, 0, 0))), [], "shifted"),
    "other-spacing": (lambda d: seg(d, geometry=Geometry((1.5, 1.5, 2.0))), [], "spacing"),
    "labelmap-without-labels": (float_labelmap, [], "--labels"),
    "float-labelmap": (float_labelmap, ["--labels", "1=myometrium"], "non-integer"),
    "bad-label-spec": (int_labelmap, ["--labels", "one=myometrium"], "label"),
    "label-of-other-task": (int_labelmap, ["--labels", "1=placenta"], "placenta"),
    "other-task-segments": (lambda d: seg(d, table=(LabelInfo(1, "kidney", "Kidney", (1, 0, 0)),
                                                    LabelInfo(2, "liver", "Liver", (0, 1, 0)),
                                                    LabelInfo(3, "spleen", "Spleen", (0, 0, 1)))), [], "Kidney"),
}


@pytest.mark.parametrize("case", sorted(SEGMENTATIONS))
def test_hostile_segmentation(tmp_path, image_file, refused, case):
    build, options, fragment = SEGMENTATIONS[case]
    message = refused(["measure", image_file, build(tmp_path / "in"), "--task", "uterus-fibroid", *options,
                       "-o", tmp_path / "out" / "m.json"])
    assert fragment in message


def test_full_disk(tmp_path, refused, monkeypatch):
    real = sitk.WriteImage

    def half_written(image, path, useCompression=False, *args):     # what ITK leaves on a full disk
        real(image, path, useCompression, *args)
        os.truncate(path, os.path.getsize(path) // 2)

    monkeypatch.setattr(sitk, "WriteImage", half_written)
    assert "incomplete" in refused(["phantom", "--task", "placenta", "-o", tmp_path / "out" / "p.nrrd"])


@pytest.mark.parametrize("number", [errno.EROFS, errno.EACCES, errno.ENOSPC])
def test_unwritable_output(tmp_path, refused, monkeypatch, number):
    def refuse(*args, **kwargs):
        raise OSError(number, os.strerror(number))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    assert os.strerror(number) in refused(["phantom", "--task", "placenta", "-o", tmp_path / "out" / "p.nrrd"])


def test_existing_output_is_not_overwritten(tmp_path, refused):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "p.nrrd").write_text("the user's own file")
    assert "exists" in refused(["phantom", "--task", "placenta", "-o", tmp_path / "out" / "p.nrrd"])


OPTIONS = {
    "threads-negative": (["segment", "{image}", "--task", "placenta", "--threads", "-3", "-o", "{out}/l.seg.nrrd"],
                         "--threads"),
    "overlap-5": (["segment", "{image}", "--task", "placenta", "--overlap", "5", "-o", "{out}/l.seg.nrrd"],
                  "overlap"),
    "seed-negative": (["phantom", "--task", "placenta", "--seed", "-1", "-o", "{out}/p.nrrd"], "--seed"),
    "output-suffix": (["segment", "{image}", "--task", "placenta", "-o", "{out}/l.nrrd"], ".seg.nrrd"),
    "output-is-folder": (["phantom", "--task", "placenta", "-o", "{out}/folder.nrrd"], "folder"),
    "workers-zero": (["batch", "{folder}", "{out}/batch", "--task", "placenta", "--workers", "0"], "--workers"),
    "case-timeout-negative": (["batch", "{folder}", "{out}/batch", "--task", "placenta", "--case-timeout-s", "-1"],
                              "--case-timeout-s"),
    "unknown-model": (["segment", "{image}", "--task", "placenta", "--model", "nope", "-o", "{out}/l.seg.nrrd"],
                      "nope"),
    "pacs-timeout-absurd": (["pacs", "query", "--config", "{pacs}"], "timeout_s"),
}


@pytest.mark.parametrize("case", sorted(OPTIONS))
def test_hostile_options(tmp_path, image_file, refused, case):
    argv, fragment = OPTIONS[case]
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "folder.nrrd").mkdir()
    pacs = tmp_path / "in" / "pacs.json"
    pacs.write_text(json.dumps({"url": "http://127.0.0.1:9/dicom-web", "timeout_s": 1e300}))
    values = {"image": image_file, "out": tmp_path / "out", "folder": image_file.parent, "pacs": pacs}
    assert fragment in refused([argument.format(**values) for argument in argv])


def bundle_with(tmp_path, bundle_folder, change):
    meta_path = bundle_folder / "configs" / "metadata.json"
    meta = json.loads(meta_path.read_text())
    change(meta, tmp_path)
    meta_path.write_text(json.dumps(meta))
    return bundle_folder


def outside(meta, tmp_path):
    shutil.copy(tmp_path / "in" / "bundle" / "models" / "model.pt", tmp_path / "elsewhere.pt")
    meta["gynai"]["weights"] = str(tmp_path / "elsewhere.pt")


BUNDLES = {"weights-absolute": (outside, "outside the bundle"),
           "weights-dotdot": (lambda meta, _: meta["gynai"].update({"weights": "../../x.pt"}), "outside the bundle"),
           "metadata-no-channels": (lambda meta, _: meta["network_data_format"].pop("outputs"), "malformed"),
           "metadata-bad-spacing": (lambda meta, _: meta["gynai"].update({"spacing_mm": "fine"}), "malformed")}


@pytest.mark.parametrize("case", sorted(BUNDLES))
def test_hostile_bundle(tmp_path, refused, case):
    from monai.networks.nets import UNet

    from gynai.training.bundle_writer import write_bundle
    from gynai.training.run import smoke_config

    config = smoke_config()
    definition = config.network_def(4)
    network = UNet(**{k: v for k, v in definition.items() if not k.startswith("_")})
    folder = write_bundle(tmp_path / "in" / "bundle", network.state_dict(), "uterus-fibroid", "1.0.0", config,
                          "card", "test", {}, "license")
    change, fragment = BUNDLES[case]
    assert fragment in refused(["models", "add", bundle_with(tmp_path, folder, change), "--name", "hostile"])
