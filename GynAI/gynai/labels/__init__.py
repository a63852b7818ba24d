"""Labels of a segmentation: label tables given by users (``--labels``), a segmentation brought onto the
image grid, segments matched to a task by name, reference regions, and the segments' terminology codes.

- :mod:`gynai.labels.spec`: ``--labels`` specifications and re-mapping onto a task's label table.
- :mod:`gynai.labels.grid`: a segmentation placed (or resampled) onto the image's voxel grid.
- :mod:`gynai.labels.matching`: a ``.seg.nrrd``'s or segmentation node's segments matched to a task.
- :mod:`gynai.labels.regions`: reference regions (skeletal muscle, myometrium) as spheres in LPS mm.
- :mod:`gynai.labels.terminology`: the segments' coded concepts from ``GynAI.term.json``.
"""
