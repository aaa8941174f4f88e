"""``raqib watchlists add|list|remove|test|run`` and ``raqib alerts list|confirm|dismiss``.

Watchlists are standing queries (the search language, ``docs/query-language.md``) run
against every newly indexed transcript; each match becomes an alert in the review queue
(``review.watchlists``). ``test`` shows what a watchlist WOULD match in the archive without
creating alerts; ``run`` re-runs matching for a broadcast, or for every broadcast whose
matching failed. To add an action: register its parser in ``register`` with a handler.
"""

from __future__ import annotations

import argparse
import sys

from raqib.commands.output import CommandError, add_format_flag, print_json, print_table


def register(sub: argparse._SubParsersAction) -> None:
    watch = sub.add_parser(
        "watchlists", help="standing queries that raise alerts on new transcripts",
        description="A watchlist is a saved query (same language as `raqib search`) checked "
                    "against every newly indexed transcript; matches become alerts "
                    "(`raqib alerts list`). It never alerts on transcripts older than itself.")
    actions = watch.add_subparsers(dest="watch_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="save a new watchlist (the query is checked first)")
    add.add_argument("name", help="a unique name, e.g. 'tunnel confessions'")
    add.add_argument("query", help='the query, e.g. \'"أتبرأ من" OR تبرأ outlet:"Al-Ikhbariya"\'')
    add.add_argument("--owner", help="the user name of the monitor who owns it")
    add_format_flag(add)
    add.set_defaults(handler=add_command)

    listing = actions.add_parser("list", help="list watchlists with their count of new alerts")
    listing.add_argument("--all", action="store_true", help="include inactive watchlists")
    add_format_flag(listing)
    listing.set_defaults(handler=list_command)

    remove = actions.add_parser("remove", help="deactivate a watchlist (its alerts stay)")
    remove.add_argument("name", help="the watchlist's name or id")
    remove.add_argument("--purge", action="store_true",
                        help="delete the watchlist AND its alerts instead of deactivating it")
    remove.set_defaults(handler=remove_command)

    test = actions.add_parser("test", help="show what a watchlist would match in the archive "
                                           "(creates no alerts)")
    test.add_argument("name", help="the watchlist's name or id")
    test.add_argument("--limit", type=int, default=20, help="most matches shown (default 20)")
    add_format_flag(test)
    test.set_defaults(handler=test_command)

    run = actions.add_parser("run", help="re-run matching for one broadcast, or for every "
                                         "broadcast whose matching failed (no duplicates)")
    which = run.add_mutually_exclusive_group(required=True)
    which.add_argument("--broadcast", type=int, metavar="ID", help="this broadcast")
    which.add_argument("--failed", action="store_true",
                       help="every broadcast with a recorded watchlist failure")
    add_format_flag(run)
    run.set_defaults(handler=run_command)

    alerts = sub.add_parser("alerts", help="the review queue of watchlist alerts",
                            description="Alerts are watchlist matches waiting for review: "
                                        "confirm or dismiss each, with a note.")
    alert_actions = alerts.add_subparsers(dest="alerts_command", metavar="ACTION", required=True)
    alist = alert_actions.add_parser("list", help="list alerts, newest first")
    alist.add_argument("--status", choices=("new", "confirmed", "dismissed", "all"),
                       default="new", help="which alerts (default: new)")
    alist.add_argument("--watchlist", help="only this watchlist (name or id)")
    alist.add_argument("--limit", type=int, default=100, help="most alerts shown (default 100)")
    add_format_flag(alist)
    alist.set_defaults(handler=alerts_list_command)
    for verb, status in (("confirm", "confirmed"), ("dismiss", "dismissed")):
        review = alert_actions.add_parser(verb, help=f"mark an alert {status}")
        review.add_argument("id", type=int, help="the alert id (see `raqib alerts list`)")
        review.add_argument("--note", default="", help="why (kept with the alert)")
        review.add_argument("--by", help="the reviewer's user name (recorded on the alert)")
        review.set_defaults(handler=alerts_review_command, status=status)


def _watchlist(ref: str):  # noqa: ANN202 - a Watchlist
    from review.watchlists import WatchlistError, find_watchlist

    try:
        return find_watchlist(ref)
    except WatchlistError as exc:
        raise CommandError(str(exc)) from exc


def _user(name: str | None):  # noqa: ANN202 - a User or None
    from django.contrib.auth import get_user_model

    if not name:
        return None
    user = get_user_model().objects.filter(username=name).first()
    if user is None:
        raise CommandError(f"no user {name!r} (see `raqib users list`)")
    return user


def add_command(args: argparse.Namespace) -> int:
    from review.watchlists import WatchlistError, create_watchlist, watchlist_json

    try:
        watchlist = create_watchlist(args.name, args.query, owner=_user(args.owner))
    except WatchlistError as exc:
        raise CommandError(str(exc)) from exc
    if args.format == "json":
        print_json(watchlist_json(watchlist))
    else:
        print(f"watchlist {watchlist.pk} {watchlist.name!r} saved; it alerts on transcripts "
              "indexed from now on (`raqib watchlists test` shows archive matches)")
    return 0


def list_command(args: argparse.Namespace) -> int:
    from catalog.models import Watchlist
    from review.watchlists import watchlist_json

    watchlists = Watchlist.objects.select_related("owner").order_by("name", "id")
    if not args.all:
        watchlists = watchlists.filter(active=True)
    rows = [watchlist_json(w) for w in watchlists]
    if args.format == "json":
        print_json(rows)
    else:
        print_table(rows, ["id", "name", "active", "owner", "new_alerts", "query"])
    return 0


def remove_command(args: argparse.Namespace) -> int:
    from review.watchlists import delete_watchlist, set_active

    watchlist = _watchlist(args.name)
    if args.purge:
        count = watchlist.alerts.count()
        delete_watchlist(watchlist)  # audited as the command-line user
        print(f"watchlist {args.name!r} deleted with its {count} alert(s)")
    else:
        set_active(watchlist, False)
        print(f"watchlist {watchlist.name!r} deactivated; its alerts stay in the queue")
    return 0


def test_command(args: argparse.Namespace) -> int:
    from index.base import QueryError
    from review.watchlists import WatchlistError, archive_matches

    watchlist = _watchlist(args.name)
    try:
        hits = archive_matches(watchlist, limit=max(1, args.limit))
    except (WatchlistError, QueryError) as exc:
        raise CommandError(f"watchlist {watchlist.name!r}: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - e.g. Elasticsearch unreachable
        print(f"raqib: search failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    rows = [h.to_json() for h in hits]
    if args.format == "json":
        print_json({"watchlist": watchlist.name, "query": watchlist.query,
                    "alerts_created": 0, "hits": rows})
    else:
        print(f"watchlist {watchlist.name!r} would match (archive, no alerts created):")
        print_table(rows, ["broadcast_id", "outlet", "aired_at", "start", "text"])
    return 0


def run_command(args: argparse.Namespace) -> int:
    from django.conf import settings

    from catalog.models import Broadcast
    from review.watchlists import retry_failed, run_watchlists

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
    if args.format == "json":
        print_json(data)
    else:
        for broadcast_id, result in data.items():
            if "error" in result:
                print(f"broadcast {broadcast_id}: FAILED {result['error']}")
            else:
                print(f"broadcast {broadcast_id}: {result['new_alerts']} new alert(s), "
                      f"{result['matches']} match(es) in {result['segments']} segment(s)")
        if not data:
            print("nothing to run")
    return 1 if failed else 0


def alerts_list_command(args: argparse.Namespace) -> int:
    from catalog.models import Alert
    from review.alerts import alert_json

    alerts = Alert.objects.select_related("watchlist", "broadcast__outlet", "reviewed_by")
    if args.status != "all":
        alerts = alerts.filter(status=args.status)
    if args.watchlist:
        alerts = alerts.filter(watchlist=_watchlist(args.watchlist))
    rows = [alert_json(a) for a in alerts.order_by("-created_at", "-id")[:max(1, args.limit)]]
    if args.format == "json":
        print_json(rows)
    else:
        print_table(rows, ["id", "status", "watchlist", "outlet", "aired_at", "start", "text"])
    return 0


def alerts_review_command(args: argparse.Namespace) -> int:
    from catalog.models import Alert
    from review.alerts import review_alert

    alert = Alert.objects.filter(pk=args.id).first()
    if alert is None:
        raise CommandError(f"no alert {args.id} (see `raqib alerts list`)")
    review_alert(alert, args.status, user=_user(args.by), note=args.note)
    print(f"alert {alert.pk} {args.status}")
    return 0
