"""One recording, many sightings (catalog.sightings), end to end.

Two sources (the real site spider against a loopback server) list the same item page, and
the second also a mirror page serving a copy of the same bytes: the catalog keeps one
broadcast, transcribed and indexed once, with two sightings, each with its own page
snapshot and custody event in the kept broadcast's record; search finds the recording once
with its sightings; a re-crawl adds nothing; the audit chain verifies; an evidence package
lists every sighting with its snapshot hashes. Broadcasts that already share a media file
(made before sightings existed) are merged by ``raqib broadcasts merge-duplicates`` and by
the migration ``0010_sightings``, keeping every custody event and moving a tag, an
incident clip and an alert onto the kept broadcast.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from catalog.models import (
    Alert,
    Broadcast,
    CustodyEvent,
    EvidenceFile,
    MediaFile,
    Outlet,
    Segment,
    Sighting,
    Source,
    Tag,
    Tagging,
    Transcript,
    Watchlist,
)
from crawler.schema import validate_sources
from index.base import SearchRequest
from index.registry import get_backend
from raqib.cli import main
from raqib.commands.processing import crawl_sources
from review.evidence.package import export_bag
from review.models import Clip, Incident

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", *args], check=True, timeout=120)


def page(title: str, media: str) -> str:
    return (f'<html><body><h1>{title}</h1><video src="{media}"></video></body></html>')


def build_site(www: Path) -> bytes:
    media = www / "media"
    media.mkdir()
    speech = www / "speech.wav"
    subprocess.run(["espeak-ng", "-v", "ar", "-s", "135", "-w", str(speech),
                    "ابنتي الدكتورة أماني"], check=True, timeout=60)
    ffmpeg("-f", "lavfi", "-i", "color=c=0x203040:s=160x90:r=10", "-i", str(speech),
           "-shortest", "-c:v", "libx264", "-c:a", "aac", str(media / "tunnel.mp4"))
    data = (media / "tunnel.mp4").read_bytes()
    (media / "copy.mp4").write_bytes(data)  # the same bytes at another URL
    (www / "list-a.html").write_text('<a class="item" href="item.html">x</a>', "utf-8")
    (www / "list-b.html").write_text('<a class="item" href="item.html">x</a>'
                                     '<a class="item" href="mirror.html">y</a>', "utf-8")
    (www / "item.html").write_text(page("من النفق إلى النور", "media/tunnel.mp4"), "utf-8")
    (www / "mirror.html").write_text(page("النفق — نسخة", "media/copy.mp4"), "utf-8")
    return data


def configure(base_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    common = {"kind": "site", "item_links": "a.item::attr(href)", "title": "h1::text",
              "media": "video::attr(src)"}
    sources, problems = validate_sources([
        {"name": "ikhbariya", "outlet": "Al-Ikhbariya", "start_urls": [f"{base_url}/list-a.html"],
         **common},
        {"name": "mirror", "outlet": "Mirror TV", "start_urls": [f"{base_url}/list-b.html"],
         **common},
    ], "1h")
    assert not problems
    monkeypatch.setattr(settings.CONFIG, "sources", sources)
    monkeypatch.setattr(settings.CONFIG, "values", dict(settings.CONFIG.values))
    settings.CONFIG.values["crawl.download_delay"] = 0.0


def counts() -> dict[str, int]:
    return {"broadcasts": Broadcast.objects.count(), "sightings": Sighting.objects.count(),
            "media": MediaFile.objects.count(), "transcripts": Transcript.objects.count(),
            "evidence": EvidenceFile.objects.count(), "custody": CustodyEvent.objects.filter(
                action__in=("captured", "linked", "sighted")).count()}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_two_sources_over_the_same_pages_give_one_recording_with_two_sightings(
        static_server, monkeypatch, tmp_path: Path, capsys) -> None:
    data = build_site(static_server.root)
    configure(static_server.base_url, monkeypatch)
    base = static_server.base_url

    outcome, _ = crawl_sources(None, do_process=True)
    assert outcome.exit_code == 0 and not outcome.failures

    kept = Broadcast.objects.select_related("source", "media").get()
    assert kept.status == "indexed"
    assert kept.media.sha256 == hashlib.sha256(data).hexdigest()
    seen = {(kept.source.name, kept.url)} | {
        (s.source.name, s.url) for s in Sighting.objects.select_related("source")}
    assert seen == {("ikhbariya", f"{base}/item.html"), ("mirror", f"{base}/item.html"),
                    ("mirror", f"{base}/mirror.html")}
    sightings = list(kept.sightings.all())
    assert len(sightings) == 2
    assert Transcript.objects.count() == 1 and MediaFile.objects.count() == 1
    # Each sighting has its own page snapshot and custody event, on the kept record.
    for s in sightings:
        assert s.sha256 == kept.media.sha256 and s.former_broadcast_id
        kinds = set(s.evidence_files.values_list("kind", flat=True))
        assert {"warc", "info_json"} <= kinds
        assert set(s.evidence_files.values_list("broadcast_id", flat=True)) == {kept.pk}
        event = CustodyEvent.objects.get(action="sighted", details__sighting=s.pk)
        assert (event.broadcast_id, event.sha256) == (kept.pk, kept.media.sha256)
        assert event.details["url"] == s.url and event.details["source"] == s.source.name
    assert CustodyEvent.objects.filter(broadcast=kept, action="captured").count() == 1

    # Search finds the recording once, with both sightings.
    transcript = kept.transcripts.get()
    word = max(" ".join(transcript.segments.values_list("text", flat=True)).split(), key=len)
    hits = get_backend().search_page(SearchRequest(word)).hits
    assert hits and {h.broadcast_id for h in hits} == {kept.pk}
    assert {(x["source"], x["url"]) for x in hits[0].sightings} == {
        ("mirror", f"{base}/item.html"), ("mirror", f"{base}/mirror.html")}
    assert main(["broadcasts", "list", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [len(r["sightings"]) for r in rows] == [2]

    # A re-crawl adds nothing.
    before = counts()
    outcome, _ = crawl_sources(None, do_process=True)
    assert outcome.exit_code == 0 and not outcome.failures
    assert counts() == before

    # The evidence package lists every sighting with its snapshot hashes, files included.
    lead = get_user_model().objects.create_user("lina", password="pw-123456789")
    incident = Incident.objects.create(title="تبرؤ", proposed_by=lead, last_edited_by=lead)
    Clip.objects.create(incident=incident, broadcast=kept, start=0.0, end=1.0, added_by=lead)
    bag = tmp_path / "bag"
    export_bag(incident.pk, bag, data_dir=settings.CONFIG.data_dir)
    listed = json.loads((bag / "data" / "incident" / "incident.json").read_text())["sightings"]
    assert {(r["source"], r["url"]) for r in listed} == seen
    for row in listed:
        assert row["seen_at"]
        warc = [e for e in row["evidence"] if e["kind"] == "warc"]
        assert len(warc) == 1 and sha(bag / warc[0]["bag_path"]) == warc[0]["sha256"]
    summary = (bag / "data" / "incident" / "summary.html").read_text(encoding="utf-8")
    assert f"{base}/mirror.html" in summary
    assert main(["evidence", "verify", str(bag), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True

    assert_chain_intact()


# --- merging duplicates made before sightings existed ------------------------------------

def assert_chain_intact() -> None:
    """The hash chain and its append-only triggers still hold after the merges. (Not the
    whole ``raqib audit verify``: its incident replay would name the incidents these
    fixtures create directly, outside the review rules, as "not on the chain".)"""
    from catalog.audit_chain import verify_chain

    result = verify_chain()
    assert result["ok"] and result["problem"] is None and not result["missing_triggers"]


def make_duplicates() -> dict[str, object]:
    """Two broadcasts of one media file, the later one tagged, clipped and alerted."""
    outlet = Outlet.objects.create(name="الإخبارية السورية")
    other = Outlet.objects.create(name="Mirror TV")
    first_src = Source.objects.create(name="ikhbariya", outlet=outlet, kind="site")
    second_src = Source.objects.create(name="mirror", outlet=other, kind="site")
    media = MediaFile.objects.create(sha256="ab" * 32, path="media/ab/x.mp4", size=10)
    kept = Broadcast.objects.create(source=first_src, outlet=outlet, external_id="1",
                                    url="https://tv.example/1", media=media, status="indexed")
    dup = Broadcast.objects.create(source=second_src, outlet=other, external_id="9",
                                   url="https://mirror.example/9", media=media,
                                   status="indexed")
    for b, action in ((kept, "captured"), (dup, "linked")):
        CustodyEvent.objects.create(action=action, actor="raqib-worker@h", broadcast=b,
                                    media=media, sha256=media.sha256, source_url=b.url)
        EvidenceFile.objects.create(broadcast=b, kind="warc", path=f"captures/{b.pk}/p.warc.gz",
                                    sha256="cd" * 32, size=5)
    segs = {}
    for b in (kept, dup):
        t = Transcript.objects.create(broadcast=b, engine="faster-whisper", model_id="base")
        segs[b.pk] = Segment.objects.create(transcript=t, number=0, start=1.0, end=3.0,
                                            text="أنا أتبرأ من ابني")
    tag, _ = Tag.objects.get_or_create(name="forced-confession")
    Tagging.objects.create(tag=tag, broadcast=dup, segment=segs[dup.pk])
    lead = get_user_model().objects.create_user("lina", password="pw-123456789")
    incident = Incident.objects.create(title="تبرؤ أب", proposed_by=lead, last_edited_by=lead)
    Clip.objects.create(incident=incident, broadcast=dup, start=1.0, end=3.0, added_by=lead)
    watchlist = Watchlist.objects.create(name="disown", query="أتبرأ")
    Alert.objects.create(watchlist=watchlist, broadcast=dup, segment=segs[dup.pk], track="asr",
                         model_id="base", segment_number=0, start=1.0, end=3.0,
                         text="أنا أتبرأ من ابني")
    return {"kept": kept, "dup": dup, "kept_segment": segs[kept.pk], "incident": incident}


def check_merged(made: dict[str, object], custody_before: list[tuple]) -> None:
    kept, dup = made["kept"], made["dup"]
    assert list(Broadcast.objects.values_list("pk", flat=True)) == [kept.pk]
    s = Sighting.objects.get()
    assert (s.broadcast_id, s.former_broadcast_id, s.source.name, s.url) == (
        kept.pk, dup.pk, "mirror", "https://mirror.example/9")
    tagging = Tagging.objects.get()
    assert (tagging.broadcast_id, tagging.segment_id) == (kept.pk, made["kept_segment"].pk)
    assert Clip.objects.get().broadcast_id == kept.pk
    alert = Alert.objects.get()
    assert (alert.broadcast_id, alert.segment_id) == (kept.pk, made["kept_segment"].pk)
    assert Transcript.objects.count() == 1
    assert set(EvidenceFile.objects.values_list("broadcast_id", "sighting_id")) == {
        (kept.pk, None), (kept.pk, s.pk)}
    # Every custody event is still there, unchanged; the merge is one more, audited.
    rows = list(CustodyEvent.objects.order_by("seq").values_list("seq", "hash", "broadcast_id",
                                                                  "action"))
    assert rows[:len(custody_before)] == custody_before
    merged = CustodyEvent.objects.get(action="duplicate-merged")
    assert merged.broadcast_id == kept.pk
    assert merged.details["dropped_broadcast_id"] == dup.pk
    assert merged.details["sighting"] == s.pk
    assert merged.details["moved"]["taggings"] == 1 and merged.details["moved"]["clips"] == 1


def custody_rows() -> list[tuple]:
    return list(CustodyEvent.objects.order_by("seq").values_list("seq", "hash", "broadcast_id",
                                                                 "action"))


def test_merge_duplicates_command_keeps_custody_and_moves_review_work(capsys) -> None:
    made = make_duplicates()
    before = custody_rows()

    assert main(["broadcasts", "merge-duplicates", "--dry-run", "--format", "json"]) == 0
    dry = json.loads(capsys.readouterr().out)
    assert [(m["kept"], m["dropped"]) for m in dry["merged"]] == [(made["kept"].pk,
                                                                   made["dup"].pk)]
    assert Broadcast.objects.count() == 2  # nothing changed

    assert main(["broadcasts", "merge-duplicates", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["index_error"] is None and len(out["merged"]) == 1
    check_merged(made, before)
    assert_chain_intact()
    capsys.readouterr()
    # Run again: nothing left to merge.
    assert main(["broadcasts", "merge-duplicates", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["merged"] == []
    # The evidence of the incident lists the sighting too.
    from review.incident_json import incident_json

    listed = incident_json(made["incident"])["sightings"]
    assert [(r["source"], r["url"]) for r in listed] == [
        ("ikhbariya", "https://tv.example/1"), ("mirror", "https://mirror.example/9")]


def test_the_migration_merges_existing_duplicates(capsys) -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("raqib", "0008_audit_chain")])
    made = make_duplicates_before_0010(executor)
    before = custody_rows()
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    check_merged(made, before)
    assert CustodyEvent.objects.get(action="duplicate-merged").actor.startswith("raqib migrate")
    assert_chain_intact()


def make_duplicates_before_0010(executor) -> dict[str, object]:  # noqa: ANN001
    """``make_duplicates`` on the schema before 0010 (the models of that state)."""
    from catalog import sightings

    apps = executor.loader.project_state([("raqib", "0008_audit_chain")]).apps
    names = ("Outlet", "Source", "MediaFile", "Broadcast", "EvidenceFile", "Transcript",
             "Segment", "Tag", "Tagging", "Watchlist", "Alert")
    m = {n: apps.get_model("raqib", n) for n in names}
    outlet = m["Outlet"].objects.create(name="الإخبارية السورية")
    other = m["Outlet"].objects.create(name="Mirror TV")
    src1 = m["Source"].objects.create(name="ikhbariya", outlet=outlet, kind="site")
    src2 = m["Source"].objects.create(name="mirror", outlet=other, kind="site")
    media = m["MediaFile"].objects.create(sha256="ab" * 32, path="media/ab/x.mp4", size=10)
    kept = m["Broadcast"].objects.create(source=src1, outlet=outlet, external_id="1",
                                         url="https://tv.example/1", media=media)
    dup = m["Broadcast"].objects.create(source=src2, outlet=other, external_id="9",
                                        url="https://mirror.example/9", media=media)
    segs = {}
    for b, action in ((kept, "captured"), (dup, "linked")):
        sightings.append_event(apps=apps, action=action, actor="raqib-worker@h",
                               broadcast_id=b.pk, media_id=media.pk, sha256=media.sha256)
        m["EvidenceFile"].objects.create(broadcast=b, kind="warc", sha256="cd" * 32, size=5,
                                         path=f"captures/{b.pk}/p.warc.gz")
        t = m["Transcript"].objects.create(broadcast=b, engine="faster-whisper",
                                           model_id="base")
        segs[b.pk] = m["Segment"].objects.create(transcript=t, number=0, start=1.0, end=3.0,
                                                 text="أنا أتبرأ من ابني")
    tag, _ = m["Tag"].objects.get_or_create(name="forced-confession")
    m["Tagging"].objects.create(tag=tag, broadcast=dup, segment=segs[dup.pk])
    watchlist = m["Watchlist"].objects.create(name="disown", query="أتبرأ")
    m["Alert"].objects.create(watchlist=watchlist, broadcast=dup, segment=segs[dup.pk],
                              track="asr", model_id="base", segment_number=0, start=1.0,
                              end=3.0, text="أنا أتبرأ من ابني")
    lead = get_user_model().objects.create_user("lina", password="pw-123456789")
    incident = Incident.objects.create(title="تبرؤ أب", proposed_by=lead, last_edited_by=lead)
    Clip.objects.create(incident=incident, broadcast_id=dup.pk, start=1.0, end=3.0,
                        added_by=lead)
    return {"kept": Broadcast(pk=kept.pk), "dup": Broadcast(pk=dup.pk),
            "kept_segment": Segment(pk=segs[kept.pk].pk), "incident": incident}


def test_the_merges_on_postgresql() -> None:
    """The command's and the migration's merge again with the catalog on a throw-away
    PostgreSQL server (tests.services): its FK constraints and chain triggers differ."""
    import os
    import sys

    from tests.services import postgres_server

    if os.environ.get("RAQIB_TEST_DATABASE_URL"):
        pytest.skip("already on PostgreSQL")
    with postgres_server() as url:
        env = {**os.environ, "RAQIB_TEST_DATABASE_URL": url}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__, "-k",
             "merge_duplicates_command or migration_merges"],
            cwd=Path(__file__).resolve().parents[1], env=env, capture_output=True, text=True,
            timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "2 passed" in proc.stdout


def _sightings_json_by_the_orm(broadcast: Broadcast) -> list[dict[str, object]]:
    """``sightings_json`` as it was written with the ORM before issue 26 (the reference)."""
    from catalog.aired import AirDate
    from catalog.sightings import first_capture_at

    files: dict[int | None, list[dict[str, object]]] = {}
    for ev in EvidenceFile.objects.filter(broadcast_id=broadcast.pk).order_by("id"):
        files.setdefault(ev.sighting_id, []).append(
            {"id": ev.pk, "kind": ev.kind, "path": ev.path, "sha256": ev.sha256,
             "size": ev.size})
    own_at = first_capture_at(broadcast)
    rows = [{"recording": broadcast.pk, "sighting": None, "broadcast_id": broadcast.pk,
             "source": broadcast.source.name, "outlet": broadcast.outlet.name,
             "external_id": broadcast.external_id, "url": broadcast.url,
             "title": broadcast.title, **AirDate.of(broadcast).fields(),
             "seen_at": own_at.isoformat() if own_at else None,
             "evidence": files.get(None, [])}]
    for s in broadcast.sightings.select_related("source", "outlet").order_by("seen_at", "id"):
        rows.append({"recording": broadcast.pk, "sighting": s.pk,
                     "broadcast_id": s.former_broadcast_id,
                     "source": s.source.name, "outlet": s.outlet.name,
                     "external_id": s.external_id, "url": s.url, "title": s.title,
                     **AirDate.of(s).fields(), "seen_at": s.seen_at.isoformat(),
                     "evidence": files.get(s.pk, [])})
    return rows


def test_sightings_json_in_plain_sql_is_what_the_orm_gave(capsys) -> None:
    """Issue 26: ``sightings_json`` reads with plain statements; on a merged recording with
    sightings aired as a day, as an instant in a zone and unknown, evidence files of the
    recording and of a sighting, and with or without a capture record, its output is
    exactly the ORM version's."""
    import datetime as dt

    from django.utils import timezone

    from catalog.sightings import merge_duplicates, sightings_json

    made = make_duplicates()
    merge_duplicates(actor="test", reason="issue 26 test")
    kept = Broadcast.objects.select_related("source", "outlet").get(pk=made["kept"].pk)
    first = kept.sightings.get()
    source = Source.objects.get(name="mirror")
    later = Sighting.objects.create(
        broadcast=kept, sha256=first.sha256, source=source, outlet=source.outlet,
        external_id="10", url="https://mirror.example/10", title="نسخة <ثانية>",
        aired_at=dt.datetime(2021, 4, 20, 18, 30, 5, 123456, tzinfo=dt.UTC),
        aired_precision="second", aired_tz="Asia/Damascus", aired_at_raw="20/4/2021",
        seen_at=timezone.now() + dt.timedelta(hours=1))
    Sighting.objects.filter(pk=first.pk).update(aired_precision="day",
                                                aired_date=dt.date(2021, 4, 19))
    EvidenceFile.objects.create(broadcast=kept, sighting=later, kind="info_json",
                                path=f"captures/{kept.pk}/later.json", sha256="ef" * 32,
                                size=7)
    expected = _sightings_json_by_the_orm(kept)
    assert len(expected) == 3 and expected[2]["aired_at"].startswith("2021-04-20T21:30:05")
    assert sightings_json(kept) == expected
    bare = Broadcast.objects.select_related("source", "outlet").get(pk=made["kept"].pk)
    bare.pk = None  # no capture record, no evidence, no sightings: the discovery time
    bare.id, bare.external_id, bare.media = None, "bare-1", None
    bare.save()
    assert sightings_json(bare) == _sightings_json_by_the_orm(bare)
