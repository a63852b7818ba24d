"""FIGO typing at its edges: exact depths on voxel-aligned slabs with anisotropic voxels, the boundaries
of the FIGO cut-offs and of the stalk rule, fibroids cut by the image border, wholly intracavitary or
subserosal fibroids, covered subserosal fibroids, and the notes a reader sees when a fibroid is not typed.

The slab phantoms are built in voxel layers along y (the contours' normal), so the expected contours are
exact planes and every figure has a hand-computed value: the serosa lies midway between the uterus's last
layer and the first outside layer, the endometrial-myometrial junction midway between the cavity's last
layer and the first wall layer; a fibroid reaching ``n`` layers past a contour reaches ``n`` × the slice
spacing along y beyond it, and a box fibroid of ``L`` layers has ``n / L`` of its diameter and volume there.
"""

import dataclasses
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage

from gynai.errors import LabelError
from gynai.image import Geometry
from gynai.metrics.figo import (NOT_REACHED, SideGeometry, FigoResult, _cavity_code, _combine, _serosal_code,
                                classify_fibroid)
from gynai.metrics.shape import max_feret_diameter_mm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from figo_scenes import AXIAL, CAVITY_MM, OBLIQUE, Scene, scene  # noqa: E402

SEROSAL_NOTE = "unclassified — reader to decide: the serosal contour around the fibroid could not be reconstructed"
CAVITY_NOTE = "unclassified — reader to decide: the cavity contour around the fibroid could not be reconstructed"
DETACHED_NOTE = ("unclassified — reader to decide: the fibroid touches no segmented uterine tissue "
                 "(a pedunculated fibroid whose stalk was not segmented, or a ligamentous or parasitic one)")


def _classify(case: Scene):
    radius = max_feret_diameter_mm(case.fibroid, Geometry(case.spacing_xyz_mm)) / 2
    return classify_fibroid(case.fibroid, case.endometrium, case.uterus, case.spacing_xyz_mm, radius, case.cervix)


# --- voxel-aligned slabs -------------------------------------------------------------------------------

CAVITY_LAYERS, WALL_LAYERS, OUTSIDE_LAYERS = 4, 6, 4
BOX_I, BOX_K = (20, 30), (12, 20)          # the fibroid box: 10 columns (x) by 8 slices (z)
SHAPE_K, SHAPE_I = 32, 50                   # at least 14.5 mm of slab around the box on every side


def _slab(spacing_xyz, into_cavity: int, beyond_serosa: int, posterior: bool = False):
    """Cavity layers at the bottom (j = 0 ..), then the wall, then the outside; a box fibroid reaching
    ``into_cavity`` layers into the cavity and ``beyond_serosa`` layers past the serosa. ``posterior``
    mirrors the scene along y (a fibroid in the posterior wall, the cavity above it)."""
    layers = CAVITY_LAYERS + WALL_LAYERS + OUTSIDE_LAYERS
    j = np.arange(layers)[None, :, None] * np.ones((SHAPE_K, 1, SHAPE_I), bool)
    uterus = j < CAVITY_LAYERS + WALL_LAYERS
    cavity = j < CAVITY_LAYERS
    fibroid = np.zeros_like(uterus)
    fibroid[BOX_K[0]:BOX_K[1], CAVITY_LAYERS - into_cavity:CAVITY_LAYERS + WALL_LAYERS + beyond_serosa,
            BOX_I[0]:BOX_I[1]] = True
    if posterior:
        uterus, cavity, fibroid = uterus[:, ::-1].copy(), cavity[:, ::-1].copy(), fibroid[:, ::-1].copy()
    return fibroid, cavity & ~fibroid, uterus | fibroid


def _box_diagonal_mm(spacing_xyz, layers: int) -> float:
    sx, sy, sz = spacing_xyz
    return math.sqrt(((BOX_I[1] - BOX_I[0] - 1) * sx) ** 2 + ((layers - 1) * sy) ** 2
                     + ((BOX_K[1] - BOX_K[0] - 1) * sz) ** 2)


SLAB_GRIDS = {"2-mm-slices": (1.0, 2.0, 1.5), "half-mm-slices": (1.0, 0.5, 1.5)}


