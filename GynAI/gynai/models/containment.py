"""Whether a path named inside a model folder (a bundle, a catalog's directory) stays inside it.

A bundle or catalog comes from outside GynAI: a path it names may be absolute (POSIX or Windows), climb
out with ``..``, or be a link that resolves elsewhere. Both the bundle reader and the catalog check use
:func:`escape` and say in their own words what to do.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Literal, Optional


def escape(folder: Path, relative: str) -> Optional[Literal["path", "link"]]:
    """How ``folder / relative`` leaves ``folder``: ``path`` (empty, absolute or with a ``..`` step),
    ``link`` (it resolves outside, links followed), or None when it stays inside."""
    text = str(relative)
    parts = PurePosixPath(text.replace("\\", "/")).parts
    if not text or PurePosixPath(text).is_absolute() or PureWindowsPath(text).is_absolute() or ".." in parts:
        return "path"
    if not (Path(folder) / text).resolve().is_relative_to(Path(folder).resolve()):
        return "link"
    return None
