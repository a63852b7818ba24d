"""The HTTP session GynAI gives the DICOMweb client: explicit settings only, a deadline per request, and
DICOM wildcards sent as they are.

* The environment is ignored (no proxies, CA bundles or ``.netrc`` credentials from it): only the
  :class:`~gynai.pacs.config.PacsConfig` decides where requests go and how they authenticate.
* ``timeout_s`` limits connecting and each read; :class:`RequestDeadline` also limits a whole request,
  its answer included, to ``total_timeout_s`` (a server sending a byte a second is stopped there).
* QIDO-RS wildcards ``*`` and ``?`` are sent unescaped: ``quote_plus`` turns them into ``%2A``/``%3F``, which
  some servers (Orthanc 1.10) do not decode and then match literally. A ``%2A`` typed by a user was
  escaped to ``%252A`` before, so only real wildcards are restored.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any, Iterator

import requests

from gynai import __version__
from gynai.pacs.config import PacsConfig

WILDCARDS = {"%2A": "*", "%2a": "*", "%3F": "?", "%3f": "?"}


class RequestDeadline(requests.exceptions.Timeout):
    """A request (with its answer) took longer than ``total_timeout_s``."""


def _sockets(raw: Any) -> list[socket.socket]:
    """The sockets a urllib3 response may be reading from: its connection's, or (after ``http.client`` handed
    the socket to the response, as for HTTP/1.0 answers) the one under the response's file object."""
    connection = getattr(raw, "connection", None) or getattr(raw, "_connection", None)
    fp = getattr(getattr(raw, "_fp", None), "fp", None)
    candidates = [getattr(connection, "sock", None), getattr(getattr(fp, "raw", None), "_sock", None)]
    return [sock for sock in candidates if isinstance(sock, socket.socket)]


class _DeadlineStream:
    """Wraps a response's raw stream: at the deadline a timer shuts the connection's socket (a read blocked on
    a trickling server then fails at once), and every read after it raises :class:`RequestDeadline`."""

    def __init__(self, raw: Any, deadline: float, limit_s: float) -> None:
        self._raw, self._deadline, self._limit_s = raw, deadline, limit_s
        self._lock = threading.Lock()
        self._open = True
        self._timer = threading.Timer(max(deadline - time.monotonic(), 0.0), self._cut)
        self._timer.daemon = True
        self._timer.start()

    def _cut(self) -> None:
        with self._lock:
            if not self._open:
                return
            for sock in _sockets(self._raw):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def _finish(self) -> None:
        with self._lock:
            self._open = False
        self._timer.cancel()

    def _late(self) -> bool:
        return time.monotonic() > self._deadline

    def read(self, *args: Any, **kwargs: Any) -> bytes:
        if self._late():
            raise RequestDeadline(f"the answer took longer than {self._limit_s:g} s")
        try:
            data = self._raw.read(*args, **kwargs)
        except Exception:
            if self._late():
                raise RequestDeadline(f"the answer took longer than {self._limit_s:g} s") from None
            raise
        if not data:
            self._finish()
        return data

    def stream(self, *args: Any, **kwargs: Any) -> Iterator[bytes]:
        try:
            for chunk in self._raw.stream(*args, **kwargs):
                if self._late():
                    raise RequestDeadline(f"the answer took longer than {self._limit_s:g} s")
                yield chunk
        except RequestDeadline:
            raise
        except Exception:
            if self._late():
                raise RequestDeadline(f"the answer took longer than {self._limit_s:g} s") from None
            raise
        finally:
            self._finish()

    def close(self) -> None:
        self._finish()
        self._raw.close()

    def release_conn(self) -> None:
        self._finish()
        self._raw.release_conn()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def _with_wildcards(url: str) -> str:
    if "?" not in url:
        return url
    base, query = url.split("?", 1)
    for escaped, character in WILDCARDS.items():
        query = query.replace(escaped, character)
    return f"{base}?{query}"


class PacsSession(requests.Session):
    """A ``requests`` session set up from a :class:`PacsConfig` (see the module description)."""

    def __init__(self, config: PacsConfig) -> None:
        super().__init__()
        self.trust_env = False
        self.total_timeout_s = max(config.total_timeout_s, config.timeout_s)
        self.headers["User-Agent"] = f"gynai/{__version__}"
        if config.auth_kind == "basic":
            self.auth = (config.username, config.password)
        elif config.auth_kind == "token":
            self.headers["Authorization"] = f"Bearer {config.token}"
        self.verify = str(config.ca_bundle) if config.ca_bundle else config.verify_tls

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        """Send with wildcards restored and the whole request held to ``total_timeout_s``."""
        request.url = _with_wildcards(request.url or "")
        deadline = time.monotonic() + self.total_timeout_s
        streaming = kwargs.get("stream", False)
        kwargs["stream"] = True
        response = super().send(request, **kwargs)
        if time.monotonic() > deadline:
            response.close()
            raise RequestDeadline(f"no answer within {self.total_timeout_s:g} s")
        response.raw = _DeadlineStream(response.raw, deadline, self.total_timeout_s)
        if not streaming:
            try:
                response.content                   # read now, under the deadline  # noqa: B018
            except requests.exceptions.RequestException:
                if time.monotonic() > deadline:
                    raise RequestDeadline(f"the answer took longer than {self.total_timeout_s:g} s") from None
                raise
            finally:
                response.raw.close()
        return response
