"""Where and how the GynAI modules start the ``gynai`` command line as a child process (Slicer's
``PythonSlicer``, with the ``gynai`` package on the path), shared by segmentation and batch jobs."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def default_python_executable() -> str:
    """``PythonSlicer`` next to the Slicer executable when running in Slicer, else this interpreter."""
    try:
        import slicer

        app_dir = Path(slicer.app.applicationDirPath())
    except (ImportError, AttributeError):
        return sys.executable
    for name in ("PythonSlicer", "PythonSlicer.exe"):
        if (app_dir / name).is_file():
            return str(app_dir / name)
    return sys.executable


def child_environment() -> dict:
    """This environment with the folder holding the ``gynai`` package first on ``PYTHONPATH``."""
    import gynai

    package_root = str(Path(gynai.__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([package_root] + [p for p in [env.get("PYTHONPATH", "")] if p])
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env
