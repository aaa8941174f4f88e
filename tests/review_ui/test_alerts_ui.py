"""The review queue and watchlist pages: roles on the server, CSRF, validation errors,
highlighted matches, the nav count; and a real browser creating a watchlist, indexing a
new transcript (``raqib import``) and confirming the alert that appears in the queue."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from ui_helpers import PASSWORD, browser_login, login_client, make_broadcast, make_user

from tests.services import serve_ui

CHROMIUM = "/usr/bin/chromium"


def _client(name: str, role: str, **kwargs: object) -> Client:
    return login_client(Client(**kwargs), make_user(name, role))


@pytest.fixture
def alert(db):
    """A watchlist created before a new transcript, whose index stage raised one alert."""
    from django.conf import settings

    from catalog.models import Alert
    from raqib import pipeline
    from review.watchlists import create_watchlist

    create_watchlist("disown", "أتبرأ")
    broadcast = make_broadcast()
    assert pipeline.run_stage(broadcast.pk, "index", settings.CONFIG)
    return Alert.objects.get()


def test_queue_shows_highlighted_alert_with_link_and_nav_count(alert) -> None:
    viewer = _client("v", "viewer")
    html = viewer.get("/alerts/").content.decode()
    # the captured text, untouched, with the matched word (its whole token) marked
    assert "أنا أماني <mark>وأتبرأ</mark> من أخي" in html
    assert f'/broadcasts/{alert.broadcast_id}/?t=8"' in html
    assert 'class="nav-count" aria-label="تنبيهات جديدة">1<' in html
    assert "الإخبارية السورية" in html and "من النفق إلى النور" in html
    assert 'class="review-form"' not in html  # a viewer cannot review (and the server says so)
    assert viewer.post(f"/alerts/{alert.pk}/review/", {"action": "confirm"}).status_code == 403


def test_the_nav_count_is_new_alerts_of_active_watchlists_only(alert) -> None:
    """Issue 26: the count is one plain statement; it counts what the ORM query did."""
    from catalog.models import Alert, Watchlist
    from review_ui.views.alerts import new_alert_count

    def orm() -> int:
        return Alert.objects.filter(status=Alert.Status.NEW, watchlist__active=True).count()

    def more(status: str, watchlist: object) -> None:
        Alert.objects.create(watchlist=watchlist, broadcast=alert.broadcast, track="asr",
                             model_id=f"m{Alert.objects.count()}", start=1, end=2, text="x",
                             status=status,
                             segment_number=alert.segment_number)

    quiet = Watchlist.objects.create(name="quiet", query="x", active=False)
    more(Alert.Status.NEW, quiet)  # an inactive watchlist's new alert: not counted
    more(Alert.Status.NEW, alert.watchlist)
    more(next(s for s in Alert.Status.values if s != Alert.Status.NEW), alert.watchlist)
    assert new_alert_count() == orm() == 2
    viewer = _client("counter", "viewer")
    page = viewer.get("/alerts/").content.decode()
    assert 'class="nav-count" aria-label="تنبيهات جديدة">2<' in page
    Watchlist.objects.filter(pk=alert.watchlist_id).update(active=False)
    assert new_alert_count() == orm() == 0


def test_reviewer_confirms_with_note_and_filters(alert) -> None:
    reviewer = _client("r", "reviewer", enforce_csrf_checks=True)
    page = reviewer.get("/alerts/")
    assert page.status_code == 200
    # Without the CSRF token the POST is refused.
    assert reviewer.post(f"/alerts/{alert.pk}/review/", {"action": "confirm"}).status_code == 403
    token = page.cookies["csrftoken"].value
    done = reviewer.post(f"/alerts/{alert.pk}/review/",
                         {"action": "confirm", "note": "بثّ اعتراف", "filters": "status=new",
                          "csrfmiddlewaretoken": token})
    assert done.status_code == 302 and done["Location"] == "/alerts/?status=new"
    alert.refresh_from_db()
    assert (alert.status, alert.note, alert.reviewed_by.username) == ("confirmed", "بثّ اعتراف",
                                                                      "r")
    assert "لا توجد تنبيهات" in reviewer.get("/alerts/").content.decode()
    confirmed = reviewer.get(f"/alerts/?status=confirmed&watchlist={alert.watchlist_id}")
    assert "بثّ اعتراف" in confirmed.content.decode()
    empty = reviewer.get("/alerts/?watchlist=999999&status=all").content.decode()
    assert "لا توجد تنبيهات" in empty
    bad = reviewer.post(f"/alerts/{alert.pk}/review/", {"action": "delete",
                                                        "csrfmiddlewaretoken": token})
    assert bad.status_code == 400


def test_watchlist_pages_validate_and_check_ownership(db) -> None:
    from catalog.models import Watchlist

    viewer = _client("v", "viewer")
    assert viewer.get("/watchlists/").status_code == 200
    assert viewer.post("/watchlists/new/", {"name": "x", "query": "y"}).status_code == 403

    owner = _client("owner", "reviewer")
    bad = owner.post("/watchlists/new/", {"name": "disown", "query": '"أتبرأ من'})
    assert bad.status_code == 400 and "unbalanced quote" in bad.content.decode()
    assert not Watchlist.objects.exists()
    assert owner.post("/watchlists/new/", {"name": "disown", "query": "أتبرأ"}).status_code == 302
    watchlist = Watchlist.objects.get()
    assert watchlist.owner.username == "owner"
    taken = owner.post("/watchlists/new/", {"name": "DISOWN", "query": "x"})
    assert "توجد قائمة مراقبة باسم" in taken.content.decode()  # in Arabic

    other = _client("other", "reviewer")
    assert other.post(f"/watchlists/{watchlist.pk}/active/", {"active": "0"}).status_code == 403
    lead = _client("lead", "lead")
    assert lead.post(f"/watchlists/{watchlist.pk}/active/", {"active": "0"}).status_code == 302
    watchlist.refresh_from_db()
    assert not watchlist.active
    assert owner.post(f"/watchlists/{watchlist.pk}/active/", {"active": "1"}).status_code == 302
    watchlist.refresh_from_db()
    assert watchlist.active


# --- a real browser ------------------------------------------------------------------------

@pytest.mark.slow
def test_browser_create_watchlist_index_transcript_confirm_alert(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("needs /usr/bin/chromium (scripts/setup.sh installs it)")
    from playwright.sync_api import sync_playwright

    (tmp_path / "raqib.toml").write_text("")
    env = {**os.environ, "RAQIB_DATA_DIR": str(tmp_path / "data"),
           "RAQIB_CONFIG": str(tmp_path / "raqib.toml"), "RAQIB_PASSWORD": PASSWORD,
           "PYTHONUNBUFFERED": "1"}
    for var in ("RAQIB_SEARCH_BACKEND", "DATABASE_URL"):
        env.pop(var, None)

    def raqib(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "raqib", *args], env=env, text=True,
                              capture_output=True, timeout=120, check=True)

    raqib("users", "create", "rana", "--role", "reviewer")
    problems: list[str] = []
    with serve_ui(env) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(locale="ar")
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        browser_login(page, base, "rana", PASSWORD, env=env)  # an invite, then TOTP
        assert page.url == base + "dashboard/"  # the landing page

        page.goto(base + "watchlists/")
        page.fill("#id_name", "تبرؤ")
        page.fill("#id_query", '"أتبرأ من')
        page.click("form.watchlist-form button[type=submit]")
        assert "unbalanced quote" in page.locator(".field-error").inner_text()
        page.fill("#id_query", '"أتبرأ من" OR تبرأ')
        page.click("form.watchlist-form button[type=submit]")
        row = page.locator("table.watchlists tbody tr.active")
        assert "تبرؤ" in row.inner_text() and "rana" in row.inner_text()
        assert page.locator(".nav-count").inner_text() == "0"

        doc = {"broadcast": {"outlet": "Al-Ikhbariya", "title": "من النفق إلى النور",
                             "url": "https://example.org/tunnel", "language": "ar",
                             "aired_at": "2021-04-20T18:00:00+00:00"},
               "segments": [{"start": 0, "end": 4, "text": "نشرة الأخبار"},
                            {"start": 4, "end": 9.5, "text": "أنا أماني وأتبرأ من أخي"}]}
        path = tmp_path / "t.json"
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        broadcast_id = int(raqib("import", str(path)).stdout.strip())

        page.goto(base + "alerts/")
        assert page.locator(".nav-count").inner_text() == "1"
        item = page.locator("li.alert").first
        assert "أنا أماني وأتبرأ من أخي" in item.inner_text()
        assert item.locator("mark").all_inner_texts() == ["وأتبرأ"]
        assert item.evaluate("el => getComputedStyle(el).direction") == "rtl"
        href = item.locator("a.hit-link").get_attribute("href")
        assert href == f"/broadcasts/{broadcast_id}/?t=4"
        item.locator("input[name=note]").fill("اعتراف قسري")
        item.locator("button.confirm").click()
        page.wait_for_load_state()
        assert page.locator(".nav-count").inner_text() == "0"
        assert page.locator("li.alert").count() == 0
        page.goto(base + "alerts/?status=confirmed")
        assert "اعتراف قسري" in page.locator("li.alert").first.inner_text()
        page.screenshot(path="/tmp/raqib-ui-alerts.png", full_page=True)
        browser.close()
    assert not [p for p in problems if "Content Security Policy" in p], problems
    listed = raqib("alerts", "list", "--status", "confirmed", "--format", "json")
    (confirmed,) = json.loads(listed.stdout)
    assert (confirmed["note"], confirmed["reviewed_by"]) == ("اعتراف قسري", "rana")

