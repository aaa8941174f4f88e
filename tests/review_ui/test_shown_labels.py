"""Every stored value a person reads is shown in the page's language (issue 25, part 1 and
the wrong "All" of part 3): incident statuses, history entries as sentences, roles,
confidence, signs (only the page language's label), assessment kinds, alert states,
broadcast statuses and source kinds; ISO timestamps through the l10n filters. Stored values
stay as they are (they remain in ``data-*`` attributes and in the database).

Regression: the Arabic incident page read «suspected → under_review», ``status-changed``,
``disowns``, ``high``, "reads a script · يقرأ نصاً مكتوباً" and ISO times; every "All"
option read «كل الحوادث قيد المراجعة» ("all incidents under review")."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from incident_seed import seed
from ui_helpers import login_client, make_user

from review import workflow
from review_ui.labels import LABELS, history_sentence, label

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
WRONG_ALL = "كل الحوادث قيد المراجعة"


@pytest.fixture
def world() -> dict:
    return seed()


def _page(user: object, path: str, language: str = "ar") -> str:
    client = login_client(Client(), user)
    if language != "ar":
        client.post("/language/", {"language": language, "next": "/"})
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def _text(html: str) -> str:
    """What a reader sees: the text between tags (attributes dropped)."""
    body = html.split('<main class="content">', 1)[1]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


def test_the_arabic_incident_page_shows_no_stored_english_value(world) -> None:
    page = _page(world["users"]["rev"], f"/incidents/{world['disown'].pk}/")
    text = _text(page)
    for raw in ("under_review", "status-changed", "suspected", "disowns", "proposed",
                "high", "reads a script", "proposer", "relative"):
        assert not re.search(rf"\b{re.escape(raw)}\b", text), raw
    assert "قيد المراجعة" in text and "يتبرّأ من قريب" in text and "عالية" in text
    assert "يقرأ نصاً مكتوباً" in text and "·" not in text.split("يقرأ نصاً مكتوباً")[1][:4]
    # history entries are sentences with the actor isolated; no ISO timestamp is read
    assert "اقترح <bdi>rev</bdi> الحادثة" in page
    assert "أرسل <bdi>rev</bdi> الحادثة للمراجعة" in page
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d", text)
    # the stored values stay machine-readable in attributes
    assert 'data-to="under_review"' in page and 'data-role="disowns"' in page
    # person-entered text stays as entered
    assert "father of" in text


def test_the_english_incident_page_shows_english_labels_only(world) -> None:
    page = _page(world["users"]["rev"], f"/incidents/{world['disown'].pk}/", "en")
    text = _text(page)
    assert "rev</bdi> sent the incident for review" in page
    assert "disowns a relative" in text and "reads a script" in text
    assert "يقرأ نصاً مكتوباً" not in text and "under_review" not in text


def test_a_decision_reads_as_a_sentence_in_both_languages(world) -> None:
    lead2 = world["users"]["lead2"]
    incident = world["disown"]
    workflow.assess(incident.pk, lead2, confidence="medium", signs=["reads-script"])
    workflow.set_status(incident.pk, lead2, "confirmed")
    arabic = _page(lead2, f"/incidents/{incident.pk}/")
    assert "قرّر <bdi>lead2</bdi> تأكيد الحادثة" in arabic
    assert "(قيد المراجعة ← مؤكَّدة)" in arabic and ">confirmed<" not in arabic
    assert "التقييم الثاني المستقل" in _text(arabic) and "second" not in _text(arabic)
    english = _page(lead2, f"/incidents/{incident.pk}/", "en")
    assert "lead2</bdi> confirmed the incident" in english
    assert "(under review → confirmed)" in english


def test_history_sentence_isolates_and_escapes_the_actor() -> None:
    with translation.override("en"):
        shown = history_sentence({"action": "status-changed", "to": "dismissed",
                                  "by": "<b>x\u202e</b>"})
    assert shown == "<bdi>&lt;b&gt;x\ufffd&lt;/b&gt;</bdi> dismissed the incident"
    with translation.override("ar"):
        assert label("incident_status", "under_review") == "قيد المراجعة"
        assert label("incident_status", "unknown-value") == "unknown-value"


def test_every_label_is_translated_in_both_catalogs() -> None:
    for kind, values in LABELS.items():
        for value, lazy in values.items():
            with translation.override("ar"):
                arabic = str(lazy)
            assert not re.search(r"[A-Za-z]{2,}", arabic), (kind, value, arabic)


def test_the_all_options_say_all_of_what_they_filter(world) -> None:
    """The wrong "All": «كل الحوادث قيد المراجعة» on every filter's "All"."""
    lead = world["users"]["lead"]
    incidents = _page(lead, "/incidents/")
    options = re.findall(r'<option value="">([^<]*)</option>', incidents)
    assert options and WRONG_ALL not in options
    assert {"كل الحالات", "كل القنوات", "كل المؤشرات", "أي مدة"} <= set(options)
    queue = _page(lead, "/alerts/")
    assert '<option value="all">كل الحالات</option>' in queue
    assert '<option value="">كل قوائم المراقبة</option>' in queue
    assert WRONG_ALL not in re.sub(r"<a [^>]*>[^<]*</a>", "", queue).split("<select", 1)[1]
    assert re.search(r'<option value="new"( selected)?>جديد</option>', queue)
    assert ">new<" not in queue
    po = polib.pofile(str(ROOT / "locale" / "ar" / "LC_MESSAGES" / "django.po"))
    for entry in po:
        if entry.msgid == "All":
            assert "قيد المراجعة" not in entry.msgstr, entry.msgctxt


def test_broadcast_and_source_kinds_are_shown_in_the_language(world) -> None:
    b1 = world["broadcasts"][0]
    page = _text(_page(world["users"]["viewer"], f"/broadcasts/{b1.pk}/"))
    assert not re.search(r"\b(indexed|transcribed|discovered)\b", page)
    admin = make_user("admin-labels", "admin")
    sources = _page(admin, "/sources/")
    assert 'data-kind="feed"' not in sources or "خلاصة أخبار" in sources
    form = _page(admin, "/sources/new/")
    assert '<option value="feed">خلاصة أخبار</option>' in form
    assert settings.LANGUAGE_CODE == "ar"
