"""``raqib sources list|check`` run as a monitor would: the real command line, real crawl."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from crawl_helpers import write_page

from raqib.demo.server import StaticServer


def write_config(tmp_path: Path, base_url: str) -> dict[str, str]:
    config = tmp_path / "raqib.toml"
    config.write_text(f"""
[crawl]
download_delay = 0.0
timeout = 5.0

[[sources]]
name = "fixture"
outlet = "قناة الاختبار"
kind = "site"
interval = "30m"
start_urls = ["{base_url}/list.html"]
item_links = "a.item::attr(href)"
title = "h1"
aired_at = "time"
media = "video"
""", encoding="utf-8")
    env = dict(os.environ)
    env.update({"RAQIB_CONFIG": str(config), "RAQIB_DATA_DIR": str(tmp_path / "data")})
    return env


def raqib(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "raqib", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def test_check_prints_what_it_would_find_without_writing(static_server: StaticServer,
                                                         tmp_path: Path) -> None:
    write_page(static_server.root, "list.html", '<a class="item" href="/i/1.html">1</a>')
    write_page(static_server.root, "i/1.html",
               "<h1>اعتراف</h1><time datetime='2021-04-20T18:30:00Z'>x</time>"
               "<video src='/m/1.mp4'></video>")
    env = write_config(tmp_path, static_server.base_url)

    done = raqib(env, "sources", "check", "fixture", "--format", "json")

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is True and report["errors"] == []
    assert report["items"] == [{
        "title": "اعتراف", "url": f"{static_server.base_url}/i/1.html",
        "media_url": f"{static_server.base_url}/m/1.mp4",
        "aired_at": "2021-04-20T18:30:00+00:00", "aired_precision": "second",
        "aired_at_raw": "2021-04-20T18:30:00Z",
        "program": "", "external_id": f"{static_server.base_url}/i/1.html",
    }]
    assert not (tmp_path / "data").exists()  # nothing written: no database, no files


def test_check_prints_its_table(static_server: StaticServer, tmp_path: Path) -> None:
    """The default (table) output of a source that works: it used to crash in
    ``print_table`` (AttributeError: 'str' object has no attribute 'get')."""
    write_page(static_server.root, "list.html", '<a class="item" href="/i/1.html">1</a>')
    write_page(static_server.root, "i/1.html",
               "<h1>اعتراف</h1><time datetime='2021-04-20T18:30:00Z'>x</time>"
               "<video src='/m/1.mp4'></video>")
    env = write_config(tmp_path, static_server.base_url)

    done = raqib(env, "sources", "check", "fixture")

    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["AIRED_AT", "TITLE", "URL", "MEDIA_URL"]
    assert "اعتراف" in lines[1] and f"{static_server.base_url}/m/1.mp4" in lines[1]
    assert "fixture: 1 item(s) from 2 page(s)" in done.stdout


def test_check_unreachable_and_unknown_source(tmp_path: Path) -> None:
    env = write_config(tmp_path, "http://127.0.0.1:9")
    done = raqib(env, "sources", "check", "fixture")
    assert done.returncode == 1
    assert "fixture: FAILED: cannot reach http://127.0.0.1:9/list.html: connection refused" \
        in done.stdout
    done = raqib(env, "sources", "check", "nope")
    assert done.returncode == 2
    assert "no source named 'nope'" in done.stderr and "known: fixture" in done.stderr


def test_list_shows_configured_sources(tmp_path: Path) -> None:
    env = write_config(tmp_path, "http://127.0.0.1:9")
    done = raqib(env, "sources", "list", "--format", "json")
    assert done.returncode == 0, done.stderr
    [row] = json.loads(done.stdout)["sources"]
    assert row["name"] == "fixture" and row["outlet"] == "قناة الاختبار"
    assert (row["kind"], row["interval"], row["enabled"]) == ("site", "30m", True)
    assert row["last_crawl"] == "" and row["next_crawl"] and row["last_error"] == ""
    table = raqib(env, "sources", "list")
    assert table.returncode == 0 and "fixture" in table.stdout and "NEXT_CRAWL" in table.stdout


FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>قناة</title>
<item><title>اعتراف ١</title><link>{base}/v/1.html</link><guid>g1</guid>
  <pubDate>٢٠ نيسان ٢٠٢١ - ٢١:٣٠</pubDate></item>
<item><title>اعتراف ٢</title><link>{base}/v/2.html</link><guid>g2</guid>
  <enclosure url="{base}/m/2.mp4" type="video/mp4" length="1"/></item>
</channel></rss>
"""


def test_check_a_feed_source_with_its_timezone(static_server: StaticServer,
                                               tmp_path: Path) -> None:
    base = static_server.base_url
    (static_server.root / "feed.xml").write_text(FEED.format(base=base), encoding="utf-8")
    (static_server.root / "bad.xml").write_text("<html><body>لا</body></html>",
                                                encoding="utf-8")
    env = write_config(tmp_path, base)
    with open(env["RAQIB_CONFIG"], "a", encoding="utf-8") as fh:
        fh.write(f"""
[[sources]]
name = "feed"
outlet = "قناة الاختبار"
kind = "feed"
url = "{base}/feed.xml"
timezone = "Asia/Damascus"

[[sources]]
name = "broken-feed"
outlet = "قناة الاختبار"
kind = "feed"
url = "{base}/bad.xml"
""")

    done = raqib(env, "sources", "check", "feed", "--format", "json", "--limit", "1")

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["kind"], report["count"], len(report["items"])) == ("feed", 2, 1)
    assert report["items"][0] == {
        "title": "اعتراف ١", "url": f"{base}/v/1.html", "media_url": "",
        # As printed: local to the outlet, with its offset, to the minute.
        "aired_at": "2021-04-20T21:30+03:00", "aired_precision": "minute",
        "aired_at_raw": "٢٠ نيسان ٢٠٢١ - ٢١:٣٠",
        "program": "", "external_id": "g1"}
    assert "checking feed (feed)" in done.stderr
    table = raqib(env, "sources", "check", "broken-feed")
    assert table.returncode == 1
    assert f"broken-feed: FAILED: cannot reach {base}/bad.xml: not a valid RSS or Atom feed" \
        in table.stdout
    assert not (tmp_path / "data").exists()


def test_crawl_leaves_live_sources_to_the_recorder(tmp_path: Path) -> None:
    (tmp_path / "www").mkdir()
    with StaticServer(tmp_path / "www") as srv:
        write_page(srv.root, "list.html", '<a class="item" href="item.html">x</a>')
        write_page(srv.root, "item.html", "<h1>حلقة</h1><video src='v.mp4'></video>")
        env = write_config(tmp_path, srv.base_url)
        config = Path(env["RAQIB_CONFIG"])
        config.write_text(config.read_text(encoding="utf-8") + """
[[sources]]
name = "tv-live"
outlet = "قناة الاختبار"
kind = "live"
url = "http://127.0.0.1:9/live.m3u8"
""", encoding="utf-8")
        proc = raqib(env, "crawl", "--no-process")
        assert proc.returncode == 0, proc.stderr
        assert "skipping live source(s) tv-live" in proc.stderr
        assert "crawled fixture" in proc.stderr

        only_live = tmp_path / "live-only.toml"
        only_live.write_text(config.read_text(encoding="utf-8").split("[[sources]]")[0]
                             + "[[sources]]" + config.read_text(encoding="utf-8")
                             .split("[[sources]]")[2], encoding="utf-8")
        proc = raqib({**env, "RAQIB_CONFIG": str(only_live)}, "crawl", "--no-process")
        assert proc.returncode == 2
        assert "raqib record" in proc.stderr
