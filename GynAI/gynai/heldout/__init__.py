"""Held-out style synthetic phantoms, used only to evaluate models (never to train or select them).

Written independently of the training generators: anatomy from signed-distance primitives (swept
superelliptic sections along curved centre lines, superellipsoids, tube chains, smooth unions and
random surface displacement) painted in order over a whole female pelvis, and physics-style renderers
(MR signal equations with k-space effects and Rician noise, CT in Hounsfield units, transvaginal
ultrasound along beams). See docs/heldout-phantoms.md.
"""

from gynai.heldout.api import HELDOUT_MODALITIES, HeldoutCase, generate_heldout

__all__ = ["HELDOUT_MODALITIES", "HeldoutCase", "generate_heldout"]
