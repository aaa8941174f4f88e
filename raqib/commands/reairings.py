"""Re-airing commands: ``raqib reairings find|list|accept|reject|ocr|names`` (logic in the
``reairings`` app). To add a sub-command: its parser in
``raqib.commands.parsers.reairings`` and its handler here.
"""

from __future__ import annotations

import argparse
from typing import Any

from django.conf import settings

from catalog.models import Broadcast
from index.base import BackendError
from index.registry import get_backend
from raqib.commands.acting import person_from_args
from raqib.commands.output import CommandError, emit
from raqib.logs import progress
from reairings.chromaprint import FingerprintError
from reairings.links import ReairingError, link_json, links_of, review_link
from reairings.models import Fingerprint, ScreenName
from reairings.ocr import OCRError, has_video
from reairings.stage import fingerprint_and_match, ocr_broadcast
from review.incidents import ReviewRuleError

COLUMNS = ["id", "broadcast_id", "start", "end", "other_broadcast_id", "other_start",
           "other_end", "score", "status"]


def _broadcast(broadcast_id: int) -> Broadcast:
    broadcast = Broadcast.objects.select_related("media").filter(pk=broadcast_id).first()
    if broadcast is None:
        raise CommandError(f"no broadcast with id {broadcast_id}")
    return broadcast


def find_command(args: argparse.Namespace) -> int:
    config = settings.CONFIG
    if args.broadcast is not None:
        broadcasts = [_broadcast(args.broadcast)]
        if broadcasts[0].media is None:
            raise CommandError(f"broadcast {args.broadcast} has no captured media yet "
                               "(run `raqib process` first)")
    else:
        todo = Broadcast.objects.filter(media__isnull=False).select_related("media")
        if not args.refingerprint:
            todo = todo.exclude(pk__in=Fingerprint.objects.values("broadcast_id"))
        broadcasts = list(todo.order_by("aired_at", "id"))
    found: list[dict[str, Any]] = []
    failed = 0
    for n, broadcast in enumerate(broadcasts, 1):
        progress("reairings find", n, len(broadcasts), broadcast=broadcast.pk)
        try:
            links = fingerprint_and_match(broadcast, config)
        except FingerprintError as exc:
            failed += 1
            progress(f"broadcast {broadcast.pk}: not fingerprinted: {exc}")
            continue
        found += [link_json(link, broadcast.pk) for link in links]
    emit(args, found, COLUMNS)
    if failed and args.broadcast is not None:
        raise CommandError(f"broadcast {args.broadcast} could not be fingerprinted", code=1)
    return 0


def list_command(args: argparse.Namespace) -> int:
    if args.broadcast is not None:
        _broadcast(args.broadcast)
    links = links_of(args.broadcast)
    if args.status:
        links = links.filter(status=args.status)
    emit(args, [link_json(link, args.broadcast) for link in links], COLUMNS)
    return 0


def _review(args: argparse.Namespace, decision: str) -> int:
    try:
        link = review_link(args.link_id, person_from_args(args, "review"), decision)
    except (ReairingError, ReviewRuleError) as exc:
        raise CommandError(str(exc)) from exc
    emit(args, link_json(link), COLUMNS)
    return 0


def accept_command(args: argparse.Namespace) -> int:
    return _review(args, "accept")


def reject_command(args: argparse.Namespace) -> int:
    return _review(args, "reject")


def ocr_command(args: argparse.Namespace) -> int:
    config = settings.CONFIG
    broadcast = _broadcast(args.broadcast_id)
    try:
        if broadcast.media is None or not has_video(config.data_dir / broadcast.media.path):
            raise CommandError(f"broadcast {broadcast.pk} has no video to read", code=1)
        transcript = ocr_broadcast(broadcast, config)
    except OCRError as exc:
        raise CommandError(str(exc)) from exc
    if transcript is None:
        emit(args, [], ["start", "end", "text"])
        progress(f"broadcast {broadcast.pk}: no on-screen text read")
        return 0
    try:
        get_backend(config).index_transcript(transcript.pk)
    except BackendError as exc:
        raise CommandError(f"read, but not indexed: {exc}", code=1) from exc
    rows = [{"start": s.start, "end": s.end, "text": s.text}
            for s in transcript.segments.order_by("number")]
    emit(args, rows, ["start", "end", "text"])
    return 0


def names_command(args: argparse.Namespace) -> int:
    names = ScreenName.objects.select_related("person").order_by("broadcast_id", "start")
    if args.broadcast is not None:
        names = names.filter(broadcast_id=args.broadcast)
    emit(args, [{"broadcast_id": n.broadcast_id, "person_id": n.person_id,
                 "person": n.person.name, "start": n.start, "end": n.end, "text": n.text,
                 "status": n.status} for n in names],
         ["broadcast_id", "person_id", "person", "start", "end", "status", "text"])
    return 0
