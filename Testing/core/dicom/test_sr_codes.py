"""The SR's fixed codes and shape figures, read back from the written file: the series number, TID 1500's
"Procedure reported", its "Qualitative Evaluations" container with the notice as a Comment, each group's
maximum 3D diameter and surface area (equal to the metrics they come from), and the FIGO type / Funaki class
value codes. Expected codes are written out here from the standards (DICOM PS3.16 TID 1500, CID 100,
CID 7470; IBSI), not taken from gynai.dicom.sr, so that a changed constant fails a test (mutation testing
found these unchecked)."""

import pydicom
import pytest

import gynai
from gynai.dicom.seg import build_seg
from gynai.dicom.source import SourceSeries, synthesize_series
from gynai.dicom.sr import build_sr
from gynai.metrics.document import metrics_document
from gynai.phantom import FibroidSpec, PhantomConfig, generate_uterus_fibroid

CONFIG = PhantomConfig(spacing_mm=(2.4, 2.4, 6.0), size_xyz=(80, 80, 16))


def _name(item) -> tuple[str, str, str]:
    code = item.ConceptNameCodeSequence[0]
    return str(code.CodeValue), str(code.CodingSchemeDesignator), str(code.CodeMeaning)


def _value(item) -> tuple[str, str, str]:
    code = item.ConceptCodeSequence[0]
    return str(code.CodeValue), str(code.CodingSchemeDesignator), str(code.CodeMeaning)


@pytest.fixture(scope="module")
def fibroid_inputs():
    """A two-fibroid uterus case's metrics document, SEG, segment entries and generated source series."""
    case = generate_uterus_fibroid(2, [FibroidSpec("2", 16.0), FibroidSpec("4", 12.0)], CONFIG)
    source = synthesize_series(case.image)
    document = metrics_document(case.image, case.labels, "uterus-fibroid")
    seg, entries = build_seg(case.labels, source, "uterus-fibroid")
    return document, seg, entries, source


@pytest.fixture(scope="module")
def fibroid_sr(fibroid_inputs, tmp_path_factory):
    """The case's SR, written and read back with pydicom, and its metrics document."""
    path = tmp_path_factory.mktemp("sr") / "sr.dcm"
    build_sr(*fibroid_inputs).save_as(path, enforce_file_format=True)
    return pydicom.dcmread(path), fibroid_inputs[0]


def _groups(sr) -> dict[str, list]:
    """Measurement groups of the Imaging Measurements container (DCM 126010) by Tracking Identifier text."""
    container = next(item for item in sr.ContentSequence if _name(item)[:2] == ("126010", "DCM"))
    groups = {}
    for group in container.ContentSequence:
        identifier = next(item.TextValue for item in group.ContentSequence if _name(item)[:2] == ("112039", "DCM"))
        groups[str(identifier)] = list(group.ContentSequence)
    return groups


def _nums(items, concept: tuple[str, str, str]) -> list[tuple[float, tuple[str, str]]]:
    """Value and UCUM unit of each NUM item named ``concept`` (value, scheme and meaning)."""
    found = []
    for item in items:
        if item.ValueType == "NUM" and _name(item) == concept:
            unit = item.MeasuredValueSequence[0].MeasurementUnitsCodeSequence[0]
            found.append((float(item.MeasuredValueSequence[0].NumericValue),
                          (str(unit.CodeValue), str(unit.CodingSchemeDesignator))))
    return found


def test_series_number_is_902(fibroid_sr):
    sr, _ = fibroid_sr
    assert sr.SeriesNumber == 902


def test_procedure_reported_is_imaging_procedure(fibroid_sr):
    """TID 1500 row 4: "Procedure reported" (DCM 121058), here SCT 363679005 "Imaging procedure" (CID 100)."""
    sr, _ = fibroid_sr
    reported = [item for item in sr.ContentSequence if _name(item)[:2] == ("121058", "DCM")]
    assert len(reported) == 1
    assert reported[0].RelationshipType == "HAS CONCEPT MOD" and reported[0].ValueType == "CODE"
    assert _value(reported[0]) == ("363679005", "SCT", "Imaging procedure")


def test_notice_is_a_comment_in_the_qualitative_evaluations_container(fibroid_sr):
    """TID 1500 row 12: a "Qualitative Evaluations" container (UMLS C0034375) at the report's root; the
    notice is its TEXT "Comment" (DCM 121106)."""
    sr, document = fibroid_sr
    containers = [item for item in sr.ContentSequence if item.ValueType == "CONTAINER"
                  and _name(item)[:2] == ("C0034375", "UMLS")]
    assert len(containers) == 1
    container = containers[0]
    assert _name(container) == ("C0034375", "UMLS", "Qualitative Evaluations")
    assert container.RelationshipType == "CONTAINS"
    items = list(container.ContentSequence)
    assert [(item.RelationshipType, item.ValueType, _name(item)) for item in items] == [
        ("CONTAINS", "TEXT", ("121106", "DCM", "Comment"))]
    assert items[0].TextValue == document["notice"]
    assert "synthetic phantoms" in items[0].TextValue


