"""Watchlists: standing queries run against every newly indexed transcript, and their alerts.

A ``Watchlist`` holds a query in the search language (``index.query``; validated with
``validate_query`` when it is saved). After the pipeline's index stage has indexed a
broadcast's transcripts it calls ``run_watchlists``; each segment a watchlist matches
becomes an ``Alert`` (status ``new``) in the review queue.

Two matchers, one semantics:

- embedded (``search.backend = "tantivy"``): ``matches`` evaluates the parsed ``Query``
  against each segment's analysed terms exactly as ``index.tantivy_query`` searches them:
  the same terms by position (``index.arabic.analysis``; a stop word or an empty token
  leaves its position empty), words ANDed, OR groups, exclusions, prefixes compared with
  the stemmed terms, phrases as terms at their relative positions (a stop-word gap accepts
  any position, as Lucene's phrase query does), and
  the ``outlet:``/``tag:`` (ASCII case-insensitive) and ``lang:``
  filters against the broadcast; a phrase spoken across two consecutive segments matches
  the first, through the same bridge terms (``index.highlight.bridge_terms``).
  ``tests/review/test_watchlists.py`` proves the matched segment ids equal the embedded
  backend's hit ids over a fixture corpus.
- Elasticsearch: the percolator (``index.es_percolator``) runs each watchlist's query DSL,
  built by the search backend's own ``query_dsl``, against the new segment documents.

"New transcripts only": a watchlist alerts on transcripts created at or after the
watchlist itself, never on the archive (``archive_matches`` shows what it WOULD match
there, through the search backend, without creating alerts). Alerts are keyed by
(watchlist, broadcast, track, model_id, segment_number), so reindexing or re-running
never repeats one.

A failure of matching never fails indexing: it is logged and kept as a ``WatchlistBacklog``
row for the broadcast (retry state of its own, not custody), and ``raqib watchlists run
--failed`` retries it. Alerts themselves live in ``review.alerts``.

To extend the query language: add the node in ``index.query``, its Tantivy translation in
``index.tantivy_query`` and its evaluation in ``index.watch_match`` (the equality test
catches a mismatch).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog import audit
from catalog.models import Broadcast, Segment, Tag, Transcript, Watchlist, WatchlistBacklog
from index import es_percolator
from index.base import QueryError
from index.query import Phrase, Query, parse
from index.registry import BACKENDS, get_backend
from index.watch_match import (
    BroadcastFacts,
    SegmentDoc,
    bridges,
    filters_match,
    matches,
    matches_across,
    nocase,
)
from review.alerts import create_alerts, create_correction_alert
from review.errors import RuleError

if TYPE_CHECKING:
    from catalog.components import Settings

log = logging.getLogger("raqib.review.watchlists")



class WatchlistError(RuleError, ValueError):
    """A watchlist cannot be saved as given; the message says why, for the monitor."""


# --- validation ---------------------------------------------------------------------------

def validate_query(text: str) -> Query:
    """Parse a watchlist query; raise WatchlistError with the parser's message."""
    if not text or not text.strip():
        raise WatchlistError(_("the watchlist needs a query (the search language: %(syntax)s)"),
                             syntax='words, "phrases", OR, -exclude, prefix*, name~, outlet:, '
                             'lang:')
    try:
        return parse(text.strip())
    except QueryError as exc:
        raise WatchlistError(_("invalid query: %(reason)s"), reason=exc) from exc


def validate_name(name: str, *, exclude_id: int | None = None) -> str:
    """A trimmed, unique (case-insensitive) watchlist name."""
    name = (name or "").strip()
    if not name:
        raise WatchlistError(_("the watchlist needs a name"))
    if len(name) > 200:
        raise WatchlistError(_("the name is longer than %(count)s characters"), count=200)
    clash = Watchlist.objects.filter(name__iexact=name)
    if exclude_id is not None:
        clash = clash.exclude(pk=exclude_id)
    if clash.exists():
        raise WatchlistError(_("a watchlist named %(name)s already exists"), name=repr(name))
    return name


def create_watchlist(name: str, query: str, owner: Any = None) -> Watchlist:
    """Validate and save a new, active watchlist (and sync the percolator on ES)."""
    validate_query(query)
    watchlist = Watchlist.objects.create(name=validate_name(name), query=query.strip(),
                                         owner=owner)
    audit.record("watchlist-created", owner, details=_audit_facts(watchlist))
    _sync_percolator([watchlist])
    return watchlist


def _audit_facts(watchlist: Watchlist) -> dict[str, Any]:
    return {"watchlist": watchlist.pk, "name": watchlist.name, "query": watchlist.query}


def set_active(watchlist: Watchlist, active: bool, user: Any = None) -> None:
    """Activate or deactivate a watchlist (its alerts stay)."""
    watchlist.active = active
    watchlist.save(update_fields=["active"])
    audit.record("watchlist-activated" if active else "watchlist-deactivated", user,
                 details=_audit_facts(watchlist))
    _sync_percolator([watchlist])


