"""FIGO typing against analytic scenes (figo_scenes.py): every type 0-8 and hybrids, three or more cases
each, on isotropic, thick-slice and oblique grids, with the protrusion depths and diameter fractions that
define them."""

import sys
from pathlib import Path

import numpy as np
import pytest

from gynai.image import Geometry, LabelImage
from gynai.metrics.fibroid_map import fibroid_map
from gynai.metrics.figo import classify_fibroid
from gynai.metrics.shape import max_feret_diameter_mm
from gynai.tasks import get_task

sys.path.insert(0, str(Path(__file__).resolve().parent))
from figo_scenes import AXIAL, CAVITY_MM, FIVE_MM, OBLIQUE, THICK, Scene, scene  # noqa: E402

J = CAVITY_MM          # the junction (cavity contour) on the fibroid's axis


def _classify(case: Scene):
    radius = max_feret_diameter_mm(case.fibroid, Geometry(case.spacing_xyz_mm)) / 2
    return classify_fibroid(case.fibroid, case.endometrium, case.uterus, case.spacing_xyz_mm, radius, case.cervix)


def _wall(r: float, wall: float = 30.0) -> float:
    return J + wall


CASES = {
    # type 0: intracavitary, wrapped in endometrium (thicker than a slice), on a thin stalk or none visible
    "0-stalk-axial": ("0", lambda: scene(AXIAL, 8.0, J - 11.0, drape="all", stalk_to="wall")),
    "0-stalk-thick": ("0", lambda: scene(THICK, 10.0, J - 13.0, drape="all", stalk_to="wall", drape_mm=4.0)),
    "0-no-stalk-oblique": ("0", lambda: scene(OBLIQUE, 9.0, J - 12.0, drape="all", drape_mm=4.0)),
    # type 1: sessile, more than half its diameter in the cavity
    "1-axial": ("1", lambda: scene(AXIAL, 10.0, J - 4.0, drape="cavity-side")),
    "1-thick": ("1", lambda: scene(THICK, 12.0, J - 5.0, drape="cavity-side")),
    "1-oblique": ("1", lambda: scene(OBLIQUE, 11.0, J - 4.0, drape="cavity-side")),
    # type 2: indenting the cavity by less than half its diameter; the large one by 4 mm only
    "2-axial": ("2", lambda: scene(AXIAL, 10.0, J + 3.0, drape="cavity-side")),
    "2-thick": ("2", lambda: scene(THICK, 12.0, J + 4.0, drape="cavity-side")),
    "2-oblique": ("2", lambda: scene(OBLIQUE, 10.0, J + 3.0, drape="cavity-side")),
    "2-large-4mm": ("2", lambda: scene(AXIAL, 25.0, J + 21.0, wall_mm=60.0, drape="cavity-side")),
    "2-large-4mm-oblique": ("2", lambda: scene(OBLIQUE, 25.0, J + 21.0, wall_mm=60.0, drape="cavity-side")),
    # type 3: touching the endometrium (tangent within 0.3 mm: neighbouring voxels), nothing in the cavity
    "3-axial": ("3", lambda: scene(AXIAL, 8.0, J + 8.3)),
    "3-thick": ("3", lambda: scene(THICK, 10.0, J + 9.9)),
    "3-oblique": ("3", lambda: scene(OBLIQUE, 9.0, J + 9.3)),
    # type 4: intramural, clear of both
    "4-axial": ("4", lambda: scene(AXIAL, 8.0, J + 15.0)),
    "4-thick": ("4", lambda: scene(THICK, 9.0, J + 15.0)),
    "4-oblique": ("4", lambda: scene(OBLIQUE, 7.0, J + 15.0)),
    # type 5: less than half its diameter beyond the serosa (0.35)
    "5-axial": ("5", lambda: scene(AXIAL, 10.0, _wall(10) - 3.0)),
    "5-thick": ("5", lambda: scene(THICK, 12.0, _wall(12) - 3.6)),
    "5-oblique": ("5", lambda: scene(OBLIQUE, 10.0, _wall(10) - 3.0)),
    "5-five-mm": ("5", lambda: scene(FIVE_MM, 14.0, _wall(14) - 4.2)),
    # type 6: sessile (broad base), more than half beyond the serosa, up to 90 % of the diameter
    "6-axial": ("6", lambda: scene(AXIAL, 10.0, _wall(10) + 3.0)),
    "6-thick": ("6", lambda: scene(THICK, 12.0, _wall(12) + 6.0)),
    "6-sessile-90-axial": ("6", lambda: scene(AXIAL, 10.0, _wall(10) + 8.0)),
    "6-sessile-90-oblique": ("6", lambda: scene(OBLIQUE, 12.0, _wall(12) + 9.6)),
    # type 7: outside the serosa on a stalk
    "7-axial": ("7", lambda: scene(AXIAL, 10.0, _wall(10) + 16.0, stalk_to="serosa")),
    "7-thick": ("7", lambda: scene(THICK, 9.0, _wall(9) + 14.0, stalk_to="serosa", stalk_radius_mm=2.5)),
    "7-oblique": ("7", lambda: scene(OBLIQUE, 11.0, _wall(11) + 17.0, stalk_to="serosa")),
    # type 8: in the (segmented) cervix
    "8-axial": ("8", lambda: scene(AXIAL, 8.0, 0.0, cervix=True)),
    "8-thick": ("8", lambda: scene(THICK, 10.0, 0.0, cervix=True)),
    "8-oblique": ("8", lambda: scene(OBLIQUE, 9.0, 0.0, cervix=True)),
    # hybrid 2-5: transmural, protruding 4 mm on each side
    "2-5-axial": ("2-5", lambda: scene(AXIAL, 19.0, J + 15.0, drape="cavity-side")),
    "2-5-thick": ("2-5", lambda: scene(THICK, 19.0, J + 15.0, drape="cavity-side")),
    "2-5-oblique": ("2-5", lambda: scene(OBLIQUE, 19.0, J + 15.0, drape="cavity-side")),
    # hybrid 2-6: indenting the cavity, more than half beyond the serosa of a thin wall
    "2-6-axial": ("2-6", lambda: scene(AXIAL, 16.0, J + 14.0, wall_mm=10.0, drape="cavity-side")),
    "2-6-thick": ("2-6", lambda: scene(THICK, 16.0, J + 14.0, wall_mm=10.0, drape="cavity-side")),
    "2-6-oblique": ("2-6", lambda: scene(OBLIQUE, 16.0, J + 14.0, wall_mm=10.0, drape="cavity-side")),
}


