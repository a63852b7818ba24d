"""Voxel-count volumetrics, the metrics document and the HTML/PNG report, on hand-computed shapes."""

import dataclasses
import json
import struct
import zlib

import numpy as np

from gynai.image import Geometry, Image, LabelImage
from gynai.metrics.document import SCHEMA, metrics_document
from gynai.metrics import volumes
from gynai.metrics.volumes import structure_volumes
from gynai.report.html_report import case_report_html
from gynai.report.png import encode_png
from gynai.tasks import get_task
from gynai.tasks.record import DerivedStructure


def box_case():
    """A 10x8x4-voxel myometrium box with a 2x2x2 endometrium and a 3x3x2 fibroid inside, 0.5x0.5x4 mm."""
    array = np.zeros((6, 20, 30), np.uint8)
    array[1:5, 2:10, 3:13] = 1
    array[2:4, 4:6, 4:6] = 2
    array[2:4, 6:9, 8:11] = 3
    c, s = np.cos(0.4), np.sin(0.4)
    geometry = Geometry((0.5, 0.5, 4.0), (10.0, 20.0, -30.0), (c, -s, 0, s, c, 0, 0, 0, 1))
    return LabelImage(array, geometry, get_task("uterus-fibroid").labels)


def test_volumes_by_voxel_counting():
    labels = box_case()
    volumes = structure_volumes(labels, "uterus-fibroid")
    voxel_ml = 0.5 * 0.5 * 4.0 / 1000
    assert volumes["uterus"]["voxel_count"] == 4 * 8 * 10
    assert np.isclose(volumes["uterus"]["volume_ml"], 320 * voxel_ml)
    assert volumes["endometrium"]["voxel_count"] == 8 and volumes["fibroid"]["voxel_count"] == 18
    assert volumes["myometrium"]["voxel_count"] == 320 - 8 - 18
    # Centroid of the uterus box: index centre (i, j, k) = (7.5, 5.5, 2.5) mapped through the geometry.
    expected = labels.geometry.index_to_lps([7.5, 5.5, 2.5])
    assert np.allclose(volumes["uterus"]["centroid_lps_mm"], expected)


def test_absent_structure_is_reported_not_present():
    labels = box_case()
    labels.array[labels.array == 3] = 1
    fibroid = structure_volumes(labels, "uterus-fibroid")["fibroid"]
    assert fibroid == {"voxel_count": 0, "volume_ml": 0.0, "present": False, "centroid_lps_mm": None,
                       "obb_diameters_mm": None, "obb_axes_lps": None, "principal_diameters_mm": None,
                       "principal_axes_lps": None, "ellipsoid_volume_ml": 0.0,
                       "max_feret_diameter_mm": None, "surface_area_mm2": None}


def test_metrics_document_and_html():
    labels = box_case()
    image = Image(labels.array.astype(np.float32) * 100, labels.geometry)
    document = metrics_document(image, labels, "uterus-fibroid", {"name": "m", "version": "1"}, {"image": "a.nrrd"})
    assert document["schema"] == SCHEMA and document["image"]["size_xyz"] == [30, 20, 6]
    json.dumps(document)
    html = case_report_html(image, labels, document)
    assert "Myometrium" in html and "research use" in html and "data:image/png;base64," in html
    assert f"{document['structures']['uterus']['volume_ml']:.1f}" in html


def test_png_encoding_is_valid():
    rgb = np.zeros((5, 7, 3), np.uint8)
    rgb[2, 3] = (255, 10, 20)
    data = encode_png(rgb)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (7, 5)
    raw = zlib.decompress(data[data.index(b"IDAT") + 4:data.index(b"IEND") - 8])
    rows = np.frombuffer(raw, np.uint8).reshape(5, 1 + 7 * 3)
    assert rows[:, 0].tolist() == [0] * 5 and rows[2, 1 + 3 * 3:1 + 3 * 3 + 3].tolist() == [255, 10, 20]


def _table(task_id: str, *ids: str):
    return tuple(label for label in get_task(task_id).labels if label.id in ids)


def test_the_uterus_without_myometrium_is_not_assessed_with_its_note():
    """Endometrium and fibroid but no myometrium voxels (the myometrium in the table, or not in it): the
    uterus is absent with the note, never the union of the parts that are there."""
    labels = box_case()
    empty = np.where(labels.array == 1, 0, labels.array).astype(np.uint8)
    for table in (labels.labels, _table("uterus-fibroid", "endometrium", "fibroid")):
        uterus = structure_volumes(LabelImage(empty, labels.geometry, table), "uterus-fibroid")["uterus"]
        assert uterus["present"] is False and uterus["voxel_count"] == 0
        assert uterus["note"] == "not assessed: no myometrium segmented"


def test_a_derived_structure_is_the_union_of_the_parts_the_table_names():
    """The uterus of a table without a fibroid label counts the myometrium and endometrium only (voxels of
    value 3 are no fibroid then); with no part in the table there is no uterus entry at all."""
    labels = box_case()
    volumes = structure_volumes(LabelImage(labels.array, labels.geometry,
                                           _table("uterus-fibroid", "myometrium", "endometrium")), "uterus-fibroid")
    assert volumes["uterus"]["voxel_count"] == 320 - 18 and "note" not in volumes["uterus"]
    assert set(volumes) == {"myometrium", "endometrium", "uterus"}
    assert structure_volumes(LabelImage(labels.array, labels.geometry, ()), "uterus-fibroid") == {}


def test_the_adnexal_lesion_is_mass_and_solid_tissue_with_no_part_required():
    """The adnexal task's derived lesion = mass ∪ solid tissue; solid tissue alone is still a lesion."""
    array = np.zeros((6, 10, 10), np.uint8)
    array[1:4, 2:6, 2:6] = 1
    array[4, 2:6, 2:6] = 2
    table = get_task("adnexal-mass").labels
    lesion = structure_volumes(LabelImage(array, Geometry(), table), "adnexal-mass")["adnexal-lesion"]
    assert lesion["voxel_count"] == 48 + 16 and np.isclose(lesion["volume_ml"], 0.064)
    solid_only = structure_volumes(LabelImage(np.where(array == 1, 0, array).astype(np.uint8), Geometry(), table),
                                   "adnexal-mass")["adnexal-lesion"]
    assert solid_only["voxel_count"] == 16 and solid_only["present"] is True and "note" not in solid_only


def test_every_derived_structure_of_a_task_is_measured_after_one_that_is_not(monkeypatch):
    """A task with two derived structures (the registry's have one each): the second is measured after the
    first is left out (no part in the table) or not assessed (no myometrium)."""
    task = get_task("uterus-fibroid")
    two = dataclasses.replace(task, derived=(DerivedStructure("uterus", ("myometrium", "fibroid"), "myometrium"),
                                             DerivedStructure("inner", ("endometrium", "fibroid"))))
    monkeypatch.setattr(volumes, "get_task", lambda task_id: two)
    labels = box_case()
    no_myometrium = np.where(labels.array == 1, 0, labels.array).astype(np.uint8)
    assert volumes.structure_volumes(LabelImage(no_myometrium, labels.geometry, labels.labels),
                                     "uterus-fibroid")["inner"]["voxel_count"] == 8 + 18
    assert volumes.structure_volumes(LabelImage(labels.array, labels.geometry, _table("uterus-fibroid", "endometrium")),
                                     "uterus-fibroid")["inner"]["voxel_count"] == 8
