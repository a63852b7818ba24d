"""Where and how the GynAI modules start the ``gynai`` command line as a child process (Slicer's
``PythonSlicer``, with the ``gynai`` package on the path), shared by segmentation and batch jobs.

Inside Slicer the child follows Slicer's conventions, as ``slicer.util.launchConsoleProcess`` does (read at
Slicer v5.10.0, ``Base/Python/slicer/util.py``): it starts from Slicer's *startup* environment
(``slicer.util.startupEnvironment()``: the environment Slicer was started with, without the launcher's
additions, which the ``PythonSlicer`` launcher puts back for its own Python), and on Windows its console
window is hidden (:func:`gynai.cli.runner.popen_options`).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any, Optional

PYTHON_SLICER_NAMES = ("PythonSlicer", "PythonSlicer.exe")


def _slicer_app() -> Any:
    """``slicer.app`` when this runs inside the Slicer application, else None (plain Python, slicer-core)."""
    try:
        import slicer
    except ImportError:
        return None
    return getattr(slicer, "app", None)


def default_python_executable() -> str:
    """``PythonSlicer`` when running in Slicer (next to the application, else on ``PATH`` as Slicer's own
    ``slicer.util._executePythonModule`` finds it), else this interpreter."""
    app = _slicer_app()
    if app is None or not hasattr(app, "applicationDirPath"):
        return sys.executable
    app_dir = Path(app.applicationDirPath())
    for name in PYTHON_SLICER_NAMES:
        if (app_dir / name).is_file():
            return str(app_dir / name)
    return shutil.which("PythonSlicer") or sys.executable


def base_environment() -> dict[str, str]:
    """Slicer's startup environment inside the Slicer application, else a copy of ``os.environ``."""
    app = _slicer_app()
    if app is None or not hasattr(app, "startupEnvironment"):
        return dict(os.environ)
    import slicer

    return dict(slicer.util.startupEnvironment())


def child_environment(environment: Optional[dict[str, str]] = None) -> dict[str, str]:
    """The child's environment: :func:`base_environment` (or ``environment``) with the folder holding the
    ``gynai`` package first on ``PYTHONPATH`` and unbuffered output (progress lines arrive at once)."""
    import gynai

    package_root = str(Path(gynai.__file__).resolve().parents[1])
    env = dict(base_environment() if environment is None else environment)
    env["PYTHONPATH"] = os.pathsep.join([package_root] + [p for p in [env.get("PYTHONPATH", "")] if p])
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env
