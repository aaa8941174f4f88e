"""One recording, many sightings: the same bytes (the same SHA-256) seen again by another
source, at another URL or outlet, or re-uploaded under another id, are one ``Broadcast``
(the recording, transcribed and indexed once) with a ``Sighting`` per further capture.

* ``kept_broadcast(media_id, exclude)``: the broadcast that holds a recording already, the
  one a new capture of the same bytes becomes a sighting of (``catalog.evidence`` asks).
* ``sighting_from(broadcast, kept, ...)``: a discovered item's page fields copied into a
  ``Sighting`` of ``kept``; its id is kept as ``former_broadcast_id``.
* ``merge_broadcast(dropped, kept)`` / ``merge_duplicates()``: turn broadcasts that already
  share a media file into sightings of the earliest captured one, moving what reviewers
  made on them (tags, alerts, incident clips, screen names, sightings, evidence files and
  transcripts the kept one lacks), deleting the derived rows the kept one has already,
  and recording a ``duplicate-merged`` event per merge in the audit chain. Custody rows
  are never rewritten: the dropped broadcast's keep its old id, which the sighting's
  ``former_broadcast_id`` resolves (``custody_ids``). The migration ``0010_sightings`` and
  ``raqib broadcasts merge-duplicates`` run the same function; the search index is the
  orchestrator's business (the command removes and re-indexes what moved; after the
  migration run ``raqib reindex``).

Every function takes an optional app registry (``apps``) so a migration can run it on its
historical models. To move another kind of row onto the kept broadcast: add it to
``move_rows``. Catalog layer: imports Django and ``catalog`` only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.apps import apps as global_apps
from django.db import connections, transaction
from django.db.models import Count, Min

from catalog import chain, dbclock, sql_values
from catalog.aired import AirDate

CAPTURE_ACTIONS = ("captured", "linked")
MERGE_ACTION = "duplicate-merged"
SIGHTED_ACTION = "sighted"
SIGHTING_FIELDS = ("source_id", "outlet_id", "external_id", "url", "media_url", "title",
                   "description", "program", "aired_at", "aired_at_raw", "aired_precision",
                   "aired_date", "aired_tz", "language", "discovered_at")


class RecordedAsSighting(Exception):  # noqa: N818 - an outcome, not an error
    """Not a failure: the item's bytes are a recording the catalog holds already, so it was
    recorded as a sighting of ``broadcast_id`` and its own broadcast row is gone."""

    def __init__(self, broadcast_id: int, sighting_id: int) -> None:
        super().__init__(f"recorded as sighting {sighting_id} of broadcast {broadcast_id}")
        self.broadcast_id = broadcast_id
        self.sighting_id = sighting_id


def _model(apps: Any, name: str, app: str = "raqib") -> Any:
    return (apps or global_apps).get_model(app, name)


def _optional_model(apps: Any, app: str, name: str) -> Any | None:
    try:
        return (apps or global_apps).get_model(app, name)
    except LookupError:  # an app this database's migration state does not have
        return None


def kept_broadcast(media_id: int, exclude: int | None = None, *, apps: Any = None,
                   using: str = "default") -> Any | None:
    """The broadcast holding the recording ``media_id`` (the first linked), or None."""
    qs = _model(apps, "Broadcast").objects.using(using).filter(media_id=media_id)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.order_by("id").first()


def sighting_from(broadcast: Any, kept: Any, *, sha256: str, media_id: int | None,
                  seen_at: Any, apps: Any = None, using: str = "default") -> Any:
    """A ``Sighting`` of ``kept`` made of ``broadcast``'s page fields as captured."""
    sighting = _model(apps, "Sighting")
    return sighting.objects.using(using).create(
        broadcast_id=kept.pk, media_id=media_id, sha256=sha256, seen_at=seen_at,
        former_broadcast_id=broadcast.pk,
        **{name: getattr(broadcast, name) for name in SIGHTING_FIELDS})


def append_event(*, apps: Any = None, using: str = "default", **fields: Any) -> Any:
    """Append one custody event to the audit chain (``CustodyEvent.save``'s rule, written
    out so a migration's historical model chains its rows the same way)."""
    event = _model(apps, "CustodyEvent")
    connection = connections[using]
    with transaction.atomic(using=using):
        chain.append_lock(connection)
        head = event.objects.using(using).order_by("-seq").values("seq", "hash", "at").first()
        at = dbclock.now(using)
        if head and at < head["at"]:
            at = head["at"]  # never before the head (the chain refuses back-dated rows)
        values = {"actor": "", "broadcast_id": None, "media_id": None, "sha256": "",
                  "source_url": "", "final_url": "", "http_status": None, "host": "",
                  "tool_versions": {}, "details": {}, **fields}
        values["details"] = chain.json_roundtrip(values["details"])
        values["tool_versions"] = chain.json_roundtrip(values["tool_versions"])
        seq = head["seq"] + 1 if head else 1
        prev = head["hash"] if head else chain.GENESIS
        digest = chain.event_hash({**values, "seq": seq, "at": at}, prev)
        return event.objects.using(using).create(seq=seq, prev_hash=prev, hash=digest, at=at,
                                                 **values)


