"""Stream an evidence file over HTTP with byte-range support.

Browsers seek in ``<video>`` with ``Range: bytes=a-b`` requests and need ``206 Partial
Content`` answers with ``Content-Range``; without them the player cannot jump to a
second. One range per request is served (a multi-range request gets the whole file,
which HTTP allows); an unsatisfiable range gets 416. The file is only read, never
written: media files are immutable evidence.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterator
from pathlib import Path

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

CHUNK = 256 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class RangeNotSatisfiable(ValueError):
    """The requested range lies outside the file."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(first, last)`` inclusive byte positions for a single-range header, or None for
    the whole file (no header, several ranges or a syntax HTTP says to ignore)."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match or (not match.group(1) and not match.group(2)):
        return None
    first_s, last_s = match.groups()
    if not first_s:  # "bytes=-N": the last N bytes
        length = int(last_s)
        if length == 0:
            raise RangeNotSatisfiable(header)
        return max(0, size - length), size - 1
    first = int(first_s)
    last = min(int(last_s), size - 1) if last_s else size - 1
    if first >= size or last < first:
        raise RangeNotSatisfiable(header)
    return first, last


def _read_slice(path: Path, first: int, last: int) -> Iterator[bytes]:
    with path.open("rb") as handle:
        handle.seek(first)
        remaining = last - first + 1
        while remaining > 0:
            chunk = handle.read(min(CHUNK, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk


def content_type_for(path: Path, declared: str = "") -> str:
    return declared or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def ranged_file_response(path: Path, range_header: str | None,
                         content_type: str = "") -> HttpResponse:
    """200 with the whole file, 206 with one range, or 416 for an impossible range."""
    size = path.stat().st_size
    ctype = content_type_for(path, content_type)
    try:
        byte_range = parse_range(range_header, size)
    except RangeNotSatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    if byte_range is None:
        response = FileResponse(path.open("rb"), content_type=ctype)
        response["Content-Length"] = str(size)
    else:
        first, last = byte_range
        response = StreamingHttpResponse(_read_slice(path, first, last), status=206,
                                         content_type=ctype)
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
        response["Content-Length"] = str(last - first + 1)
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = "inline"
    return response