def delete_watchlist(watchlist: Watchlist, user: Any = None) -> None:
    """Delete a watchlist and its alerts (the audit entry keeps its name and query)."""
    watchlist_id = watchlist.pk
    facts = _audit_facts(watchlist) | {"alerts": watchlist.alerts.count()}
    watchlist.delete()
    audit.record("watchlist-deleted", user, details=facts)
    _sync_percolator([], removed=[watchlist_id])


def find_watchlist(ref: str) -> Watchlist:
    """A watchlist by id or (case-insensitive) name; WatchlistError when there is none."""
    found = None
    if ref.isdigit():
        found = Watchlist.objects.filter(pk=int(ref)).first()
    found = found or Watchlist.objects.filter(name__iexact=ref.strip()).first()
    if found is None:
        raise WatchlistError(_("no watchlist %(ref)s (see %(command)s)"), ref=repr(ref),
                             command="`raqib watchlists list`")
    return found


# --- running watchlists -------------------------------------------------------------------

@dataclass
class WatchlistRun:
    """What one run found: new alerts, matches already alerted, errors per watchlist."""

    transcripts: int = 0
    segments: int = 0
    matches: int = 0
    created: list[int] = field(default_factory=list)  # new Alert ids
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"transcripts": self.transcripts, "segments": self.segments,
                "matches": self.matches, "new_alerts": len(self.created),
                "alert_ids": self.created, "errors": self.errors}


def broadcast_facts(broadcast: Broadcast) -> BroadcastFacts:
    tags = frozenset(nocase(name) for name in Tag.objects.filter(
        taggings__broadcast=broadcast).values_list("name", flat=True))
    return BroadcastFacts(broadcast.outlet.name, broadcast.language, tags)


def eligible_watchlists(transcript: Transcript) -> list[Watchlist]:
    """Active watchlists created at or before the transcript: new transcripts only."""
    return list(Watchlist.objects.filter(active=True, created_at__lte=transcript.created_at)
                .order_by("id"))


def _parsed(watchlists: Iterable[Watchlist], run: WatchlistRun) -> list[tuple[Watchlist, Query]]:
    parsed = []
    for watchlist in watchlists:
        try:
            parsed.append((watchlist, parse(watchlist.query)))
        except QueryError as exc:  # saved before a language change: record, go on
            run.errors.append(f"watchlist {watchlist.pk} ({watchlist.name}): {exc}")
    return parsed


def match_segments_embedded(watchlists: Sequence[Watchlist], segments: Sequence[Segment],
                            facts: BroadcastFacts, run: WatchlistRun | None = None
                            ) -> list[tuple[Watchlist, Segment]]:
    """Every (watchlist, segment) pair that matches, evaluated in Python. ``segments`` are
    one transcript's, in order (phrases may cross from one segment into the next)."""
    run = run or WatchlistRun()
    # verified:yes matches only verified corrected text, never the machine's segments
    queries = [(w, q) for w, q in _parsed(watchlists, run)
               if filters_match(q, facts) and not q.verified]
    if not queries:
        return []
    docs = [SegmentDoc.from_text(segment.text) for segment in segments]
    needs_bridges = any(isinstance(leaf, Phrase) for _, q in queries for leaf in q.leaves())
    joins = bridges([s.text for s in segments]) if needs_bridges else [None] * len(segments)
    found = []
    for segment, doc, bridge in zip(segments, docs, joins, strict=True):
        found.extend((w, segment) for w, q in queries
                     if matches(q, doc) or matches_across(q, doc, bridge))
    return found


def _match_transcript(transcript: Transcript, watchlists: list[Watchlist],
                      facts: BroadcastFacts, config: Settings | None,
                      run: WatchlistRun) -> list[tuple[Watchlist, Segment]]:
    segments = list(transcript.segments.order_by("number"))
    run.segments += len(segments)
    if _percolates(config):
        by_id = {w.pk: w for w in watchlists}
        return [(by_id[wid], seg)
                for wid, seg in es_percolator.percolate_segments(segments, config)
                if wid in by_id]
    return match_segments_embedded(watchlists, segments, facts, run)


def run_watchlists(broadcast: Broadcast, config: Settings | None = None,
                   transcripts: Iterable[Transcript] | None = None) -> WatchlistRun:
    """Match the active watchlists against a broadcast's (newly indexed) transcripts and
    create the alerts. Raises only when the matcher itself fails (backend down)."""
    run = WatchlistRun()
    facts = broadcast_facts(broadcast)
    for transcript in (transcripts if transcripts is not None
                       else broadcast.transcripts.order_by("id")):
        watchlists = eligible_watchlists(transcript)
        run.transcripts += 1
        if not watchlists:
            continue
        pairs = _match_transcript(transcript, watchlists, facts, config, run)
        run.matches += len(pairs)
        run.created.extend(a.pk for a in create_alerts(pairs))
    if run.created:
        log.info("watchlist alerts", extra={"broadcast": broadcast.pk,
                                            "new_alerts": len(run.created)})
    for error in run.errors:
        log.warning("watchlist skipped: %s", error, extra={"broadcast": broadcast.pk})
    return run


