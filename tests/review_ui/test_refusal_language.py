"""Refused POSTs read in the page's language (issue 25): the every-page language test, for
the refusals the rules modules raise and the pages show.

Each case below provokes one kind of refusal through the Django test client, as a person
of the right role whose page is in Arabic or in English (the language chosen as in
``test_every_page_language``): the two-person rule on an incident and on a correction, a
stale version, a clip that ends before it starts or after the broadcast, an unknown
person, a dismissal without a reason, assigning someone who is not a reviewer, marking a
text that is not there, a tag range outside the broadcast, a person's name with no
letters, a watchlist name taken. The refusal's sentence must stand outside ``<bdi>`` (only
its values are isolated) with every value in place. In Arabic the page (the refusal
included) must hold no run of Latin letters outside the allowed markers (codes, ids and
user names sit in ``<bdi>``), and the refusal's Arabic sentence must be there; in English
the English sentence must be there and no Arabic outside person-entered text. The rules,
the database (SQLite) and the views are real; the checker is
``test_every_page_language.offending``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from test_every_page_language import offending
from ui_helpers import login_client, make_user

from catalog.models import Correction
from review import corrections as cor
from review import incidents as inc
from review import workflow
from review.watchlists import create_watchlist

pytestmark = pytest.mark.django_db

Case = Callable[[dict[str, Any], Callable[[str], Client]], Any]


def _client(user: object, language: str) -> Client:
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    login_client(client, user)
    client.post("/language/", {"language": language, "next": "/"})
    return client


def _outside_bdi(html: str) -> str:
    """``html`` without its ``<bdi>`` elements (innermost first): what is not isolated."""
    while True:
        shorter = re.sub(r"<bdi[^>]*>[^<]*</bdi>", "", html)
        if shorter == html:
            return html
        html = shorter


def _proposed(world: dict[str, Any], **extra: Any) -> Any:
    return inc.propose(world["rev"], broadcast_id=world["broadcast"].pk, start="0:04",
                       end="0:09", title="أماني تتبرأ", confidence="high", **extra)


def _under_review(world: dict[str, Any]) -> Any:
    incident = _proposed(world)
    return workflow.set_status(incident.pk, world["rev"], "under_review")


def two_person_rule(world: dict[str, Any], as_user: Callable[[str], Client]) -> Any:
    incident = _under_review(world)
    inc.edit(incident.pk, world["lead1"], title="أماني تتبرأ من أخيها")
    incident.refresh_from_db()
    return as_user("lead1").post(f"/incidents/{incident.pk}/review/", {
        "status": "dismissed", "version": incident.version, "reason": "سبب"})


def stale_version(world: dict[str, Any], as_user: Callable[[str], Client]) -> Any:
    incident = _proposed(world)
    inc.edit(incident.pk, world["rev2"], title="عنوان آخر")
    return as_user("rev").post(f"/incidents/{incident.pk}/edit/", {
        "version": 1, "title": "عنوان", "confidence": "high"})


def clip_backwards(world: dict[str, Any], as_user: Callable[[str], Client]) -> Any:
    incident = _proposed(world)
    return as_user("rev").post(f"/incidents/{incident.pk}/clips/", {
        "version": incident.version, "broadcast": world["broadcast"].pk, "start": "0:30",
        "end": "0:10"})


def clip_past_the_end(world: dict[str, Any], as_user: Callable[[str], Client]) -> Any:
    incident = _proposed(world)
    return as_user("rev").post(f"/incidents/{incident.pk}/clips/", {
        "version": incident.version, "broadcast": world["broadcast"].pk, "start": "0:01",
        "end": "59:00"})


def unknown_person(world: dict[str, Any], as_user: Callable[[str], Client]) -> Any:
    return as_user("rev").post("/incidents/new/", {
        "broadcast": world["broadcast"].pk, "start": "0:04", "end": "0:09",
        "title": "أماني تتبرأ", "confidence": "high", "person": "Someone Unknown",
        "role": "other"})


def dismissed_without_reason(world: dict[str, Any], as_user: Callable[[str], Client]) -> Any:
    incident = _under_review(world)
    return as_user("lead2").post(f"/incidents/{incident.pk}/review/", {
        "status": "dismissed", "version": incident.version, "reason": ""})


def assign_a_viewer(world: dict[str, Any], as_user: Callable[[str], Client]) -> Any:
    incident = _proposed(world)
    return as_user("lead1").post(f"/incidents/{incident.pk}/assign/",
                                 {"reviewer": "watcher-x"})


def mark_missing_notes(world: dict[str, Any], as_user: Callable[[str], Client]) -> Any:
    incident = _proposed(world)
    return as_user("lead1").post(f"/incidents/{incident.pk}/public-text/",
                                 {"field": "notes", "public": "1"}, follow=True)


def verify_own_correction(world: dict[str, Any], as_user: Callable[[str], Client]) -> Any:
    correction = cor.correct(world["broadcast"], 0, 0, "بسم الله", by=world["rev"])
    assert Correction.objects.filter(pk=correction.pk).exists()
    return as_user("rev").post(f"/corrections/{correction.pk}/verify/")


def tag_outside(world: dict[str, Any], as_user: Callable[[str], Client]) -> Any:
    return as_user("rev").post(f"/broadcasts/{world['broadcast'].pk}/tags/", {
        "tag": "hooded", "start": "0:30", "end": "0:10"}, follow=True)


def person_without_letters(world: dict[str, Any], as_user: Callable[[str], Client]) -> Any:
    return as_user("rev").post("/persons/new/", {"name": "!!! ...", "kind": "other"})


def watchlist_name_taken(world: dict[str, Any], as_user: Callable[[str], Client]) -> Any:
    create_watchlist("أماني", "أماني", world["rev"])
    return as_user("rev").post("/watchlists/new/", {"name": "أماني", "query": "بلور"})


# case: (status, English words shown, Arabic words shown)
CASES: dict[str, tuple[Case, int, str, str]] = {
    "two-person rule": (two_person_rule, 403, "two-person rule:", "قاعدة الشخصين"),
    "stale version": (stale_version, 409, "since you opened it", "منذ أن فتحتها"),
    "clip backwards": (clip_backwards, 400, "before it starts", "قبل أن يبدأ"),
    "clip past the end": (clip_past_the_end, 400, "after the end of broadcast",
                          "بعد نهاية البثّ"),
    "unknown person": (unknown_person, 400, "no person named", "لا شخص باسم"),
    "dismissed without reason": (dismissed_without_reason, 400,
                                 "dismissing an incident needs a reason",
                                 "يحتاج رفض حادثة إلى سبب"),
    "assign a viewer": (assign_a_viewer, 400, "does not have the reviewer role",
                        "دور المراجع"),
    "mark missing notes": (mark_missing_notes, 200, "to mark", "لتعليمه"),
    "verify own correction": (verify_own_correction, 403,
                              "wrote this correction and may not verify it",
                              "كتب"),
    "tag outside": (tag_outside, 200, "is not inside broadcast", "ليس داخل البثّ"),
    "person without letters": (person_without_letters, 400, "has no letters or digits",
                               "ليس في الاسم"),
    "watchlist name taken": (watchlist_name_taken, 400, "already exists",
                             "توجد قائمة مراقبة باسم"),
}


@pytest.fixture
def world(broadcast) -> dict[str, Any]:
    users = {name: make_user(name, role) for name, role in (
        ("rev", "reviewer"), ("rev2", "reviewer"), ("lead1", "lead"), ("lead2", "lead"),
        ("watcher-x", "viewer"))}
    return {**users, "broadcast": broadcast}


@pytest.mark.parametrize("language", ["ar", "en"])
@pytest.mark.parametrize("case", list(CASES))
def test_a_refusal_reads_in_the_page_language(world: dict[str, Any], case: str,
                                              language: str) -> None:
    provoke, status, english, arabic = CASES[case]
    clients: dict[str, Client] = {}

    def as_user(name: str) -> Client:
        if name not in clients:
            clients[name] = _client(world[name], language)
        return clients[name]

    response = provoke(world, as_user)
    html = response.content.decode()
    assert response.status_code == status, (case, response.status_code, html[:3000])
    assert "%(" not in html, (case, language)  # every value put in its place
    # the sentence itself is not isolated as if it were person-entered text
    assert (arabic if language == "ar" else english) in _outside_bdi(html), (
        case, language, html[:6000])
    assert (english if language == "ar" else arabic) not in html, (case, language)
    found = offending(html, language)
    assert not found, f"{case} [{language}]: " + "\n".join(found)


def test_the_checker_sees_an_english_refusal_in_an_arabic_page() -> None:
    """The test above can fail: an English refusal, as the pages showed it before, is found."""
    page = ('<p class="error" role="alert">لم يُحفظ شيء: two-person rule: <bdi>lead1</bdi> '
            "proposed or changed incident <bdi>3</bdi></p>")
    found = offending(page, "ar")
    assert any("two-person" in f for f in found) and any("proposed" in f for f in found)
    assert not any("lead1" in f for f in found)  # a user name in <bdi> is allowed


def test_the_cli_and_the_api_read_refusals_in_english(world: dict[str, Any]) -> None:
    """Outside a page the rules speak English, whatever the site's default language: the
    CLI activates English and the API's problem details render under English."""
    from django.utils import translation

    from api.problems import exception_handler

    incident = _proposed(world)
    with translation.override("ar"):
        with pytest.raises(inc.ReviewRuleError) as refused:
            workflow.set_status(incident.pk, world["rev"], "confirmed")
        assert str(refused.value) == (f"حالة الحادثة {incident.pk} هي suspected: يمكن نقلها "
                                      "إلى under_review أو dismissed، لا إلى confirmed")
        response = exception_handler(refused.value, {})
    assert response.status_code == 403
    assert response.data["detail"] == (f"incident {incident.pk} is suspected: it can go to "
                                       "under_review or dismissed, not confirmed")


