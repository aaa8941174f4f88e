"""The egress guard (issue 23, finding 5): a source added in the web UI reaches only public
addresses, checked at connect time, on every hop, in every fetcher.

A public test URL is impossible offline, so each test allows the first hop explicitly
(``web.source_allowed_hosts`` = ``127.0.0.1:PORT_A``, the outlet) and proves that a
redirect from it to another loopback port (``PORT_B``, "the internal service", not
allowed) is refused and that the internal server never saw a request. Names resolving
to loopback are tested for real: a subprocess runs in a private user and mount namespace
(``unshare -rm``) whose ``/etc/hosts`` the test writes, so glibc resolves the names as it
would on a host where an attacker controls DNS.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest
from egress_helpers import RouteServer

from crawler.base import CollectError, CrawlSettings
from crawler.downloader import CaptureError, DownloadPolicy, download_media
from crawler.egress import EgressPolicy, EgressRefused, guard, is_public, url_problem
from crawler.live_stream import FetchError, fetch
from crawler.warc import SnapshotError, snapshot_page
from crawler.ytdlp_source import YtdlpCollector

REFUSED = "not a public address"


@pytest.mark.parametrize("address", [
    "100.100.100.200", "100.64.0.1", "2002:7f00:1::", "fec0::1", "::ffff:127.0.0.1",
    "::127.0.0.1", "64:ff9b::7f00:1", "2001:0:4136:e378:8000:63bf:80ff:fffe", "127.0.0.1",
    "10.0.0.1", "169.254.169.254", "fe80::1", "::1", "0.0.0.0", "224.0.0.1", "ff02::1",
    "2002:a00:1::", "192.0.2.1",
])
def test_internal_addresses_are_not_public(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "2a00:1450:4001:80b::200e",
                                     "2002:5db8:d70e::", "8.8.8.8"])
def test_public_addresses_are_public(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


@pytest.fixture
def hops():
    """(outlet A, internal B, policy allowing only A, settings carrying that policy)."""
    with RouteServer() as outlet, RouteServer() as internal:
        internal.route("/secret", "the metadata service's credentials")
        internal.route("/list.html", '<a class="item" href="/ep1.html">1</a>')
        internal.route("/media.mp4", b"\0" * 64, content_type="video/mp4")
        outlet.route("/ok", "<h1>outlet page</h1>")
        for path in ("/page", "/list.html", "/video.mp4", "/live.m3u8"):
            target = {"/page": "/secret", "/video.mp4": "/media.mp4"}.get(path, path)
            outlet.redirect(path, internal.base + target)
        policy = EgressPolicy(allowed_hosts=(f"127.0.0.1:{outlet.port}",))
        settings = CrawlSettings(user_agent="RaqibTest/1.0", download_delay=0.0,
                                 timeout=5.0, max_pages=5, egress=policy)
        yield outlet, internal, policy, settings


def test_the_allow_list_is_per_host_and_port(hops) -> None:
    outlet, internal, policy, _ = hops
    assert url_problem(outlet.base + "/ok", policy) is None
    assert REFUSED in url_problem(internal.base + "/secret", policy)
    assert REFUSED in url_problem("http://100.100.100.200/latest", policy)
    wide = EgressPolicy(allowed_networks=("127.0.0.0/8",))
    assert url_problem(internal.base + "/secret", wide) is None


def test_warc_snapshot_refuses_a_redirect_inside(hops, tmp_path: Path) -> None:
    outlet, internal, policy, _ = hops
    ok = snapshot_page(outlet.base + "/ok", tmp_path / "ok.warc.gz", user_agent="t",
                       timeout=5, egress=policy)
    assert ok.http_status == 200
    with pytest.raises(SnapshotError, match=REFUSED):
        snapshot_page(outlet.base + "/page", tmp_path / "a.warc.gz", user_agent="t",
                      timeout=5, egress=policy)
    assert internal.hits == [] and outlet.hits == ["/ok", "/page"]
    assert not (tmp_path / "a.warc.gz").exists()
    # the operator's source (no policy) follows the same redirect: the servers are real
    snap = snapshot_page(outlet.base + "/page", tmp_path / "b.warc.gz", user_agent="t",
                         timeout=5)
    assert snap.final_url == internal.base + "/secret" and internal.hits == ["/secret"]


def test_the_check_is_at_connect_time_on_every_hop(hops) -> None:
    """urllib follows the redirect itself; only the connect-time check sees the hop."""
    outlet, internal, policy, _ = hops
    with guard(policy), pytest.raises(urllib.error.URLError) as caught:
        urllib.request.urlopen(outlet.base + "/page", timeout=5)  # noqa: S310
    assert isinstance(caught.value.reason, EgressRefused)
    assert f"127.0.0.1 port {internal.port}" in str(caught.value.reason)
    assert internal.hits == []
    with guard(policy), pytest.raises(urllib.error.URLError, match=REFUSED):
        urllib.request.urlopen(internal.base + "/secret", timeout=5)  # noqa: S310
    assert internal.hits == []
    # outside the block (another source, the database, redis) nothing is checked
    assert urllib.request.urlopen(internal.base + "/secret", timeout=5).status == 200  # noqa: S310


def test_hls_fetch_refuses_a_redirect_inside(hops) -> None:
    outlet, internal, _, settings = hops
    with pytest.raises(FetchError, match=REFUSED):
        fetch(outlet.base + "/live.m3u8", settings)
    with pytest.raises(FetchError, match=REFUSED):
        fetch(internal.base + "/secret", settings)
    assert internal.hits == []


def test_ytdlp_download_refuses_a_redirect_inside(hops, tmp_path: Path) -> None:
    outlet, internal, _, settings = hops
    with pytest.raises(CaptureError, match=REFUSED) as caught:
        download_media(outlet.base + "/video.mp4", tmp_path / "dl", settings,
                       DownloadPolicy(retries=0, retry_base=0))
    assert caught.value.retryable is False
    assert internal.hits == [] and "/video.mp4" in outlet.hits


def test_ytdlp_listing_refuses_a_redirect_inside(hops) -> None:
    outlet, internal, _, settings = hops
    with pytest.raises(CollectError, match=REFUSED):
        YtdlpCollector().collect({"name": "x", "kind": "ytdlp", "url": outlet.base + "/page"},
                                 settings)
    assert internal.hits == []


@pytest.mark.django_db
def test_a_ui_source_crawled_by_scrapy_records_the_refusal(hops, monkeypatch) -> None:
    """Through the pipeline: the source's origin decides; the reason lands on the source."""
    from django.conf import settings as django_settings

    from catalog.models import Outlet, Source
    from raqib.pipeline import crawl_source
    from raqib.stages import crawl_settings

    outlet, internal, _, _ = hops
    config = django_settings.CONFIG
    monkeypatch.setitem(config.values, "web.source_allowed_hosts", f"127.0.0.1:{outlet.port}")
    monkeypatch.setitem(config.values, "crawl.download_delay", 0.0)
    table = {"name": "ui-site", "outlet": "Outlet", "kind": "site", "language": "ar",
             "robots": False, "enabled": True, "start_urls": [outlet.base + "/list.html"],
             "item_links": "a.item::attr(href)"}
    source = Source.objects.create(name="ui-site", outlet=Outlet.objects.create(name="O"),
                                   kind="site", config={**table, "origin": "ui"})
    assert crawl_settings(config, source).egress is not None
    report = crawl_source(source, config)
    source.refresh_from_db()
    reason = report.failed or source.last_error
    assert REFUSED in reason and f"port {internal.port}" in reason, reason
    assert "Traceback" not in reason
    assert internal.hits == [] and outlet.hits == ["/list.html"]
    # the operator's raqib.toml source is not guarded
    trusted = Source.objects.create(name="toml-site", outlet=source.outlet, kind="site",
                                    config=table)
    assert crawl_settings(config, trusted).egress is None


