"""The fault-injecting loopback server: every fault kind, seen by a plain HTTP client."""

from __future__ import annotations

import http.client
import time
from pathlib import Path

import pytest

from raqib.demo.server import Fault, StaticServer

BODY = bytes(range(256)) * 64  # 16 KiB


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    root: Path = tmp_path_factory.mktemp("faulty")
    for name in ("ok", "drop", "trunc", "stall", "midstall", "flaky", "busy", "limit"):
        (root / f"{name}.bin").write_bytes(BODY)
    faults = {
        "/drop.bin": Fault(drop=True),
        "/trunc.bin": Fault(truncate=True),
        "/stall.bin": Fault(stall=0.4),
        "/midstall.bin": Fault(stall=0.4, stall_mid_body=True),
        "/flaky.bin": Fault(status=503, times=2),
        "/busy.bin": Fault(status=429, retry_after=7),
        "/limit.bin": Fault(status=503, retry_after="Wed, 21 Oct 2037 07:28:00 GMT"),
        "/gone.bin": 410,  # the original form: a bare status code
    }
    with StaticServer(root, faults=faults) as srv:
        yield srv


def get(server: StaticServer, path: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def test_plain_file_and_status_fault(server: StaticServer) -> None:
    assert get(server, "/ok.bin")[::2] == (200, BODY)
    assert get(server, "/gone.bin")[0] == 410
    server.faults["/ok.bin"] = 404  # faults can change while the server runs
    try:
        assert get(server, "/ok.bin")[0] == 404
    finally:
        del server.faults["/ok.bin"]


def test_retry_after_in_seconds_and_as_a_date(server: StaticServer) -> None:
    status, headers, _ = get(server, "/busy.bin")
    assert (status, headers["Retry-After"]) == (429, "7")
    status, headers, _ = get(server, "/limit.bin")
    assert (status, headers["Retry-After"]) == (503, "Wed, 21 Oct 2037 07:28:00 GMT")


def test_dropped_connection_sends_nothing(server: StaticServer) -> None:
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        get(server, "/drop.bin")


def test_truncated_body_announces_more_than_it_sends(server: StaticServer) -> None:
    with pytest.raises(http.client.IncompleteRead) as excinfo:
        get(server, "/trunc.bin")
    assert len(excinfo.value.partial) == len(BODY) // 2
    assert excinfo.value.expected == len(BODY) - len(BODY) // 2


def test_stalls_before_and_inside_the_body(server: StaticServer) -> None:
    for path in ("/stall.bin", "/midstall.bin"):
        started = time.monotonic()
        assert get(server, path)[::2] == (200, BODY)
        assert time.monotonic() - started >= 0.35, path


def test_fail_the_first_k_requests_then_succeed(server: StaticServer) -> None:
    assert [get(server, "/flaky.bin")[0] for _ in range(4)] == [503, 503, 200, 200]
    server.reset_log()
    assert get(server, "/flaky.bin")[0] == 503  # the count starts again after a reset


def test_requests_are_recorded_with_their_time(server: StaticServer) -> None:
    # Handlers of earlier tests' abandoned stalls may still be sleeping: let them finish.
    assert server.wait_idle()
    server.reset_log()
    before = time.monotonic()
    get(server, "/ok.bin?x=1")
    get(server, "/gone.bin")
    assert server.hits == ["/ok.bin?x=1", "/gone.bin"]
    records = server.requests_to("/ok.bin")
    assert len(records) == 1 and records[0].method == "GET"
    assert before <= records[0].time <= server.requests[1].time
    assert server.peak_in_flight == 1