@pytest.mark.parametrize("posterior", [False, True], ids=["anterior", "posterior"])
@pytest.mark.parametrize("grid", list(SLAB_GRIDS))
def test_transmural_box_depths_are_the_layers_past_each_contour_times_the_slice_spacing(grid, posterior):
    """2 layers in the cavity and 2 past the serosa of a 10-layer box: 2 × spacing deep on each side,
    0.2 of the diameter and of the volume each, 0.6 intramural: FIGO 2-5."""
    spacing = SLAB_GRIDS[grid]
    fibroid, endometrium, uterus = _slab(spacing, into_cavity=2, beyond_serosa=2, posterior=posterior)
    radius = _box_diagonal_mm(spacing, 10) / 2
    result = classify_fibroid(fibroid, endometrium, uterus, spacing, radius)
    slice_mm = spacing[1]
    assert result.figo_type == "2-5"
    assert result.depth_into_cavity_mm == pytest.approx(2 * slice_mm, abs=1e-6)
    assert result.depth_beyond_serosa_mm == pytest.approx(2 * slice_mm, abs=1e-6)
    assert result.diameter_fraction_in_cavity == pytest.approx(0.2, abs=1e-6)
    assert result.diameter_fraction_outside == pytest.approx(0.2, abs=1e-6)
    assert result.fraction_cavity == pytest.approx(0.2, abs=1e-9)
    assert result.fraction_outside == pytest.approx(0.2, abs=1e-9)
    assert result.fraction_intramural == pytest.approx(0.6, abs=1e-9)
    assert result.touches_endometrium and not result.pedunculated


def test_a_fibroid_cut_by_the_image_border_is_measured_with_all_its_voxels():
    """The box's first column is the image's first column: its attachment still spans the whole box
    (corner to corner: 9 columns, 8 layers from the cavity's last layer to the first outside one, 7 slices)."""
    spacing = SLAB_GRIDS["2-mm-slices"]
    fibroid, endometrium, uterus = _slab(spacing, into_cavity=2, beyond_serosa=2)
    cut = (slice(None), slice(None), slice(BOX_I[0], None))
    result = classify_fibroid(fibroid[cut], endometrium[cut], uterus[cut], spacing, _box_diagonal_mm(spacing, 10) / 2)
    assert result.figo_type == "2-5"
    assert result.neck_width_mm == pytest.approx(math.sqrt(9.0 ** 2 + (7 * 2.0) ** 2 + (7 * 1.5) ** 2), abs=1e-6)
    assert result.fraction_cavity == pytest.approx(0.2, abs=1e-9)


def test_a_neck_exactly_half_the_largest_diameter_counts_as_a_stalk():
    """Pedunculated: the attachment is no wider than half the largest diameter (≤, not <). The box's
    attachment (its sides, from the cavity's last layer to the first outside layer) spans corner to corner
    9 columns, 7 layers and 7 slices; the fibroid is stated to be twice that wide."""
    spacing = SLAB_GRIDS["2-mm-slices"]
    fibroid, endometrium, uterus = _slab(spacing, into_cavity=2, beyond_serosa=2)
    neck = math.sqrt(9.0 ** 2 + (7 * 2.0) ** 2 + (7 * 1.5) ** 2)
    result = classify_fibroid(fibroid, endometrium, uterus, spacing, radius_mm=neck)
    assert result.neck_width_mm == pytest.approx(neck, abs=1e-9)
    assert result.pedunculated


def test_a_segmented_cervix_away_from_a_corpus_fibroid_does_not_make_it_type_8():
    spacing = SLAB_GRIDS["2-mm-slices"]
    fibroid, endometrium, uterus = _slab(spacing, into_cavity=2, beyond_serosa=2)
    cervix = np.zeros_like(uterus)
    cervix[:3] = uterus[:3]                         # the lowest three slices, 13.5 mm below the fibroid
    result = classify_fibroid(fibroid, endometrium & ~cervix, uterus & ~cervix, spacing,
                              _box_diagonal_mm(spacing, 10) / 2, cervix)
    assert result.figo_type == "2-5"


