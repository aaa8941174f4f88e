"""Watchlists on the embedded backend: the matcher has the search's semantics, alerts are
created for new transcripts only and never repeated, failures are recorded, and the CLI.

The "same semantics" proof: for a fixture corpus (spelling variants, diacritics, stop
words inside phrases, prefixes, two outlets, two languages, a tag) and a list of queries,
the segments ``review.watchlists`` matches equal the hits of the Tantivy backend.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from raqib.config import Config

CORPUS = [
    # (outlet, language, tagged, text)
    ("Al-Ikhbariya", "ar", True, "أَمَانِي السورية تتحدث عن الشهادة"),
    ("Al-Ikhbariya", "ar", True, "أتبرأ من ابني أمام الجميع"),
    ("Al-Ikhbariya", "ar", True, "انا اتبرا من ابني ومن افعاله"),
    ("Al-Ikhbariya", "ar", False, "أتبرأ في ابني"),
    ("Al-Ikhbariya", "ar", False, "ابني أتبرأ من"),
    ("Al-Ikhbariya", "ar", False, "مدرسة القرية مغلقة والمستشفى مفتوح"),
    ("Al-Ikhbariya", "ar", False, "نشرة الأخبار من دمشق"),
    ("Al-Ikhbariya", "ar", False, "الإرهابيون اعترفوا بالتفجير"),
    ("Sama", "ar", False, "اعترف الإرهابي بجريمته أمام المحكمة"),
    ("Sama", "ar", False, "الشهادة أمام المحكمة"),
    ("Sama", "ar", False, "نشرة الأخبار الرياضية"),
    ("Sama", "ar", False, "عميل خائن للوطن"),
    ("Sama", "ar", False, "خائنة الوطن تعترف"),
    ("Sama", "en", False, "The suspect confessed on U.S.-made TV"),
    ("Sama", "en", False, "confession recorded in the tunnel"),
    ("sama tv", "ar", False, "تبرأت العائلة منه"),
]

QUERIES = [
    "أتبرأ", "اتبرا", "ابني", "أتبرأ ابني", '"أتبرأ من ابني"', '"اتبرا من ابني"',
    '"أتبرأ في ابني"', '"ابني أتبرأ"', "الشهادة", "شهاده", "نشرة -الرياضية",
    'نشرة -"الأخبار الرياضية"', "خائن OR عميل", "خائن OR عميل الوطن", "تبر*", "اعتر*",
    "الإره*", "اره*", "confess*", "confessed", '"u.s made"', "المحكمة outlet:Sama",
    "المحكمة outlet:sama", "نشرة outlet:Al-Ikhbariya", "تبرأ outlet:\"sama tv\"",
    "confession lang:en", "الشهادة lang:ar", "ابني tag:confession", "ابني -أمام",
    "ابني -اتبر*", '"نشرة الأخبار"', "دمشق OR المحكمة -الشهادة",
    # phrases spoken across two consecutive segments (the hit is the first one)
    '"ابني ابني"', '"أتبرأ من مدرسة"', '"دمشق الإرهابيون"', '"ابني ابني" أتبرأ',
    '"ابني ابني" -أتبرأ', '"ابني ابني" OR مدرسة', '"الرياضية عميل"', '"المحكمة الشهادة"',
]


def _catalog() -> dict[str, object]:
    """The corpus in the catalog (one broadcast per outlet/language), indexed in Tantivy."""
    from catalog.models import Broadcast, Outlet, Segment, Source, Tag, Tagging, Transcript
    from index.registry import get_backend

    backend = get_backend()
    transcripts: dict[tuple[str, str, bool], Transcript] = {}
    for number, (outlet_name, language, tagged, text) in enumerate(CORPUS):
        key = (outlet_name, language, tagged)
        if key not in transcripts:
            outlet, _ = Outlet.objects.get_or_create(name=outlet_name)
            source, _ = Source.objects.get_or_create(name=f"s-{outlet.pk}", defaults={
                "outlet": outlet, "kind": "html"})
            broadcast = Broadcast.objects.create(
                source=source, outlet=outlet, external_id=f"b{len(transcripts)}",
                url=f"https://example.org/{len(transcripts)}", title="t", language=language,
                aired_at=datetime(2024, 3, 1 + len(transcripts), tzinfo=UTC))
            if tagged:
                tag, _ = Tag.objects.get_or_create(name="confession")
                Tagging.objects.create(tag=tag, broadcast=broadcast)
            transcripts[key] = Transcript.objects.create(broadcast=broadcast, engine="test",
                                                         model_id="m")
        Segment.objects.create(transcript=transcripts[key], number=number, start=number,
                               end=number + 1, text=text)
    for transcript in transcripts.values():
        backend.index_transcript(transcript.pk)
    return {"backend": backend, "transcripts": list(transcripts.values())}


@pytest.mark.django_db
def test_matcher_equals_embedded_search_for_every_query() -> None:
    from catalog.models import Watchlist
    from review.watchlists import broadcast_facts, match_segments_embedded

    catalog = _catalog()
    mismatches, matched_any = [], 0
    for query in QUERIES:
        watchlist = Watchlist(pk=1, name="q", query=query)
        matched = set()
        for transcript in catalog["transcripts"]:
            facts = broadcast_facts(transcript.broadcast)
            pairs = match_segments_embedded([watchlist], list(transcript.segments.all()), facts)
            matched |= {segment.pk for _, segment in pairs}
        hits = {hit.segment_id for hit in catalog["backend"].search(query, limit=500)}
        matched_any += bool(matched)
        if matched != hits:
            mismatches.append((query, sorted(matched), sorted(hits)))
    assert not mismatches, mismatches
    # the corpus exercises the queries: most match something, some deliberately nothing
    assert matched_any >= len(QUERIES) - 8


def test_matcher_units() -> None:
    from index.query import parse
    from index.watch_match import BroadcastFacts, SegmentDoc, matches

    doc = SegmentDoc.from_text("أَتَبَرَّأُ من ابني")
    facts = BroadcastFacts("Al-Ikhbariya", "ar", frozenset({"confession"}))
    assert matches(parse('"اتبرا من ابني"'), doc, facts)
    assert not matches(parse('"اتبرا ابني"'), doc, facts)  # the stop word keeps its position
    # as in Lucene, a phrase's stop-word gap is a position, whatever word stands there
    assert matches(parse('"اتبرا في ابني"'), SegmentDoc.from_text("أتبرأ ولد ابني"), facts)
    assert matches(parse("ابن* outlet:al-ikhbariya"), doc, facts)
    assert not matches(parse("ابني outlet:Sama"), doc, facts)
    assert not matches(parse("ابني lang:en"), doc, facts)
    assert not matches(parse("ابني -اتبرا"), doc, facts)
    assert not matches(parse("ابني tag:other"), doc, facts)


# --- alerts through the pipeline -----------------------------------------------------------

def _transcribed_broadcast(texts: list[str], external_id: str = "ep-1") -> object:
    from catalog.models import Broadcast, Outlet, Segment, Source, Transcript

    outlet, _ = Outlet.objects.get_or_create(name="Al-Ikhbariya")
    source, _ = Source.objects.get_or_create(name="ikh", defaults={"outlet": outlet,
                                                                   "kind": "html"})
    broadcast = Broadcast.objects.create(
        source=source, outlet=outlet, external_id=external_id, url="https://example.org/e",
        title="من النفق إلى النور", status=Broadcast.Status.TRANSCRIBED)
    transcript = Transcript.objects.create(broadcast=broadcast, engine="faster-whisper",
                                           model_id="base", track="asr")
    Segment.objects.bulk_create(Segment(transcript=transcript, number=i, start=4.0 * i,
                                        end=4.0 * i + 4, text=t) for i, t in enumerate(texts))
    return broadcast


def _config(**values: object) -> Config:
    from django.conf import settings

    return Config({**settings.CONFIG.values, **values})


@pytest.mark.django_db
def test_index_stage_creates_alerts_once_for_new_transcripts_only() -> None:
    from catalog.models import Alert, Broadcast, Watchlist
    from raqib import pipeline
    from review.watchlists import archive_matches, create_watchlist, run_watchlists

    confess = create_watchlist("disown", '"أتبرأ من" OR اتبرأ')
    news = create_watchlist("news", "نشرة outlet:Sama")  # other outlet: never matches here
    broadcast = _transcribed_broadcast(["نشرة الأخبار", "أنا أماني وأتبرأ من أخي",
                                        "اتبرأ منه", "وهذا ما حدث"])
    assert pipeline.run_stage(broadcast.pk, "index", _config())
    alerts = list(Alert.objects.order_by("segment_number"))
    assert [(a.watchlist_id, a.segment_number, a.status) for a in alerts] == [
        (confess.pk, 1, "new"), (confess.pk, 2, "new")]
    first = alerts[0]
    assert (first.text, first.start, first.end, first.track, first.model_id) == (
        "أنا أماني وأتبرأ من أخي", 4.0, 8.0, "asr", "base")
    assert first.segment.number == 1 and first.broadcast_id == broadcast.pk

    # Re-running and reindexing never repeat an alert.
    assert run_watchlists(broadcast).created == []
    Broadcast.objects.filter(pk=broadcast.pk).update(status=Broadcast.Status.TRANSCRIBED)
    assert pipeline.run_stage(broadcast.pk, "index", _config())
    assert Alert.objects.count() == 2

    # A watchlist created after the transcript does not alert on it (the archive) ...
    later = create_watchlist("later", "أماني")
    Watchlist.objects.filter(pk=later.pk).update(created_at=later.created_at + timedelta(1))
    later.refresh_from_db()
    assert run_watchlists(broadcast).created == []
    # ... but `test` shows what it would match there, creating nothing.
    hits = archive_matches(later)
    assert [h.text for h in hits] == ["أنا أماني وأتبرأ من أخي"]
    assert not Alert.objects.filter(watchlist=later).exists()
    assert not Alert.objects.filter(watchlist=news).exists()


@pytest.mark.django_db
def test_watchlist_validation_and_inactive_watchlists() -> None:
    from review.watchlists import WatchlistError, create_watchlist, run_watchlists, set_active

    with pytest.raises(WatchlistError, match="unbalanced quote"):
        create_watchlist("bad", '"أتبرأ من')
    with pytest.raises(WatchlistError, match="only excludes"):
        create_watchlist("bad", "-رياضة")
    with pytest.raises(WatchlistError, match="needs a name"):
        create_watchlist("  ", "أتبرأ")
    kept = create_watchlist("Tunnel", "النفق")
    with pytest.raises(WatchlistError, match="already exists"):
        create_watchlist("tunnel", "النفق")
    set_active(kept, False)
    broadcast = _transcribed_broadcast(["ما حدث في النفق"])
    assert run_watchlists(broadcast).created == []
    set_active(kept, True)
    assert len(run_watchlists(broadcast).created) == 1


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
def test_matching_failure_is_recorded_and_retried_without_failing_indexing() -> None:
    from catalog.models import Alert, CustodyEvent, Watchlist, WatchlistBacklog
    from review.watchlists import (
        create_watchlist,
        failed_broadcast_ids,
        retry_failed,
        run_watchlists_recorded,
    )

    create_watchlist("tunnel", "النفق")
    # A stored query the language no longer accepts is skipped with an error; others run.
    Watchlist.objects.create(name="stale", query='"unclosed')
    broadcast = _transcribed_broadcast(["ما حدث في النفق"])
    # Elasticsearch configured but unreachable (a real refused connection on loopback).
    down = _config(**{"search.backend": "elasticsearch",
                      "search.elasticsearch_url": f"http://127.0.0.1:{_closed_port()}"})
    run = run_watchlists_recorded(broadcast, down)
    assert run.errors and not Alert.objects.exists()
    # The retry state is a backlog row of its own; the custody log holds no such entry.
    backlog = WatchlistBacklog.objects.get()
    assert backlog.broadcast_id == broadcast.pk and backlog.error and backlog.attempts == 1
    assert not CustodyEvent.objects.filter(action__startswith="watchlists-").exists()
    assert failed_broadcast_ids() == [broadcast.pk]
    assert run_watchlists_recorded(broadcast, down).errors  # still down: counted, one row
    assert WatchlistBacklog.objects.get().attempts == 2

    results = retry_failed(_config())
    assert len(results[broadcast.pk].created) == 1
    assert any("stale" in e for e in results[broadcast.pk].errors)
    assert not WatchlistBacklog.objects.exists()
    assert failed_broadcast_ids() == []
    assert retry_failed(_config()) == {}


# --- the CLI -------------------------------------------------------------------------------

@pytest.fixture
def raqib(tmp_path: Path):
    config = tmp_path / "raqib.toml"
    config.write_text("")
    env = {**os.environ, "RAQIB_DATA_DIR": str(tmp_path / "data"), "RAQIB_CONFIG": str(config),
           "RAQIB_PASSWORD": "cli-test-password"}
    for var in ("RAQIB_SEARCH_BACKEND", "DATABASE_URL"):
        env.pop(var, None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "raqib", *args], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)

    return run


def test_cli_watchlists_and_alerts(raqib, tmp_path: Path) -> None:
    assert raqib("users", "create", "rana", "--role", "reviewer").returncode == 0
    issued = raqib("tokens", "create", "rana", "--scope", "read", "--scope", "review",
                   "--format", "json")
    assert issued.returncode == 0, issued.stderr
    (tmp_path / "rana.token").write_text(json.loads(issued.stdout)["token"])
    rana = ["--token-file", str(tmp_path / "rana.token")]
    refused = raqib("watchlists", "add", "disown", '"أتبرأ من"')  # no person
    assert refused.returncode == 1 and "acts as a person" in refused.stderr
    added = raqib("watchlists", "add", "disown", '"أتبرأ من"', "--owner", "rana", *rana,
                  "--format", "json")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["owner"] == "rana"
    bad = raqib("watchlists", "add", "broken", '"أتبرأ من', *rana)
    assert bad.returncode == 2 and "unbalanced quote" in bad.stderr

    doc = {"broadcast": {"outlet": "Al-Ikhbariya", "title": "From the Tunnel",
                         "url": "https://example.org/tunnel", "language": "ar"},
           "segments": [{"start": 0, "end": 4, "text": "نشرة الأخبار"},
                        {"start": 4, "end": 9.5, "text": "أنا أماني وأتبرأ من أخي"}]}
    path = tmp_path / "t.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert raqib("import", str(path)).returncode == 0

    listed = raqib("alerts", "list", "--format", "json")
    (alert,) = json.loads(listed.stdout)
    assert (alert["watchlist"], alert["start"], alert["text"], alert["status"]) == (
        "disown", 4.0, "أنا أماني وأتبرأ من أخي", "new")
    assert raqib("alerts", "confirm", str(alert["id"]), "--note", "on air",
                 *rana).returncode == 0
    assert json.loads(raqib("alerts", "list", "--format", "json").stdout) == []
    (done,) = json.loads(raqib("alerts", "list", "--status", "confirmed",
                               "--format", "json").stdout)
    assert (done["note"], done["reviewed_by"]) == ("on air", "rana")
    assert raqib("alerts", "dismiss", "999", *rana).returncode == 2

    later = raqib("watchlists", "add", "amani", "أماني", *rana)
    assert later.returncode == 0
    tested = raqib("watchlists", "test", "amani", "--format", "json")
    assert tested.returncode == 0, tested.stderr
    assert [h["text"] for h in json.loads(tested.stdout)["hits"]] == [
        "أنا أماني وأتبرأ من أخي"]
    ran = raqib("watchlists", "run", "--broadcast", str(alert["broadcast_id"]))
    assert ran.returncode == 0 and "0 new alert(s)" in ran.stdout  # archive: no alert
    assert raqib("watchlists", "remove", "amani", *rana).returncode == 0
    names = [w["name"] for w in json.loads(raqib("watchlists", "list", "--format",
                                                 "json").stdout)]
    assert names == ["disown"]
