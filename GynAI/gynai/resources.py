"""Locate GynAI's shipped resource folders (models, terminology).

Two places are looked in, in this order:

1. ``Resources/`` beside the ``gynai`` package, ``<qt-scripted-modules>/Resources``: an installed extension,
   and a Slicer build tree, where the top-level CMakeLists.txt copies ``Models``, ``Terminology`` and
   ``SampleData`` at build time next to the module files (Testing/slicer_modules/test_cmake_build_tree.py);
2. ``<repo>/Resources`` one level up: a source checkout (editable install, Slicer developer mode).
"""

from __future__ import annotations

from pathlib import Path

from gynai.errors import ModelError


def resource_path(*parts: str) -> Path:
    """Path of a shipped resource, e.g. ``resource_path("Terminology", "GynAI.term.json")``.

    Raises:
        ModelError: If the resource is in none of the candidate folders (broken installation).
    """
    package_dir = Path(__file__).resolve().parent
    candidates = [root / "Resources" / Path(*parts) for root in (package_dir.parent, package_dir.parents[1])]
    for candidate in candidates:
        if candidate.exists():
            return candidate
    raise ModelError(f"GynAI resource {'/'.join(parts)} is missing (looked in "
                     f"{', '.join(str(c) for c in candidates)}); reinstall GynAI, or rebuild it in a build tree")
