"""Parser of ``raqib incidents propose|review|show|list|export|add-clip|assign|
mark-public``
(handlers: ``raqib.commands.incidents``).

Every command acts as a person (``raqib.commands.acting``: ``RAQIB_TOKEN``,
``--token-file`` or a sign-in on a terminal); the role and the two-person rule apply to
that person exactly as in the review UI. To add a sub-command: register it here with
``flags.set_handler``.
"""

from __future__ import annotations

import argparse

from raqib.commands import flags
from raqib.commands.parsers.persons import add_by

HANDLERS = "raqib.commands.incidents"
STATUSES = ("suspected", "under_review", "confirmed", "dismissed")
CONFIDENCE = ("low", "medium", "high")
ROLES = ("confesses", "disowns", "denies", "testifies", "other")
TIME_HELP = "seconds (760), MM:SS (12:40) or HH:MM:SS"


def _clip(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--broadcast", type=int, required=True, metavar="ID",
                        help="the broadcast's id")
    parser.add_argument("--start", required=True, help=f"start of the clip: {TIME_HELP}")
    parser.add_argument("--end", required=True, help=f"end of the clip: {TIME_HELP}")


def _propose(sub: argparse._SubParsersAction) -> None:
    cmd = sub.add_parser(
        "propose", help="open an incident (status suspected) from a broadcast range",
        description="Open an incident from a broadcast and a time range. Persons must "
        "exist (raqib persons add). --person, --role, --relation and --targeted pair up "
        "in order: the n-th --relation and --targeted belong to the n-th --person.")
    _clip(cmd)
    cmd.add_argument("--title", required=True, help="a short title")
    cmd.add_argument("--person", action="append", default=[], metavar="NAME",
                     help="a person on air (a name, spelling or #ID); repeat for several")
    cmd.add_argument("--role", action="append", default=[], choices=ROLES,
                     help="their role in this appearance (default other)")
    cmd.add_argument("--relation", action="append", default=[], metavar="R",
                     help="their relation to the targeted person, e.g. \"father of\"")
    cmd.add_argument("--targeted", action="append", default=[], metavar="NAME",
                     help="the person the appearance is aimed at (an activist)")
    cmd.add_argument("--sign", action="append", default=[], metavar="CODE",
                     help="a sign of coercion (raqib incidents signs); repeat")
    cmd.add_argument("--confidence", choices=CONFIDENCE, default="medium",
                     help="your confidence (default medium)")
    cmd.add_argument("--notes", default="", help="free notes")
    cmd.add_argument("--restricted", action="store_true",
                     help="visible to leads, admins and assigned reviewers only")
    add_by(cmd, required=True)
    flags.add_format(cmd)
    flags.set_handler(cmd, f"{HANDLERS}:propose_command")


def _review(sub: argparse._SubParsersAction) -> None:
    cmd = sub.add_parser(
        "review", help="change an incident's status (two-person rule)",
        description="Move an incident along suspected -> under_review -> confirmed | "
        "dismissed, or back to under_review with a reason. Only a lead confirms or "
        "dismisses, never an incident they proposed or changed at any point; confirming records "
        "the lead's own assessment first (--confidence, --sign). Exit 1 when the rules "
        "forbid it.")
    cmd.add_argument("incident_id", type=int, help="the incident's id")
    cmd.add_argument("--status", required=True, choices=STATUSES[1:], help="the new status")
    cmd.add_argument("--confidence", choices=CONFIDENCE, default=None,
                     help="your own assessment (needed to confirm)")
    cmd.add_argument("--sign", action="append", default=[], metavar="CODE",
                     help="signs of coercion you see (with --confidence)")
    cmd.add_argument("--reason", default="", help="why (needed to dismiss or reopen)")
    add_by(cmd, required=True)
    flags.add_format(cmd)
    flags.set_handler(cmd, f"{HANDLERS}:review_command")


def register(sub: argparse._SubParsersAction) -> None:
    incidents = sub.add_parser("incidents", help="document forced appearances (two-person rule)")
    isub = incidents.add_subparsers(dest="incidents_command", metavar="COMMAND", required=True)
    _propose(isub)
    _review(isub)
    show = isub.add_parser("show", help="one incident with clips, persons and history")
    show.add_argument("incident_id", type=int, help="the incident's id")
    add_by(show, required=False)
    flags.add_format(show)
    flags.set_handler(show, f"{HANDLERS}:show_command")
    listing = isub.add_parser("list", help="list incidents, newest first")
    listing.add_argument("--status", choices=STATUSES, default=None, help="only this status")
    add_by(listing, required=False)
    flags.add_format(listing)
    flags.set_handler(listing, f"{HANDLERS}:list_command")
    export = isub.add_parser("export", help="incidents with clips, persons and history")
    export.add_argument("--status", choices=STATUSES, default=None, help="only this status")
    export.add_argument("--format", choices=("csv", "json"), default="json",
                        help="csv (one row per incident) or json (default)")
    add_by(export, required=False)
    flags.set_handler(export, f"{HANDLERS}:export_command")
    clip = isub.add_parser("add-clip", help="add a clip (another airing) to an incident")
    clip.add_argument("incident_id", type=int, help="the incident's id")
    _clip(clip)
    clip.add_argument("--note", default="", help="a note on this clip")
    add_by(clip, required=True)
    flags.add_format(clip)
    flags.set_handler(clip, f"{HANDLERS}:add_clip_command")
    assign = isub.add_parser("assign", help="a lead assigns a reviewer to an incident")
    assign.add_argument("incident_id", type=int, help="the incident's id")
    assign.add_argument("--reviewer", required=True, metavar="USER", help="who to assign")
    add_by(assign, required=True)
    flags.add_format(assign)
    flags.set_handler(assign, f"{HANDLERS}:assign_command")
    mark = isub.add_parser(
        "mark-public", help="a lead marks an incident's title, notes or a reason public",
        description="Mark the incident's title (--title), notes (--notes) or the reason of "
                    "history event ID (--reason ID, repeatable) as they read now fit for a "
                    "public evidence package (--profile public leaves every other free text "
                    "out), or withdraw the mark (--withdraw). A text edited later is "
                    "withheld again until marked again. Leads only; audited.")
    mark.add_argument("incident_id", type=int, help="the incident's id")
    mark.add_argument("--title", action="store_true", help="the incident's title")
    mark.add_argument("--notes", action="store_true", help="the incident's notes")
    mark.add_argument("--reason", type=int, action="append", default=[], metavar="EVENT_ID",
                      help="the reason of this history event (see incidents show)")
    mark.add_argument("--withdraw", action="store_true", help="withdraw the marks instead")
    add_by(mark, required=True)
    flags.add_format(mark)
    flags.set_handler(mark, f"{HANDLERS}:mark_public_command")
    signs = isub.add_parser("signs", help="the coded signs of coercion (leads keep the list)",
                            description="List the signs of coercion; with add, activate "
                            "or deactivate a lead changes the list (signs are never deleted).")
    signs.add_argument("action", nargs="?", default="list",
                       choices=("list", "add", "activate", "deactivate"),
                       help="list (default), add, activate or deactivate")
    signs.add_argument("code", nargs="?", default=None,
                       help="the sign's code, e.g. reads-script (not for list)")
    signs.add_argument("--label-ar", default="", help="the Arabic label (add)")
    signs.add_argument("--label-en", default="", help="the English label (add)")
    add_by(signs, required=False)
    flags.add_format(signs)
    flags.set_handler(signs, f"{HANDLERS}:signs_command")
