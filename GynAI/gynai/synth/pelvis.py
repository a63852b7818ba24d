"""The female pelvis around the organs of interest, as training-scene tissues (all background).

Frame: LPS millimetres with the origin near the centre of the true pelvis at the level of the uterine
body; the pubic symphysis lies anterior-inferior (y < 0, z < 0), the sacrum posterior (y > 0). Every size
and position is drawn from ranges wide enough to cover small and large patients.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gynai.synth.canvas import SceneCanvas
from gynai.synth.primitives import Blob, Prism, Tube, random_lobes, rotation, smooth_curve


@dataclass
class Pelvis:
    """Landmarks of a drawn pelvis that the organs are placed against (LPS mm)."""

    inner_half_axes_mm: tuple[float, float]
    """Half axes of the space inside the abdominal wall (x, y)."""
    bladder_centre_lps_mm: np.ndarray
    bladder_radii_mm: tuple[float, float, float]
    pouch_lps_mm: np.ndarray
    """The recto-uterine pouch (free fluid collects here)."""


def _bone(canvas: SceneCanvas, shape, cortex_mm: float) -> None:
    canvas.paint(shape, "bone-cortex")
    if isinstance(shape, Blob):
        inner = Blob(shape.centre_lps_mm, tuple(max(r - cortex_mm, 1.0) for r in shape.radii_mm), shape.rotation,
                     shape.lobes)
    else:
        inner = Tube(shape.centre_line, np.maximum(shape.radius_1_mm - cortex_mm, 0.5),
                     np.maximum(shape.radius_2_mm - cortex_mm, 0.5), shape.reference)
    canvas.paint(inner, "bone-marrow")


def paint_body(canvas: SceneCanvas, rng: np.random.Generator) -> tuple[float, float]:
    """Body outline with subcutaneous fat, visceral fat inside the muscle wall, and the abdominal wall;
    returns the half axes of the space inside the wall."""
    a, b = float(rng.uniform(135, 200)), float(rng.uniform(100, 160))
    exponent = float(rng.uniform(2.0, 3.2))
    centre = (float(rng.normal(0, 4)), float(rng.uniform(5, 20)))
    z_range = (-400.0, 400.0)
    canvas.paint(Prism(centre, (a, b), exponent, z_range), "fat")
    subcutaneous_mm = float(rng.uniform(8, 45))
    wall_mm = float(rng.uniform(6, 16))
    muscle = Prism(centre, (a - subcutaneous_mm, b - subcutaneous_mm), exponent, z_range)
    canvas.paint(muscle, "muscle")
    inner = Prism(centre, (a - subcutaneous_mm - wall_mm, b - subcutaneous_mm - wall_mm), exponent, z_range)
    canvas.paint(inner, "visceral-fat")
    return a - subcutaneous_mm - wall_mm, b - subcutaneous_mm - wall_mm


def paint_bones(canvas: SceneCanvas, rng: np.random.Generator) -> None:
    """Iliac wings, acetabula with femoral heads, sacrum and the pubic symphysis (cortex and marrow)."""
    cortex = float(rng.uniform(1.5, 3.5))
    width = float(rng.uniform(0.9, 1.12))
    for side in (-1.0, 1.0):
        wing = Blob((side * 105 * width, 35.0, 55.0), (14.0, 45.0, 55.0),
                    rotation([0, 0, 1], side * np.radians(rng.uniform(20, 40))), random_lobes(rng, 2, (-0.2, 0.2)))
        _bone(canvas, wing, cortex)
        _bone(canvas, Blob((side * 92 * width, 0.0, -45.0), (24.0, 24.0, 24.0)), cortex)
        ramus = Tube(smooth_curve([(side * 85 * width, -10, -60), (side * 45, -55, -72), (side * 8, -70, -68)]),
                     7.0, 11.0, (0.0, 0.0, 1.0))
        _bone(canvas, ramus, cortex)
    sacrum = Tube(smooth_curve([(0, 75, 80), (0, 100, 20), (0, 95, -30), (0, 75, -65)]),
                  float(rng.uniform(35, 50)), float(rng.uniform(10, 16)), (1.0, 0.0, 0.0))
    _bone(canvas, sacrum, cortex)


def paint_muscles(canvas: SceneCanvas, rng: np.random.Generator) -> None:
    """Psoas, iliacus, obturator internus, piriformis and the pelvic floor."""
    for side in (-1.0, 1.0):
        psoas = Tube(smooth_curve([(side * 45, 55, 140), (side * 62, 30, 40), (side * 75, 0, -40)]),
                     float(rng.uniform(12, 24)), float(rng.uniform(14, 26)))
        canvas.paint(psoas, "muscle", only=("visceral-fat", "fat"))
        obturator = Blob((side * 72.0, 15.0, -40.0), (9.0, 35.0, 30.0), rotation([0, 0, 1], side * 0.2))
        canvas.paint(obturator, "muscle", only=("visceral-fat",))
        piriformis = Tube(smooth_curve([(side * 20, 95, 0), (side * 70, 60, -25)]), 10.0, 14.0)
        canvas.paint(piriformis, "muscle", only=("visceral-fat",))
    floor = Blob((0.0, 25.0, -80.0), (70.0, 60.0, 10.0), rotation([1, 0, 0], np.radians(rng.uniform(-25, 5))))
    canvas.paint(floor, "muscle", only=("visceral-fat",))


def paint_vessels(canvas: SceneCanvas, rng: np.random.Generator) -> None:
    """External and internal iliac arteries and veins along the side walls."""
    for side in (-1.0, 1.0):
        for offset, radius in ((0.0, rng.uniform(3.5, 5.5)), (8.0, rng.uniform(5.0, 8.0))):
            line = smooth_curve([(side * 20, 40 + offset, 120), (side * 48, 25 + offset, 40),
                                 (side * 62, -5 + offset, -20), (side * 66, -35 + offset, -60)])
            canvas.paint(Tube(line, float(radius), float(radius)), "vessel", only=("visceral-fat", "fat"))
        internal = smooth_curve([(side * 48, 25, 40), (side * 55, 55, 0), (side * 50, 70, -30)])
        radius = float(rng.uniform(3.0, 5.0))
        canvas.paint(Tube(internal, radius, radius), "vessel", only=("visceral-fat",))


BLADDER_NEIGHBOURS = ("visceral-fat", "fat", "muscle", "bowel-wall", "bowel-content", "gas", "vessel", "vagina")
"""What a bladder painted after the organs may displace."""


def paint_bladder(canvas: SceneCanvas, rng: np.random.Generator, volume_scale: float,
                  centre: np.ndarray | None = None, only: tuple[str, ...] | None = None) -> tuple[np.ndarray, tuple]:
    """A bladder of any filling (``volume_scale`` 0.3 nearly empty … 1.6 full) with its wall, behind the
    pubic symphysis unless ``centre`` is given; ``only``: the tissues it may replace."""
    radii = tuple(float(v) for v in np.array([40.0, 28.0, 30.0]) * volume_scale * rng.uniform(0.85, 1.15, 3))
    radii = (radii[0], max(radii[1], 8.0), max(radii[2], 8.0))
    if centre is None:
        centre = np.array([rng.normal(0, 5), -55.0 + radii[1] * 0.3, -55.0 + radii[2] * 0.8])
    wall_mm = float(rng.uniform(2.0, 5.0)) if volume_scale > 0.6 else float(rng.uniform(4.0, 8.0))
    lobes = random_lobes(rng, 2, (-0.12, 0.12))
    outer = Blob(tuple(centre), radii, rotation([1, 0, 0], np.radians(rng.uniform(-20, 20))), lobes)
    canvas.paint(outer, "bladder-wall", only=only)
    canvas.paint(Blob(outer.centre_lps_mm, tuple(max(r - wall_mm, 2.0) for r in radii), outer.rotation, lobes), "urine",
                 only=("bladder-wall",))
    return centre, radii


def _bowel_loop(canvas: SceneCanvas, rng: np.random.Generator, control: np.ndarray, radius_mm: float,
                only: tuple[str, ...]) -> None:
    line = smooth_curve(control)
    wall = float(rng.uniform(1.5, 3.5))
    canvas.paint(Tube(line, radius_mm, radius_mm * float(rng.uniform(0.7, 1.0))), "bowel-wall", only=only)
    inner = Tube(line, radius_mm - wall, radius_mm * 0.85 - wall)
    content = "gas" if rng.random() < 0.35 else "bowel-content"
    canvas.paint(inner, content, only=("bowel-wall",))
    if content == "bowel-content" and rng.random() < 0.4:   # a gas bubble on the anterior side
        bubble_at = line[int(rng.integers(len(line)))] + np.array([0.0, -radius_mm * 0.5, 0.0])
        canvas.paint(Blob(tuple(bubble_at), (radius_mm * 0.6,) * 3), "gas", only=("bowel-content",))


def paint_bowel(canvas: SceneCanvas, rng: np.random.Generator, loops: int) -> None:
    """Rectum and sigmoid behind the uterus, and ``loops`` small-bowel loops in the upper pelvis."""
    rectum = smooth_curve([(0, 60, -75), (rng.normal(0, 5), 68, -30), (rng.normal(0, 8), 62, 10),
                           (-25, 45, 45), (-45, 10, 70)])
    radius = float(rng.uniform(12, 24))
    canvas.paint(Tube(rectum, radius, radius * 0.8), "bowel-wall", only=("visceral-fat", "fat", "muscle"))
    content = "rectum-content" if rng.random() < 0.6 else ("gas" if rng.random() < 0.5 else "bowel-content")
    canvas.paint(Tube(rectum, radius - 3.0, radius * 0.8 - 3.0), content, only=("bowel-wall",))
    for _ in range(loops):
        start = np.array([rng.uniform(-80, 80), rng.uniform(-60, 40), rng.uniform(20, 110)])
        steps = rng.normal(0, 1, (int(rng.integers(3, 6)), 3)) * np.array([30, 25, 20])
        _bowel_loop(canvas, rng, start + np.cumsum(steps, axis=0), float(rng.uniform(8, 16)), ("visceral-fat",))


def paint_pelvis(canvas: SceneCanvas, rng: np.random.Generator, bladder: bool = True,
                 bowel_loops: int | None = None) -> Pelvis:
    """Everything around the pelvic organs (the bladder too, unless the caller paints it after the
    organs); returns the landmarks the organs are placed against."""
    a, b = paint_body(canvas, rng)
    paint_muscles(canvas, rng)
    paint_bones(canvas, rng)
    paint_vessels(canvas, rng)
    centre, radii = np.zeros(3), (0.0, 0.0, 0.0)
    if bladder:
        centre, radii = paint_bladder(canvas, rng, float(rng.uniform(0.3, 1.6)))
    paint_bowel(canvas, rng, int(rng.integers(0, 7)) if bowel_loops is None else bowel_loops)
    return Pelvis((a, b), centre, radii, np.array([0.0, 45.0, -35.0]))