NAMESPACE_SCRIPT = textwrap.dedent("""
    import json, subprocess, sys, tempfile
    from pathlib import Path
    from crawler.egress import EgressPolicy, url_problem
    from crawler.warc import SnapshotError, snapshot_page
    outlet, internal = sys.argv[1], sys.argv[2]
    policy = EgressPolicy(allowed_hosts=(f"outlet.test:{outlet}",))
    out = {"inside_name": url_problem(f"http://inside.test:{internal}/secret", policy),
           "outlet_name": url_problem(f"http://outlet.test:{outlet}/ok", policy)}
    tmp = Path(tempfile.mkdtemp())
    try:
        snapshot_page(f"http://outlet.test:{outlet}/to-name", tmp / "a.warc.gz",
                      user_agent="t", timeout=5, egress=policy)
        out["snapshot"] = "fetched"
    except SnapshotError as exc:
        out["snapshot"] = str(exc)
    job = {"source": {"name": "s", "kind": "site", "robots": False,
                      "start_urls": [f"http://outlet.test:{outlet}/to-name-list"],
                      "item_links": "a.item::attr(href)"},
           "settings": {"user_agent": "t", "download_delay": 0, "timeout": 5,
                        "max_pages": 2, "egress": {"allowed_hosts": list(policy.allowed_hosts),
                                                   "allowed_networks": []}},
           "known_ids": [], "time_limit": 60}
    records = tmp / "records.jsonl"
    subprocess.run([sys.executable, "-m", "crawler.scrapy_runner", str(records)],
                   input=json.dumps(job), text=True, capture_output=True, timeout=120)
    out["scrapy"] = [json.loads(line) for line in records.read_text().splitlines()]
    print(json.dumps(out))
""")


