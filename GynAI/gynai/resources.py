"""Locate GynAI's shipped resource folders (models, terminology).

``Resources/`` sits next to the ``gynai`` package: ``<repo>/Resources`` in a source checkout (editable
install, Slicer developer mode) and ``<qt-scripted-modules>/Resources`` in an installed extension.
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
                     f"{', '.join(str(c) for c in candidates)}); reinstall GynAI")