@dataclass
class MergeReport:
    """One merge: what moved onto ``kept`` and which transcripts left the catalog (their
    search entries must go) or moved (they must be re-indexed)."""

    kept: int
    dropped: int
    sighting: int
    sha256: str
    moved: dict[str, int] = field(default_factory=dict)
    removed_transcripts: list[int] = field(default_factory=list)
    moved_transcripts: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"kept": self.kept, "dropped": self.dropped, "sighting": self.sighting,
                "sha256": self.sha256, "moved": dict(self.moved),
                "removed_transcripts": list(self.removed_transcripts),
                "moved_transcripts": list(self.moved_transcripts)}


def first_capture_at(broadcast: Any, *, apps: Any = None, using: str = "default") -> Any:
    """When ``broadcast``'s bytes were first captured (its discovery if no record says)."""
    at = (_model(apps, "CustodyEvent").objects.using(using)
          .filter(broadcast_id=broadcast.pk, action__in=CAPTURE_ACTIONS)
          .aggregate(first=Min("at"))["first"])
    return at or broadcast.discovered_at


def _segment_map(dropped: Any, kept: Any, apps: Any, using: str) -> tuple[
        dict[int, int | None], list[int], list[int]]:
    """Move the transcripts ``kept`` lacks; map every segment of the rest to the kept
    transcript's segment of the same number. Returns (segment map, moved, to remove)."""
    transcript = _model(apps, "Transcript")
    segment = _model(apps, "Segment")
    mapping: dict[int, int | None] = {}
    moved, removed = [], []
    for t in transcript.objects.using(using).filter(broadcast_id=dropped.pk).order_by("id"):
        twin = transcript.objects.using(using).filter(
            broadcast_id=kept.pk, track=t.track, model_id=t.model_id).first()
        if twin is None:
            transcript.objects.using(using).filter(pk=t.pk).update(broadcast_id=kept.pk)
            moved.append(t.pk)
            continue
        numbers = dict(segment.objects.using(using).filter(transcript_id=twin.pk)
                       .values_list("number", "id"))
        for seg_id, number in segment.objects.using(using).filter(
                transcript_id=t.pk).values_list("id", "number"):
            mapping[seg_id] = numbers.get(number)
        removed.append(t.pk)
    return mapping, moved, removed


def _move_keyed(qs: Any, key: tuple[str, ...], kept_id: int, extra: Any = None) -> int:
    """Re-point rows of ``qs`` to ``kept_id`` unless the kept broadcast has one with the
    same ``key`` already (then the dropped one, a duplicate, is deleted). ``extra(row)``
    gives further fields to set. Returns how many moved."""
    model, moved = qs.model, 0
    for row in list(qs):
        values = {"broadcast_id": kept_id, **(extra(row) if extra else {})}
        probe = {name: values.get(name, getattr(row, name)) for name in key}
        if model.objects.using(qs.db).filter(**probe).exclude(pk=row.pk).exists():
            model.objects.using(qs.db).filter(pk=row.pk).delete()
            continue
        model.objects.using(qs.db).filter(pk=row.pk).update(**values)
        moved += 1
    return moved