@pytest.mark.parametrize("name", list(CASES))
def test_figo_type_of_analytic_fibroids(name):
    expected, build = CASES[name]
    result = _classify(build())
    assert result.figo_type == expected, result
    if expected == "3":
        assert result.touches_endometrium


def test_large_fibroid_indenting_the_cavity_4_mm_is_type_2_with_its_depth():
    """The old 3 %-of-volume cut-off typed this 3: 4 mm of a 50 mm fibroid is under 1 % of its volume."""
    for grid in (AXIAL, OBLIQUE):
        result = _classify(scene(grid, 25.0, J + 21.0, wall_mm=60.0, drape="cavity-side"))
        assert result.figo_type == "2"
        assert result.depth_into_cavity_mm == pytest.approx(4.0, abs=max(grid.spacing_xyz_mm))
        assert result.diameter_fraction_in_cavity == pytest.approx(4.0 / 50.0, abs=0.04)


def test_transmural_fibroid_protruding_4_mm_each_side_is_2_5():
    result = _classify(scene(AXIAL, 19.0, J + 15.0, drape="cavity-side"))
    assert result.figo_type == "2-5"
    assert result.depth_into_cavity_mm == pytest.approx(4.0, abs=1.0)
    assert result.depth_beyond_serosa_mm == pytest.approx(4.0, abs=1.0)


@pytest.mark.parametrize("grid", [AXIAL, THICK, OBLIQUE], ids=["axial", "thick", "oblique"])
def test_expected_serosa_does_not_sag_into_the_gap(grid):
    """A type 5 ball with 0.35 of its diameter (7 of 20 mm) beyond the serosa: the fitted contour spans
    the gap, so the fraction is measured as 0.35 (the rolling-ball closing measured about twice that)."""
    result = _classify(scene(grid, 10.0, _wall(10) - 3.0))
    assert result.figo_type == "5"
    assert result.diameter_fraction_outside == pytest.approx(0.35, abs=0.06)
    assert result.depth_beyond_serosa_mm == pytest.approx(7.0, abs=max(grid.spacing_xyz_mm))
    true_volume_fraction = np.pi * 7.0 ** 2 * (3 * 10.0 - 7.0) / 3 / (4 / 3 * np.pi * 10.0 ** 3)
    assert result.fraction_outside == pytest.approx(true_volume_fraction, abs=0.05)


