"""Issue 17, finding 7: a PACS that trickles its answer is stopped at the total deadline, and an error
answer that echoes the request (credentials included) is never printed."""

import base64
import contextlib
import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gynai.errors import PacsError
from gynai.pacs.client import DicomWebClient
from gynai.pacs.config import config_from_dict

SECRET = "hostile-pass-9876"


class Trickle(BaseHTTPRequestHandler):
    """Answers 200 with a DICOM JSON body sent one byte every 0.3 s (for minutes)."""

    def do_GET(self):  # noqa: N802 - http.server's naming
        self.send_response(200)
        self.send_header("Content-Type", "application/dicom+json")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        with contextlib.suppress(OSError):
            for _ in range(100000):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.3)

    def log_message(self, *args):
        pass


class EchoError(BaseHTTPRequestHandler):
    """Answers 500 with the request's headers (the Authorization header among them) as text."""

    def do_GET(self):  # noqa: N802
        body = ("Internal error; request was:\n" + str(self.headers)).encode()
        self.send_response(500)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serving(handler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/dicom-web"
    finally:
        server.shutdown()
        server.server_close()


def test_a_trickling_answer_is_stopped_at_the_total_deadline(tmp_path):
    with serving(Trickle) as url:
        path = tmp_path / "pacs.json"
        path.write_text(json.dumps({"url": url, "timeout_s": 2, "total_timeout_s": 4}))
        start = time.monotonic()
        try:
            result = subprocess.run([sys.executable, "-m", "gynai.cli.main", "pacs", "query", "--config", str(path)],
                                    capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail("the query waited on a trickling server past its total deadline")
    assert result.returncode == 2 and time.monotonic() - start < 30
    errors = [line for line in result.stderr.splitlines() if line.startswith("gynai: error:")]
    assert len(errors) == 1 and "within 4 s" in errors[0] and "total_timeout_s" in errors[0]


def test_an_error_answer_is_not_echoed(tmp_path):
    with serving(EchoError) as url:
        config = config_from_dict({"url": url, "username": "gynai", "password": SECRET, "timeout_s": 5})
        with DicomWebClient(config) as client, pytest.raises(PacsError, match="HTTP 500") as info:
            client.search_studies(patient_id="X*")
    message = str(info.value)
    encoded = base64.b64encode(f"gynai:{SECRET}".encode()).decode()
    assert SECRET not in message and encoded not in message and "Authorization" not in message
    assert "\n" not in message