def test_a_small_cavity_beside_the_fibroid_is_fitted_from_a_ring_that_starts_closer():
    """The cavity reaches only 2 mm (3 mm) past the box's sides: no junction lies beyond the excluded band
    (2.5 mm plus one voxel), so the ring starts closer. The box reaches 2 of its 6 layers into the cavity:
    2 mm deep, a third of its diameter and volume, FIGO 2."""
    for reach_mm in (2.0, 3.0):
        fibroid, endometrium, uterus = _small_cavity_slab(reach_mm)
        radius = _box_diagonal_mm((1.0, 1.0, 1.0), 6) / 2
        result = classify_fibroid(fibroid, endometrium, uterus, (1.0, 1.0, 1.0), radius)
        assert result.figo_type == "2", (reach_mm, result)
        assert result.depth_into_cavity_mm == pytest.approx(2.0, abs=1e-6)
        assert result.diameter_fraction_in_cavity == pytest.approx(1 / 3, abs=1e-6)
        assert result.fraction_cavity == pytest.approx(1 / 3, abs=1e-9)


def _small_cavity_slab(reach_mm: float):
    """Slab layers on a 1 mm grid (cavity 0-3, wall 4-9, outside 10-13); the cavity only within
    ``reach_mm`` (in x-z) of the box, which spans layers 2-7."""
    layers = CAVITY_LAYERS + WALL_LAYERS + OUTSIDE_LAYERS
    j = np.arange(layers)[None, :, None] * np.ones((SHAPE_K, 1, SHAPE_I), bool)
    fibroid = np.zeros(j.shape, bool)
    fibroid[BOX_K[0]:BOX_K[1], 2:8, BOX_I[0]:BOX_I[1]] = True
    k, i = np.meshgrid(np.arange(SHAPE_K), np.arange(SHAPE_I), indexing="ij")
    beside_k = np.maximum(np.maximum(BOX_K[0] - k, k - (BOX_K[1] - 1)), 0)
    beside_i = np.maximum(np.maximum(BOX_I[0] - i, i - (BOX_I[1] - 1)), 0)
    near = (np.hypot(beside_k, beside_i) <= reach_mm)[:, None, :]
    cavity = (j < CAVITY_LAYERS) & near
    return fibroid, cavity & ~fibroid, (j < CAVITY_LAYERS + WALL_LAYERS) | fibroid


def test_a_junction_of_just_six_points_in_the_ring_is_still_fitted():
    """A fibroid touching a small patch of endometrium (one layer at the image border, 3 × 4 or 2 × 5
    voxels, partly under the fibroid) without indenting it: type 3. Only six patch voxels lie beyond the
    fibroid's neighbourhood, the fewest a contour is fitted to."""
    uterus = np.ones((SHAPE_K, 14, SHAPE_I), bool)
    fibroid = np.zeros_like(uterus)
    fibroid[BOX_K[0]:BOX_K[1], 1:7, BOX_I[0]:BOX_I[1]] = True
    for rows, columns in ((3, 4), (2, 5)):
        endometrium = np.zeros_like(uterus)
        endometrium[13:13 + rows, 0, BOX_I[1] - 1:BOX_I[1] - 1 + columns] = True
        result = classify_fibroid(fibroid, endometrium, uterus, (1.0, 1.0, 1.0), 7.0)
        assert result.note is None, (rows, columns, result.note)
        assert result.figo_type == "3" and result.touches_endometrium


def test_a_covered_fibroid_in_a_tight_field_of_view_is_measured_against_the_serosa_not_its_cover():
    """The transmural box (3 of its 11 layers past the serosa) covered by 2 mm of serosa, in an image that
    ends 5-8 mm beside it: the ring beyond the excluded band holds enough serosa, so the cover (a wider
    ring nearer the fibroid would hold more points, on the cover) is not fitted: 3 mm, 3/11 of the diameter."""
    fibroid, endometrium, uterus = _slab((1.0, 1.0, 1.0), into_cavity=2, beyond_serosa=3)
    ball = np.linalg.norm(np.indices((5, 5, 5)) - 2.0, axis=0) <= 2.0
    covered = uterus | ndimage.binary_dilation(fibroid, ball)
    for margin in (5, 6, 8):
        view = (slice(BOX_K[0] - margin, BOX_K[1] + margin), slice(None),
                slice(BOX_I[0] - margin, BOX_I[1] + margin))
        result = classify_fibroid(fibroid[view], endometrium[view], covered[view], (1.0, 1.0, 1.0), 9.0)
        assert result.figo_type == "2-5"
        assert result.depth_beyond_serosa_mm == pytest.approx(3.0, abs=1e-6), margin
        assert result.diameter_fraction_outside == pytest.approx(3 / 11, abs=1e-6)


