"""``raqib demo``: the whole pipeline on a local fixture outlet, offline, end to end.

It builds a small generated Arabic site (listing pages, item pages with HTML5 video, media
made with ffmpeg and espeak-ng at first run) themed on the documented case of Dr Amani
Ballour's father, serves it on loopback, registers it as a source, crawls, downloads,
transcribes with the offline Whisper base model and indexes it, creates a demo reviewer and
two demo leads, documents a few incidents on the demo broadcasts through the review rules
(``raqib.demo.incidents``: one confirmed, one waiting for a second review), corrects and
verifies the demo transcripts (``raqib.demo.corrections``: the machine error chart's data)
and serves the review UI. Every demo account needs a second factor, as any account does: the
demo issues each one without a factor an enrolment invite (``accounts.invites``) and prints
its code and link beside the password. ``--no-serve`` stops after the pipeline. Running it
again finds nothing new and duplicates nothing (the passwords are drawn again and printed;
an account that enrolled keeps its factor, one that did not gets a new invite). Each demo
account also gets a personal access token (``accounts.tokens``, scopes read and review, 30
days; a run revokes the tokens the previous run made), printed with the ``export
RAQIB_TOKEN=...`` line that lets a newcomer go on at the command line as that person
(``raqib incidents list``, ``raqib incidents review``: the command line acts as a person,
``raqib.commands.acting``); a last line tells how to make the first admin (bootstrap,
``accounts.administration``). The summary says which of the demo broadcasts failed and whether
as intended (the fixture's removed video, see
``raqib.demo.fixture_site.deliberate_failure``) or not; only a failure that was not
intended, or a search that finds nothing, makes it exit 1. ``--format json`` prints the
summary as JSON. Parser: ``raqib.commands.parsers.demo``.
"""

from __future__ import annotations

import argparse
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model

from accounts import tokens
from accounts.invites import issue_invite
from accounts.roles import set_role
from accounts.twofactor import has_factor
from catalog.models import Broadcast, Outlet, Source
from crawler.schema import validate_sources
from index.registry import get_backend
from raqib import pipeline
from raqib.commands.output import CommandError, Outcome, emit
from raqib.commands.processing import expected_failure, process_broadcasts
from raqib.commands.serve import serve_forever
from raqib.demo.corrections import seed_corrections
from raqib.demo.fixture_site import start_fixture_outlet
from raqib.demo.incidents import seed_incidents
from raqib.logs import progress

DEMO_USER = "demo"
DEMO_LEADS = ("demo-lead1", "demo-lead2")
DEMO_QUERY = "أماني"
DEMO_TOKEN_NAME = "raqib demo"
DEMO_TOKEN_DAYS = 30


def _register_source(source_config: dict) -> Source:
    sources, problems = validate_sources([source_config], "1h")
    if problems:  # a bug in the fixture, not the user's doing
        raise RuntimeError("demo source is invalid: " + "; ".join(problems))
    entry = sources[0]
    outlet, _ = Outlet.objects.get_or_create(name=entry["outlet"])
    stored = {k: v for k, v in entry.items() if k != "interval_seconds"}
    source, _ = Source.objects.update_or_create(
        name=entry["name"],
        defaults={"outlet": outlet, "kind": entry["kind"], "config": stored,
                  "language": entry["language"], "enabled": True,
                  "interval_seconds": entry["interval_seconds"]},
    )
    return source