def move_rows(dropped: Any, kept: Any, sighting: Any, apps: Any, using: str,
               report: MergeReport) -> None:
    mapping, report.moved_transcripts, report.removed_transcripts = _segment_map(
        dropped, kept, apps, using)

    def segment(row: Any) -> dict[str, Any]:
        seg = row.segment_id
        return {"segment_id": mapping.get(seg, seg) if seg is not None else None}

    tagging, alert = _model(apps, "Tagging"), _model(apps, "Alert")
    moved = report.moved
    moved["taggings"] = _move_keyed(
        tagging.objects.using(using).filter(broadcast_id=dropped.pk),
        ("tag_id", "broadcast_id", "segment_id", "start", "end"), kept.pk, segment)
    moved["alerts"] = _move_keyed(
        alert.objects.using(using).filter(broadcast_id=dropped.pk),
        ("watchlist_id", "broadcast_id", "track", "model_id", "segment_number"), kept.pk,
        segment)
    clip = _optional_model(apps, "review", "Clip")
    if clip is not None:
        moved["clips"] = _move_keyed(clip.objects.using(using).filter(broadcast_id=dropped.pk),
                                     ("incident_id", "broadcast_id", "start", "end"), kept.pk)
    screen = _optional_model(apps, "reairings", "ScreenName")
    if screen is not None:
        moved["screen_names"] = _move_keyed(
            screen.objects.using(using).filter(broadcast_id=dropped.pk),
            ("broadcast_id", "person_id", "start"), kept.pk)
    evidence = _model(apps, "EvidenceFile").objects.using(using).filter(broadcast_id=dropped.pk)
    moved["evidence_files"] = evidence.filter(sighting_id__isnull=True).update(
        broadcast_id=kept.pk, sighting_id=sighting.pk)
    moved["evidence_files"] += evidence.update(broadcast_id=kept.pk)
    moved["sightings"] = _model(apps, "Sighting").objects.using(using).filter(
        broadcast_id=dropped.pk).update(broadcast_id=kept.pk)
    moved["transcripts"] = len(report.moved_transcripts)
    # Derived rows the kept broadcast has its own of (same bytes): fingerprints, re-airing
    # links, chunks of an unfinished transcription, a watchlist retry.
    for app, name, fields in (("reairings", "Fingerprint", ("broadcast_id",)),
                              ("reairings", "FingerprintPosting", ("broadcast_id",)),
                              ("reairings", "Reairing", ("broadcast_id", "other_id")),
                              ("raqib", "TranscriptionChunk", ("broadcast_id",)),
                              ("raqib", "WatchlistBacklog", ("broadcast_id",))):
        model = _optional_model(apps, app, name)
        for name_ in fields if model is not None else ():
            model.objects.using(using).filter(**{name_: dropped.pk}).delete()
    _model(apps, "Transcript").objects.using(using).filter(
        pk__in=report.removed_transcripts).delete()


def merge_broadcast(dropped: Any, kept: Any, *, actor: str, reason: str, apps: Any = None,
                    using: str = "default") -> MergeReport:
    """Make ``dropped`` (same media as ``kept``) a sighting of ``kept``, in one
    transaction, audited; see the module docstring for what moves."""
    media = _model(apps, "MediaFile").objects.using(using).get(pk=dropped.media_id)
    broadcast = _model(apps, "Broadcast")
    with transaction.atomic(using=using):
        seen_at = first_capture_at(dropped, apps=apps, using=using)
        sighting = sighting_from(dropped, kept, sha256=media.sha256, media_id=media.pk,
                                 seen_at=seen_at, apps=apps, using=using)
        report = MergeReport(kept=kept.pk, dropped=dropped.pk, sighting=sighting.pk,
                             sha256=media.sha256)
        move_rows(dropped, kept, sighting, apps, using, report)
        broadcast.objects.using(using).filter(pk=dropped.pk).delete()
        source = _model(apps, "Source").objects.using(using).get(pk=dropped.source_id)
        append_event(apps=apps, using=using, action=MERGE_ACTION, actor=actor,
                     broadcast_id=kept.pk, media_id=media.pk, sha256=media.sha256,
                     source_url=dropped.url, details={
                         "reason": reason, "dropped_broadcast_id": dropped.pk,
                         "sighting": sighting.pk, "source": source.name,
                         "external_id": dropped.external_id, "url": dropped.url,
                         "seen_at": chain.utc_text(seen_at), "moved": report.moved,
                         "removed_transcripts": report.removed_transcripts})
    return report


def duplicate_groups(*, apps: Any = None, using: str = "default") -> list[list[Any]]:
    """Broadcasts sharing a media file, each group earliest captured first."""
    broadcast = _model(apps, "Broadcast")
    shared = (broadcast.objects.using(using).exclude(media_id__isnull=True)
              .values("media_id").annotate(n=Count("id")).filter(n__gt=1)
              .order_by("media_id").values_list("media_id", flat=True))
    groups = []
    for media_id in shared:
        rows = list(broadcast.objects.using(using).filter(media_id=media_id))
        rows.sort(key=lambda b: (first_capture_at(b, apps=apps, using=using), b.pk))
        groups.append(rows)
    return groups