CORRECTION_TRACK = "correction"  # the alert track of a match in corrected text


def run_on_correction(correction: Any) -> WatchlistRun:
    """Match the active watchlists (created at or before the correction) against a
    corrected range's text (``review.corrections``): a match the machine's text missed
    becomes an alert on the range's first segment, on the ``correction`` track, so each
    watchlist alerts once per corrected range whatever the versions. Evaluated in Python
    (``index.watch_match``) on every backend: one text, no index round trip."""
    run = WatchlistRun(transcripts=1, segments=1)
    broadcast = correction.broadcast
    watchlists = list(Watchlist.objects.filter(active=True,
                                               created_at__lte=correction.created_at)
                      .order_by("id"))
    facts = broadcast_facts(broadcast)
    doc = SegmentDoc.from_text(correction.text)
    for watchlist, query in _parsed(watchlists, run):
        if query.verified and not correction.verified:
            continue
        if filters_match(query, facts) and matches(query, doc):
            run.matches += 1
            alert = create_correction_alert(watchlist, correction, CORRECTION_TRACK)
            if alert is not None:
                run.created.append(alert.pk)
    return run


def run_watchlists_recorded(broadcast: Broadcast, config: Settings | None = None) -> WatchlistRun:
    """``run_watchlists`` for the index stage: a failure is logged and kept as a
    ``WatchlistBacklog`` row (its own retry state, not the custody log) and never raised,
    so indexing stands. A success clears the broadcast's backlog row."""
    try:
        run = run_watchlists(broadcast, config)
    except Exception as exc:  # noqa: BLE001 - kept; `raqib watchlists run --failed` retries
        log.exception("watchlist matching failed", extra={"broadcast": broadcast.pk})
        error = f"{type(exc).__name__}: {exc}"
        _remember_failure(broadcast, error)
        run = WatchlistRun()
        run.errors.append(error)
        return run
    WatchlistBacklog.objects.filter(broadcast=broadcast).delete()
    return run


def _remember_failure(broadcast: Broadcast, error: str) -> None:

    row, created = WatchlistBacklog.objects.get_or_create(
        broadcast=broadcast, defaults={"error": error[:2000]})
    if not created:
        WatchlistBacklog.objects.filter(pk=row.pk).update(
            error=error[:2000], attempts=F("attempts") + 1, failed_at=timezone.now())


def failed_broadcast_ids() -> list[int]:
    """Broadcasts whose watchlist matching failed and has not succeeded since (to retry)."""
    return sorted(WatchlistBacklog.objects.values_list("broadcast_id", flat=True))


def retry_failed(config: Settings | None = None) -> dict[int, WatchlistRun | str]:
    """Re-run watchlists for every broadcast whose matching failed; clear the recovered."""
    results: dict[int, WatchlistRun | str] = {}
    for broadcast in Broadcast.objects.filter(pk__in=failed_broadcast_ids()).select_related(
            "outlet"):
        try:
            results[broadcast.pk] = run_watchlists(broadcast, config)
        except Exception as exc:  # noqa: BLE001 - reported per broadcast; the rest go on
            results[broadcast.pk] = error = f"{type(exc).__name__}: {exc}"
            _remember_failure(broadcast, error)
            continue
        WatchlistBacklog.objects.filter(broadcast=broadcast).delete()
    return results


def archive_matches(watchlist: Watchlist, limit: int = 50) -> list[Any]:
    """What the watchlist WOULD match in the archive (search hits); creates no alert."""
    validate_query(watchlist.query)
    return get_backend().search(watchlist.query, limit=limit)


# --- percolator sync (backends with has_percolator) ---------------------------------------

def _percolates(config: Settings | None) -> bool:
    """Does the configured backend match watchlists itself (a percolator)? Read from its
    class, so no server is contacted to decide."""
    name = (config or settings.CONFIG).get("search.backend")
    return name in BACKENDS and BACKENDS.load(name).has_percolator


def _sync_percolator(watchlists: Sequence[Watchlist], removed: Sequence[int] = ()) -> None:
    """Keep the percolator index in step with a saved watchlist (ES backend only). A failure
    is logged: ``run_watchlists`` re-syncs from the database before it percolates."""
    if not _percolates(None):
        return
    try:
        es_percolator.sync_watchlists(watchlists, removed=removed)
    except Exception:  # noqa: BLE001 - the next run re-syncs from the database
        log.exception("could not update the watchlist percolator index")


def watchlist_json(watchlist: Watchlist) -> dict[str, Any]:
    return {"id": watchlist.pk, "name": watchlist.name, "query": watchlist.query,
            "owner": watchlist.owner.get_username() if watchlist.owner else None,
            "active": watchlist.active, "created_at": watchlist.created_at.isoformat(),
            "new_alerts": watchlist.alerts.filter(status="new").count()}
