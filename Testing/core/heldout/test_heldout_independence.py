"""The held-out generator must stay independent of the training generators: no import of
``gynai.phantom`` or ``gynai.synth`` (absolute or relative), and only a few core modules."""

import ast
from pathlib import Path

import gynai.heldout

FORBIDDEN = ("gynai.phantom", "gynai.synth")
ALLOWED_CORE = {"gynai.image", "gynai.tasks", "gynai.errors", "gynai.io.images"}


def imported_modules(path: Path, package: str) -> set[str]:
    """Absolute names of every module imported by a source file of ``package``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__"):
            names.update(arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str))
    return names


def forbidden(names: set[str]) -> set[str]:
    return {n for n in names if any(n == f or n.startswith(f + ".") for f in FORBIDDEN)}


def test_heldout_imports_nothing_from_the_training_generators():
    folder = Path(gynai.heldout.__file__).parent
    files = sorted(folder.rglob("*.py"))
    assert len(files) >= 15
    for path in files:
        names = imported_modules(path, "gynai.heldout")
        assert not forbidden(names), (path.name, forbidden(names))
        core = {n for n in names if n.startswith("gynai.") and not n.startswith("gynai.heldout")}
        core_modules = {n for n in core if n in ALLOWED_CORE or any(n.startswith(a + ".") for a in ALLOWED_CORE)}
        assert core == core_modules, (path.name, core - core_modules)


def test_the_import_check_catches_every_spelling(tmp_path):
    source = tmp_path / "bad.py"
    for line in ("import gynai.synth.uterus as u", "from gynai.phantom import shapes", "from ..synth import pelvis",
                 "from .. import phantom", "importlib.import_module('gynai.synth.config')"):
        source.write_text(line + "\n", encoding="utf-8")
        assert forbidden(imported_modules(source, "gynai.heldout")), line
    source.write_text("from gynai.image import Image\nfrom .shapes import Tube\n", encoding="utf-8")
    assert not forbidden(imported_modules(source, "gynai.heldout"))