@pytest.mark.parametrize("grid", [AXIAL, OBLIQUE], ids=["axial", "oblique"])
def test_sessile_versus_pedunculated_subserosal(grid):
    """90 % of the diameter outside on a broad base is 6; on a 2 mm stalk it is 7."""
    sessile = _classify(scene(grid, 10.0, _wall(10) + 8.0))
    assert sessile.figo_type == "6" and not sessile.pedunculated
    # a 12 mm base; the attachment includes voxels touching the wall diagonally: up to 1.5 slices wider
    assert sessile.neck_width_mm == pytest.approx(2 * np.sqrt(10.0 ** 2 - 8.0 ** 2), abs=1.5 * max(grid.spacing_xyz_mm))
    pedunculated = _classify(scene(grid, 10.0, _wall(10) + 16.0, stalk_to="serosa"))
    assert pedunculated.figo_type == "7" and pedunculated.pedunculated
    assert pedunculated.neck_width_mm < 8.0


@pytest.mark.parametrize("grid", [AXIAL, THICK, OBLIQUE], ids=["axial", "thick", "oblique"])
def test_a_fibroid_detached_from_the_uterus_is_left_to_the_reader(grid):
    """A subserosal fibroid whose stalk was not segmented is not called parasitic (type 8)."""
    result = _classify(scene(grid, 10.0, _wall(10) + 14.0))
    assert result.figo_type is None
    assert result.note.startswith("unclassified — reader to decide")


def test_type_8_needs_the_cervix_segmented():
    case = scene(AXIAL, 8.0, 0.0, cervix=True)
    assert _classify(case).figo_type == "8"
    corpus_only = Scene(case.fibroid, case.endometrium, case.uterus, case.spacing_xyz_mm, None)
    assert _classify(corpus_only).figo_type is None          # without a cervix label: reader to decide


def test_fibroid_map_reports_depths_fractions_and_notes():
    case = scene(AXIAL, 10.0, _wall(10) + 8.0)
    labels = np.zeros(case.uterus.shape, np.uint8)
    labels[case.uterus] = 1
    labels[case.endometrium] = 2
    labels[case.fibroid] = 3
    result = fibroid_map(LabelImage(labels, Geometry(case.spacing_xyz_mm), get_task("uterus-fibroid").labels))
    fibroid = result["fibroids"][0]
    assert fibroid["figo_type"] == "6" and fibroid["figo_note"] is None and fibroid["pedunculated"] is False
    assert fibroid["diameter_fraction_outside_uterus"] == pytest.approx(0.9, abs=0.06)
    assert fibroid["depth_beyond_serosa_mm"] == pytest.approx(18.0, abs=1.0)
    assert fibroid["depth_into_cavity_mm"] == 0.0


def _cap_fraction(height_mm: float, radius_mm: float) -> float:
    """Volume fraction of a sphere beyond a plane cutting a cap of ``height_mm`` (analytic)."""
    return height_mm ** 2 * (3 * radius_mm - height_mm) / (4 * radius_mm ** 3)


@pytest.mark.parametrize("grid", [AXIAL, THICK, OBLIQUE], ids=["axial", "thick", "oblique"])
def test_volume_fractions_in_the_cavity_in_the_wall_and_outside_are_the_analytic_caps(grid):
    submucosal = _classify(scene(grid, 10.0, J - 4.0, drape="cavity-side"))      # a 14 mm cap in the cavity
    in_cavity = _cap_fraction(14.0, 10.0)                                          # 0.784
    assert submucosal.fraction_cavity == pytest.approx(in_cavity, abs=0.05)
    assert submucosal.fraction_outside == 0.0
    assert submucosal.fraction_intramural == pytest.approx(1.0 - in_cavity, abs=0.05)
    transmural = _classify(scene(grid, 19.0, J + 15.0, drape="cavity-side"))     # 4 mm caps on each side
    cap = _cap_fraction(4.0, 19.0)                                                 # 0.031
    assert transmural.fraction_cavity == pytest.approx(cap, abs=0.012)
    assert transmural.fraction_outside == pytest.approx(cap, abs=0.012)
    assert transmural.fraction_intramural == pytest.approx(1.0 - 2 * cap, abs=0.012)