def _demo_account(username: str, role: str) -> tuple[object, str]:
    """Create (or reset) a demo account with the role and a fresh random password (one that
    passes every password validator, like any other path that sets one); return both. A
    lead's second-factor device, once enrolled, is kept."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    user, _ = get_user_model().objects.get_or_create(username=username)
    while True:
        password = secrets.token_urlsafe(12)
        try:
            validate_password(password, user=user)
            break
        except ValidationError:  # e.g. too few different characters: draw again
            continue
    user.set_password(password)
    user.is_active = True
    user.save()
    set_role(user, role)
    return user, password


def _show_search() -> bool:
    hits = get_backend().search(DEMO_QUERY, limit=5)
    for hit in hits:
        progress(f"search {DEMO_QUERY}: #{hit.broadcast_id} {hit.title} "
                 f"at {hit.start:.1f}s: {hit.text}")
    if not hits:
        progress(f"search {DEMO_QUERY}: no hit (the transcript did not recover the name)")
    return bool(hits)


def _outlet_summary(source: Source) -> tuple[dict[str, int], list[dict]]:
    """The demo source's broadcasts by status, and its failed ones, each with its stage,
    reason and, when the failure is intended, why (``expected``)."""
    counts: dict[str, int] = {}
    failed = []
    for b in Broadcast.objects.filter(source=source).order_by("id"):
        counts[b.status] = counts.get(b.status, 0) + 1
        if b.status == Broadcast.Status.FAILED:
            failed.append({"id": b.id, "url": b.url, "stage": b.failed_stage,
                           "reason": b.error, "expected": expected_failure(b)})
    return counts, failed


def _summary_lines(counts: dict[str, int], failed: list[dict]) -> list[str]:
    lines = ["demo outlet: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))]
    for f in failed:
        if f["expected"]:
            lines.append(f"  failed as intended: #{f['id']} at {f['stage']}: {f['reason']}; "
                         f"{f['expected']}")
        else:
            lines.append(f"  FAILED (not intended): #{f['id']} {f['url']} at {f['stage']}: "
                         f"{f['reason']}")
    return lines


def _login(label: str, user: object, password: str, base_url: str) -> tuple[dict, str]:
    """A demo account's login, as JSON and as the printed line: name, password and, while
    it has no second factor, the one-time enrolment invite (code and link)."""
    row = {"name": user.get_username(), "password": password, "enrolled": has_factor(user)}
    line = f"{label}: {row['name']}   password: {password}"
    if row["enrolled"]:
        return row, line + "   (second factor enrolled)"
    code, _ = issue_invite(user, issued_by="raqib demo")
    row["enrolment_code"] = code
    row["enrolment_link"] = f"{base_url}/account/2fa/enrol/?code={code}"
    return row, line + f"   enrolment code: {code}   link: {row['enrolment_link']}"


def _demo_token(user: object) -> str:
    """A fresh command-line token for a demo account (the previous run's are revoked)."""
    for old in tokens.live_tokens(user).filter(name=DEMO_TOKEN_NAME):
        tokens.revoke(old, by=None)
    _, raw = tokens.issue(user, name=DEMO_TOKEN_NAME, scopes=["read", "review"],
                          expires_days=DEMO_TOKEN_DAYS, by=None)
    return raw


def demo_command(args: argparse.Namespace) -> int:
    config = settings.CONFIG
    progress("demo 1/5: building the fixture outlet (the first run makes its media with "
             "ffmpeg and espeak-ng)")
    try:
        site, server = start_fixture_outlet(config.data_dir / "demo-site", port=args.fixture_port)
    except OSError as exc:
        raise CommandError(f"cannot serve the fixture outlet on 127.0.0.1:{args.fixture_port}: "
                           f"{exc.strerror}; choose another with --fixture-port", code=1) from exc
    try:
        progress(f"demo 2/5: fixture outlet at {server.base_url}/list.html")
        source = _register_source(site.source_config(server.base_url))
        progress(f"demo 3/5: crawling {source.name}")
        report = pipeline.crawl_source(source, config)
        if report.failed:
            raise CommandError(f"the demo crawl failed: {report.failed}", code=1)
        progress(f"crawled: {report.found} listed, {len(report.new_ids)} new")
        progress("demo 4/5: download → transcribe → index")
        options = pipeline.StageOptions(model=args.model)
        outcome = Outcome()  # this run's failures; the removed video's is "expected"
        counts = process_broadcasts(pipeline.pending(config), options, outcome)
        progress("pipeline: " + (", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
                                 or "nothing new (already processed)"))
        outlet_counts, failed = _outlet_summary(source)
        for line in _summary_lines(outlet_counts, failed):
            progress(line)
        found = _show_search()
        reviewer, password = _demo_account(DEMO_USER, "reviewer")
        leads = [_demo_account(name, "lead") for name in DEMO_LEADS]
        seeded = seed_incidents(reviewer, [lead for lead, _ in leads])
        progress("incidents: " + ", ".join(f"{v} {k}" for k, v in seeded.items() if v))
        corrected = seed_corrections(reviewer, leads[0][0])
        progress("corrections: " + ", ".join(f"{v} {k}" for k, v in corrected.items() if v))
        progress("demo 5/5: done")
        base_url = (f"http://{args.host or config.get('web.host')}:"
                    f"{args.port or config.get('web.port')}")
        logins = [_login("Demo user", reviewer, password, base_url)] + [
            _login("Demo lead", lead, lead_password, base_url)
            for lead, lead_password in leads]
        accounts = [{**row, "role": role, "token": _demo_token(user)}
                    for (row, _), role, user in
                    zip(logins, ["reviewer"] + ["lead"] * len(leads),
                        [reviewer] + [lead for lead, _ in leads], strict=True)]
        cli = [f"  as {a['name']} ({a['role']}):  export RAQIB_TOKEN={a['token']}"
               for a in accounts]
        code = 1 if outcome.failures or not found else 0
        emit(args, {"ok": code == 0, "broadcasts": outlet_counts,
                    "failures": [f for f in failed if not f["expected"]],
                    "expected_failures": [f for f in failed if f["expected"]],
                    "search_hit": found, "accounts": accounts},
             footer=["", *(line for _, line in logins),
                     "First login of each: open the link (or type the code after the "
                     "password), then enrol an authenticator app (TOTP)",
                     "",
                     "The command line acts as a person: set RAQIB_TOKEN to one of these "
                     f"tokens (read and review, {DEMO_TOKEN_DAYS} days; each run makes new "
                     "ones), or run a command on a terminal to sign in:",
                     *cli,
                     "  then, e.g. as a demo lead: raqib incidents list --status "
                     "under_review, and raqib incidents review ID --status confirmed "
                     "--confidence high (the two-person rule applies)",
                     f"Try: raqib search {DEMO_QUERY} --format json",
                     "",
                     "The first admin: while no admin has enrolled a second factor "
                     "(bootstrap), run raqib users create NAME --role admin and raqib users "
                     "invite NAME at this console; once they enrol, raqib users and raqib "
                     "tokens act only as an admin (their token with the admin scope, from "
                     "the web UI's account page, or the sign-in on a terminal)"])
        if code or args.no_serve:
            return code
        return serve_forever(args.host or config.get("web.host"),
                             args.port or config.get("web.port"))
    finally:
        server.stop()
