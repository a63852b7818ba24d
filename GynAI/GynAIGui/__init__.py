"""GynAIGui: what the three module widgets share (layer 3: Qt and Slicer's GUI), kept out of the module files.

- :mod:`GynAIGui.module_widget`: the module's .ui loaded into its panel, tables filled from rows.
- :mod:`GynAIGui.timers`: a background job polled from Slicer's event loop (errors shown), and the
  single-shot timer of GynAIReport's automatic update.
- :mod:`GynAIGui.segment_texts`: the translatable sentences of GynAISegment's model card and input hint.

The Qt-free logic stays in ``GynAILib`` and each module's ``*Lib`` package (which never import qt or ctk);
this package is where module widgets put the Qt code they share.
"""
