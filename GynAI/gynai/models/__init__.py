"""Model bundles: the shipped and user catalogs, reading a bundle and its network, choosing the bundle that
runs, downloads, and the provenance a segmentation keeps of the model that made it.

- :mod:`gynai.models.catalog`: ``catalog.json`` of a models folder, SHA-256 checks.
- :mod:`gynai.models.bundle`: a bundle's metadata and its allow-listed network, weights loaded safely.
- :mod:`gynai.models.user_models`: bundles the user adds (folder, zip) or removes.
- :mod:`gynai.models.download`: a bundle zip from a URL, accepted only with its SHA-256.
- :mod:`gynai.models.selection`: which installed bundle runs for a task, name and modality.
- :mod:`gynai.models.verified`: a bundle verified once per process while its files are unchanged.
- :mod:`gynai.models.provenance`: the ``model`` record of a segmentation (SEG algorithm type, wording).
"""