MAX_3D_DIAMETER = ("L0JK", "IBSI", "Maximum 3D diameter")
SURFACE_AREA = ("C0JK", "IBSI", "Surface area")


def test_every_group_with_a_shape_reports_its_maximum_diameter_and_surface_area(fibroid_sr):
    """Each segment group (and the uterus summary group) has exactly one maximum 3D diameter in mm and one
    surface area in mm2, equal to the metrics of its structure or fibroid."""
    sr, document = fibroid_sr
    groups = _groups(sr)
    fibroids = document["fibroid_map"]["fibroids"]
    expected = {"Myometrium": document["structures"]["myometrium"],
                "Endometrium": document["structures"]["endometrium"],
                "Fibroid 1": fibroids[0], "Fibroid 2": fibroids[1],
                "uterus": document["structures"]["uterus"]}
    assert set(expected) <= set(groups)
    for name, figures in expected.items():
        assert figures["max_feret_diameter_mm"] is not None and figures["surface_area_mm2"] is not None
        diameter = _nums(groups[name], MAX_3D_DIAMETER)
        area = _nums(groups[name], SURFACE_AREA)
        assert len(diameter) == 1, f"{name}: {diameter}"
        assert len(area) == 1, f"{name}: {area}"
        assert diameter[0][0] == pytest.approx(figures["max_feret_diameter_mm"], rel=1e-9), name
        assert diameter[0][1] == ("mm", "UCUM"), name
        assert area[0][0] == pytest.approx(figures["surface_area_mm2"], rel=1e-9), name
        assert area[0][1] == ("mm2", "UCUM"), name


def test_fibroid_figo_type_and_funaki_class_value_codes(fibroid_sr):
    """A fibroid's FIGO type and Funaki class are CODE items whose values name the class in their meaning:
    "FIGO type <type>", "Funaki class <class>" (private scheme 99GYNAI)."""
    sr, document = fibroid_sr
    groups = _groups(sr)
    for number, fibroid in enumerate(document["fibroid_map"]["fibroids"], start=1):
        codes = {_name(item)[0]: _value(item) for item in groups[f"Fibroid {number}"] if item.ValueType == "CODE"}
        figo, funaki = fibroid["figo_type"], fibroid["funaki_class"]
        assert figo and funaki, fibroid
        assert codes["GYNAI-0100"] == (f"FIGO-{figo}", "99GYNAI", f"FIGO type {figo}")
        assert codes["GYNAI-0101"] == (f"FUNAKI-{funaki}", "99GYNAI", f"Funaki class {funaki}")


def test_a_uniform_wall_keeps_its_median_and_its_maximum():
    """The median and the maximum wall thickness share concept and unit and differ only in their derivation
    (SCT Median, SCT Maximum): equal values (a uniform 2 mm wall) are two figures, not one repeated. A
    repeat (same codes, same value) is left out; the same codes with another value are both kept."""
    from gynai.dicom.sr import _distinct, _items

    median, maximum = _items("wall_thickness_mm", 2.0)[0], _items("max_wall_thickness_mm", 2.0)[0]
    kept = _distinct(median + maximum + _items("wall_thickness_mm", 2.0)[0] + _items("wall_thickness_mm", 3.0)[0])
    derivations = [[str(m.ConceptCodeSequence[0].CodeValue) for m in item[0].ContentSequence
                    if str(m.ConceptNameCodeSequence[0].CodeValue) == "121401"] for item in kept]
    values = [float(item[0].MeasuredValueSequence[0].NumericValue) for item in kept]
    assert derivations == [["373099004"], ["56851009"], ["373099004"]]    # DCM 121401 Derivation: Median, Maximum
    assert values == [2.0, 2.0, 3.0]


def test_a_missing_shape_figure_leaves_the_others():
    """A structure without principal diameters (too few voxels) still reports the figures after them: the
    maximum 3D diameter and the surface area, in mm and mm2."""
    from gynai.dicom.sr import _shape_measurements

    items = _shape_measurements({"volume_ml": 1.5, "principal_diameters_mm": None, "max_feret_diameter_mm": 14.0,
                                 "surface_area_mm2": 600.0})
    assert [(_name(item[0]), float(item[0].MeasuredValueSequence[0].NumericValue)) for item in items] == [
        (("118565006", "SCT", "Volume"), 1.5), (MAX_3D_DIAMETER, 14.0), (SURFACE_AREA, 600.0)]


