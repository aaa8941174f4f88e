"""``raqib audit verify|head``: check the hash-chained audit log and print its head.

``verify`` exits 1 naming the first bad row (``catalog.audit_chain.verify_chain``) or a
missing append-only trigger; ``head`` prints the last event's seq and hash. To report more:
extend ``verify_chain``'s result and the lines printed here.
"""

from __future__ import annotations

import argparse
import sys

from catalog.audit_chain import chain_head, verify_chain
from catalog.models import CustodyEvent
from raqib.commands.output import CommandError, Outcome, emit


def _progress(n: int) -> None:
    print(f"audit verify: {n} events checked", file=sys.stderr, flush=True)


def _expected(text: str) -> tuple[int, str]:
    seq, _, digest = text.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise CommandError(f"--expect wants SEQ:HASH (as raqib audit head prints), not "
                           f"{text!r}")
    return int(seq), digest.lower()


def verify_command(args: argparse.Namespace) -> int:
    expect = _expected(args.expect) if getattr(args, "expect", None) else None
    result = verify_chain(progress=_progress)
    if expect is not None:
        held = CustodyEvent.objects.filter(seq=expect[0]).values_list("hash", flat=True).first()
        result["expected_head"] = {"seq": expect[0], "hash": expect[1],
                                   "found": held, "ok": held == expect[1]}
        result["ok"] = result["ok"] and held == expect[1]
    lines = [f"{result['events']} event(s) checked; head seq {result['head_seq']} "
             f"{result['head_hash']}"]
    problem = result["problem"]
    if problem:
        lines.append(f"BROKEN at seq {problem['seq']} (id {problem['id']}): "
                     f"{problem['reason']}")
    for name in result["missing_triggers"]:
        lines.append(f"MISSING append-only trigger {name}: the database no longer refuses "
                     "UPDATE/DELETE on that table (docs/security.md: restoring the triggers)")
    exp = result.get("expected_head")
    if exp and not exp["ok"]:
        lines.append(f"REWRITTEN: seq {exp['seq']} holds {exp['found'] or 'no row'}, "
                     f"not the published {exp['hash']}")
    if result["ok"]:
        lines.append("audit chain intact")
    outcome = Outcome(done=result["events"])
    if problem:
        outcome.fail(problem["seq"], "audit-chain", problem["reason"])
    for name in result["missing_triggers"]:
        outcome.fail(name, "append-only-trigger", "missing")
    if exp and not exp["ok"]:
        outcome.fail(exp["seq"], "expected-head", f"holds {exp['found'] or 'no row'}, not "
                                                  f"the published {exp['hash']}")
    if not result["ok"] and not outcome.failures:
        outcome.fail("chain", "audit-chain", "the chain does not verify")
    result["failures"] = outcome.failures
    emit(args, result, footer=lines)
    return outcome.exit_code


def head_command(args: argparse.Namespace) -> int:
    head = chain_head()
    emit(args, head, footer=f"seq {head['seq']} {head['hash']} {head['at'] or ''}".strip())
    return 0
