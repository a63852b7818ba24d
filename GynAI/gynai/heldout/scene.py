"""The phantom scene: an ordered list of painted parts, a material table and a patient pose.

Parts are painted in order, later ones over earlier ones (a painter's algorithm over implicit solids).
Each part gives a material index and a task label to the points inside it; a part may be restricted to
paint only over some materials (``over``) or never over others (``not_over``), which is how organs
yield to bone and muscle, how follicles stay inside an ovary and a fetus inside the amniotic fluid.
:mod:`gynai.heldout.painting` paints a scene on grids of points.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Protocol

import numpy as np

from gynai.heldout.materials import MaterialTable
from gynai.heldout.shapes import Bounds, Shape, Tube, Union

logger = logging.getLogger(__name__)

PointMaker = Callable[[tuple[slice, slice, slice]], tuple]
"""Gives (x, y, z) body-frame arrays of a block, optionally with a fourth item: per-axis terms."""


class Part(Protocol):
    """Anything the scene can paint."""

    name: str
    bounds: Bounds

    def prepare(self, materials: MaterialTable) -> None:
        """Resolve material names to look-up tables once all materials are known."""

    def paint(self, x: np.ndarray, y: np.ndarray, z: np.ndarray, mat: np.ndarray, lab: np.ndarray) -> None:
        """Write material indices and labels of the points inside the part (arrays of one shape)."""


@dataclass
class Restriction:
    """Which existing materials a part may paint over (names match a material or its ``base:`` prefix)."""

    over: Optional[frozenset[str]] = None
    not_over: Optional[frozenset[str]] = None
    lut: Optional[np.ndarray] = None

    def prepare(self, materials: MaterialTable) -> None:
        """Build the 256-entry look-up table."""
        if self.over is not None:
            self.lut = materials.lut(self.over)
        elif self.not_over is not None:
            self.lut = ~materials.lut(self.not_over)
        else:
            self.lut = None

    def allowed(self, mat: np.ndarray) -> Optional[np.ndarray]:
        """Boolean mask of points whose current material may be painted over (None = all)."""
        return None if self.lut is None else self.lut[mat]


def inside_where(sdf: Callable, x: np.ndarray, y: np.ndarray, z: np.ndarray,
                 allowed: Optional[np.ndarray]) -> np.ndarray:
    """Boolean mask ``sdf <= 0 & allowed``, evaluating ``sdf`` only on allowed points when few are."""
    if allowed is None:
        return sdf(x, y, z) <= 0
    count = int(np.count_nonzero(allowed))
    if count == 0:
        return allowed
    if count > 0.6 * allowed.size:
        return (sdf(x, y, z) <= 0) & allowed
    idx = np.flatnonzero(allowed)
    values = sdf(x[allowed], y[allowed], z[allowed])
    mask = np.zeros(allowed.shape, dtype=bool)
    mask.reshape(-1)[idx[values <= 0]] = True
    return mask


@dataclass
class ShapePart:
    """A solid painted with one material and one label."""

    name: str
    shape: Shape
    material: int
    label: int = 0
    restriction: Restriction = field(default_factory=Restriction)

    @property
    def bounds(self) -> Bounds:
        return self.shape.bounds

    def prepare(self, materials: MaterialTable) -> None:
        self.restriction.prepare(materials)

    def paint(self, x, y, z, mat, lab) -> None:
        inside = inside_where(self.shape.sdf, x, y, z, self.restriction.allowed(mat))
        mat[inside] = self.material
        lab[inside] = self.label


@dataclass
class LayeredPart:
    """A solid painted in nested layers by depth below its surface (wall and lumen, cortex and marrow).

    Attributes:
        layers: (depth_mm, material index) pairs by increasing depth; a depth may be a callable of the
            points (mm) for a varying thickness. Points deeper than a layer's depth get its material.
    """

    name: str
    shape: Shape
    layers: list[tuple[Any, int]]
    label: int = 0
    restriction: Restriction = field(default_factory=Restriction)

    @property
    def bounds(self) -> Bounds:
        return self.shape.bounds

    def prepare(self, materials: MaterialTable) -> None:
        self.restriction.prepare(materials)

    def paint(self, x, y, z, mat, lab) -> None:
        d = self.shape.sdf(x, y, z)
        allowed = self.restriction.allowed(mat)
        inside = d <= 0
        if allowed is not None:
            inside &= allowed
        lab[inside] = self.label
        for depth, material in self.layers:
            level = depth(x, y, z) if callable(depth) else float(depth)
            mat[inside & (d <= -level)] = material


def restrict(over: Optional[set[str]] = None, not_over: Optional[set[str]] = None) -> Restriction:
    """Shortcut for a :class:`Restriction`."""
    return Restriction(frozenset(over) if over is not None else None,
                       frozenset(not_over) if not_over is not None else None)


HARD_TISSUE = frozenset({"bone_cortex", "marrow", "muscle", "table", "fat_subcut", "air"})
"""Materials that soft pelvic organs never paint over."""


@dataclass
class Scene:
    """A phantom in its body frame, with the pose that places it in scanner LPS coordinates.

    Attributes:
        task: Task id the labels follow.
        materials: Material table (index 0 = air).
        parts: Painted parts in order.
        pose_rotation: Body-to-LPS rotation (3x3).
        pose_translation_mm: LPS position of the body-frame origin.
        target_center_mm: Body-frame point the acquisition is centred near.
        target_axis: Body-frame long axis of the target organ (for oblique planes).
        facts: Ground-truth description of the anatomy (JSON-serialisable).
        lookalikes: Names of label-0 structures that resemble labelled ones.
    """

    task: str
    materials: MaterialTable = field(default_factory=MaterialTable)
    parts: list[Any] = field(default_factory=list)
    pose_rotation: np.ndarray = field(default_factory=lambda: np.eye(3))
    pose_translation_mm: np.ndarray = field(default_factory=lambda: np.zeros(3))
    target_center_mm: np.ndarray = field(default_factory=lambda: np.zeros(3))
    target_axis: np.ndarray = field(default_factory=lambda: np.array([0.0, 0.0, 1.0]))
    facts: dict[str, Any] = field(default_factory=dict)
    lookalikes: list[str] = field(default_factory=list)

    def add(self, part: Any) -> Any:
        """Append a part (painted after all earlier ones); returns it."""
        self.parts.append(part)
        return part

    def add_shape(self, name: str, shape: Shape, material: str, label: int = 0,
                  restriction: Optional[Restriction] = None) -> None:
        """Append a one-material solid (unions and tube chains as one part per piece, for culling)."""
        index = self.materials.index(material)
        for piece in pieces(shape):
            self.add(ShapePart(name, piece, index, label, restriction or Restriction()))

    def add_layered(self, name: str, shape: Shape, layers: list[tuple[float, str]], label: int = 0,
                    restriction: Optional[Restriction] = None) -> None:
        """Append a solid in nested layers (e.g. cortex over marrow), layer by layer over its pieces.

        The deeper layers are painted over the first layer's material only, so the result equals one
        layered part while each piece is culled on its own.
        """
        parts = pieces(shape)
        if len(parts) == 1:
            self.add(LayeredPart(name, shape, [(d, self.materials.index(m)) for d, m in layers], label,
                                 restriction or Restriction()))
            return
        first = layers[0][1]
        for depth, material in layers:
            inner = restriction if material == first else restrict(over={first})
            for piece in parts:
                self.add(ShapePart(name, piece.offset(-depth) if depth else piece, self.materials.index(material),
                                   label, inner or Restriction()))

    def prepare(self) -> None:
        """Resolve every part's restrictions (call after all parts and materials exist)."""
        for part in self.parts:
            part.prepare(self.materials)

    def lps_to_body(self, points_lps: np.ndarray) -> np.ndarray:
        """Map (N, 3) scanner LPS points to the body frame."""
        return (np.asarray(points_lps, float) - self.pose_translation_mm) @ self.pose_rotation

    def body_to_lps(self, points_body: np.ndarray) -> np.ndarray:
        """Map (N, 3) body-frame points to scanner LPS."""
        return np.asarray(points_body, float) @ self.pose_rotation.T + self.pose_translation_mm


def pieces(shape: Shape) -> list[Shape]:
    """Split plain unions and tube chains into pieces whose union is ``shape``."""
    if isinstance(shape, Union) and shape.smooth_mm == 0:
        return [p for child in shape.shapes for p in pieces(child)]
    if isinstance(shape, Tube):
        return list(shape.pieces())
    return [shape]
