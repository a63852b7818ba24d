"""Non-pregnant uterus: a pear-shaped body and a cervix swept along a flexed centre line.

The centre line runs from the external os up the cervix, bends at the isthmus by the flexion angle and
continues along the corpus. Version is the tilt of the cervix from the body's vertical (anterior > 0),
flexion the extra tilt of the corpus (anteflexion > 0, retroflexion < 0). The wall, junctional zone,
endometrial cavity (triangular in the coronal plane, thin in the sagittal plane) and endocervical canal
are sections along the same line, evaluated from one projection. Fibroids deform the outer surface and
the cavity through smooth unions (the lining wraps only the cavity side of a submucosal fibroid).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from gynai.heldout.fields import PlaneWaves
from gynai.heldout.frames import rotation_matrix
from gynai.heldout.materials import MaterialTable
from gynai.heldout.scene import Restriction
from gynai.heldout.sdfmath import smooth_min
from gynai.heldout.shapes import Shape
from gynai.heldout.sweep import Centerline, SweptSection


@dataclass
class UterusPlan:
    """Random size, position and posture of a non-gravid uterus (mm, degrees, body frame)."""

    external_os: np.ndarray
    version_deg: float
    flexion_deg: float
    lateral_deg: float
    cervix_length: float
    cervix_half_width: float
    cervix_half_depth: float
    body_length: float
    fundus_half_width: float
    fundus_half_depth: float
    fundal_wall: float
    cavity_half_width: float
    endometrium_mm: float
    junctional_zone_mm: float
    canal_half_width: float

    @classmethod
    def random(cls, rng: np.random.Generator, enlargement: float = 1.0) -> "UterusPlan":
        """A uterus from small/atrophic to enlarged (``enlargement`` > 1 scales the corpus)."""
        small = rng.uniform() < 0.15
        k = (0.7 if small else 1.0) * enlargement
        version = float(rng.choice([rng.uniform(10, 60), rng.uniform(-35, 5)], p=[0.8, 0.2]))
        flexion = float(rng.choice([rng.uniform(0, 80), rng.uniform(-70, -10)], p=[0.8, 0.2]))
        hw = float(rng.uniform(22, 34)) * k
        hd = float(rng.uniform(15, 24)) * k
        jz = float(rng.choice([rng.uniform(2, 8), 0.0, rng.uniform(12, 22)], p=[0.75, 0.15, 0.1]))
        endo = float(rng.uniform(1.5, 4.0) if small else rng.uniform(2.0, 16.0))
        jz = float(min(jz, max(0.0, min(hw, hd) - 10.0)))
        cav_hw = float(max(3.0, min(rng.uniform(0.4, 0.65) * hw, hw - jz - 7.0)))
        endo = float(min(endo, 2 * (hd - jz - 6.0)))
        return cls(
            external_os=np.array([rng.uniform(-8, 8), rng.uniform(4, 22), rng.uniform(-28, -14)]),
            version_deg=version, flexion_deg=flexion, lateral_deg=float(rng.uniform(-15, 15)),
            cervix_length=float(rng.uniform(24, 38)), cervix_half_width=float(rng.uniform(12, 17)),
            cervix_half_depth=float(rng.uniform(11, 15)), body_length=float(rng.uniform(45, 75)) * k,
            fundus_half_width=hw, fundus_half_depth=hd, fundal_wall=float(rng.uniform(9, 18)) * min(k, 1.3),
            cavity_half_width=cav_hw, endometrium_mm=max(endo, 1.2), junctional_zone_mm=jz,
            canal_half_width=float(rng.uniform(2.0, 5.0)))


def _direction(tilt_deg: float, lateral_deg: float) -> np.ndarray:
    """Unit vector tilted anteriorly from superior by ``tilt_deg``, then sideways by ``lateral_deg``."""
    t = np.radians(tilt_deg)
    d = np.array([0.0, -np.sin(t), np.cos(t)])
    return rotation_matrix((0.0, 1.0, 0.0), -lateral_deg) @ d


@dataclass
class UterusGeometry:
    """Centre line and sections of a uterus built from a plan."""

    plan: UterusPlan
    line: Centerline
    internal_os_s: float
    outer: SweptSection
    junctional: Optional[SweptSection]
    cavity: SweptSection
    canal: SweptSection

    @classmethod
    def build(cls, plan: UterusPlan, waves: Optional[PlaneWaves] = None) -> "UterusGeometry":
        """Sweep the sections of ``plan`` (``waves`` perturbs the outer surface)."""
        p = plan
        d_cervix = _direction(p.version_deg, p.lateral_deg)
        bend_mm = 18.0
        cap_top = 0.8 * p.fundus_half_depth
        line_body = max(p.body_length - cap_top, 15.0)
        points = [p.external_os, p.external_os + d_cervix * p.cervix_length / 2]
        points.append(points[-1] + d_cervix * (p.cervix_length / 2 - bend_mm / 2))
        for f in (1 / 3, 2 / 3, 1.0):
            points.append(points[-1] + _direction(p.version_deg + f * p.flexion_deg, p.lateral_deg) * bend_mm / 3)
        d_body = _direction(p.version_deg + p.flexion_deg, p.lateral_deg)
        for _ in range(2):
            points.append(points[-1] + d_body * line_body / 2)
        line = Centerline(np.array(points))
        L = line.length_mm
        s_io = p.cervix_length
        body = L - s_io
        knots = np.array([0.0, 0.5 * s_io, s_io, s_io + 0.2 * body, s_io + 0.6 * body, L])
        hw = [0.85 * p.cervix_half_width, p.cervix_half_width, 0.85 * p.cervix_half_width,
              0.8 * p.fundus_half_width, p.fundus_half_width, 0.97 * p.fundus_half_width]
        hd = [0.85 * p.cervix_half_depth, p.cervix_half_depth, 0.9 * p.cervix_half_depth,
              0.9 * p.fundus_half_depth, p.fundus_half_depth, 0.95 * p.fundus_half_depth]
        amp = 0.0 if waves is None else waves.max_abs_mm
        outer = SweptSection(line, knots, hw, hd, (0.0, L), (6.0, cap_top), 2.3, None, waves, amp)
        top = L + cap_top - p.fundal_wall - 3.0
        c_knots = np.array([s_io + 2, s_io + 0.5 * (top - s_io), top])
        c_hw = [1.5, 0.6 * p.cavity_half_width, p.cavity_half_width]
        half_endo = p.endometrium_mm / 2
        c_hd = [0.6 * half_endo, half_endo, half_endo]
        cavity = SweptSection(line, c_knots, c_hw, c_hd, (s_io + 2, top), (2.0, 3.0), 2.5)
        jz = None
        if p.junctional_zone_mm > 0:
            t = p.junctional_zone_mm
            jz = SweptSection(line, c_knots, np.array(c_hw) + t, np.array(c_hd) + t, (s_io - 3, top),
                              (3.0, 3.0 + t), 2.5)
        canal_knots = np.array([0.0, s_io / 2, s_io + 3])
        canal = SweptSection(line, canal_knots, [p.canal_half_width * 0.8, p.canal_half_width, 1.5],
                             [1.5, 2.0, 1.0], (-2.0, s_io + 3), (2.0, 2.0))
        return cls(plan, line, s_io, outer, jz, cavity, canal)

    @property
    def fundus_point(self) -> np.ndarray:
        """Body-frame point at the top of the fundus."""
        point, tangent, _, _ = self.line.frame_at(self.line.length_mm)
        return point + tangent * self.outer.cap_mm[1]


@dataclass
class UterusPart:
    """Composite part painting a uterus (myometrium, cervix, junctional zone, cavity, canal)."""

    geometry: UterusGeometry
    materials_ids: dict[str, int]
    label_wall: int
    label_cavity: int
    bulges: list[tuple[Shape, float]] = field(default_factory=list)
    cavity_bulges: list[tuple[Shape, float]] = field(default_factory=list)
    restriction: Restriction = field(default_factory=Restriction)
    name: str = "uterus"
    bounds: Any = None

    def __post_init__(self) -> None:
        for shape, cover in self.bulges:
            shape.need_exact_within(2 * cover + 3.0)
        for shape, _ in self.cavity_bulges:
            shape.need_exact_within(4.0)
        self.refresh_bounds()

    def refresh_bounds(self) -> None:
        """Recompute the bounding box after bulges were added."""
        lo, hi = self.geometry.outer.bounds
        for shape, cover in self.bulges:
            lo = np.minimum(lo, shape.bounds[0] - cover - 2)
            hi = np.maximum(hi, shape.bounds[1] + cover + 2)
        self.bounds = (lo, hi)

    def prepare(self, materials: MaterialTable) -> None:
        self.restriction.prepare(materials)

    def outer_from(self, proj, x, y, z) -> np.ndarray:
        """Outer signed distance including fibroid bulges."""
        d = self.geometry.outer.sdf_projected(proj, x, y, z)
        for shape, cover in self.bulges:
            d = smooth_min(d, shape.sdf(x, y, z) - float(cover), 3.0 + cover)
        return d

    def outer_sdf(self, x, y, z) -> np.ndarray:
        """Signed distance to the uterine serosa (mm)."""
        return self.outer_from(self.geometry.line.project(x, y, z), x, y, z)

    def paint(self, x, y, z, mat, lab) -> None:
        g, ids = self.geometry, self.materials_ids
        proj = g.line.project(x, y, z)
        inside = self.outer_from(proj, x, y, z) <= 0
        allowed = self.restriction.allowed(mat)
        if allowed is not None:
            inside &= allowed
        if not inside.any():
            return
        proj = tuple(a[inside] for a in proj)
        x, y, z = x[inside], y[inside], z[inside]
        material = np.full(x.shape, ids["myometrium"], dtype=np.uint8)
        label = np.full(x.shape, self.label_wall, dtype=np.uint8)
        material[proj[0] < g.internal_os_s] = ids["cervix_stroma"]
        if g.junctional is not None:
            material[g.junctional.sdf_projected(proj, x, y, z) <= 0] = ids["junctional_zone"]
        cav0 = g.cavity.sdf_projected(proj, x, y, z)
        cav = cav0
        for shape, reach in self.cavity_bulges:
            # the lining covers only the side of a submucosal fibroid that faces the cavity
            cav = smooth_min(cav, np.maximum(shape.sdf(x, y, z) - 1.5, cav0 - float(reach)), 2.5)
        material[cav <= 0] = ids["endometrium"]
        label[cav <= 0] = self.label_cavity
        canal = g.canal.sdf_projected(proj, x, y, z) <= 0
        material[canal] = ids["cervical_mucus"]
        label[canal] = self.label_wall
        mat[inside] = material
        lab[inside] = label


class UterusOuter(Shape):
    """The serosa of a uterus part (anything with ``outer_sdf`` and ``bounds``) as a shape."""

    def __init__(self, part: Any) -> None:
        self.part = part

    @property
    def bounds(self):  # type: ignore[override]
        return self.part.bounds

    def sdf(self, x, y, z):
        return self.part.outer_sdf(x, y, z)
