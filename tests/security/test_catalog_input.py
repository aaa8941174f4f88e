"""Issue 14, hostile data at the catalog boundary: a crawled ``javascript:`` link, an
import file with a lone surrogate or NaN times, and where stored URLs become links.

Before issue 14 the crawl path stored ``javascript:alert(1)`` as a broadcast's page URL
and the viewer rendered it as a link; the importer crashed with a traceback on a lone
surrogate (``UnicodeEncodeError`` from the database) and stored NaN times."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalog.models import Broadcast, CustodyEvent, Outlet, Source
from catalog.urls import UnsafeURL
from crawler.base import CrawlSettings

FAST = CrawlSettings(user_agent="RaqibTest/1.0", download_delay=0.0, timeout=5.0, max_pages=5)
RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>t</title><link>{base}/</link>
<item><title>evil</title><link>javascript:alert(document.cookie)</link><guid>evil-1</guid></item>
<item><title>data</title><link>data:text/html,&lt;script&gt;x&lt;/script&gt;</link>
  <guid>evil-2</guid></item>
<item><title>good</title><link>{base}/v/1.html</link><guid>good-1</guid></item>
</channel></rss>
"""


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["javascript:alert(1)", "JavaScript:alert(1)",
                                 "data:text/html,x", "file:///etc/passwd", "vbscript:x",
                                 "//no-scheme.example/x", "http://", " javascript:x",
                                 "https://ok.example/\x00"])
def test_no_path_stores_a_non_http_url(url: str) -> None:
    outlet = Outlet.objects.create(name="o")
    source = Source.objects.create(name="s", outlet=outlet, kind="site")
    with pytest.raises(UnsafeURL):
        Broadcast.objects.create(source=source, outlet=outlet, external_id="x", url=url)
    broadcast = Broadcast.objects.create(source=source, outlet=outlet, external_id="y",
                                         url="https://ok.example/a")
    broadcast.media_url = url
    with pytest.raises(UnsafeURL):
        broadcast.save()
    with pytest.raises(UnsafeURL):
        CustodyEvent.objects.create(action="captured", actor="t", source_url=url)
    assert not Broadcast.objects.exclude(url="https://ok.example/a").exists()


@pytest.mark.django_db
def test_the_crawl_path_skips_a_javascript_link_and_keeps_the_rest(static_server) -> None:
    from raqib.config import load_config
    from raqib.pipeline import crawl_source

    (static_server.root / "rss.xml").write_text(RSS.format(base=static_server.base_url),
                                                encoding="utf-8")
    outlet = Outlet.objects.create(name="Feed TV")
    source = Source.objects.create(name="feed", outlet=outlet, kind="feed", config={
        "url": f"{static_server.base_url}/rss.xml", "robots": False})
    report = crawl_source(source, load_config(), FAST)
    urls = list(Broadcast.objects.values_list("url", flat=True))
    assert urls == [f"{static_server.base_url}/v/1.html"], urls
    assert len(report.new_ids) == 1
    skipped = [e for e in report.errors if "skipped" in e]
    assert len(skipped) == 2 and "not an absolute http(s) URL" in skipped[0]


@pytest.mark.django_db
def test_an_old_unsafe_url_is_not_rendered_as_a_link(client) -> None:
    from ui_helpers import login_client, make_broadcast, make_user

    broadcast = make_broadcast()
    Broadcast.objects.filter(pk=broadcast.pk).update(url="javascript:alert(1)")  # legacy row
    login_client(client, make_user("v", "viewer"))
    html = client.get(f"/broadcasts/{broadcast.pk}/").content.decode()
    assert 'href="javascript:' not in html
    assert "javascript:alert(1)" in html  # still shown, as text


def _import(tmp_path: Path, doc: object, raw: str | None = None) -> tuple[int, str]:
    """Run ``raqib import`` in this process; (exit code, stderr)."""
    import contextlib
    import io

    from raqib.cli import main

    path = tmp_path / "t.json"
    path.write_text(raw if raw is not None else json.dumps(doc), encoding="utf-8")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["import", str(path)])
    return code, err.getvalue()


GOOD = {"broadcast": {"outlet": "TV", "url": "https://e.example/1"},
        "segments": [{"start": 0, "end": 1, "text": "نص"}]}


@pytest.mark.django_db
@pytest.mark.parametrize(("raw", "field"), [
    ('{"broadcast": {"outlet": "TV", "url": "https://e.example/1"}, '
     '"segments": [{"start": 0, "end": 1, "text": "a\\ud800b"}]}', "segments[0].text"),
    ('{"broadcast": {"outlet": "T\\udfffV", "url": "https://e.example/1"}, '
     '"segments": [{"start": 0, "end": 1, "text": "x"}]}', "broadcast.outlet"),
    ('{"broadcast": {"outlet": "TV", "url": "https://e.example/1"}, '
     '"segments": [{"start": NaN, "end": 1, "text": "x"}]}', "segments[0].start"),
    ('{"broadcast": {"outlet": "TV", "url": "https://e.example/1"}, '
     '"segments": [{"start": 0, "end": Infinity, "text": "x"}]}', "segments[0].end"),
    ('{"broadcast": {"outlet": "TV", "url": "https://e.example/1"}, '
     '"segments": [{"start": 0, "end": 1e300, "text": "x"}]}', "segments[0].end"),
    ('{"broadcast": {"outlet": "TV", "url": "javascript:alert(1)"}, '
     '"segments": [{"start": 0, "end": 1, "text": "x"}]}', "broadcast.url"),
])
def test_import_names_the_bad_field_without_a_traceback(tmp_path: Path, raw: str,
                                                        field: str) -> None:
    code, err = _import(tmp_path, None, raw)
    assert code != 0
    assert field in err and "Traceback" not in err, err
    assert not Broadcast.objects.exists()


@pytest.mark.django_db
def test_a_good_import_still_works(tmp_path: Path) -> None:
    code, err = _import(tmp_path, GOOD)
    assert code == 0, err
    assert Broadcast.objects.get().url == "https://e.example/1"


@pytest.mark.parametrize(("text", "needle"), [
    (" ".join(["x*"] * 2000), "words ending in '*'"),
    (" ".join(f"w{n}" for n in range(500)), "at most 64"),
    (" OR ".join(f"w{n}" for n in range(200)), "at most 64"),
    (" ".join(f"tag:t{n}" for n in range(100)) + " w", "at most 64"),
])
def test_query_size_is_bounded_at_parse_time(text: str, needle: str) -> None:
    from index.base import QueryError
    from index.query import parse

    with pytest.raises(QueryError, match=needle):
        parse(text)


def test_a_reasonable_query_still_parses() -> None:
    from index.query import parse

    query = parse(" ".join(f"w{n}*" for n in range(16)) + " " + " ".join(
        f"v{n}" for n in range(40)))
    assert len(query.must) == 56