# --- wholly intracavitary or subserosal -----------------------------------------------------------------

def test_intracavitary_fibroid_without_a_visible_stalk_is_wholly_in_the_cavity_with_no_neck():
    """Type 0 without any attachment to the wall: all of its diameter and volume are in the cavity, and
    the neck (no attachment at all) is 0 mm wide."""
    case = scene(OBLIQUE, 9.0, CAVITY_MM - 12.0, drape="all", drape_mm=4.0)
    radius = max_feret_diameter_mm(case.fibroid, Geometry(case.spacing_xyz_mm)) / 2
    result = classify_fibroid(case.fibroid, case.endometrium, case.uterus, case.spacing_xyz_mm, radius)
    assert result.figo_type == "0"
    assert result.neck_width_mm == 0.0 and result.pedunculated
    assert result.diameter_fraction_in_cavity == 1.0
    assert result.fraction_cavity == 1.0
    assert result.depth_into_cavity_mm == pytest.approx(2 * radius)


def test_fibroid_on_a_stalk_wholly_past_a_contour_has_its_whole_diameter_there():
    """A diameter fraction is at most 1: a type 7 ball whose nearest point is 6 mm beyond the serosa, and
    a type 0 ball whose nearest point is 8 mm inside the cavity, each have all of it there."""
    subserosal = _classify(scene(AXIAL, 10.0, CAVITY_MM + 30.0 + 16.0, stalk_to="serosa"))
    assert subserosal.figo_type == "7"
    assert subserosal.diameter_fraction_outside == 1.0
    assert subserosal.fraction_outside == 1.0 and subserosal.fraction_intramural == 0.0
    intracavitary = _classify(scene(AXIAL, 8.0, CAVITY_MM - 11.0, drape="all", stalk_to="wall"))
    assert intracavitary.figo_type == "0"
    assert intracavitary.diameter_fraction_in_cavity == 1.0


def test_a_subserosal_fibroid_covered_by_serosa_is_measured_against_the_expected_serosa():
    """The type 6 ball reaching 18 mm (0.9 of its diameter) beyond the serosa, now covered by 3 mm of
    tissue (serosa drawn over it): the covering lies within the excluded band (2.5 mm plus one voxel), so
    the expected serosa is still the plane and the depth still 18 mm."""
    case = scene(AXIAL, 10.0, CAVITY_MM + 30.0 + 8.0)
    ball = np.linalg.norm(np.indices((7, 7, 7)) - 3.0, axis=0) <= 3.0
    covered = case.uterus | ndimage.binary_dilation(case.fibroid, ball)
    result = _classify(Scene(case.fibroid, case.endometrium, covered, case.spacing_xyz_mm))
    assert result.figo_type == "6"
    assert result.depth_beyond_serosa_mm == pytest.approx(18.0, abs=1.0)
    assert result.diameter_fraction_outside == pytest.approx(0.9, abs=0.06)


# --- the rules at their boundaries ----------------------------------------------------------------------

def test_a_side_is_involved_from_exactly_the_involved_fraction_of_a_voxel():
    assert SideGeometry(0.9, 0.1, 0.05, 1.0).involved
    assert not SideGeometry(0.89, 0.1, 0.05, 1.0).involved
    assert not NOT_REACHED.involved


def test_exactly_half_the_diameter_in_the_cavity_is_type_2():
    """FIGO 1 is < 50 % intramural; exactly half in the cavity is 50 % intramural: type 2 (and not 0)."""
    half = SideGeometry(10.0, 0.5, 0.5, 1.0)
    assert _cavity_code(half, touches=True, pedunculated=False) == "2"
    assert _cavity_code(half, touches=True, pedunculated=True) == "2"
    assert _cavity_code(SideGeometry(10.0, 0.51, 0.5, 1.0), touches=True, pedunculated=False) == "1"