def _namespace_hosts(tmp_path: Path) -> list[str]:
    if not shutil.which("unshare"):
        pytest.skip("unshare(1) is not installed")
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost outlet.test inside.test\n")
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", f"mount --bind {hosts} /etc/hosts"
                            " && getent hosts inside.test"], capture_output=True, text=True)
    if probe.returncode != 0 or "127.0.0.1" not in probe.stdout:
        pytest.skip(f"no user/mount namespaces here: {probe.stderr.strip()}")
    return ["unshare", "-rm", "sh", "-c", f'mount --bind {hosts} /etc/hosts && exec "$@"', "-"]


def test_names_that_resolve_inside_are_refused(tmp_path: Path) -> None:
    """``outlet.test`` (allowed by name) redirects to ``inside.test``, which the namespace's
    /etc/hosts resolves to loopback (another port of the same address as the allowed
    outlet): the WARC fetcher and a Scrapy crawl refuse it."""
    wrapper = _namespace_hosts(tmp_path)
    with RouteServer() as outlet, RouteServer() as internal:
        outlet.route("/ok", "fine")
        outlet.redirect("/to-name", f"http://inside.test:{internal.port}/secret")
        outlet.redirect("/to-name-list", f"http://inside.test:{internal.port}/list.html")
        internal.route("/secret", "credentials")
        internal.route("/list.html", "<a class='item' href='/x'>x</a>")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        proc = subprocess.run([*wrapper, sys.executable, "-c", NAMESPACE_SCRIPT,
                               str(outlet.port), str(internal.port)],
                              capture_output=True, text=True, timeout=180, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["outlet_name"] is None
    assert REFUSED in out["inside_name"] and "(127.0.0.1)" in out["inside_name"]
    assert REFUSED in out["snapshot"] and "inside.test" in out["snapshot"]
    errors = [r["reason"] for r in out["scrapy"] if r["type"] == "error"]
    assert errors and all(REFUSED in e for e in errors), out["scrapy"]
    assert "/to-name" in outlet.hits and "/to-name-list" in outlet.hits
    assert internal.hits == []


def test_crawl_settings_for_a_job_round_trip() -> None:
    """The policy travels to the Scrapy subprocess as JSON and comes back the same."""
    from dataclasses import asdict

    policy = EgressPolicy(("a.example:8080",), ("10.0.0.0/8",))
    settings = replace(CrawlSettings("ua", 0.0, 5.0, 1), egress=policy)
    data = json.loads(json.dumps(asdict(settings)))
    assert EgressPolicy.from_dict(data["egress"]) == policy


TWISTED_SCRIPT = textwrap.dedent("""
    import json, sys
    from crawler.egress import EgressPolicy, arm_process
    state = arm_process(EgressPolicy(allowed_hosts=(f"127.0.0.1:{sys.argv[1]}",)))
    from twisted.internet import defer, endpoints, protocol, reactor
    results = {}

    @defer.inlineCallbacks
    def main():
        for name, port in (("outlet", sys.argv[1]), ("internal", sys.argv[2])):
            point = endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", int(port), timeout=5)
            try:
                conn = yield point.connect(protocol.Factory.forProtocol(protocol.Protocol))
                conn.transport.loseConnection()
                results[name] = "connected"
            except Exception as exc:
                results[name] = f"{type(exc).__name__}: {exc}"
        results["refusals"] = state.refusals
        reactor.stop()

    reactor.callWhenRunning(main)
    reactor.run()
    print(json.dumps(results))
""")


def test_twisted_connections_are_checked_at_connect_time() -> None:
    """Scrapy's downloader connects through Twisted: with the per-request check out of the
    way, the connection itself is still refused (in a subprocess: arming is process-wide)."""
    with RouteServer() as outlet, RouteServer() as internal:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        proc = subprocess.run([sys.executable, "-c", TWISTED_SCRIPT, str(outlet.port),
                               str(internal.port)], capture_output=True, text=True,
                              timeout=60, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["outlet"] == "connected"
    assert out["internal"].startswith("ConnectError") and "Permission denied" in out["internal"]
    assert len(out["refusals"]) == 1 and f"port {internal.port}" in out["refusals"][0]


@pytest.mark.parametrize(("info", "program"), [
    ({"protocol": "rtmp", "url": "rtmp://93.184.215.14/live/x", "ext": "flv"}, "rtmpdump"),
    ({"protocol": "m3u8_native", "url": "https://93.184.215.14/live.m3u8", "ext": "mp4",
      "is_live": True}, "ffmpeg"),
])
def test_ytdlp_never_hands_a_guarded_download_to_another_program(tmp_path: Path, info,
                                                                  program) -> None:
    """Programs yt-dlp would start (rtmpdump, ffmpeg) connect outside the guard: refused
    before they start (and nothing is connected to: the addresses are not even local)."""
    from crawler.egress_ytdlp import youtube_dl

    with pytest.raises(EgressRefused, match=f"fetched by {program}"), \
            youtube_dl({"quiet": True}, EgressPolicy()) as ydl:
        ydl.dl(str(tmp_path / f"x.{info['ext']}"), {"id": "x", **info})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db
def test_a_ui_source_download_is_refused_and_recorded_on_the_broadcast(hops,
                                                                      monkeypatch) -> None:
    from django.conf import settings as django_settings

    from catalog.models import Broadcast, Outlet, Source
    from raqib.pipeline import run_stage

    outlet, internal, _, _ = hops
    config = django_settings.CONFIG
    monkeypatch.setitem(config.values, "web.source_allowed_hosts", f"127.0.0.1:{outlet.port}")
    monkeypatch.setitem(config.values, "crawl.download_retries", 0)
    where = Outlet.objects.create(name="O")
    source = Source.objects.create(name="ui-feed", outlet=where, kind="feed", config={
        "name": "ui-feed", "outlet": "O", "kind": "feed", "url": outlet.base + "/ok",
        "origin": "ui"})
    item = Broadcast.objects.create(source=source, outlet=where, external_id="x",
                                    url=outlet.base + "/ok",
                                    media_url=outlet.base + "/video.mp4")
    assert run_stage(item.pk, "download", config) is False
    item.refresh_from_db()
    assert item.status == "failed" and item.failed_stage == "download"
    assert REFUSED in item.error and f"port {internal.port}" in item.error, item.error
    assert "Traceback" not in item.error and internal.hits == []
