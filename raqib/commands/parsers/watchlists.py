"""Parsers of ``raqib watchlists add|list|remove|test|run`` and ``raqib alerts
list|confirm|dismiss`` (handlers: ``raqib.commands.watchlists``).

To add an action: register its parser here with ``flags.set_handler``.
"""

from __future__ import annotations

import argparse

from raqib.commands import flags
from raqib.commands.acting import add_person_arguments

HANDLERS = "raqib.commands.watchlists"


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
    add.add_argument("--owner", help="optional check: the person the command acts for, "
                                     "who owns the watchlist")
    add_person_arguments(add)
    flags.add_format(add)
    flags.set_handler(add, f"{HANDLERS}:add_command")

    listing = actions.add_parser("list", help="list watchlists with their count of new alerts")
    listing.add_argument("--all", action="store_true", help="include inactive watchlists")
    flags.add_format(listing)
    flags.set_handler(listing, f"{HANDLERS}:list_command")

    remove = actions.add_parser("remove", help="deactivate a watchlist (its alerts stay)")
    remove.add_argument("name", help="the watchlist's name or id")
    remove.add_argument("--purge", action="store_true",
                        help="delete the watchlist AND its alerts instead of deactivating it")
    add_person_arguments(remove)
    flags.set_handler(remove, f"{HANDLERS}:remove_command")

    test = actions.add_parser("test", help="show what a watchlist would match in the archive "
                                           "(creates no alerts)")
    test.add_argument("name", help="the watchlist's name or id")
    flags.add_limit(test, 20, "most matches shown (default 20)")
    flags.add_format(test)
    flags.set_handler(test, f"{HANDLERS}:test_command")

    run = actions.add_parser("run", help="re-run matching for one broadcast, or for every "
                                         "broadcast whose matching failed (no duplicates)")
    which = run.add_mutually_exclusive_group(required=True)
    which.add_argument("--broadcast", type=int, metavar="ID", help="this broadcast")
    which.add_argument("--failed", action="store_true",
                       help="every broadcast with a recorded watchlist failure")
    flags.add_format(run)
    flags.set_handler(run, f"{HANDLERS}:run_command")

    alerts = sub.add_parser("alerts", help="the review queue of watchlist alerts",
                            description="Alerts are watchlist matches waiting for review: "
                                        "confirm or dismiss each, with a note.")
    alert_actions = alerts.add_subparsers(dest="alerts_command", metavar="ACTION", required=True)
    alist = alert_actions.add_parser("list", help="list alerts, newest first")
    alist.add_argument("--status", choices=("new", "confirmed", "dismissed", "all"),
                       default="new", help="which alerts (default: new)")
    alist.add_argument("--watchlist", help="only this watchlist (name or id)")
    flags.add_limit(alist, 100, "most alerts shown (default 100)")
    flags.add_format(alist)
    flags.set_handler(alist, f"{HANDLERS}:alerts_list_command")
    for verb, status in (("confirm", "confirmed"), ("dismiss", "dismissed")):
        review = alert_actions.add_parser(verb, help=f"mark an alert {status}")
        review.add_argument("id", type=int, help="the alert id (see `raqib alerts list`)")
        review.add_argument("--note", default="", help="why (kept with the alert)")
        add_person_arguments(review)
        flags.set_handler(review, f"{HANDLERS}:alerts_review_command", status=status)