def merge_duplicates(*, actor: str, reason: str, apps: Any = None, using: str = "default",
                     dry_run: bool = False) -> list[MergeReport]:
    """Merge every group of broadcasts that share a media file into its earliest captured
    one. ``dry_run``: report what would merge (``moved`` left empty), change nothing."""
    reports = []
    for kept, *others in duplicate_groups(apps=apps, using=using):
        for dropped in others:
            if dry_run:
                reports.append(MergeReport(kept=kept.pk, dropped=dropped.pk, sighting=0,
                                           sha256=""))
                continue
            reports.append(merge_broadcast(dropped, kept, actor=actor, reason=reason,
                                           apps=apps, using=using))
    return reports


def custody_ids(broadcast_id: int, *, apps: Any = None, using: str = "default") -> list[int]:
    """The broadcast ids custody rows of this recording carry: its own and its merged
    sightings' former ids."""
    former = (_model(apps, "Sighting").objects.using(using)
              .filter(broadcast_id=broadcast_id, former_broadcast_id__isnull=False)
              .values_list("former_broadcast_id", flat=True))
    return [broadcast_id, *former]


def sightings_json(broadcast: Any) -> list[dict[str, Any]]:
    """Every sighting of ``broadcast``'s recording, its own capture first: source, outlet,
    URL, air date as captured, when seen, and the page snapshot and other evidence files
    with their SHA-256 (incidents, evidence packages, search, the broadcast screen). Read
    with three plain statements written once per process (issue 26: the ORM took longer to
    build them than the database to answer, on the broadcast and incident pages); the
    values are the ORM's (aware UTC datetimes, dates)."""
    files: dict[int | None, list[dict[str, Any]]] = {}
    for pk, sighting_id, kind, path, sha256, size in _plain("evidence", [broadcast.pk]):
        files.setdefault(sighting_id, []).append(
            {"id": pk, "kind": kind, "path": path, "sha256": sha256, "size": size})
    ((first,),) = _plain("first_capture", [broadcast.pk, *CAPTURE_ACTIONS])
    own_at = sql_values.aware_datetime(first) or broadcast.discovered_at
    rows = [{"recording": broadcast.pk, "sighting": None, "broadcast_id": broadcast.pk,
             "source": broadcast.source.name, "outlet": broadcast.outlet.name,
             "external_id": broadcast.external_id,
             "url": broadcast.url, "title": broadcast.title,
             **AirDate.of(broadcast).fields(),
             "seen_at": own_at.isoformat() if own_at else None,
             "evidence": files.get(None, [])}]
    for (pk, former, source, outlet, external_id, url, title, aired_at, precision, day, zone,
         raw, seen_at) in _plain("sightings", [broadcast.pk]):
        aired = SimpleNamespace(aired_at=sql_values.aware_datetime(aired_at),
                                aired_precision=precision,
                                aired_date=sql_values.day(day), aired_tz=zone, aired_at_raw=raw)
        rows.append({"recording": broadcast.pk, "sighting": pk, "broadcast_id": former,
                     "source": source, "outlet": outlet,
                     "external_id": external_id, "url": url, "title": title,
                     **AirDate.of(aired).fields(),
                     "seen_at": sql_values.aware_datetime(seen_at).isoformat(),
                     "evidence": files.get(pk, [])})
    return rows


_PLAIN: dict[str, str] = {}


def _plain(name: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """The rows of one of ``sightings_json``'s statements (written on first use)."""
    sql = _PLAIN.get(name)
    if sql is None:
        quote = connections["default"].ops.quote_name

        def table(model: str) -> str:
            return quote(_model(None, model)._meta.db_table)

        actions = ", ".join(["%s"] * len(CAPTURE_ACTIONS))
        sql = _PLAIN[name] = {
            "evidence": (f"SELECT id, sighting_id, kind, path, sha256, size "
                         f"FROM {table('EvidenceFile')} WHERE broadcast_id = %s ORDER BY id"),
            "first_capture": (f"SELECT MIN({quote('at')}) FROM {table('CustodyEvent')} "
                              f"WHERE broadcast_id = %s AND {quote('action')} IN ({actions})"),
            "sightings": (f"SELECT s.id, s.former_broadcast_id, r.name, o.name, s.external_id, "
                          f"s.url, s.title, s.aired_at, s.aired_precision, s.aired_date, "
                          f"s.aired_tz, s.aired_at_raw, s.seen_at FROM {table('Sighting')} s "
                          f"JOIN {table('Source')} r ON r.id = s.source_id "
                          f"JOIN {table('Outlet')} o ON o.id = s.outlet_id "
                          f"WHERE s.broadcast_id = %s ORDER BY s.seen_at, s.id"),
        }[name]
    with connections["default"].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
