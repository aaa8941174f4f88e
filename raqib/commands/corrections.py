"""Correction commands: ``raqib corrections list|add|verify|translate`` (the rules are in
``review.corrections``, the same the broadcast page calls).

A refused action (the two-person rule, a role) exits 1; bad input exits 2. To add a
sub-command: register its parser in ``raqib.commands.parsers.corrections`` and write its
handler here.
"""

from __future__ import annotations

import argparse

from catalog.models import Broadcast, Correction
from raqib.commands.output import CommandError, emit
from raqib.commands.persons import account
from review import corrections as rules

COLUMNS = ["id", "broadcast", "segments", "author", "verified_by", "text"]


def _row(correction: Correction) -> dict:
    row = rules.correction_json(correction)
    row["segments"] = f"{row['segments'][0]}-{row['segments'][1]}"
    return row


def _correction(correction_id: int) -> Correction:
    found = Correction.objects.filter(pk=correction_id).first()
    if found is None:
        raise CommandError(f"no correction with id {correction_id}")
    return found


def _refused(exc: Exception) -> CommandError:
    return CommandError(str(exc), code=1 if isinstance(exc, PermissionError) else 2)


def list_command(args: argparse.Namespace) -> int:
    broadcast = None
    if args.broadcast is not None:
        broadcast = Broadcast.objects.filter(pk=args.broadcast).first()
        if broadcast is None:
            raise CommandError(f"no broadcast with id {args.broadcast}")
    found = (rules.verified_ranges(broadcast) if args.verified
             else rules.latest_versions(broadcast)).order_by("broadcast_id", "transcript_id",
                                                              "first_number")
    data = [rules.correction_json(c) for c in found]
    emit(args, data, COLUMNS, rows=[_row(c) for c in found])
    return 0


def add_command(args: argparse.Namespace) -> int:
    user = account(args.by)
    broadcast = Broadcast.objects.filter(pk=args.broadcast_id).first()
    if broadcast is None:
        raise CommandError(f"no broadcast with id {args.broadcast_id}")
    transcript = None
    if args.transcript is not None:
        transcript = broadcast.transcripts.filter(pk=args.transcript).first()
        if transcript is None:
            raise CommandError(f"broadcast {broadcast.pk} has no transcript {args.transcript}")
    try:
        correction = rules.correct(broadcast, args.first,
                                   args.first if args.last is None else args.last, args.text,
                                   by=user, transcript=transcript)
    except (rules.CorrectionError, rules.CorrectionRuleError) as exc:
        raise _refused(exc) from exc
    emit(args, rules.correction_json(correction), COLUMNS, rows=[_row(correction)])
    if correction.index_error:
        raise CommandError(correction.index_error, code=1)
    return 0


def verify_command(args: argparse.Namespace) -> int:
    user = account(args.by)
    try:
        correction = rules.verify(_correction(args.correction_id), by=user)
    except (rules.CorrectionError, rules.CorrectionRuleError) as exc:
        raise _refused(exc) from exc
    emit(args, rules.correction_json(correction), COLUMNS, rows=[_row(correction)])
    if correction.index_error:
        raise CommandError(correction.index_error, code=1)
    return 0


def translate_command(args: argparse.Namespace) -> int:
    user = account(args.by)
    try:
        translation = rules.translate(_correction(args.correction_id), args.text, by=user,
                                      language=args.language)
    except (rules.CorrectionError, rules.CorrectionRuleError) as exc:
        raise _refused(exc) from exc
    row = {"id": translation.pk, "correction": translation.correction_id,
           "language": translation.language, "text": translation.text,
           "author": user.get_username(), "supersedes": translation.supersedes_id}
    emit(args, row, ["id", "correction", "language", "author", "text"], rows=[row])
    return 0
