"""GynAIGui: what the three module widgets share (layer 3: Qt and Slicer's GUI), kept out of the module files.

- :mod:`GynAIGui.module_widget`: the mixin of the three widgets (the module's .ui loaded into its panel,
  tables filled from rows), an HTML view, application settings.
- :mod:`GynAIGui.timers`: a background job polled from Slicer's event loop (errors shown), with its button,
  progress bar, status line and log; the single-shot timer of GynAIReport's automatic update.
- :mod:`GynAIGui.home_panel`: the home module's start-up hooks and model manager panel.

The Qt-free logic and texts stay in ``GynAILib`` and each module's ``*Lib`` package (which never import qt
or ctk); this package is where module widgets put the Qt code they share. It imports ``GynAILib`` and the
core, never another module's ``*Lib``.
"""
