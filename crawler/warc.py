"""A WARC snapshot of an item page, kept with the capture as evidence of what the outlet
published around the media (title, description, air date as shown).

``snapshot_page`` fetches the page itself (not through a browser: the HTML as served),
with the crawl's User-Agent, following redirects one hop at a time so every request and
response is recorded, and writes a gzipped WARC 1.1 file with warcio: a ``warcinfo``
record, then a ``request`` and a ``response`` record per hop. Bodies are recorded as
received (``Accept-Encoding: identity`` is asked for); a body over ``max_bytes`` is cut
and marked ``WARC-Truncated: length``. To record more (e.g. page resources): write more
request/response pairs with ``_write_exchange``. For a source added in the web UI
(``egress`` given) every hop is checked before it is requested and connected only under
``crawler.egress.guard``: a redirect into the network is refused, with the reason.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.egress import EgressPolicy, EgressRefused, check_url, guard

MAX_REDIRECTS = 5
MAX_BYTES = 20 * 1024 * 1024


class SnapshotError(Exception):
    """The page could not be snapshotted; the message says why."""


@dataclass
class Snapshot:
    path: Path
    final_url: str
    http_status: int
    truncated: bool = False
    hops: list[tuple[str, int]] = field(default_factory=list)  # (url, status) per request


def _request_target(url: str) -> tuple[str, str, int, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SnapshotError(f"not an http(s) URL: {url}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, target


def _fetch(url: str, user_agent: str, timeout: float, max_bytes: int):  # noqa: ANN202
    scheme, host, port, target = _request_target(url)
    conn_cls = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
    kwargs = {"context": ssl.create_default_context()} if scheme == "https" else {}
    conn = conn_cls(host, port, timeout=timeout, **kwargs)
    netloc = urlsplit(url).netloc
    headers = [("Host", netloc), ("User-Agent", user_agent), ("Accept", "*/*"),
               ("Accept-Encoding", "identity"), ("Connection", "close")]
    try:
        conn.putrequest("GET", target, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        conn.endheaders()
        peer = ""
        with contextlib.suppress(OSError):
            peer = conn.sock.getpeername()[0] if conn.sock else ""
        resp = conn.getresponse()
        body = resp.read(max_bytes + 1)
        truncated = len(body) > max_bytes
        body = body[:max_bytes]
        return (target, headers, resp.status, resp.reason, resp.getheaders(), body,
                truncated, peer)
    finally:
        conn.close()


def _write_exchange(writer: WARCWriter, url: str, target: str, req_headers: list,
                    status: int, reason: str, resp_headers: list, body: bytes,
                    truncated: bool, peer: str) -> None:
    # The body is stored de-chunked; its framing headers are replaced by a Content-Length.
    kept = [(k, v) for k, v in resp_headers
            if k.lower() not in ("transfer-encoding", "content-length")]
    kept.append(("Content-Length", str(len(body))))
    warc_headers = {"WARC-IP-Address": peer} if peer else {}
    if truncated:
        warc_headers["WARC-Truncated"] = "length"
    response = writer.create_warc_record(
        url, "response", payload=io.BytesIO(body),
        http_headers=StatusAndHeaders(f"{status} {reason}", kept, protocol="HTTP/1.1"),
        warc_headers_dict=warc_headers)
    request = writer.create_warc_record(
        url, "request", payload=io.BytesIO(b""),
        http_headers=StatusAndHeaders(f"GET {target} HTTP/1.1", req_headers,
                                      is_http_request=True),
        warc_headers_dict={"WARC-Concurrent-To": response.rec_headers.get_header(
            "WARC-Record-ID")})
    writer.write_record(request)
    writer.write_record(response)


def snapshot_page(url: str, dest: Path, *, user_agent: str, timeout: float,
                  software: str = "raqib", max_bytes: int = MAX_BYTES,
                  egress: EgressPolicy | None = None) -> Snapshot:
    """Fetch ``url`` and write a gzipped WARC to ``dest``; raise SnapshotError.

    A page answering with an HTTP error is still recorded (the WARC shows the 404); only
    a page that could not be fetched at all raises."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp")
    hops: list[tuple[str, int]] = []
    truncated_any = False
    try:
        with tmp.open("wb") as fh:
            writer = WARCWriter(fh, gzip=True, warc_version="1.1")
            writer.write_record(writer.create_warcinfo_record(
                dest.name, {"software": software, "format": "WARC File Format 1.1",
                            "description": "Raqib item-page snapshot"}))
            current = url
            for _ in range(MAX_REDIRECTS + 1):
                try:
                    check_url(current, egress)
                    with guard(egress):
                        (target, req_headers, status, reason, resp_headers, body, truncated,
                         peer) = _fetch(current, user_agent, timeout, max_bytes)
                except EgressRefused as exc:
                    raise SnapshotError(f"cannot fetch {current}: {exc}") from exc
                except (OSError, http.client.HTTPException) as exc:
                    kind = "timeout" if isinstance(exc, TimeoutError) \
                        else type(exc).__name__
                    raise SnapshotError(f"cannot fetch {current}: {kind}: {exc}") from exc
                _write_exchange(writer, current, target, req_headers, status, reason,
                                resp_headers, body, truncated, peer)
                hops.append((current, status))
                truncated_any = truncated_any or truncated
                location = dict((k.lower(), v) for k, v in resp_headers).get("location")
                if status in (301, 302, 303, 307, 308) and location:
                    current = urljoin(current, location)
                    continue
                break
            else:
                raise SnapshotError(f"more than {MAX_REDIRECTS} redirects from {url}")
        tmp.replace(dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return Snapshot(path=dest, final_url=hops[-1][0], http_status=hops[-1][1],
                    truncated=truncated_any, hops=hops)
