"""Incidents as CSV in the import formats of partner tools: Atlos and Uwazi.

Both formats follow the **public profile** of ``review.evidence.redact``: a partner's
platform is outside Raqib, so a row carries what a public evidence package would and no
more. The incident's title and notes appear only when a lead marked exactly that text
public (``raqib incidents mark-public``); a restricted person's name is withheld; staff are
not named at all (not even as pseudonyms: a pseudonym is numbered per package, and rows of
one file would reuse "Lead 1" for different people); clip notes, assessment notes and
history reasons are left out. The outlet's own words (the broadcast's title and URL) are
not redacted, as in the package. Which incidents: those the exporting person may see
(``review.incidents.visible_incidents``), so a restricted incident is exported only by
someone allowed to see it. As the last guard, a row whose values name an account (a text
marked public that contains a username, e-mail or full name) stops the export with
``RedactionError`` and nothing is written.

A format is a subclass of ``PartnerFormat``: its ``columns`` (the header, in order) and
``row(item)`` from the redacted ``incident_json`` dict. Register it in
``review.interop.FORMATS`` and document the columns in ``docs/interop.md``.

Column sources (see ``docs/interop.md``):

* Atlos: the bulk-import columns of the Atlos platform (``status``, ``description`` and
  ``sensitive`` required; ``date``, ``more_info``, ``tags``; sources as ``source_1``,
  ``source_2``...), ``Platform.Material.Attribute`` and the "Bulk import" docs of
  atlosdotorg/atlos. Multi-select cells are comma-separated.
* Uwazi: CSV import of huridocs/uwazi (a ``title`` column, every other column a property
  name of the template chosen at upload, ``|`` between the values of a multi-select, dates
  as ``YYYY/MM/DD``, ``<property>__<language>`` for translated text).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from review.evidence.redact import (
    WITHHELD_NAME,
    WITHHELD_TEXT,
    RedactionError,
    Redactor,
    _Accounts,
)
from review.incident_json import incident_json, safe_cell
from review.models import Incident

PROFILE = "public"


def redacted(incident: Incident, user: Any) -> dict[str, Any]:
    """``incident_json`` as ``user`` sees it, then redacted as in a public package."""
    data = incident_json(incident, user)
    redactor = Redactor(incident)
    redactor.incident(data)
    data["_public_title"] = data["title"] != WITHHELD_TEXT
    return data


def _free_text(item: dict[str, Any]) -> list[str]:
    """The values of a redacted incident that people typed (not Raqib's own labels)."""
    texts = [item["title"] if item["_public_title"] else "", item["notes"] or "",
             item["programme"] or ""]
    for p in item["persons"]:
        texts += [p["name"], p["relation"] or "", p["targeted_name"] or ""]
    return [t for t in texts if t and t not in (WITHHELD_NAME, WITHHELD_TEXT)]


def _named_account(items: list[dict[str, Any]]) -> str | None:
    accounts = _Accounts()
    return next((name for item in items for text in _free_text(item)
                 if (name := accounts.named_in(text))), None)


def _people(item: dict[str, Any]) -> list[dict[str, Any]]:
    return item["persons"]


def _urls(item: dict[str, Any]) -> list[str]:
    """The outlet's pages of the clipped recordings, then the other places they were seen."""
    urls = [c["url"] for c in item["clips"]] + [s.get("url") for s in item.get("sightings", [])]
    return [u for u in dict.fromkeys(urls) if u]


def _person_line(p: dict[str, Any]) -> str:
    line = f"{p['name']} ({p['role']}"
    if p["targeted_name"]:
        line += f", {p['relation'] or 'about'} {p['targeted_name']}"
    return line + ")"


def _clip_line(c: dict[str, Any]) -> str:
    aired = f", aired {c['aired_at']}" if c.get("aired_at") else ""
    return f"{c['outlet']}: {c['title'] or c['url']} {c['range']}{aired}"


class PartnerFormat:
    """One partner tool's CSV import format (see the module's docstring)."""

    name = ""
    columns: tuple[str, ...] = ()
    delimiter = ","

    def header(self, items: list[dict[str, Any]]) -> list[str]:
        return list(self.columns)

    def row(self, item: dict[str, Any], header: list[str]) -> dict[str, str]:
        raise NotImplementedError

    def write(self, items: Iterable[dict[str, Any]]) -> str:
        """CSV text (UTF-8 when encoded) of the redacted incidents; ``RedactionError``
        when a value would name an account."""
        items = list(items)
        header = self.header(items)
        rows = [self.row(item, header) for item in items]
        named = _named_account(items)
        if named is not None:
            raise RedactionError(
                f"the {self.name} export would name the account {named!r} (a text marked "
                "public, or a person's name, that is an account's name?); nothing was "
                "written: withdraw the mark")
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n", delimiter=self.delimiter)
        writer.writerow(header)
        for row in rows:
            writer.writerow([safe_cell(row.get(column, "")) for column in header])
        return out.getvalue()


ATLOS_STATUS = {"suspected": "Unclaimed", "under_review": "Ready for Review",
                "confirmed": "Completed", "dismissed": "Cancelled"}


class AtlosCSV(PartnerFormat):
    """Atlos bulk import: one incident per row, its sources as ``source_N`` columns."""

    name = "atlos-csv"
    columns = ("status", "description", "sensitive", "date", "tags", "more_info")
    DESCRIPTION_LIMIT = 240  # Atlos: 8 to 240 characters
    MORE_INFO_LIMIT = 3000

    def header(self, items: list[dict[str, Any]]) -> list[str]:
        sources = max([len(_urls(i)) for i in items] + [1])
        return [*self.columns, *(f"source_{n}" for n in range(1, sources + 1))]

    def _description(self, item: dict[str, Any]) -> str:
        if item["_public_title"]:
            text = item["title"]
        else:
            text = f"Raqib incident {item['id']}: forced appearance on " + (
                item["outlet"] or "an outlet") + (
                f", first aired {item['first_aired']}" if item["first_aired"] else "")
        return text[:self.DESCRIPTION_LIMIT].ljust(8, ".")

    def _more_info(self, item: dict[str, Any]) -> str:
        lines = [f"Raqib incident {item['id']} ({item['status']})"]
        if item["outlet"]:
            lines.append(f"Outlet: {item['outlet']}")
        if item["programme"]:
            lines.append(f"Programme: {item['programme']}")
        lines += [f"On air: {_person_line(p)}" for p in _people(item)]
        if item["signs"]:
            lines.append("Signs of coercion: " + ", ".join(item["signs"]))
        if item["confidence"]:
            lines.append(f"Confidence: {item['confidence']}")
        lines += [f"Clip: {_clip_line(c)}" for c in item["clips"]]
        if item["notes"]:
            lines.append(f"Notes: {item['notes']}")
        text = "\n".join(lines)
        return text if len(text) <= self.MORE_INFO_LIMIT else (
            text[:self.MORE_INFO_LIMIT - 1] + "…")

    def row(self, item: dict[str, Any], header: list[str]) -> dict[str, str]:
        # A forced appearance shows a detainee or relative: always personal information.
        sensitive = ["Personal Information Visible"]
        row = {"status": ATLOS_STATUS[item["status"]], "description": self._description(item),
               "sensitive": ",".join(sensitive), "date": item["first_aired"] or "",
               "tags": ",".join(["raqib", *(item["signs"] or [])]),
               "more_info": self._more_info(item)}
        row.update({f"source_{n}": url for n, url in enumerate(_urls(item), 1)})
        return row


def _multi(values: Iterable[str]) -> str:
    # ``|`` separates an Uwazi multi-select's values; one inside a value would split it.
    return "|".join(dict.fromkeys(v.replace("|", "/") for v in values if v))


class UwaziCSV(PartnerFormat):
    """Uwazi CSV import into a template whose property names are the columns."""

    name = "uwazi-csv"
    columns = ("title", "raqib_id", "status", "outlet", "programme", "first_aired",
               "confidence", "signs_of_coercion", "persons_on_air", "targeted_persons",
               "roles", "clips", "source_urls", "notes", "public_title")

    def row(self, item: dict[str, Any], header: list[str]) -> dict[str, str]:
        people = _people(item)
        title = item["title"] if item["_public_title"] else f"Raqib incident {item['id']}"
        return {
            "title": title, "raqib_id": str(item["id"]), "status": item["status"],
            "outlet": item["outlet"] or "", "programme": item["programme"] or "",
            "first_aired": (item["first_aired"] or "").replace("-", "/"),
            "confidence": item["confidence"] or "",
            "signs_of_coercion": _multi(item["signs"] or []),
            "persons_on_air": _multi(p["name"] for p in people),
            "targeted_persons": _multi(p["targeted_name"] for p in people
                                       if p["targeted_name"]),
            "roles": "\n".join(_person_line(p) for p in people),
            "clips": "\n".join(_clip_line(c) for c in item["clips"]),
            "source_urls": "\n".join(_urls(item)), "notes": item["notes"] or "",
            "public_title": "yes" if item["_public_title"] else "no"}
