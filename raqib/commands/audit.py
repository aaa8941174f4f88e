"""``raqib audit verify|head|anchor|anchors``: check the hash-chained audit log, print its
head, timestamp the head and list those timestamps.

``verify`` exits 1 naming every problem: the first bad row
(``catalog.audit_chain.verify_chain``) or a missing append-only trigger, a published head
(``--expect``) not held or rows after it (``check_expected``), an anchor whose token or
hash no longer checks out (``review.audit_anchors.check_anchors``) and every incident,
assessment or history row that disagrees with the chain
(``review.incident_replay.replay_incidents``). ``anchor`` runs
``raqib.anchoring.anchor_audit_head``; ``anchors`` prints ``anchors_json``. To report more:
extend one of those results and the lines printed here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from django.conf import settings

from catalog.audit_chain import chain_head, check_expected, verify_chain
from raqib.anchoring import anchor_audit_head
from raqib.commands.output import CommandError, Outcome, emit
from review.audit_anchors import ChainMismatch, anchors_json, check_anchors
from review.evidence.tsa import TimestampError
from review.incident_replay import replay_incidents


def _progress(n: int) -> None:
    print(f"audit verify: {n} events checked", file=sys.stderr, flush=True)


def _expected(text: str) -> tuple[int, str]:
    seq, _, digest = text.strip().partition(":")
    digest = digest.lower()
    if not seq.isdigit() or len(seq) > 18 or len(digest) != 64 or any(
            c not in "0123456789abcdef" for c in digest):
        raise CommandError(f"--expect wants SEQ:HASH (as raqib audit head prints), not "
                           f"{text!r}")
    return int(seq), digest


def _tsa_ca(args: argparse.Namespace) -> Path | None:
    given = args.tsa_ca or settings.CONFIG.get("audit.tsa_ca")
    if not given:
        return None
    path = Path(given).expanduser()
    if not path.is_file():
        raise CommandError(f"TSA certificate file {str(path)!r} does not exist "
                           "(--tsa-ca / audit.tsa_ca)")
    return path


def _expect_lines(result: dict[str, Any], allow_tail: bool) -> list[str]:
    lines = [f"REWRITTEN: seq {e['seq']} holds {e['found'] or 'no row'}, not the published "
             f"{e['hash']}" for e in result["expected"] if not e["ok"]]
    tail = result["uncovered"]
    if tail:
        lines.append(f"{'LISTED' if allow_tail else 'NOT COVERED'}: {tail['count']} row(s) "
                     f"from seq {tail['from_seq']} on follow the expected head:")
        lines += [f"  seq {r['seq']} (id {r['id']}) {r['at']} {r['action']} by {r['actor']}"
                  for r in tail["rows"]]
        if tail["count"] > len(tail["rows"]):
            lines.append(f"  ... and {tail['count'] - len(tail['rows'])} more")
    return lines


def _anchor_lines(anchors: dict[str, Any]) -> list[str]:
    if not anchors["count"]:
        return ["NO ANCHORS: nothing outside this database vouches for the chain; configure "
                "evidence.tsa_urls and run raqib audit anchor (docs/security.md)"]
    lines = [f"ANCHOR PROBLEM {p}" for p in anchors["problems"]]
    lines.append(f"{anchors['count']} anchor(s) checked (tokens trusted: {anchors['trust']}); "
                 f"last anchored seq {anchors['last_anchored_seq']} "
                 f"({anchors['last_anchor_time']}); unanchored tail: "
                 f"{anchors['unanchored_tail']} row(s)")
    return lines


def verify_command(args: argparse.Namespace) -> int:
    expect = [_expected(text) for text in (args.expect or [])]
    tsa_ca = _tsa_ca(args)
    result = verify_chain(progress=_progress)
    ok = result["ok"]
    lines = [f"{result['events']} event(s) checked; head seq {result['head_seq']} "
             f"{result['head_hash']}"]
    problem = result["problem"]
    if problem:
        lines.append(f"BROKEN at seq {problem['seq']} (id {problem['id']}): "
                     f"{problem['reason']}")
    for name in result["missing_triggers"]:
        lines.append(f"MISSING append-only trigger {name}: the database no longer refuses "
                     "UPDATE/DELETE on that table (docs/security.md: restoring the triggers)")
    if expect:
        result.update(check_expected(expect))
        result["allow_tail"] = bool(args.allow_tail)
        ok = ok and all(e["ok"] for e in result["expected"]) and (
            args.allow_tail or result["uncovered"] is None)
        lines += _expect_lines(result, args.allow_tail)
    result["anchors"] = check_anchors(tsa_ca)
    lines += _anchor_lines(result["anchors"])
    result["replay"] = replay_incidents()
    lines += [f"DISAGREES WITH THE CHAIN: {p}" for p in result["replay"]["problems"]]
    old = result["replay"]["unverifiable"]
    if old["assessments"] or old["history_rows"]:
        lines.append(f"not checked: {old['assessments']} assessment(s) and "
                     f"{old['history_rows']} incident history row(s) older than the chain's "
                     "record of them")
    ok = ok and result["anchors"]["ok"] and result["replay"]["ok"]
    result["ok"] = ok
    if ok:
        lines.append("audit chain intact")
    outcome = Outcome(done=result["events"])
    if problem:
        outcome.fail(problem["seq"], "audit-chain", problem["reason"])
    for name in result["missing_triggers"]:
        outcome.fail(name, "append-only-trigger", "missing")
    for exp in result.get("expected") or []:
        if not exp["ok"]:
            outcome.fail(exp["seq"], "expected-head", f"holds {exp.get('found') or 'no row'}, "
                                                      f"not the published {exp['hash']}")
    if expect and result.get("uncovered") and not args.allow_tail:
        outcome.fail("tail", "expected-head", f"{result['uncovered']['count']} row(s) after "
                     "the published head are not covered by it")
    if not result["anchors"]["ok"]:
        outcome.fail("anchors", "audit-anchor", "an anchor does not verify or the chain "
                     "disagrees with it")
    for p in result["replay"]["problems"]:
        outcome.fail("replay", "incident-replay", str(p))
    if not ok and not outcome.failures:
        outcome.fail("chain", "audit-chain", "the chain does not verify")
    result["failures"] = outcome.failures
    emit(args, result, footer=lines)
    return outcome.exit_code


def head_command(args: argparse.Namespace) -> int:
    head = chain_head()
    emit(args, head, footer=f"seq {head['seq']} {head['hash']} {head['at'] or ''}".strip())
    return 0


def anchor_command(args: argparse.Namespace) -> int:
    try:
        result = anchor_audit_head(settings.CONFIG)
    except (TimestampError, ChainMismatch) as exc:
        raise CommandError(f"audit head not anchored: {exc}", code=1) from exc
    if result["status"] == "no-tsa":
        raise CommandError("no TSA configured (evidence.tsa_urls): nothing to anchor with")
    lines = ["another anchor run holds the lease; nothing done"] if (
        result["status"] == "busy") else [
        f"{a['tsa']}: {a['status']} seq {a['seq']}" + (f" {a['hash']} at {a['gen_time']}"
                                                       if a["status"] == "anchored" else "")
        for a in result["anchors"]]
    emit(args, result, footer=lines)
    return 0


def anchors_command(args: argparse.Namespace) -> int:
    anchors = anchors_json()
    lines = [f"anchor {a['id']}: seq {a['seq']} {a['hash']} signed {a['gen_time']} by "
             f"{a['tsa']}" for a in anchors] or ["no anchors yet (raqib audit anchor)"]
    emit(args, anchors, footer=lines)
    return 0
