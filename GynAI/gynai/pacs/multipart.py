"""A small ``multipart/related`` (RFC 2387) encoder and streaming parser for DICOMweb bodies.

WADO-RS answers a series retrieval with one part per instance and STOW-RS takes the instances to store
the same way. The parser reads the response in chunks and yields one part at a time, so memory holds at
most one instance (plus one chunk), never the whole series.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Iterable, Iterator

from gynai.errors import PacsError

_CRLF = b"\r\n"
_MAX_HEADER_BYTES = 64 * 1024


@dataclass(frozen=True)
class Part:
    """One body part: its headers (names lower-case) and its content."""

    headers: dict[str, str]
    content: bytes

    @property
    def content_type(self) -> str:
        """The part's media type without parameters, lower-case (empty when not given)."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def new_boundary() -> str:
    """A random boundary that cannot occur by chance in the parts."""
    return f"gynai-{secrets.token_hex(16)}"


def content_type_parameters(content_type: str) -> tuple[str, dict[str, str]]:
    """Media type (lower-case) and parameters (names lower-case, quotes removed) of a Content-Type value."""
    media, _, rest = content_type.partition(";")
    parameters = {}
    for match in re.finditer(r'\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)\s*;?', rest):
        value = match.group(2).strip()
        if value.startswith('"') and value.endswith('"'):
            value = value[1:-1].replace('\\"', '"')
        parameters[match.group(1).lower()] = value
    return media.strip().lower(), parameters


def encode_related(contents: Iterable[bytes], part_type: str, boundary: str) -> bytes:
    """A ``multipart/related`` body with one part of media type ``part_type`` per item of ``contents``."""
    delimiter = b"--" + boundary.encode("ascii")
    chunks = []
    for content in contents:
        chunks += [delimiter, _CRLF, f"Content-Type: {part_type}".encode("ascii"), _CRLF,
                   f"Content-Length: {len(content)}".encode("ascii"), _CRLF, _CRLF, content, _CRLF]
    chunks += [delimiter, b"--", _CRLF]
    return b"".join(chunks)


def _parse_headers(block: bytes) -> dict[str, str]:
    headers = {}
    for line in block.split(_CRLF):
        if not line.strip():
            continue
        name, separator, value = line.decode("latin-1").partition(":")
        if not separator:
            raise PacsError(f"the PACS sent a malformed multipart header line {line[:80]!r}")
        headers[name.strip().lower()] = value.strip()
    return headers


def iter_related(chunks: Iterable[bytes], boundary: str) -> Iterator[Part]:
    """Yield the parts of a ``multipart/related`` body read as a sequence of byte chunks.

    Raises:
        PacsError: The body has no opening boundary, ends before its closing boundary, or a part header
            is malformed (a truncated or corrupt answer).
    """
    opening = b"--" + boundary.encode("ascii")
    delimiter = _CRLF + opening
    buffer = bytearray()
    stream = iter(chunks)

    def more() -> bool:
        for chunk in stream:
            if chunk:
                buffer.extend(chunk)
                return True
        return False

    def after_delimiter_is_close() -> bool:
        """Consume the rest of a boundary line; True for the closing delimiter (``--`` follows)."""
        while len(buffer) < 2 and more():
            pass
        if buffer[:2] == b"--":
            return True
        while (line_end := buffer.find(_CRLF)) < 0:
            if not more():
                raise PacsError("the PACS answer ended after a multipart boundary (truncated answer)")
        if buffer[:line_end].strip():
            raise PacsError("the PACS sent a malformed multipart boundary line")
        del buffer[:line_end + 2]
        return False

    while True:  # preamble: everything before the first boundary line
        if buffer.startswith(opening):
            del buffer[:len(opening)]
            break
        position = buffer.find(delimiter)
        if position >= 0:
            del buffer[:position + len(delimiter)]
            break
        if not more():
            raise PacsError("the PACS answer is not the expected multipart body (no boundary found)")
    while not after_delimiter_is_close():
        while True:
            if buffer.startswith(_CRLF):  # a part without headers
                headers: dict[str, str] = {}
                del buffer[:2]
                break
            end = buffer.find(_CRLF + _CRLF)
            if end >= 0:
                headers = _parse_headers(bytes(buffer[:end]))
                del buffer[:end + 4]
                break
            if len(buffer) > _MAX_HEADER_BYTES or not more():
                raise PacsError("the PACS answer ended inside a multipart part header (truncated answer)")
        searched = 0
        while (position := buffer.find(delimiter, searched)) < 0:
            searched = max(0, len(buffer) - len(delimiter) + 1)
            if not more():
                raise PacsError("the PACS answer ended before the multipart closing boundary (truncated answer)")
        content = bytes(buffer[:position])
        del buffer[:position + len(delimiter)]
        yield Part(headers, content)
