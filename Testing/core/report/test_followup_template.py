"""Follow-up report section: figures a prior document does not give read "not assessed" (no TypeError)."""

import copy
import json

import pytest

from gynai.followup import compare_studies
from gynai.metrics.document import metrics_document
from gynai.phantom import FibroidSpec, PhantomConfig, generate_uterus_fibroid
from gynai.report.blocks import Paragraph, Table
from gynai.report.html_report import render_report_html
from gynai.report.model import report_model
from gynai.case import write_report
from gynai.report.templates.followup import followup_section

SMALL = PhantomConfig(spacing_mm=(2.0, 2.0, 4.0), size_xyz=(96, 96, 20))
TASK = "uterus-fibroid"
DIAMETER_KEYS = ("max_feret_diameter_mm", "diameters_mm", "obb_diameters_mm")


@pytest.fixture(scope="module")
def study():
    case = generate_uterus_fibroid(6, [FibroidSpec("4", 16.0)], SMALL)
    return case, metrics_document(case.image, case.labels, TASK)


def without_diameters(document: dict) -> dict:
    """A prior document as an older tool may have written it: lesions without any diameter."""
    prior = copy.deepcopy(document)
    for fibroid in prior["fibroid_map"]["fibroids"]:
        for key in DIAMETER_KEYS:
            fibroid.pop(key, None)
    prior.pop("fibroids", None)
    return prior


def test_prior_without_diameters_renders_not_assessed(study, tmp_path):
    case, document = study
    followup = compare_studies(document, without_diameters(document), prior_label="2023 study")
    [match] = followup["matched_lesions"]
    assert match["prior_max_diameter_mm"] is None and match["current_max_diameter_mm"] is not None
    table = next(block for block in followup_section(followup).blocks if isinstance(block, Table))
    assert table.rows[0][-1] == f"not assessed → {match['current_max_diameter_mm']:.1f}"
    # the whole report renders in every format
    out = tmp_path / "report"
    write_report(case.image, case.labels, TASK, out, ("json", "html", "pdf"), document,
                 prior={"metrics": without_diameters(document), "labels": None, "label": "2023 study"})
    html = (out / "report.html").read_text()
    assert f"not assessed → {match['current_max_diameter_mm']:.1f}" in html
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
    written = json.loads((out / "report.json").read_text())["followup"]
    assert written["matched_lesions"][0]["prior_max_diameter_mm"] is None


def test_every_missing_figure_reads_not_assessed(study):
    _, document = study
    followup = compare_studies(document, document)
    followup["matched_lesions"][0].update(prior_max_diameter_mm=None, current_max_diameter_mm=None,
                                          prior_ml=None, change_ml=None, change_percent=None)
    followup["disappeared_lesions"].append({"prior_id": 9, "volume_ml": None, "max_diameter_mm": None,
                                            "in_current_field_of_view": None})
    followup["alignment"].update(rotation_deg=None, translation_mm=None)
    followup["organ"].update(prior_ml=None, change_percent=None)
    section = followup_section(followup)
    table = next(block for block in section.blocks if isinstance(block, Table))
    assert table.rows[0][1:] == ("not assessed", table.rows[0][2], "not assessed", "not assessed",
                                 "not assessed → not assessed")
    assert table.rows[-1] == ("gone: 9", "not assessed", "—", "not assessed", "disappeared", "—")
    texts = [block.text for block in section.blocks if isinstance(block, Paragraph)]
    assert "rotation not assessed, shift not assessed" in texts[-1]
    assert "volume not assessed →" in texts[0]
    assert "not assessed → not assessed" in render_report_html(report_model(document, followup=followup))