def test_exactly_half_the_diameter_beyond_the_serosa_is_type_5():
    """FIGO 6 is < 50 % intramural; exactly half beyond the serosa is 50 % intramural: type 5 (and not 7)."""
    half = SideGeometry(10.0, 0.5, 0.5, 1.0)
    assert _serosal_code(half, pedunculated=False) == "5"
    assert _serosal_code(half, pedunculated=True) == "5"
    assert _serosal_code(SideGeometry(10.0, 0.51, 0.5, 1.0), pedunculated=False) == "6"


def test_types_0_and_7_stand_alone_in_a_hybrid():
    assert _combine("0", "5") == "0"
    assert _combine("0", None) == "0"
    assert _combine("2", "7") == "7"
    assert _combine(None, "7") == "7"
    assert _combine("2", "5") == "2-5"
    assert _combine(None, None) == "4"


def test_the_intramural_fraction_is_unknown_when_either_side_is_unknown():
    def result(cavity, outside):
        return FigoResult("4", None, 0.0, 0.0, 0.0, 0.0, cavity, outside, False, 5.0, False)

    assert result(None, 0.2).fraction_intramural is None
    assert result(0.2, None).fraction_intramural is None
    assert result(0.2, 0.3).fraction_intramural == pytest.approx(0.5)


def test_results_and_the_shared_not_reached_side_cannot_be_altered():
    """NOT_REACHED is shared by every fibroid clear of a contour; a result goes into a report as is."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        NOT_REACHED.depth_mm = 3.0
    result = _classify(scene(AXIAL, 8.0, CAVITY_MM + 15.0))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.figo_type = "3"


# --- what the reader is told ----------------------------------------------------------------------------

def test_an_empty_fibroid_mask_is_refused_with_its_reason():
    empty = np.zeros((5, 5, 5), bool)
    with pytest.raises(LabelError, match=r"^empty fibroid mask: a fibroid needs at least one voxel to be typed$"):
        classify_fibroid(empty, empty, empty, (1.0, 1.0, 1.0), 1.0)


def test_a_detached_fibroid_note_names_the_possible_causes():
    result = _classify(scene(AXIAL, 10.0, CAVITY_MM + 30.0 + 14.0))
    assert result.figo_type is None
    assert result.note == DETACHED_NOTE


def _embedded_ball(shape=(30, 30, 30), radius=6.0):
    """A ball inside a uterus that fills the whole image (no serosa, no cavity anywhere)."""
    centre = (np.array(shape) - 1) / 2.0
    fibroid = np.linalg.norm(np.indices(shape) - centre[:, None, None, None], axis=0) <= radius
    return fibroid, np.ones(shape, bool), centre.astype(int)


def test_a_fibroid_touching_the_outside_through_a_pinhole_has_no_serosal_contour_to_fit():
    """The only outside voxel is next to the fibroid: no serosa lies in the ring around it."""
    fibroid, uterus, centre = _embedded_ball()
    uterus[centre[0], centre[1], centre[2] + 7] = False
    result = classify_fibroid(fibroid, np.zeros_like(fibroid), uterus, (1.0, 1.0, 1.0), 6.0)
    assert result.figo_type is None
    assert result.note == SEROSAL_NOTE
    assert result.depth_beyond_serosa_mm is None and result.fraction_intramural is None


def test_a_fibroid_touching_a_speck_of_endometrium_has_no_cavity_contour_to_fit():
    """Two endometrium voxels next to the fibroid, wall everywhere else: no junction lies in the ring."""
    fibroid, uterus, centre = _embedded_ball()
    endometrium = np.zeros_like(fibroid)
    endometrium[centre[0], centre[1], centre[2] + 7:centre[2] + 9] = True
    result = classify_fibroid(fibroid, endometrium, uterus, (1.0, 1.0, 1.0), 6.0)
    assert result.figo_type is None and result.touches_endometrium
    assert result.note == CAVITY_NOTE
    assert result.depth_into_cavity_mm is None