def test_the_cli_prints_refusals_in_english_when_the_default_is_arabic(
        world: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    """``raqib`` runs its command under English: the same refusal a page shows in Arabic."""
    from django.utils import translation

    from raqib.cli import main
    from tests.cli_persons import as_person

    assert translation.get_language() == "ar"  # the site's default, here as in a page
    assert main(["incidents", "show", "987654", *as_person("rev")]) != 0
    assert "no incident with id 987654" in capsys.readouterr().err
    assert translation.get_language() == "ar"  # and nothing leaks out of the command


def test_a_hostile_value_in_a_refusal_is_escaped_isolated_and_neutralised() -> None:
    """A person's name in a refusal is text: escaped, in ``<bdi>``, its bidi controls
    replaced (the ``refusal`` filter); the error survives pickling with its values."""
    import pickle

    from django.utils import translation
    from django.utils.translation import gettext_lazy

    from review.persons import PersonError
    from review_ui.templatetags.raqib_ui import refusal

    hostile = "<script>x</script>\u202egnp.exe"
    error = PersonError(gettext_lazy("%(name)s cannot be their own targeted person"),
                        name=hostile)
    with translation.override("ar"):
        shown = str(refusal(error))
        assert shown.startswith("لا يمكن أن يكون <bdi>&lt;script&gt;x&lt;/script&gt;\ufffd")
        assert "<script>" not in shown and "\u202e" not in shown
        again = pickle.loads(pickle.dumps(error))
        assert str(again) == str(error) and isinstance(again, PersonError)
    with translation.override("en"):
        assert str(error) == f"{hostile} cannot be their own targeted person"
