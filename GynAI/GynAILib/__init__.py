"""GynAILib: MRML adapters of GynAI (layer 2) between Slicer nodes and the core ``gynai`` types.

- :mod:`GynAILib.volumes`: volume node ⇄ :class:`gynai.image.Image` (RAS ⇄ LPS, exact geometry).
- :mod:`GynAILib.segmentations`: segmentation node ⇄ :class:`gynai.image.LabelImage`, and placing
  outputs in the subject hierarchy next to their input volume.
- :mod:`GynAILib.home_logic`: the GynAI module's console API (``GynAILogic`` is a thin subclass of its
  ``HomeLogic``): dependencies, models, batch, sample phantoms, terminology.

Only numpy, vtk, ``slicer`` (MRML/Logic) and ``gynai`` are used, never Qt, so the same code runs in
Slicer and in headless tests on slicer-core. Import the submodules explicitly; importing this
package does not import ``slicer``.
"""
