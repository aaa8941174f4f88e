"""Issue 26: static files served efficiently: hashed names, pre-compressed, cached for ever.

A real ``raqib serve --workers 1 --port 0`` on a fresh data dir collects the static files
itself (no separate step): the login page links ``raqib.<hash>.css``, which comes back
Brotli- or gzip-compressed when asked (the same bytes as the source once decompressed),
plain otherwise, always with ``Cache-Control: max-age=315360000, public, immutable``; a plain
name is still answered, with a short cache. In-process: nothing collected means plain names
(the tests, a checkout); a collected manifest gives hashed names; a stale stamp collects
again; ``DEBUG`` links the plain names even when collected.
"""

from __future__ import annotations

import gzip
import http.client
import os
import re
import subprocess
import sys
from pathlib import Path

import brotli
import pytest
from django.templatetags.static import static
from django.test import override_settings

from raqib import staticfiles

ROOT = Path(__file__).resolve().parents[2]
CSS = ROOT / "review_ui" / "static" / "review_ui" / "raqib.css"
FOREVER = "max-age=315360000, public, immutable"


def _env(root: Path) -> dict[str, str]:
    (root / "raqib.toml").write_text("")
    env = {**os.environ, "RAQIB_DATA_DIR": str(root / "data"),
           "RAQIB_CONFIG": str(root / "raqib.toml"), "PYTHONUNBUFFERED": "1"}
    for var in ("DATABASE_URL", "RAQIB_SEARCH_BACKEND", "RAQIB_WEB_WORKERS",
                "RAQIB_STATIC_ROOT"):
        env.pop(var, None)
    return env


def _get(port: int, path: str, encoding: str = "") -> tuple[http.client.HTTPResponse, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers={"Accept-Encoding": encoding} if encoding else {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


def test_raqib_serve_collects_and_serves_hashed_compressed_immutable_files(
        tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "raqib", "serve", "--workers", "1",
                             "--port", "0"], env=_env(tmp_path), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        found = None
        while found is None:  # the migration's log line comes first
            line = proc.stdout.readline()
            assert line, "raqib serve ended before printing its URL"
            found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        port = int(found.group(1))
        assert (tmp_path / "data" / "static" / "staticfiles.json").is_file()
        response, page = _get(port, "/login/")
        assert response.status == 200
        href = re.search(rb'href="(/static/review_ui/raqib\.[0-9a-f]{12}\.css)"', page)
        assert href, page[:600]
        url = href.group(1).decode()
        assert re.search(rb'src="/static/review_ui/raqib\.[0-9a-f]{12}\.js"', page)
        source = CSS.read_bytes()

        response, body = _get(port, url, "br")
        assert response.status == 200
        assert response.headers["Content-Encoding"] == "br"
        assert response.headers["Cache-Control"] == FOREVER
        assert "Accept-Encoding" in response.headers["Vary"]
        assert brotli.decompress(body) == source

        response, body = _get(port, url, "gzip")
        assert response.headers["Content-Encoding"] == "gzip"
        assert response.headers["Cache-Control"] == FOREVER
        assert gzip.decompress(body) == source

        response, body = _get(port, url)
        assert response.headers.get("Content-Encoding") is None and body == source
        assert response.headers["Cache-Control"] == FOREVER

        response, body = _get(port, "/static/review_ui/raqib.css")  # an old bookmark
        assert response.status == 200 and body == source
        assert "immutable" not in response.headers["Cache-Control"]
    finally:
        proc.kill()
        proc.wait(timeout=30)


@pytest.fixture
def static_root(tmp_path: Path):  # noqa: ANN201
    with override_settings(STATIC_ROOT=tmp_path / "static"):
        yield tmp_path / "static"


def test_nothing_collected_links_plain_names(static_root: Path) -> None:
    assert not staticfiles.is_current()
    assert static("review_ui/raqib.css") == "/static/review_ui/raqib.css"


def test_collected_links_hashed_names_and_a_stale_stamp_collects_again(
        static_root: Path) -> None:
    assert staticfiles.ensure_collected() is True
    assert staticfiles.is_current()
    hashed = static("review_ui/raqib.css")
    assert re.fullmatch(r"/static/review_ui/raqib\.[0-9a-f]{12}\.css", hashed)
    name = hashed.removeprefix("/static/")
    for suffix in ("", ".gz", ".br"):
        assert (static_root / (name + suffix)).is_file()
    assert (static_root / name).read_bytes() == CSS.read_bytes()
    (static_root / staticfiles.LOCK_NAME).unlink()
    assert staticfiles.ensure_collected() is False  # current: nothing to do, nothing written
    assert not (static_root / staticfiles.LOCK_NAME).exists()  # (a read-only image works)

    (static_root / staticfiles.STAMP_NAME).write_text("a source file changed\n")
    assert not staticfiles.is_current()
    assert staticfiles.ensure_collected() is True and staticfiles.is_current()
    with override_settings(DEBUG=True):
        assert static("review_ui/raqib.css") == "/static/review_ui/raqib.css"
