"""Tag commands: ``raqib tag add|remove|list`` (logic in ``review.tagging``).

A tag marks a broadcast (or one segment of it) for reviewers, and is a search filter
(``tag:NAME``). To add a sub-command: register its parser in ``raqib.commands.parsers.tags``
and write its handler here.
"""

from __future__ import annotations

import argparse

from raqib.commands.output import CommandError, emit
from review.tagging import TagError, add_tag, find_broadcast, remove_tag, tags_of


def add_command(args: argparse.Namespace) -> int:
    try:
        _, created, index_error = add_tag(args.broadcast_id, args.tag,
                                          segment_number=args.segment, note=args.note)
    except TagError as exc:
        raise CommandError(str(exc)) from exc
    print(f"tagged broadcast {args.broadcast_id} {args.tag}" if created
          else f"broadcast {args.broadcast_id} already has {args.tag}")
    if index_error:
        raise CommandError(index_error, code=1)
    return 0


def remove_command(args: argparse.Namespace) -> int:
    try:
        removed, index_error = remove_tag(args.broadcast_id, args.tag,
                                          segment_number=args.segment)
    except TagError as exc:
        raise CommandError(str(exc)) from exc
    if not removed:
        raise CommandError(f"broadcast {args.broadcast_id} has no tag {args.tag} there", code=1)
    print(f"removed {args.tag} from broadcast {args.broadcast_id}")
    if index_error:
        raise CommandError(index_error, code=1)
    return 0


def list_command(args: argparse.Namespace) -> int:
    try:
        find_broadcast(args.broadcast_id)
    except TagError as exc:
        raise CommandError(str(exc)) from exc
    rows = tags_of(args.broadcast_id)
    emit(args, rows, ["tag", "segment", "by", "at", "note"])
    return 0
