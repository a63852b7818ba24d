"""GynAILib: MRML adapters of GynAI (layer 2) between Slicer nodes and the core ``gynai`` types.

- :mod:`GynAILib.volumes`: volume node ⇄ :class:`gynai.image.Image` (RAS ⇄ LPS, exact geometry).
- :mod:`GynAILib.segmentations`: segmentation node ⇄ :class:`gynai.image.LabelImage`, and placing
  outputs in the subject hierarchy next to their input volume.

Only numpy, vtk, ``slicer`` (MRML/Logic) and ``gynai`` are used, never Qt, so the same code runs in
Slicer and in headless tests on slicer-core. Import the submodules explicitly; importing this
package does not import ``slicer``.
"""
