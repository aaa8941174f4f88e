"""Issue 14, hostile input as an attacker sends it: HEAD with a body, huge integers in
query parameters and the Range header, deep TOML and absurd intervals in the admin source
form, oversized bodies, bidi controls in options and echoed form values, media caching.

Every test failed on the code before issue 14 (500s, a body on HEAD, a 400 MiB body read,
bidi controls in ``<option>`` and ``value=""``, media without ``Cache-Control``)."""

from __future__ import annotations

import io
import sys
from wsgiref.util import FileWrapper

import pytest
from django.test import Client
from ui_helpers import login_client, make_broadcast, make_user

from catalog.models import Outlet

RLO = "\u202e"
HUGE = "9" * 5000  # past Python's 4300-digit int() limit
BIG = "9" * 30  # past SQLite's 64-bit integers


def _wsgi(method: str, path: str, client: Client, **headers: str) -> tuple[str, dict, bytes]:
    """Call the real WSGI application as a server does (with ``wsgi.file_wrapper``, as
    waitress has, which sends a file response's bytes without the app iterating them)."""
    from raqib.wsgi import application

    cookie = "; ".join(f"{k}={v.value}" for k, v in client.cookies.items())
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "",
               "SERVER_NAME": "localhost", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
               "HTTP_HOST": "localhost", "HTTP_COOKIE": cookie, "REMOTE_ADDR": "127.0.0.1",
               "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
               "wsgi.errors": sys.stderr, "wsgi.multithread": True,
               "wsgi.multiprocess": False, "wsgi.run_once": False,
               "wsgi.file_wrapper": FileWrapper, **headers}
    seen: dict = {}

    def start_response(status: str, response_headers: list, exc_info: object = None) -> None:
        seen["status"], seen["headers"] = status, dict(response_headers)

    result = application(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return seen["status"], seen["headers"], body


@pytest.mark.parametrize("path", ["/login/", "/media/{id}/"])
def test_head_sends_headers_and_no_body(viewer_client: Client, broadcast, path: str) -> None:
    path = path.format(id=broadcast.pk)
    client = Client() if path == "/login/" else viewer_client
    status, headers, body = _wsgi("HEAD", path, client)
    get_status, get_headers, get_body = _wsgi("GET", path, client)
    assert status == get_status and status.startswith("200")
    assert body == b"", f"HEAD {path} sent {len(body)} bytes"
    assert get_body
    if "Content-Length" in get_headers:
        assert headers["Content-Length"] == get_headers["Content-Length"]


def test_head_refused_by_a_get_only_view_sends_no_body(viewer_client: Client,
                                                       broadcast) -> None:
    status, _, body = _wsgi("HEAD", f"/broadcasts/{broadcast.pk}/", viewer_client)
    assert status.startswith("405") and body == b""


def test_media_is_never_cached(viewer_client: Client, broadcast) -> None:
    whole = viewer_client.get(f"/media/{broadcast.pk}/")
    part = viewer_client.get(f"/media/{broadcast.pk}/", HTTP_RANGE="bytes=0-9")
    for response in (whole, part):
        assert "no-store" in response["Cache-Control"], response.status_code


@pytest.mark.parametrize("query", [f"watchlist={BIG}", f"watchlist={HUGE}",
                                   f"page={HUGE}", f"status=new&watchlist={BIG}"])
def test_huge_integers_in_alert_filters_answer_400_or_ignore(viewer_client: Client,
                                                             query: str) -> None:
    response = viewer_client.get(f"/alerts/?{query}")
    assert response.status_code in (200, 400), response.status_code


@pytest.mark.parametrize("query", [f"transcript={BIG}", f"transcript={HUGE}", f"t={HUGE}",
                                   f"t=1e{HUGE}"])
def test_huge_integers_in_the_viewer_answer_400_or_ignore(viewer_client: Client, broadcast,
                                                          query: str) -> None:
    response = viewer_client.get(f"/broadcasts/{broadcast.pk}/?{query}")
    assert response.status_code in (200, 400), response.status_code


@pytest.mark.parametrize("header", [f"bytes={HUGE}-", f"bytes=0-{HUGE}", f"bytes=-{HUGE}",
                                    f"bytes={BIG}-{BIG}"])
def test_huge_range_headers_answer_4xx(viewer_client: Client, broadcast, header: str) -> None:
    response = viewer_client.get(f"/media/{broadcast.pk}/", HTTP_RANGE=header)
    assert response.status_code in (400, 416), response.status_code


def test_an_oversized_body_is_refused_unread(db, settings) -> None:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert limit <= 4 * 1024 * 1024

    class Tripwire(io.RawIOBase):
        """A request body that fails the test if anything reads it."""

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: object) -> int:
            raise AssertionError("the oversized body was read")

    from raqib.wsgi import application  # straight to the app: the test Client buffers

    seen: dict = {}
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/login/", "QUERY_STRING": "",
               "SERVER_NAME": "localhost", "SERVER_PORT": "80", "HTTP_HOST": "localhost",
               "CONTENT_TYPE": "application/x-www-form-urlencoded",
               "CONTENT_LENGTH": str(400 * 1024 * 1024), "REMOTE_ADDR": "127.0.0.1",
               "wsgi.input": Tripwire(), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
               "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.version": (1, 0),
               "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False}
    result = application(environ, lambda status, headers, exc=None: seen.update(s=status))
    b"".join(result)
    assert seen["s"].startswith("413")


def test_waitress_is_told_the_body_limit(settings) -> None:
    from raqib.commands.serve import make_server, stop_server

    server = make_server("127.0.0.1", 0)
    try:
        assert server.adj.max_request_body_size == settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    finally:
        stop_server(server)


def test_bidi_controls_are_neutralised_in_options_and_echoed_values(viewer_client: Client,
                                                                    db) -> None:
    Outlet.objects.create(name=f"قناة{RLO}evil")
    make_broadcast(outlet_name=f"قناة{RLO}evil", source_name="evil")
    html = viewer_client.get("/", {"q": f"x{RLO}y", "lang": f"a{RLO}"}).content.decode()
    assert "<option" in html and "evil" in html
    assert RLO not in html and "\u2066" not in html
    assert "\ufffd" in html  # replaced visibly, not silently dropped


def test_bidi_controls_are_neutralised_in_an_invalid_form_echo(db) -> None:
    client = login_client(Client(), make_user("adm", "admin"))
    response = client.post("/sources/new/", {"name": f"x{RLO}", "outlet": f"o{RLO}\u2067",
                                             "kind": "feed", "language": "ar"})
    html = response.content.decode()
    assert response.status_code == 400
    assert RLO not in html and "\u2067" not in html


def _source_form(**overrides: str) -> dict:
    form = {"name": "feedy", "outlet": "Outlet", "kind": "feed", "interval": "6h",
            "language": "ar", "enabled": "on", "robots": "on",
            "cfg_url": "https://tv.example.org/feed.xml"}
    form.update(overrides)
    return form


@pytest.mark.parametrize(("overrides", "needle"), [
    ({"cfg_url": "https://x.example/" + "[" * 5000}, "data-field=\"cfg_url\""),
    ({"interval": "999999999999999d"}, "longest interval"),
    ({"interval": "99999999999999s"}, "longest interval"),
])
def test_absurd_source_form_input_answers_400(db, overrides: dict, needle: str) -> None:
    client = login_client(Client(), make_user("adm", "admin"))
    response = client.post("/sources/new/", _source_form(**overrides))
    assert response.status_code == 400
    assert needle in response.content.decode()
