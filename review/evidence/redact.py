"""What the public evidence package leaves out, and the pseudonyms it names monitors by.

A package handed outside must not name the staff who documented the incident: the state
security services it documents are the adversary. ``Redactor(incident)`` is made once per
public export and used for every file the package writes, so the same account gets the same
pseudonym everywhere in it ("Lead 1", "Reviewer 2": the account's role and the order in
which the package first names it):

* ``incident(data)``: ``review.incident_json``'s dict, in place: proposer, last editor,
  decider, assigned reviewers, clip adders, assessors and history authors become
  pseudonyms; restricted persons' names are withheld; the title, the notes and each history
  reason are withheld unless a lead marked exactly that text public
  (``review.incidents.mark_public``); clip and assessment notes and the history's changes
  (old and new texts) are withheld;
* ``events(rows)``: the audit-chain rows; one that names an account anywhere is shown as a
  stub (seq, hashes, time, action, the actor's pseudonym, ``"redacted": true``), since
  changing its content would break its hash;
* ``exporter(user)``: the name ``bag-info.txt`` gives the exporter;
* ``document()``: ``data/incident/redactions.json``; ``withheld``: the readable lines the
  summary and the command print;
* ``check_tree(root)``: the last guard: no account's username, e-mail or full name in any
  text Raqib wrote (a hit stops the export, naming the file).

Transcripts, captions and captured pages are the outlet's words and are not redacted. To
withhold another field: change ``incident`` (and list it with ``note``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model

from accounts.roles import ROLES
from review.incidents import public_marks
from review.models import Incident, Person

WITHHELD_NAME = "[withheld: restricted person · محجوب: شخص مقيّد]"
WITHHELD_TEXT = "[withheld: not marked public · محجوب: غير مُعلن]"
ROLE_LABELS = {"admin": "Admin", "lead": "Lead", "reviewer": "Reviewer", "viewer": "Viewer"}
# What Raqib itself writes from the review records (the outlet's material is not scanned).
SCANNED = ("data/incident", "data/custody", "data/clips")
OPERATOR = "the operator (command line)"


class RedactionError(Exception):
    """Text that would name an account is left in a public package; nothing is written."""


class _Accounts:
    """Every account's identifiers: username (as a word), e-mail, full name."""

    def __init__(self) -> None:
        self.users: dict[str, Any] = {}
        self.patterns: list[tuple[re.Pattern[str], str]] = []
        for user in get_user_model().objects.prefetch_related("groups"):
            username = user.get_username()
            self.users[username] = user
            self.patterns.append((re.compile(rf"(?<![\w.-]){re.escape(username)}(?![\w-])",
                                             re.IGNORECASE), username))
            full = " ".join((user.first_name or "").split() + (user.last_name or "").split())
            for text in (user.email, full if " " in full else ""):
                if text:
                    self.patterns.append((re.compile(re.escape(text), re.IGNORECASE),
                                          username))

    def named_in(self, text: str) -> str | None:
        """The username of an account ``text`` names, else None."""
        return next((name for pattern, name in self.patterns if pattern.search(text)), None)

    def named_in_values(self, data: Any, skip: set[str]) -> str | None:
        """The first account named by a string value in ``data`` (JSON-like), leaving out
        dict keys, ``about`` texts and the values in ``skip`` (pseudonyms, placeholders)."""
        if isinstance(data, dict):
            items = (v for k, v in data.items() if k != "about")
            return next((n for v in items if (n := self.named_in_values(v, skip))), None)
        if isinstance(data, list):
            return next((n for v in data if (n := self.named_in_values(v, skip))), None)
        if isinstance(data, str) and data not in skip:
            return self.named_in(data)
        return None


def _role(user: Any) -> str:
    if user.is_superuser:
        return "admin"
    held = {g.name for g in user.groups.all()}
    return next((r for r in reversed(ROLES) if r in held), "")


