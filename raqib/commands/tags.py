"""Tag commands: ``raqib tag add|remove|list`` (logic in ``review.tagging``).

A tag marks a broadcast (or one segment of it) for reviewers, and is a search filter
(``tag:NAME``). Adding, removing and promoting act as a person with the ``review`` scope
(``raqib.commands.acting``); listing needs none. To add a sub-command: register its
parser in ``raqib.commands.parsers.tags`` and write its handler here.
"""

from __future__ import annotations

import argparse

from raqib.commands.acting import person_from_args
from raqib.commands.output import CommandError, emit
from review.tagging import (
    TagError,
    add_tag,
    find_broadcast,
    promote_tag,
    remove_tag,
    tags_of,
    vocabulary,
)


def add_command(args: argparse.Namespace) -> int:
    user = person_from_args(args, "review")
    try:
        _, created, index_error = add_tag(args.broadcast_id, args.tag, user=user,
                                          segment_number=args.segment, note=args.note,
                                          to_segment=args.to_segment, start=args.start,
                                          end=args.end)
    except TagError as exc:
        raise CommandError(str(exc)) from exc
    print(f"tagged broadcast {args.broadcast_id} {args.tag}" if created
          else f"broadcast {args.broadcast_id} already has {args.tag}")
    if index_error:
        raise CommandError(index_error, code=1)
    return 0


def remove_command(args: argparse.Namespace) -> int:
    user = person_from_args(args, "review")
    try:
        removed, index_error = remove_tag(args.broadcast_id, args.tag, user=user,
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
    emit(args, rows, ["tag", "segment", "start", "end", "by", "at", "note"])
    return 0


def vocabulary_command(args: argparse.Namespace) -> int:
    emit(args, vocabulary(), ["tag", "vocabulary", "label_ar", "label_en", "uses"])
    return 0


def promote_command(args: argparse.Namespace) -> int:
    lead = person_from_args(args, "review")
    try:
        tag = promote_tag(args.tag, lead, label_ar=args.label_ar,
                          label_en=args.label_en)
    except TagError as exc:
        raise CommandError(str(exc), code=1 if "lead role" in str(exc) else 2) from exc
    row = {"tag": tag.name, "vocabulary": tag.vocabulary, "label_ar": tag.label_ar,
           "label_en": tag.label_en}
    emit(args, row, ["tag", "label_ar", "label_en"], rows=[row])
    return 0
