"""Training scenes: whole pelvic tissue maps drawn from a seed, on an isotropic axis-aligned LPS grid.

Two kinds: ``pelvis`` (non-pregnant uterus with 0–12 fibroids, ovaries, and in most scenes one or two
adnexal lesions) trains ``uterus-fibroid`` and ``adnexal-mass``; ``pregnancy`` (pregnant uterus with a
placenta at any site) trains ``placenta``. Scenes hold tissues, not labels: each task reads its labels
from the tissue map (:func:`gynai.synth.tissues.labels_from_tissue`).
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from gynai.errors import LabelError
from gynai.synth.adnexa import paint_adnexa
from gynai.synth.canvas import SceneCanvas
from gynai.synth.pelvis import BLADDER_NEIGHBOURS, paint_bladder, paint_pelvis
from gynai.synth.pregnancy import paint_pregnant_uterus
from gynai.synth.primitives import Blob, random_lobes
from gynai.synth.uterus import paint_uterus

logger = logging.getLogger(__name__)

SCENE_SEED_TAG = 31
"""Mixed into every scene seed, so scene streams never coincide with gynai.phantom's."""
SCENE_VERSION = 3
"""Part of every cached scene's file name: bump it when the drawing code changes what a seed draws."""


@dataclass
class Scene:
    """A drawn training scene: its kind, seed, tissue canvas and a summary of what it contains."""

    kind: str
    seed: int
    canvas: SceneCanvas
    summary: dict = field(default_factory=dict)


def _free_fluid(canvas: SceneCanvas, rng: np.random.Generator, pouch: np.ndarray) -> None:
    if rng.random() < 0.35:
        pocket = Blob(tuple(pouch + rng.normal(0, 8, 3)), tuple(float(v) for v in rng.uniform([8, 4, 6], [30, 14, 25])),
                      lobes=random_lobes(rng, 3, (0.0, 0.4)))
        canvas.paint(pocket, "free-fluid", only=("visceral-fat", "bowel-wall"))


PELVIS_BOX_LPS_MM = ((-150.0, -130.0, -100.0), (150.0, 130.0, 130.0))
"""The region a pelvis scene covers (low, high corners)."""


def draw_pelvis_scene(seed: int, spacing_mm: float = 2.0, box_lps_mm=PELVIS_BOX_LPS_MM) -> Scene:
    """A non-pregnant pelvis: uterus (± fibroids), ovaries, adnexal lesions in 60 % of the scenes.

    ``box_lps_mm``: the part drawn (the anatomy depends on the seed only, not on the box or spacing).
    """
    rng = np.random.default_rng([seed, SCENE_SEED_TAG, 1])
    canvas = SceneCanvas.covering(*box_lps_mm, spacing_mm)
    pelvis = paint_pelvis(canvas, rng)
    uterus = paint_uterus(canvas, rng)
    lesions = paint_adnexa(canvas, rng, np.asarray(uterus["fundus_lps_mm"]), lesion_probability=0.6)
    _free_fluid(canvas, rng, pelvis.pouch_lps_mm)
    return Scene("pelvis", seed, canvas, {"uterus": uterus, "lesions": lesions})


def draw_pregnancy_scene(seed: int, spacing_mm: float = 2.0) -> Scene:
    """A pregnant pelvis: uterus with fetus and placenta, the bladder painted against the uterus."""
    rng = np.random.default_rng([seed, SCENE_SEED_TAG, 2])
    canvas = SceneCanvas.covering((-170.0, -150.0, -100.0), (170.0, 150.0, 240.0), spacing_mm)
    pelvis = paint_pelvis(canvas, rng, bladder=False, bowel_loops=int(rng.integers(0, 4)))
    uterus = paint_pregnant_uterus(canvas, rng, pelvis.inner_half_axes_mm)
    scale = float(rng.uniform(0.3, 1.4))
    toward = np.array([0.0, -0.6, -0.8])
    centre = np.asarray(uterus["anterior_inferior_lps_mm"]) + toward * 28.0 * scale * float(rng.uniform(0.6, 1.0))
    paint_bladder(canvas, rng, scale, centre=centre + np.array([rng.normal(0, 5), 0.0, 0.0]), only=BLADDER_NEIGHBOURS)
    return Scene("pregnancy", seed, canvas, {"uterus": uterus, "bladder_scale": scale})


SCENE_KINDS: dict[str, Callable[[int, float], Scene]] = {"pelvis": draw_pelvis_scene, "pregnancy": draw_pregnancy_scene}
"""Scene generators by kind."""


def draw_scene(kind: str, seed: int, spacing_mm: float = 2.0) -> Scene:
    """Draw a scene of a kind.

    Raises:
        LabelError: Unknown kind.
    """
    if kind not in SCENE_KINDS:
        raise LabelError(f"unknown scene kind '{kind}'; choose one of: {', '.join(SCENE_KINDS)}")
    return SCENE_KINDS[kind](seed, spacing_mm)


def _cache_file(directory: Path, kind: str, seed: int, spacing_mm: float) -> Path:
    return Path(directory) / f"{kind}-v{SCENE_VERSION}-{spacing_mm:g}mm-{seed}.npz"


def _load_or_draw_one(kind: str, seed: int, spacing_mm: float, cache: Path | None) -> Scene:
    path = _cache_file(cache, kind, seed, spacing_mm) if cache else None
    if path is not None and path.exists():
        with np.load(path) as data:
            return Scene(kind, seed, SceneCanvas(float(data["spacing_mm"]), data["origin_lps_mm"], data["tissue"]))
    scene = draw_scene(kind, seed, spacing_mm)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.stem + f".{os.getpid()}.tmp.npz")
        np.savez_compressed(temporary, spacing_mm=scene.canvas.spacing_mm, origin_lps_mm=scene.canvas.origin_lps_mm,
                            tissue=scene.canvas.tissue)
        temporary.replace(path)
    return scene


def load_or_draw(kind: str, seeds: Iterable[int], spacing_mm: float, cache: Path | None = None,
                 progress: Callable[[float, str], None] | None = None, workers: int = 1) -> list[Scene]:
    """Scenes for ``seeds``, read from ``cache`` when drawn before (same kind, spacing and seed), else drawn
    (in ``workers`` processes) and written there."""
    seeds = list(seeds)
    if workers <= 1 or len(seeds) < 2:
        scenes = []
        for index, seed in enumerate(seeds):
            scenes.append(_load_or_draw_one(kind, seed, spacing_mm, cache))
            if progress is not None:
                progress((index + 1) / len(seeds), f"scene {kind} {seed}")
        return scenes

    with ProcessPoolExecutor(workers) as pool:
        futures = [pool.submit(_load_or_draw_one, kind, seed, spacing_mm, cache) for seed in seeds]
        scenes = []
        for index, future in enumerate(futures):
            scenes.append(future.result())
            if progress is not None:
                progress((index + 1) / len(seeds), f"scene {kind} {seeds[index]}")
    return scenes
