"""FIGO (PALM-COEIN) leiomyoma type of one fibroid from a segmentation, by the geometry a reader uses.

FIGO (Munro et al., Int J Gynecol Obstet 2011;113:3-13, revised 2018) defines the types in words: 0
pedunculated intracavitary; 1 submucous, < 50 % intramural; 2 submucous, ≥ 50 % intramural; 3 100 %
intramural, contacts the endometrium; 4 intramural; 5 subserous, ≥ 50 % intramural; 6 subserous,
< 50 % intramural; 7 subserous pedunculated; 8 other (cervical, ligamentous, parasitic); hybrids "X-Y"
(first number the relation to the endometrium, second to the serosa; e.g. 2-5: submucous and subserous,
each with less than half the diameter in the endometrial and peritoneal cavities). FIGO gives no
measurement procedure; this one is GynAI's.

Inputs: the fibroid F, the endometrium C (cavity with its lining), the uterus U (myometrium ∪ endometrium
∪ all fibroids) and optionally the cervix, as masks on one grid. The wall W = U \\ F \\ C.

1. Expected contours (:mod:`gynai.metrics.contour_fit`): the serosa (voxels of U \\ F next to the outside)
   and the endometrial–myometrial junction (voxels of C next to W) are fitted with a smooth quadratic
   surface on a ring around F (from :data:`EXCLUSION_MM` + one voxel to that plus the ring width
   max(:data:`RING_MIN_MM`, R/2), R the fibroid's radius; the ring starts closer, at EXCLUSION_MM or one
   voxel diagonal, when too few points lie in it, e.g. a small cavity beside a large fibroid), continuing
   the contour across the gap F leaves.
   For the junction, only the face on the side of F's attachment to the wall is used (not the far wall
   of the cavity).
2. Depths along each contour's normal n (h = height of a voxel centre above the fitted surface, δ = the
   width of one voxel along n): ``depth_beyond_serosa_mm = max(0, max_F h)``;
   ``depth_into_cavity_mm = max(0, max_F(−h) + δ)`` (the junction voxels are the cavity's last layer).
   Each as a fraction of F's extent along n (``max h − min h + δ``): ``diameter_fraction_*``. Volume
   fractions count the voxels beyond the contour's mid-voxel boundary.
3. A side is involved when its depth is at least :data:`INVOLVED_VOXELS` of a voxel (one voxel, less a
   quarter for the fit's sub-voxel noise). Pedunculated: the attachment to the wall (F's voxels next to W)
   is no wider than :data:`NECK_RATIO` × F's largest diameter (the neck; no attachment at all counts).
4. Cavity side: more than half the diameter in the cavity and pedunculated → 0; more than half → 1;
   involved → 2; touching C → 3. Serosal side: more than half the diameter beyond the serosa and
   pedunculated → 7; more than half → 6 (sessile: broad base); involved → 5. Both sides → hybrid "a-b"
   (a ∈ 1, 2, 3; b ∈ 5, 6); neither → 4; 0 and 7 stand alone.
5. Type 8 only when a cervix mask is given and F's contact with the cervix exceeds its contact with the
   wall, without a stalk to the corpus. A fibroid touching no uterine tissue is not typed
   ("unclassified — reader to decide": a pedunculated fibroid whose stalk was not segmented, or a
   ligamentous or parasitic one); so is one whose contour could not be reconstructed.

The 0.5 cut-offs are FIGO's; :data:`NECK_RATIO`, :data:`INVOLVED_VOXELS` and the ring sizes are GynAI's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from gynai.errors import LabelError
from gynai.image import Geometry
from gynai.metrics.contour_fit import (FACING_COSINE, MIN_POINTS, HeightField, fit_expected_contour, nearest_facing,
                                      outward_normals, thin_axis, voxel_depth_mm)
from gynai.metrics.morphology import dilate_cube, inside_distance_mm
from gynai.metrics.shape import bounding_slices, max_feret_diameter_mm

EXCLUSION_MM = 2.5
"""Tissue this close to the fibroid (plus one voxel) is draped or displaced by it and not fitted."""
RING_MIN_MM = 10.0
MIN_RING_POINTS = 30
INVOLVED_VOXELS = 0.9
NECK_RATIO = 0.5
HALF = 0.5
UNCLASSIFIED_DETACHED = ("unclassified — reader to decide: the fibroid touches no segmented uterine tissue "
                         "(a pedunculated fibroid whose stalk was not segmented, or a ligamentous or parasitic one)")
UNCLASSIFIED_CONTOUR = "unclassified — reader to decide: the {} contour around the fibroid could not be reconstructed"


@dataclass(frozen=True)
class SideGeometry:
    """How far a fibroid reaches beyond one expected contour (cavity or serosa)."""

    depth_mm: float
    diameter_fraction: float
    volume_fraction: float
    voxel_mm: float

    @property
    def involved(self) -> bool:
        """At least about one voxel beyond the contour."""
        return self.depth_mm >= INVOLVED_VOXELS * self.voxel_mm


NOT_REACHED = SideGeometry(0.0, 0.0, 0.0, 1.0)


@dataclass(frozen=True)
class FigoResult:
    """FIGO type of one fibroid and the figures it was derived from (None where not measurable)."""

    figo_type: Optional[str]
    note: Optional[str]
    depth_into_cavity_mm: Optional[float]
    depth_beyond_serosa_mm: Optional[float]
    diameter_fraction_in_cavity: Optional[float]
    diameter_fraction_outside: Optional[float]
    fraction_cavity: Optional[float]
    fraction_outside: Optional[float]
    touches_endometrium: bool
    neck_width_mm: float
    pedunculated: bool

    @property
    def fraction_intramural(self) -> Optional[float]:
        """Volume fraction neither in the cavity nor beyond the serosa."""
        if self.fraction_cavity is None or self.fraction_outside is None:
            return None
        return max(0.0, 1.0 - self.fraction_cavity - self.fraction_outside)


def _side(fitted: HeightField, fibroid_mm: np.ndarray, spacing_zyx: np.ndarray, cavity: bool) -> SideGeometry:
    """Depth, diameter and volume fractions of the fibroid beyond one fitted contour."""
    voxel = voxel_depth_mm(fitted.normal, spacing_zyx)
    height = fitted.height_above_mm(fibroid_mm)
    extent = float(height.max() - height.min()) + voxel
    beyond = HALF * voxel - height if cavity else height - HALF * voxel     # past the expected boundary
    depth = max(0.0, float(beyond.max()) + HALF * voxel)
    volume = float((beyond > 0).mean())
    return SideGeometry(depth, min(1.0, depth / extent), volume, voxel)


def _ring_fit(surface: np.ndarray, tissue: np.ndarray, distance_mm: np.ndarray, exclusions_mm: tuple[float, ...],
              ring_mm: float, spacing_zyx: np.ndarray, centre_mm: np.ndarray,
              attachment_mm: Optional[np.ndarray]) -> Optional[HeightField]:
    """The expected contour through ``surface`` voxels in the ring around the fibroid.

    The sheet is a thin cavity's face towards the attachment when ``attachment_mm`` is given, else the
    sheet nearest to the fibroid. The ring starts at the first of ``exclusions_mm`` (largest first) that
    leaves :data:`MIN_RING_POINTS` points facing that way (a small cavity beside a large fibroid lies
    close to it), else at the one that leaves most.
    """
    reach = (distance_mm > min(exclusions_mm)) & (distance_mm <= max(exclusions_mm) + ring_mm)
    candidates = np.argwhere(surface & reach)
    if len(candidates) < MIN_POINTS:
        return None
    candidate_distance = distance_mm[tuple(candidates.T)]
    candidate_normals = outward_normals(tissue, candidates, spacing_zyx)
    best = None
    for exclusion_mm in sorted(exclusions_mm, reverse=True):
        chosen = (candidate_distance > exclusion_mm) & (candidate_distance <= exclusion_mm + ring_mm)
        if chosen.sum() < MIN_POINTS:
            continue
        points_mm, normals = candidates[chosen] * spacing_zyx, candidate_normals[chosen]
        if attachment_mm is None:
            facing = nearest_facing(points_mm, normals, points_mm[np.argmin(candidate_distance[chosen])])
        else:
            in_ring = (distance_mm > exclusion_mm) & (distance_mm <= exclusion_mm + ring_mm)
            facing = thin_axis(np.argwhere(tissue & in_ring) * spacing_zyx, attachment_mm)
        count = int((normals @ facing >= FACING_COSINE).sum())
        if best is None or count > best[0]:
            best = (count, points_mm, normals, facing)
        if count >= MIN_RING_POINTS:
            break
    if best is None:
        return None
    return fit_expected_contour(best[1], best[2], spacing_zyx, best[3], centre_mm)


def _neck_width_mm(attachment: np.ndarray, spacing_zyx: np.ndarray) -> float:
    if not attachment.any():
        return 0.0
    return max_feret_diameter_mm(attachment, Geometry(tuple(float(s) for s in spacing_zyx[::-1])))


def _cavity_code(side: SideGeometry, touches: bool, pedunculated: bool) -> Optional[str]:
    if side.diameter_fraction > HALF:
        return "0" if pedunculated else "1"
    if side.involved:
        return "2"
    return "3" if touches else None


def _serosal_code(side: SideGeometry, pedunculated: bool) -> Optional[str]:
    if side.diameter_fraction > HALF:
        return "7" if pedunculated else "6"
    return "5" if side.involved else None


def _combine(inner: Optional[str], outer: Optional[str]) -> str:
    if inner == "0" or outer == "7":
        return inner if inner == "0" else "7"
    if inner and outer:
        return f"{inner}-{outer}"
    return inner or outer or "4"


def _unclassified(note: str, touches: bool, neck_mm: float, pedunculated: bool) -> FigoResult:
    return FigoResult(None, note, None, None, None, None, None, None, touches, neck_mm, pedunculated)


def classify_fibroid(fibroid: np.ndarray, endometrium: np.ndarray, uterus: np.ndarray,
                     spacing_xyz_mm: tuple[float, float, float], radius_mm: float,
                     cervix: Optional[np.ndarray] = None) -> FigoResult:
    """FIGO type of one fibroid (masks [k, j, i] on one grid; see the module docstring).

    Args:
        fibroid: This fibroid's voxels.
        endometrium: Endometrium/cavity voxels.
        uterus: Myometrium ∪ endometrium ∪ all fibroids (the cervix is not part of it).
        spacing_xyz_mm: Voxel spacing.
        radius_mm: Largest radius of the fibroid (half its largest diameter).
        cervix: Cervical tissue, when segmented; only then can a fibroid be typed 8.

    Raises:
        LabelError: The fibroid mask is empty.
    """
    spacing_zyx = np.array(spacing_xyz_mm[::-1], dtype=float)
    ring_mm = max(RING_MIN_MM, radius_mm / 2.0)
    exclusion_mm = EXCLUSION_MM + float(spacing_zyx.max())
    margin = np.ceil((exclusion_mm + ring_mm) / spacing_zyx).astype(int) + 2
    box = bounding_slices(fibroid, margin=0)
    if box is None:
        raise LabelError("empty fibroid mask: a fibroid needs at least one voxel to be typed")
    crop = tuple(slice(max(s.start - m, 0), min(s.stop + m, n)) for s, m, n in zip(box, margin, fibroid.shape))
    f, c, u = fibroid[crop], endometrium[crop], uterus[crop]
    rest = u & ~f
    wall = rest & ~c
    grown = dilate_cube(f)
    touches = bool((grown & c).any())
    attachment = f & dilate_cube(wall)
    diameter_mm = 2.0 * radius_mm
    neck_mm = _neck_width_mm(attachment, spacing_zyx)
    pedunculated = neck_mm <= NECK_RATIO * diameter_mm
    cervix_contact = int((grown & cervix[crop]).sum()) if cervix is not None else 0
    if cervix_contact > int((grown & wall).sum()) and not (attachment.any() and pedunculated):
        return FigoResult("8", None, None, None, None, None, None, None, touches, neck_mm, pedunculated)
    if not (grown & rest).any():
        return _unclassified(UNCLASSIFIED_DETACHED, touches, neck_mm, pedunculated)
    distance = inside_distance_mm(~f, spacing_zyx)
    exclusions = (exclusion_mm, EXCLUSION_MM, float(np.linalg.norm(spacing_zyx)))
    fibroid_mm = np.argwhere(f) * spacing_zyx
    centre = fibroid_mm.mean(axis=0)
    serosa_points = rest & _next_to(~u)
    serosa = _ring_fit(serosa_points, rest, distance, exclusions, ring_mm, spacing_zyx, centre, None)
    if serosa is not None:
        outer = _side(serosa, fibroid_mm, spacing_zyx, cavity=False)
    elif (grown & ~u).any():
        return _unclassified(UNCLASSIFIED_CONTOUR.format("serosal"), touches, neck_mm, pedunculated)
    else:
        outer = NOT_REACHED
    if not touches:
        inner = NOT_REACHED
    elif not attachment.any():
        inner = SideGeometry(diameter_mm, 1.0, 1.0, voxel_depth_mm(np.ones(3) / np.sqrt(3), spacing_zyx))
    else:
        towards = np.argwhere(attachment).mean(axis=0) * spacing_zyx
        junction = _ring_fit(c & _next_to(wall), c, distance, exclusions, ring_mm, spacing_zyx, centre, towards)
        if junction is None:
            return _unclassified(UNCLASSIFIED_CONTOUR.format("cavity"), touches, neck_mm, pedunculated)
        inner = _side(junction, fibroid_mm, spacing_zyx, cavity=True)
    figo = _combine(_cavity_code(inner, touches, pedunculated), _serosal_code(outer, pedunculated))
    return FigoResult(figo, None, inner.depth_mm, outer.depth_mm, inner.diameter_fraction, outer.diameter_fraction,
                      inner.volume_fraction, outer.volume_fraction, touches, neck_mm, pedunculated)


def _next_to(mask: np.ndarray) -> np.ndarray:
    """Voxels with a 6-neighbour in ``mask`` (the array border does not count)."""
    out = np.zeros_like(mask)
    for axis in range(3):
        lower = [slice(None)] * 3
        upper = [slice(None)] * 3
        lower[axis], upper[axis] = slice(1, None), slice(None, -1)
        out[tuple(upper)] |= mask[tuple(lower)]
        out[tuple(lower)] |= mask[tuple(upper)]
    return out
