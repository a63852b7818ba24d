"""Models from a URL (installed only with the right SHA-256) and the GynAI module's model manager."""

import hashlib
import sys
import threading
import zipfile
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gynai.cli.main import main
from gynai.errors import InputFileError, ModelError
from gynai.models.download import add_bundle_from_url, download_verified
from gynai.models.user_models import user_models_dir
from gynai.training.bundle_writer import write_bundle
from gynai.training.run import smoke_config

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "GynAI"))
from GynAILib.model_manager import add_model, model_rows, remove_model, user_models_folder  # noqa: E402


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # noqa: D102 - keep test output clean
        pass


@pytest.fixture()
def served_zip(tmp_path):
    """A bundle .zip served over HTTP on loopback, and its SHA-256."""
    from monai.networks.nets import UNet

    config = smoke_config()
    definition = config.network_def(4)
    network = UNet(**{k: v for k, v in definition.items() if not k.startswith("_")})
    bundle = write_bundle(tmp_path / "bundle", network.state_dict(), "uterus-fibroid", "3.1.0", config, "card",
                          "test", {}, "license")
    site = tmp_path / "site"
    site.mkdir()
    archive = site / "web-model.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in bundle.rglob("*"):
            if path.is_file():
                zipped.write(path, path.relative_to(bundle).as_posix())
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/web-model.zip", hashlib.sha256(archive.read_bytes()).hexdigest()
    finally:
        server.shutdown()


def test_download_with_the_right_digest_installs(served_zip):
    url, digest = served_zip
    entry = add_bundle_from_url(url, digest.upper())
    assert entry.name == "web-model" and entry.version == "3.1.0"
    rows = {row.name: row for row in model_rows(verify=True)}
    assert rows["web-model"].origin == "user" and rows["web-model"].status == "SHA-256 OK"
    assert rows["uterus-fibroid"].origin == "shipped" and rows["uterus-fibroid"].status == "SHA-256 OK"
    remove_model("web-model")
    assert "web-model" not in {row.name for row in model_rows()}
    assert user_models_folder() == user_models_dir() and user_models_folder().is_dir()


def test_wrong_digest_keeps_nothing(served_zip, tmp_path):
    url, digest = served_zip
    wrong = ("0" if digest[0] != "0" else "1") + digest[1:]
    with pytest.raises(ModelError, match="not the expected"):
        download_verified(url, wrong, tmp_path / "got.zip")
    assert list(tmp_path.glob("*got.zip*")) == []
    with pytest.raises(ModelError, match="not the expected"):
        add_model(url, sha256=wrong)
    assert "web-model" not in {row.name for row in model_rows()}
    with pytest.raises(InputFileError, match="needs its SHA-256"):
        add_model(url)
    with pytest.raises(InputFileError, match="64 hexadecimal"):
        download_verified(url, "abc", tmp_path / "x.zip")
    with pytest.raises(ModelError, match="HTTP 404"):
        download_verified(url.replace("web-model", "missing"), digest, tmp_path / "y.zip")


def test_cli_add_from_url(served_zip, capsys):
    url, digest = served_zip
    assert main(["models", "add", url]) == 2
    assert "needs --sha256" in capsys.readouterr().err
    assert main(["models", "add", url, "--sha256", digest, "--name", "from-web"]) == 0
    assert "added from-web" in capsys.readouterr().out
    assert main(["models", "verify"]) == 0
