"""Typed results: the metrics document and its parts as frozen dataclasses that read and write the JSON of
schema ``gynai.metrics/1`` exactly (docs/metrics-schema.md).

- :mod:`~gynai.metrics.results.base`: the JSON record machinery and the :class:`TaskResults` protocol.
- :mod:`~gynai.metrics.results.structure`: one structure's shape figures; the image summary.
- :mod:`~gynai.metrics.results.fibroid`, :mod:`~gynai.metrics.results.placenta`,
  :mod:`~gynai.metrics.results.adnexal`: the task blocks (named by each task's record).
- :mod:`~gynai.metrics.results.lesion`: a lesion as the follow-up comparison sees it.
- :mod:`~gynai.metrics.results.document`: the whole document.
"""
