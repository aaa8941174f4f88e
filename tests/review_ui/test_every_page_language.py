"""Every page read as a person would (issue 25): no English left in an Arabic page, no Arabic
in an English one, but for what a person entered.

For every URL of the authorization matrix (``test_security_matrix.PATTERNS``: a URL added
anywhere is read here too; its keyword arguments come from ``WORLD_KWARGS`` below, else the
matrix's ``SAMPLE_KWARGS``), as every role that may open it (anonymous for a public page),
with seeded data that holds every value of every enumeration (incident statuses, roles,
relations, signs, confidence, both assessment kinds, alert states, broadcast states with a
failure, source kinds with a crawl failure, re-airing states), the page is fetched (GET)
in Arabic and in English and its HTML parsed (``html.parser``):

- in Arabic, a run of Latin letters in visible text, or in a visible attribute
  (``placeholder``, ``title``, ``aria-label``, ``alt``, a button's ``value``), fails unless
  it lies inside an element marked as an allowed kind: ``dir="ltr"`` (codes, hashes, URLs,
  file names, technical detail), ``dir="auto"`` or ``<bdi>`` (person-entered text and
  names), ``class="latin-ok"``/``class="as-entered"``, or ``<code>``/``<kbd>``/``<samp>``;
- in English, a run of Arabic letters fails unless it lies inside person-entered text:
  ``dir="auto"``/``dir="rtl"``, ``lang="ar"``, ``<bdi>``, ``class="as-entered"``;
- ``<script>``/``<style>`` and other attribute values are skipped.

The Arabic catalog must hold no untranslated and no fuzzy msgid (polib). A failure names
the URL, the role, the language and the offending text with its surroundings. To mark a
new kind of allowed text: wrap it in one of the markers above in the template, never widen
the rules here. Responses that are not HTML (CSV, media) and redirects are skipped.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from test_security_matrix import PATTERNS, SAMPLE_KWARGS
from ui_helpers import login_client, make_broadcast, make_user

from accounts.roles import RANK, ROLES

LATIN = re.compile(r"[A-Za-z]+(?:[_-][A-Za-z]+)*")
ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]+")
SKIP = {"script", "style", "template"}
VISIBLE_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr", "param"}
CODE_TAGS = {"code", "kbd", "samp"}
# Names of formats and programs that have no Arabic name and are written in Latin letters
# in Arabic technical prose too. Keep it to proper names: never a word of English.
TERMS = {"CSV", "CSS", "BagIt", "openssl", "robots", "txt", "TOTP", "URL", "RSS", "Atom",
         "TOML", "JSON", "yt-dlp", "SHA-256", "SHA", "HTTP", "HTTPS", "PDF", "Whisper", "RFC"}


def _allows(tag: str, attrs: dict[str, str], language: str) -> bool:
    """Whether this element marks its content as allowed in a page of ``language``."""
    classes = set((attrs.get("class") or "").split())
    direction = (attrs.get("dir") or "").lower()
    if tag == "bdi" or direction == "auto" or "as-entered" in classes:
        return True
    if language == "ar":
        return direction == "ltr" or "latin-ok" in classes or tag in CODE_TAGS
    return direction == "rtl" or (attrs.get("lang") or "").startswith("ar")


class _Reader(HTMLParser):
    """Collects the runs of the other script outside the allowed elements."""

    def __init__(self, language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.language = language
        self.pattern = LATIN if language == "ar" else ARABIC
        self.stack: list[tuple[str, bool]] = []  # (tag, allowed or skipped here)
        self.found: list[str] = []
        self.marked: set[str] = set()  # runs inside marked (person-entered) elements
        # Runs in places that cannot carry a marker (<title>, a title attribute): allowed
        # when the same run is marked elsewhere on the page (a name repeated in the title).
        self.deferred: list[tuple[str, str]] = []

    def _free(self) -> bool:
        return not any(flag for _, flag in self.stack)

    def handle_starttag(self, tag: str, attrs_list: list) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        allowed = tag in SKIP or _allows(tag, attrs, self.language)
        if self._free() and not allowed:
            names = list(VISIBLE_ATTRIBUTES)
            if tag == "input" and attrs.get("type") in ("submit", "button", "reset"):
                names.append("value")
            for name in names:
                for run in self.pattern.findall(attrs.get(name, "")):
                    if self.language == "ar" and run in TERMS:
                        continue
                    self.deferred.append((run, f"<{tag} {name}={attrs[name]!r}>: {run!r}"))
        if tag not in VOID:
            self.stack.append((tag, allowed))

    def handle_startendtag(self, tag: str, attrs_list: list) -> None:
        self.handle_starttag(tag, attrs_list)
        if tag not in VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if not self._free():
            if not any(tag in SKIP for tag, _ in self.stack):
                self.marked.update(self.pattern.findall(data))
            return
        for match in self.pattern.finditer(data):
            if self.language == "ar" and match.group() in TERMS:
                continue
            around = " ".join(data[max(0, match.start() - 40):match.end() + 40].split())
            where = "/".join(tag for tag, _ in self.stack[-3:])
            report = f"{where}: {match.group()!r} in {around!r}"
            if self.stack and self.stack[-1][0] == "title":
                self.deferred.append((match.group(), report))
            else:
                self.found.append(report)

    def close(self) -> None:
        super().close()
        self.found.extend(report for run, report in self.deferred if run not in self.marked)


def offending(html: str, language: str) -> list[str]:
    """Runs of the other script in ``html`` (a page in ``language``) outside allowed
    elements, each with its context."""
    reader = _Reader(language)
    reader.feed(html)
    reader.close()
    return reader.found


def test_the_reader_catches_what_it_must_and_spares_what_is_marked() -> None:
    page = ('<p>الحالة: under_review</p><p title="Open">ا</p><bdi>Amani</bdi>'
            '<code dir="ltr">sha256:ab12</code><script>var x = 1</script>'
            '<span dir="ltr">https://example.org</span><button value="Send">أ</button>'
            '<input type="submit" value="Go"><input type="text" value="typed">'
            '<option>feed</option><td class="latin-ok">BBC</td>')
    found = offending(page, "ar")
    assert len(found) == 4, found
    for word, report in zip(("under_review", "feed", "Open", "Go"), found, strict=True):
        assert f"'{word}'" in report, (word, report)
    english = ('<p>Status: مؤكدة</p><td dir="auto">عنوان</td><bdi>أماني</bdi>'
               '<p lang="ar" dir="rtl">نص</p><p aria-label="بحث">x</p>')
    found = offending(english, "en")
    assert len(found) == 2 and "مؤكدة" in found[0] and "بحث" in found[1], found


def test_the_arabic_catalog_has_no_untranslated_or_fuzzy_entry() -> None:
    path = Path(settings.LOCALE_PATHS[0]) / "ar" / "LC_MESSAGES" / "django.po"
    catalog = polib.pofile(str(path))
    bad = [f"{e.msgctxt + ' | ' if e.msgctxt else ''}{e.msgid!r}"
           + (" (fuzzy)" if e.fuzzy else " (untranslated)")
           for e in catalog if not e.obsolete and (e.fuzzy or not e.translated())]
    assert not bad, f"{path}: entries without a usable Arabic translation:\n" + "\n".join(bad)


# --- the world every page is read in ---------------------------------------------------

def _seed() -> dict[str, Any]:
    """incident_seed's incidents, persons and users, plus what makes every enumeration
    appear: a confirmed and a dismissed incident (both assessment kinds), alerts in each
    state, a failed broadcast with its error, sources of each kind with a crawl failure,
    re-airing links in each state, a screen name."""
    from incident_seed import seed

    from catalog.models import Alert, Broadcast, Outlet, Source, Watchlist
    from reairings.models import Reairing, ScreenName
    from review import incidents as inc
    from review import workflow
    from review.models import CoercionSign

    world = seed()
    users = world["users"]
    users["admin"] = make_user("boss", "admin")
    lead2 = users["lead2"]
    workflow.assess(world["disown"].pk, lead2, confidence="high", signs=["reads-script"],
                    note="")
    workflow.set_status(world["disown"].pk, lead2, "confirmed")
    b1, b2 = world["broadcasts"]
    dropped = inc.propose(users["rev"], broadcast_id=b1.pk, start="0:01", end="0:03",
                          title="مقطع لا يخص أحداً", confidence="low")
    workflow.set_status(dropped.pk, users["rev"], "under_review")
    workflow.assess(dropped.pk, lead2, confidence="medium", signs=[], note="")
    workflow.set_status(dropped.pk, lead2, "dismissed", reason="ليس اعترافاً")
    watchlist = Watchlist.objects.create(name="تبرؤ", query="أماني")
    segments = list(b1.transcripts.get().segments.order_by("number"))
    for status, segment in zip(("new", "confirmed", "dismissed"), segments, strict=False):
        Alert.objects.create(watchlist=watchlist, broadcast=b1, segment=segment, track="asr",
                             model_id="base", segment_number=segment.number,
                             start=segment.start, end=segment.end, text=segment.text,
                             status=status)
    outlet = Outlet.objects.get(name="الإخبارية السورية")
    for kind in ("site", "live", "feed", "sitemap", "ytdlp"):
        Source.objects.get_or_create(name=f"src-{kind}", defaults={
            "outlet": outlet, "kind": kind, "config": {"url": f"https://example.org/{kind}"},
            "last_error": "HTTPSConnectionPool(host='example.org'): Read timed out"})
    failed = make_broadcast(title="حلقة لم تكتمل",
                            error="download: HTTP Error 404: Not Found")
    Broadcast.objects.filter(pk=failed.pk).update(status=Broadcast.Status.FAILED)
    for status, other in (("suggested", b2), ("linked", failed)):
        Reairing.objects.create(broadcast=b1, other=other, start=0, end=12, other_start=5,
                                other_end=17, score=0.5, status=status)
    from catalog.models import DroppedSegment
    from review_ui.labels import known_values

    transcript = b1.transcripts.get()
    for n, reason in enumerate(sorted(known_values("dropped_reason"))):
        DroppedSegment.objects.create(transcript=transcript, start=20 + n, end=21 + n,
                                      text="ترجمة نانسي قنقر", reason=reason)
    screen = ScreenName.objects.create(broadcast=b1, person=world["amani"], start=3, end=6,
                                       text="أماني بلور - طبيبة")
    sign = CoercionSign.objects.filter(code="reads-script").first() or \
        CoercionSign.objects.first()
    world.update(watchlist=watchlist, alert=Alert.objects.filter(status="new").first(),
                 failed=failed, screen=screen, sign=sign,
                 link=Reairing.objects.filter(broadcast=b1).first())
    return world


WORLD_KWARGS = {
    "chart": lambda world: "incidents_over_time",
    "broadcast_id": lambda world: world["broadcasts"][0].pk,
    "alert_id": lambda world: world["alert"].pk,
    "watchlist_id": lambda world: world["watchlist"].pk,
    "source_id": lambda world: world["broadcasts"][0].source_id,
    "person_id": lambda world: world["amani"].pk,
    "sign_id": lambda world: world["sign"].pk,
    "incident_id": lambda world: world["disown"].pk,
    "link_id": lambda world: world["link"].pk,
    "name_id": lambda world: world["screen"].pk,
}
USER_OF_ROLE = {"viewer": "viewer", "reviewer": "rev", "lead": "lead", "admin": "admin"}


def _readers(declared: str) -> list[str]:
    """Who may open a page declared ``declared``."""
    if declared == "public":
        return ["anonymous"]
    if declared == "signed-in":
        return list(ROLES)
    return [role for role in ROLES if RANK[role] >= RANK[declared]]


def _url(name: str, world: dict) -> str:
    pattern = PATTERNS[name]
    matrix_world = {"users": {role: world["users"][USER_OF_ROLE[role]] for role in ROLES},
                    "broadcast": world["broadcasts"][0]}
    kwargs = {}
    for kwarg in pattern.pattern.converters:
        if kwarg in WORLD_KWARGS:
            kwargs[kwarg] = WORLD_KWARGS[kwarg](world)
        elif kwarg in SAMPLE_KWARGS:
            kwargs[kwarg] = SAMPLE_KWARGS[kwarg](matrix_world)
        else:
            pytest.fail(f"URL {name} takes {kwarg!r}: add a factory to SAMPLE_KWARGS in "
                        "test_security_matrix.py (or WORLD_KWARGS here)")
    return reverse(name, kwargs=kwargs)


def _client(world: dict, reader: str, language: str) -> Client:
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if reader != "anonymous":
        login_client(client, world["users"][USER_OF_ROLE[reader]])
        client.post("/language/", {"language": language, "next": "/"})
    return client


@pytest.mark.parametrize("language", ["ar", "en"])
def test_every_page_as_every_role_is_in_the_page_language(db, settings,
                                                          language: str) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    world = _seed()
    clients: dict[str, Client] = {}
    problems: list[str] = []
    read = 0
    for name in sorted(PATTERNS):
        declared = getattr(PATTERNS[name].callback, "minimum_role", None)
        url = _url(name, world)
        for reader in _readers(declared):
            client = clients.get(reader) or clients.setdefault(
                reader, _client(world, reader, language))
            response = client.get(url)
            if response.status_code in (301, 302, 303) or getattr(
                    response, "streaming", False) or not response.get(
                    "Content-Type", "").startswith("text/html"):
                continue
            read += 1
            for found in dict.fromkeys(offending(response.content.decode(), language)):
                problems.append(f"{url} ({name}) as {reader} [{language}, "
                                f"{response.status_code}]: {found}")
    assert read > 40
    script = "Latin" if language == "ar" else "Arabic"
    assert not problems, (
        f"{len(problems)} runs of {script} letters outside person-entered or marked text "
        f"(mark allowed kinds in the template: dir=\"ltr\", <bdi>, class=\"latin-ok\"; "
        f"translate the rest):\n" + "\n".join(problems))


@pytest.mark.parametrize("language", ["ar", "en"])
def test_every_error_page_is_in_the_page_language(db, settings, language: str) -> None:
    """400, 403, 404, 405, 413, 429 (the login lockout), 500 and the CSRF failure, read
    like the other pages (signed in where a signed-in user meets them)."""
    from django.test import RequestFactory
    from django.utils import translation

    from review_ui import errors

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    make_user("target", "viewer")
    viewer = Client(raise_request_exception=False)
    viewer.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    login_client(viewer, make_user("reader", "viewer"))
    viewer.post("/language/", {"language": language, "next": "/"})
    big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    pages = {
        "400": viewer.get("/search/", {"q": "x" * 9000}),
        "403": viewer.get("/sources/new/"),
        "404": viewer.get("/no-such-page/"),
        "405": viewer.get("/language/"),
        "413": viewer.post("/search/", data=big, content_type="text/plain"),
    }
    strict = Client(enforce_csrf_checks=True)
    strict.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    pages["csrf"] = strict.post("/login/", {"username": "x", "password": "y"})
    attacker = Client()
    attacker.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for _ in range(settings.AXES_FAILURE_LIMIT):
        pages["429"] = attacker.post("/login/", {"username": "target", "password": "nope"})
    with translation.override(language):
        pages["500"] = errors.server_error(RequestFactory().get("/"))
    problems = []
    for name, response in pages.items():
        assert str(response.status_code) == name or name == "csrf", (name, response)
        problems += [f"{name} [{language}]: {found}"
                     for found in offending(response.content.decode(), language)]
    assert not problems, "\n".join(problems)
