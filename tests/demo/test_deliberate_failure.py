"""Which demo failures are intended: only the fixture's removed video failing at download,
on the demo source. Any other failure (another stage, item or source) is real and makes
the command exit 1 (``raqib.commands.output.Outcome``)."""

from __future__ import annotations

from raqib.commands.output import Outcome
from raqib.demo.fixture_site import SOURCE_NAME, deliberate_failure

BASE = "http://127.0.0.1:8421"
REMOVED = f"{BASE}/items/tunnel-to-light-part-2.html"


def test_only_the_removed_video_at_download_is_intended() -> None:
    why = deliberate_failure(SOURCE_NAME, REMOVED, "download")
    assert why.startswith("tunnel-to-light-part-2 is the demo's deliberately removed video")
    assert deliberate_failure(SOURCE_NAME, REMOVED, "transcribe") == ""
    assert deliberate_failure(SOURCE_NAME, f"{BASE}/items/bulletin-2021-04-21.html",
                              "download") == ""
    assert deliberate_failure("another-source", REMOVED, "download") == ""


def test_an_intended_failure_is_listed_but_exits_0_a_real_one_exits_1() -> None:
    outcome = Outcome(done=5)
    outcome.fail(4, "download", "HTTP 404: media not found (removed?)", REMOVED,
                 expected=deliberate_failure(SOURCE_NAME, REMOVED, "download"))
    assert outcome.exit_code == 0 and outcome.failures == []
    assert outcome.expected[0]["id"] == 4 and outcome.expected[0]["expected"]
    outcome.fail(2, "transcribe", "zero-length audio", f"{BASE}/items/b.html")
    assert outcome.exit_code == 1
    assert outcome.failures == [{"id": 2, "url": f"{BASE}/items/b.html",
                                 "stage": "transcribe", "reason": "zero-length audio"}]
    assert outcome.summary() == "3 succeeded, 1 failed, 1 failed as intended"