def test_a_long_notice_is_cut_to_1024_characters():
    """The Comment keeps the first 1024 characters of a notice (the length of a DICOM ST text, which older
    SR readers expect of a TEXT item)."""
    from gynai.dicom.sr import _notice_container

    notice = "".join(chr(ord("a") + n % 26) for n in range(1500))
    assert _notice_container(notice).ContentSequence[0].TextValue == notice[:1024]
    assert _notice_container("short").ContentSequence[0].TextValue == "short"


def test_the_sr_is_a_complete_preliminary_unverified_report_made_by_gynai(fibroid_sr):
    """An automated result awaits a reader: Completion COMPLETE, Preliminary PRELIMINARY, Verification
    UNVERIFIED; manufacturer GynAI, instance 1, and a series description that says the source was generated."""
    sr, _ = fibroid_sr
    assert (sr.CompletionFlag, sr.PreliminaryFlag, sr.VerificationFlag) == ("COMPLETE", "PRELIMINARY", "UNVERIFIED")
    assert sr.Manufacturer == "GynAI" and sr.InstanceNumber == 1
    assert sr.SeriesDescription == "GynAI measurements uterus-fibroid (generated source)"


def test_the_series_description_of_a_real_source_says_nothing_of_generation(fibroid_inputs):
    document, seg, entries, source = fibroid_inputs
    real = SourceSeries(source.datasets, generated=False)
    assert build_sr(document, seg, entries, real).SeriesDescription == "GynAI measurements uterus-fibroid"


def test_the_observer_is_the_gynai_device(fibroid_sr):
    """TID 1002/1004 at the report's root: Observer Type (DCM 121005) Device (DCM 121007), with its UID, name,
    manufacturer and model name (DCM 121012-121015)."""
    sr, _ = fibroid_sr
    context = {_name(item)[0]: item for item in sr.ContentSequence if item.RelationshipType == "HAS OBS CONTEXT"}
    assert _name(context["121005"]) == ("121005", "DCM", "Observer Type")
    assert _value(context["121005"]) == ("121007", "DCM", "Device")
    assert context["121012"].ValueType == "UIDREF" and context["121012"].UID.startswith("2.25.")
    assert [str(context[code].TextValue) for code in ("121013", "121014", "121015")] == ["GynAI", "GynAI", "gynai"]


def _algorithms(sr) -> set[tuple[str, str]]:
    """(Algorithm Name DCM 111001, Algorithm Version DCM 111003) of every measurement group."""
    container = next(item for item in sr.ContentSequence if _name(item)[:2] == ("126010", "DCM"))
    found = set()
    for group in container.ContentSequence:
        texts = {_name(item)[0]: str(item.TextValue) for item in group.ContentSequence if item.ValueType == "TEXT"}
        found.add((texts["111001"], texts["111003"]))
    return found


def test_every_group_names_the_model_that_made_it(fibroid_sr, fibroid_inputs):
    """Without model information the algorithm is "gynai <task>" at GynAI's version; with it, the model's
    own name and version, in every group (segment groups and summary groups alike)."""
    sr, _ = fibroid_sr
    assert _algorithms(sr) == {("gynai uterus-fibroid", gynai.__version__)}
    named = build_sr(*fibroid_inputs, model={"name": "uterus-fibroid-mr", "version": "0.3.1"})
    assert _algorithms(named) == {("uterus-fibroid-mr", "0.3.1")}


def test_a_yes_no_finding_in_a_summary_group_is_a_qualitative_evaluation(fibroid_inputs):
    """No task puts a yes/no figure in a summary group today; one that did would still report it as a
    qualitative evaluation (SCT Yes) beside the group's measurements."""
    import highdicom as hd

    from gynai.dicom.sr import _summary_groups
    from gynai.metrics.findings import Finding
    from gynai.metrics.results.document import MetricsDocument
    from gynai.tasks import get_task

    metrics = MetricsDocument.from_json(fibroid_inputs[0])
    rows = [Finding("fibroids", "bladder_contact", "Placenta-bladder contact", True, "1"),
            Finding("fibroids", "wall_thickness_mm", "Wall thickness", 2.0, "mm")]
    algorithm = hd.sr.AlgorithmIdentification(name="gynai", version="1")
    [group] = _summary_groups(metrics, get_task("uterus-fibroid"), {"fibroids": rows}, algorithm)
    items = list(group[0].ContentSequence)
    assert [(_name(item)[0], _value(item)) for item in items if _name(item)[0] == "GYNAI-0117"] == [
        ("GYNAI-0117", ("373066001", "SCT", "Yes"))]
    assert [float(item.MeasuredValueSequence[0].NumericValue) for item in items if item.ValueType == "NUM"] == [2.0]
