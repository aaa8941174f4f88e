"""Exit codes that tell, and bounded waiting, run as cron or a monitor would: the real
``raqib`` command line in a subprocess, real Scrapy and yt-dlp against loopback servers.

0 when every item succeeded, 1 when some failed (each listed with its stage and reason,
also in ``--format json``), 2 for bad usage or configuration. A page that never answers
costs ``crawl.request_timeout`` once (the server sees one request, not three), is recorded
with its reason, and the other pages and sources are still collected."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from crawl_helpers import write_page
from media_helpers import make_mp4, need_ffmpeg

from raqib.demo.server import Fault, StaticServer

SOURCE = """
[[sources]]
name = "{name}"
outlet = "قناة الاختبار"
kind = "site"
robots = false
start_urls = ["{url}"]
item_links = "a.item::attr(href)"
title = "h1"
media = "video"
"""


def configure(tmp_path: Path, sources: dict[str, str], crawl: str = "") -> dict[str, str]:
    config = tmp_path / "raqib.toml"
    config.write_text("[crawl]\ndownload_delay = 0.0\n" + crawl + "".join(
        SOURCE.format(name=name, url=url) for name, url in sources.items()), encoding="utf-8")
    return {**os.environ, "RAQIB_CONFIG": str(config),
            "RAQIB_DATA_DIR": str(tmp_path / "data"), "RAQIB_TRANSCRIBE_MODEL": "bundled-base"}


def raqib(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "raqib", *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def _site(root: Path) -> None:
    need_ffmpeg()
    make_mp4(root / "good.mp4", seconds=1, freq=440)
    write_page(root, "list.html", '<a class="item" href="good.html">good</a>'
                                  '<a class="item" href="removed.html">removed</a>')
    write_page(root, "good.html", "<h1>نشرة</h1><video src='good.mp4'></video>")
    write_page(root, "removed.html", "<h1>فيديو محذوف</h1><video src='gone.mp4'></video>")


@pytest.mark.slow
def test_crawl_exits_1_listing_a_removed_video_then_0_when_all_succeed(tmp_path: Path) -> None:
    www = tmp_path / "www"
    www.mkdir()
    _site(www)
    # As the demo's fixture outlet does for its removed video: the server answers 404.
    with StaticServer(www, faults={"/gone.mp4": 404}) as server:
        env = configure(tmp_path, {"fixture": f"{server.base_url}/list.html"})

        first = raqib(env, "crawl", "--format", "json")

        assert first.returncode == 1, first.stderr[-3000:]
        report = json.loads(first.stdout)
        assert report["ok"] is False and report["processed"] == {"failed": 1, "indexed": 1}
        [failure] = report["failures"]
        assert failure["url"] == f"{server.base_url}/removed.html"
        assert failure["stage"] == "download"
        assert failure["reason"] == "HTTP 404: media not found (removed?)"
        assert isinstance(failure["id"], int)

        again = raqib(env, "process", "--retry-failed")  # text: listed on stderr

        assert again.returncode == 1, again.stderr[-3000:]
        assert (f"process: FAILED {failure['id']} ({server.base_url}/removed.html) at "
                "download: HTTP 404: media not found (removed?)") in again.stderr

        # The video is back: the retry succeeds and nothing failed.
        (www / "gone.mp4").write_bytes((www / "good.mp4").read_bytes())
        server.faults.clear()
        fixed = raqib(env, "process", "--retry-failed", "--format", "json")

        assert fixed.returncode == 0, fixed.stderr[-3000:]
        assert json.loads(fixed.stdout)["failures"] == []
        assert "process: every item succeeded" in fixed.stderr


def test_bad_usage_and_configuration_exit_2(tmp_path: Path) -> None:
    env = configure(tmp_path, {"fixture": "http://127.0.0.1:9/list.html"})
    unknown = raqib(env, "crawl", "--source", "nope", "--format", "json")
    assert unknown.returncode == 2
    assert "no enabled source named nope" in unknown.stderr
    negative = raqib(env, "process", "--limit", "-1")
    assert negative.returncode == 2 and "--limit" in negative.stderr

    (tmp_path / "raqib.toml").write_text("[crawl\nrequest_timeout = 5\n", encoding="utf-8")
    malformed = raqib(env, "crawl")
    assert malformed.returncode == 2 and "not valid TOML" in malformed.stderr

    env = configure(tmp_path, {"fixture": "http://127.0.0.1:9/list.html"},
                    crawl="request_timeout = 0\nsource_deadline = -5\n")
    invalid = raqib(env, "crawl", "--no-process")
    assert invalid.returncode == 2
    assert "crawl.request_timeout: must be more than 0" in invalid.stderr
    assert "crawl.source_deadline: must be more than 0" in invalid.stderr
    for done in (unknown, negative, malformed, invalid):
        assert "Traceback" not in done.stderr


class SilentServer:
    """Accepts connections and never answers; counts the connections it accepted."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.accepted: list[socket.socket] = []
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/list.html"
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)  # held open, never read from nor answered

    def __enter__(self) -> SilentServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()


