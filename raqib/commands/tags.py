"""Tag commands: ``raqib tag add|remove|list`` (logic in ``review.tagging``).

A tag marks a broadcast (or one segment of it) for reviewers, and is a search filter
(``tag:NAME``). To add a sub-command: register a parser in ``register`` with its handler.
"""

from __future__ import annotations

import argparse
import sys

from raqib.commands.output import add_format_flag, print_json, print_table


def register(sub: argparse._SubParsersAction) -> None:
    tag = sub.add_parser("tag", help="tag broadcasts (search with tag:NAME)")
    tag_sub = tag.add_subparsers(dest="tag_command", metavar="COMMAND", required=True)
    for name, handler, text in (("add", add_command, "put a tag on a broadcast or segment"),
                                ("remove", remove_command, "take a tag off")):
        cmd = tag_sub.add_parser(name, help=text, description=text + ".")
        cmd.add_argument("broadcast_id", type=int, help="the broadcast's id")
        cmd.add_argument("tag", help="tag name, e.g. forced-confession")
        cmd.add_argument("--segment", type=int, default=None, metavar="N",
                         help="the segment number (as shown on the broadcast page)")
        if name == "add":
            cmd.add_argument("--note", default="", help="a note for other reviewers")
        cmd.set_defaults(handler=handler)
    listing = tag_sub.add_parser("list", help="list a broadcast's tags",
                                 description="List the tags of one broadcast.")
    listing.add_argument("broadcast_id", type=int, help="the broadcast's id")
    add_format_flag(listing)
    listing.set_defaults(handler=list_command)


def add_command(args: argparse.Namespace) -> int:
    from review.tagging import TagError, add_tag

    try:
        _, created, index_error = add_tag(args.broadcast_id, args.tag,
                                          segment_number=args.segment, note=args.note)
    except TagError as exc:
        print(f"raqib: {exc}", file=sys.stderr)
        return 2
    print(f"tagged broadcast {args.broadcast_id} {args.tag}" if created
          else f"broadcast {args.broadcast_id} already has {args.tag}")
    if index_error:
        print(f"raqib: {index_error}", file=sys.stderr)
        return 1
    return 0


def remove_command(args: argparse.Namespace) -> int:
    from review.tagging import TagError, remove_tag

    try:
        removed, index_error = remove_tag(args.broadcast_id, args.tag,
                                          segment_number=args.segment)
    except TagError as exc:
        print(f"raqib: {exc}", file=sys.stderr)
        return 2
    if not removed:
        print(f"raqib: broadcast {args.broadcast_id} has no tag {args.tag} there",
              file=sys.stderr)
        return 1
    print(f"removed {args.tag} from broadcast {args.broadcast_id}")
    if index_error:
        print(f"raqib: {index_error}", file=sys.stderr)
        return 1
    return 0


def list_command(args: argparse.Namespace) -> int:
    from review.tagging import TagError, find_broadcast, tags_of

    try:
        find_broadcast(args.broadcast_id)
    except TagError as exc:
        print(f"raqib: {exc}", file=sys.stderr)
        return 2
    rows = tags_of(args.broadcast_id)
    if args.format == "json":
        print_json(rows)
    else:
        print_table(rows, ["tag", "segment", "by", "at", "note"])
    return 0
