"""``raqib watchlists add|list|remove|test|run`` and ``raqib alerts list|confirm|dismiss``.

Watchlists are standing queries (the search language, ``docs/query-language.md``) run
against every newly indexed transcript; each match becomes an alert in the review queue
(``review.watchlists``). ``test`` shows what a watchlist WOULD match in the archive without
creating alerts; ``run`` re-runs matching for a broadcast, or for every broadcast whose
matching failed. Adding and removing a watchlist and reviewing an alert act as a person
with the ``review`` scope (``raqib.commands.acting``); ``run`` and the lists are the
operator's. To add an action: register its parser in
``raqib.commands.parsers.watchlists`` and write its handler here.
"""

from __future__ import annotations

import argparse

from django.conf import settings

from catalog.models import Alert, Broadcast, Watchlist
from index.base import QueryError
from raqib.commands.acting import person_from_args
from raqib.commands.output import CommandError, emit
from review.alerts import alert_json, review_alert
from review.watchlists import (
    WatchlistError,
    archive_matches,
    create_watchlist,
    delete_watchlist,
    find_watchlist,
    retry_failed,
    run_watchlists,
    set_active,
    watchlist_json,
)


def _watchlist(ref: str) -> Watchlist:
    try:
        return find_watchlist(ref)
    except WatchlistError as exc:
        raise CommandError(str(exc)) from exc


def add_command(args: argparse.Namespace) -> int:
    owner = person_from_args(args, "review")
    if args.owner and args.owner.strip() != owner.get_username():
        raise CommandError(f"--owner {args.owner} is not the person signed in "
                           f"({owner.get_username()}); nothing written", code=1)
    try:
        watchlist = create_watchlist(args.name, args.query, owner=owner)
    except WatchlistError as exc:
        raise CommandError(str(exc)) from exc
    emit(args, watchlist_json(watchlist),
         footer=f"watchlist {watchlist.pk} {watchlist.name!r} saved; it alerts on transcripts "
                "indexed from now on (`raqib watchlists test` shows archive matches)")
    return 0


def list_command(args: argparse.Namespace) -> int:
    watchlists = Watchlist.objects.select_related("owner").order_by("name", "id")
    if not args.all:
        watchlists = watchlists.filter(active=True)
    rows = [watchlist_json(w) for w in watchlists]
    emit(args, rows, ["id", "name", "active", "owner", "new_alerts", "query"])
    return 0


def remove_command(args: argparse.Namespace) -> int:
    user = person_from_args(args, "review")
    watchlist = _watchlist(args.name)
    if args.purge:
        count = watchlist.alerts.count()
        delete_watchlist(watchlist, user)
        print(f"watchlist {args.name!r} deleted with its {count} alert(s)")
    else:
        set_active(watchlist, False, user)
        print(f"watchlist {watchlist.name!r} deactivated; its alerts stay in the queue")
    return 0


def test_command(args: argparse.Namespace) -> int:
    watchlist = _watchlist(args.name)
    try:
        hits = archive_matches(watchlist, limit=max(1, args.limit))
    except (WatchlistError, QueryError) as exc:
        raise CommandError(f"watchlist {watchlist.name!r}: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - e.g. Elasticsearch unreachable
        raise CommandError(f"search failed: {type(exc).__name__}: {exc}", code=1) from exc
    rows = [h.to_json() for h in hits]
    emit(args, {"watchlist": watchlist.name, "query": watchlist.query,
                "alerts_created": 0, "hits": rows},
         ["broadcast_id", "outlet", "aired_at", "start", "text"], rows=rows,
         header=f"watchlist {watchlist.name!r} would match (archive, no alerts created):")
    return 0


def run_command(args: argparse.Namespace) -> int:
    if args.broadcast is not None:
        broadcast = Broadcast.objects.select_related("outlet").filter(pk=args.broadcast).first()
        if broadcast is None:
            raise CommandError(f"no broadcast {args.broadcast}")
        try:
            results = {broadcast.pk: run_watchlists(broadcast, settings.CONFIG)}
        except Exception as exc:  # noqa: BLE001 - reported, exit 1
            results = {broadcast.pk: f"{type(exc).__name__}: {exc}"}
    else:
        results = retry_failed(settings.CONFIG)
    failed = {b: r for b, r in results.items() if isinstance(r, str)}
    data = {str(b): ({"error": r} if isinstance(r, str) else r.to_json())
            for b, r in results.items()}
    lines = [f"broadcast {broadcast_id}: FAILED {result['error']}" if "error" in result
             else f"broadcast {broadcast_id}: {result['new_alerts']} new alert(s), "
                  f"{result['matches']} match(es) in {result['segments']} segment(s)"
             for broadcast_id, result in data.items()]
    emit(args, data, footer=lines or ["nothing to run"])
    return 1 if failed else 0


def alerts_list_command(args: argparse.Namespace) -> int:
    alerts = Alert.objects.select_related("watchlist", "broadcast__outlet", "reviewed_by")
    if args.status != "all":
        alerts = alerts.filter(status=args.status)
    if args.watchlist:
        alerts = alerts.filter(watchlist=_watchlist(args.watchlist))
    rows = [alert_json(a) for a in alerts.order_by("-created_at", "-id")[:max(1, args.limit)]]
    emit(args, rows, ["id", "status", "watchlist", "outlet", "aired_at", "start", "text"])
    return 0


def alerts_review_command(args: argparse.Namespace) -> int:
    user = person_from_args(args, "review")
    alert = Alert.objects.filter(pk=args.id).first()
    if alert is None:
        raise CommandError(f"no alert {args.id} (see `raqib alerts list`)")
    review_alert(alert, args.status, user=user, note=args.note)
    print(f"alert {alert.pk} {args.status}")
    return 0