def test_a_hanging_page_costs_one_timeout_and_the_rest_goes_on(tmp_path: Path) -> None:
    www = tmp_path / "www"
    www.mkdir()
    write_page(www, "list.html", "".join(f'<a class="item" href="i{n}.html">{n}</a>'
                                         for n in (1, 2, 3)))
    for n in (1, 2, 3):
        write_page(www, f"i{n}.html", f"<h1>بند {n}</h1><video src='m{n}.mp4'></video>")
    # Item 2 answers only after 30 s, long after the 3 s request timeout.
    with SilentServer() as silent, \
            StaticServer(www, faults={"/i2.html": Fault(stall=30)}) as server:
        env = configure(tmp_path, {"silent": silent.url,
                                   "fixture": f"{server.base_url}/list.html"},
                        crawl="request_timeout = 3.0\n")

        done = raqib(env, "crawl", "--no-process", "--format", "json", timeout=300)

        assert done.returncode == 1, done.stderr[-3000:]
        # Once, not three times: no retry of a timed-out request.
        assert len(silent.accepted) == 1
        assert len(server.requests_to("/i2.html")) == 1
    report = json.loads(done.stdout)
    by_source = {s["source"]: s for s in report["sources"]}
    assert by_source["fixture"]["found"] == 2  # items 1 and 3 were collected
    assert by_source["silent"]["failed"] == (
        f"cannot reach {silent.url}: timeout: no answer within 3 s")
    assert sorted((f["id"], f["url"], f["stage"], f["reason"]) for f in report["failures"]) == [
        ("fixture", f"{server.base_url}/i2.html", "crawl", "timeout: no answer within 3 s"),
        ("silent", silent.url, "crawl", f"cannot reach {silent.url}: timeout: no answer "
                                        "within 3 s")]
    # What it waited on was named while it waited (reported after half the timeout).
    assert f"waiting for {silent.url} (source silent)" in done.stderr
    assert f"waiting for {server.base_url}/i2.html (source fixture)" in done.stderr


def test_the_source_deadline_stops_a_slow_source_and_the_next_one_goes_on(
        tmp_path: Path) -> None:
    www = tmp_path / "www"
    www.mkdir()
    write_page(www, "list.html", "".join(f'<a class="item" href="i{n}.html">{n}</a>'
                                         for n in range(1, 6)))
    for n in range(1, 6):
        write_page(www, f"i{n}.html", f"<h1>بند {n}</h1><video src='m{n}.mp4'></video>")
    write_page(www, "other.html", '<a class="item" href="i1.html">1</a>')
    # Every slow item page answers after 2 s: five of them would take 10 s.
    faults = {f"/i{n}.html": Fault(stall=2) for n in range(1, 6)}
    with StaticServer(www, faults=faults) as slow, StaticServer(www) as fast:
        env = configure(tmp_path, {"slow": f"{slow.base_url}/list.html",
                                   "fast": f"{fast.base_url}/other.html"},
                        crawl="request_timeout = 10.0\nsource_deadline = 3.0\n")

        done = raqib(env, "crawl", "--no-process", "--format", "json", timeout=300)

        assert done.returncode == 1, done.stderr[-3000:]
        asked = [n for n in range(1, 6) if slow.requests_to(f"/i{n}.html")]
        assert len(asked) < 5, (asked, [r.time for r in slow.requests], done.stdout,
                                done.stderr[-3000:])  # stopped before the last page
    report = json.loads(done.stdout)
    by_source = {s["source"]: s for s in report["sources"]}
    assert by_source["fast"]["found"] == 1 and not by_source["fast"]["failed"]
    assert 1 <= by_source["slow"]["found"] < 5
    [failure] = report["failures"]
    assert (failure["id"], failure["url"], failure["stage"]) == (
        "slow", f"{slow.base_url}/list.html", "crawl")
    assert failure["reason"] == ("source deadline of 3 s reached; the crawl stopped with "
                                 "what it had found")