class Redactor:
    """One public package's redactions and pseudonyms (see the module's docstring)."""

    def __init__(self, incident: Incident) -> None:
        self._incident = incident
        self.accounts = _Accounts()
        self.names: dict[str, str] = {}  # username -> pseudonym
        self.left_out: list[dict[str, str]] = []

    def pseudonym(self, username: str | None) -> str | None:
        if username is None:
            return None
        if username not in self.names:
            user = self.accounts.users.get(username)
            label = ROLE_LABELS.get(_role(user), "Account") if user else "Account"
            count = sum(1 for p in self.names.values() if p.rsplit(" ", 1)[0] == label)
            self.names[username] = f"{label} {count + 1}"
        return self.names[username]

    def note(self, what: str, where: str) -> None:
        entry = {"what": what, "where": where}
        if entry not in self.left_out:
            self.left_out.append(entry)

    def _public(self, marks: dict, field: str, event: int | None, text: str) -> bool:
        mark = marks.get((field, event))
        return bool(mark and mark.public and mark.text == text)

    def incident(self, data: dict[str, Any]) -> None:
        """Redact ``incident_json``'s dict in place."""
        p = self.pseudonym
        where = "data/incident/incident.json"
        for key in ("proposed_by", "last_edited_by", "decided_by"):
            data[key] = p(data[key])
        data["assigned"] = [p(u) for u in data["assigned"]]
        marks = public_marks(self._incident)
        for field in ("title", "notes"):
            if data[field] and not self._public(marks, field, None, data[field]):
                data[field] = WITHHELD_TEXT if field == "title" else ""
                changed = (marks.get((field, None)) is not None
                           and marks[(field, None)].public)
                self.note(f"the incident's {field}" + (
                    " (marked public, but changed since)" if changed else ""), where)
        self._persons(data, where)
        for clip in data["clips"]:
            clip["added_by"] = p(clip["added_by"])
            if clip["note"]:
                clip["note"] = ""
                self.note("the clips' notes", where)
        for assessment in data["assessments"]:
            assessment["by"] = p(assessment["by"])
            if assessment["note"]:
                assessment["note"] = ""
                self.note("the assessments' notes", where)
        for entry in data["history"]:
            entry["by"] = p(entry["by"])
            if entry["changes"]:
                entry["changes"] = {}
                self.note("the changes recorded in the history (old and new texts)",
                               where)
            if entry["reason"] and not self._public(marks, "reason", entry["id"],
                                                    entry["reason"]):
                entry["reason"] = ""
                self.note("the history's reasons not marked public", where)
        self.note("the names of the staff who documented it (pseudonyms instead)",
                       "the whole package")

    def _persons(self, data: dict[str, Any], where: str) -> None:
        ids = [x["person_id"] for x in data["persons"]] + [
            x["targeted_person_id"] for x in data["persons"] if x["targeted_person_id"]]
        restricted = set(Person.objects.filter(pk__in=ids, restricted=True)
                         .values_list("pk", flat=True))
        for person in data["persons"]:
            if person["person_id"] in restricted:
                person["name"] = WITHHELD_NAME
                self.note(f"name of restricted person {person['person_id']}", where)
            if person["targeted_person_id"] in restricted:
                person["targeted_name"] = WITHHELD_NAME
                self.note(f"name of restricted targeted person "
                               f"{person['targeted_person_id']}", where)

    def events(self, events: list[dict[str, Any]], where: str) -> list[dict[str, Any]]:
        """The chain rows, those naming an account reduced to a stub."""
        out = []
        for event in events:
            if self.accounts.named_in_values(event, set()) is None:
                out.append(event)
                continue
            actor = self.accounts.named_in(str(event.get("actor") or ""))
            out.append({"id": event["id"], "seq": event["seq"], "hash": event["hash"],
                        "prev_hash": event["prev_hash"], "at": event["at"],
                        "action": event["action"],
                        "actor": self.pseudonym(actor) if actor else "[withheld]",
                        "redacted": True})
            self.note("the content of audit-chain events that name staff (their "
                           "seq and hash are kept)", where)
        return out

    def exporter(self, user: Any) -> str:
        if user is not None and getattr(user, "is_authenticated", False):
            return self.pseudonym(user.get_username()) or ""
        return OPERATOR

    @property
    def withheld(self) -> list[str]:
        return [e["what"] for e in self.left_out]

    def document(self) -> dict[str, Any]:
        return {"profile": "public",
                "about": "What this public package leaves out. Staff appear as pseudonyms "
                         "(role and number); one account has one pseudonym throughout the "
                         "package. The organisation's full package keeps everything.",
                "pseudonyms": sorted(self.names.values()),
                "left_out": self.left_out}

    def check_tree(self, root: Path) -> None:
        """Refuse when a value Raqib wrote from the records (the JSON under ``data/``
        outside the outlet's material, the exporter in ``bag-info.txt``) names an account."""
        skip = {*self.names.values(), WITHHELD_NAME, WITHHELD_TEXT, OPERATOR, "[withheld]"}
        for base in SCANNED:
            for path in sorted((root / base).rglob("*.json")) if (root / base).is_dir() else []:
                try:
                    doc = json.loads(path.read_text(encoding="utf-8"))
                except ValueError:
                    doc = path.read_text(encoding="utf-8", errors="replace")
                self._refuse(self.accounts.named_in_values(doc, skip), path, root)
        info = root / "bag-info.txt"
        exporter = [line.split(":", 1)[1].strip() for line in info.read_text(
            encoding="utf-8").splitlines() if line.startswith("Raqib-Exported-By:")]
        self._refuse(self.accounts.named_in_values(exporter, skip), info, root)

    @staticmethod
    def _refuse(named: str | None, path: Path, root: Path) -> None:
        if named is not None:
            raise RedactionError(
                f"{path.relative_to(root).as_posix()} would name the account {named!r} in a "
                "public package (a text marked public, or a person's name, that is an "
                "account's name?); nothing was written: withdraw the mark or use the full "
                "profile")
