"""``raqib incidents export --format atlos-csv|uwazi-csv`` checked against the columns the
two tools document for import (``docs/interop.md`` names them and their sources): the
header, each value of a seeded incident (Arabic exact), the public-profile redaction
(title only when marked public, notes withheld, restricted persons withheld, no staff
names) and visibility (a restricted incident only for someone who may see it)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from catalog.models import Broadcast, CustodyEvent, MediaFile, Outlet, Source
from raqib.cli import main
from raqib.commands.parsers.incidents import PARTNER_FORMATS
from review import incidents as inc
from review import interop, workflow
from review.evidence.redact import WITHHELD_NAME
from review.models import Person
from tests.cli_persons import as_person

pytestmark = pytest.mark.django_db
DOCS = Path(__file__).resolve().parents[2] / "docs"

# The columns each tool documents for import (docs/interop.md, with their sources).
ATLOS_REQUIRED = {"status", "description", "sensitive"}
ATLOS_ALLOWED = {"status", "description", "sensitive", "date", "tags", "more_info",
                 "geolocation", "geolocation_resolution", "restrictions"}
ATLOS_STATUSES = {"Unclaimed", "In Progress", "Help Needed", "Ready for Review", "Completed",
                  "Cancelled"}
ATLOS_SENSITIVE = {"Personal Information Visible", "Graphic Violence", "Deleted by Source",
                   "Deceptive or Misleading", "Not Sensitive"}
UWAZI_COLUMNS = ["title", "raqib_id", "status", "outlet", "programme", "first_aired",
                 "confidence", "signs_of_coercion", "persons_on_air", "targeted_persons",
                 "roles", "clips", "source_urls", "notes", "public_title"]
TITLE = "والد د. أماني بلور يتبرأ منها"
NOTES = "ملاحظة داخلية: مصدر سري"


def _user(name: str, role: str):
    user = get_user_model().objects.create_user(name, password="unused-pass-1234",
                                                first_name="Samira", last_name=f"X{name}")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def seeded() -> dict:
    rev, lead1, lead2 = _user("rev", "reviewer"), _user("lead1", "lead"), _user("lead2", "lead")
    outlet = Outlet.objects.create(name="الإخبارية السورية")
    source = Source.objects.create(name="ikhbariya", outlet=outlet, kind="html")
    media = MediaFile.objects.create(sha256="b" * 64, path="m.mp4", size=1, duration=1800.0)
    broadcast = Broadcast.objects.create(
        source=source, outlet=outlet, external_id="ep", url="https://example.org/ep",
        title="من النفق إلى النور", media=media, program="من النفق إلى النور")
    father = Person.objects.create(name="والد أماني بلور", kind="relative")
    amani = Person.objects.create(name="د. أماني بلور", kind="activist")
    hidden = Person.objects.create(name="شاهد محمي", kind="witness", restricted=True)
    public = inc.propose(rev, broadcast_id=broadcast.pk, start="12:40", end="14:05",
                         title=TITLE, notes=NOTES, signs=["reads-script"],
                         first_aired="2021-04-20",
                         people=[inc.OnAir(f"#{father.pk}", "disowns", "father of",
                                           f"#{amani.pk}")])
    workflow.set_status(public.pk, rev, "under_review")
    workflow.set_status(public.pk, lead1, "confirmed", confidence="high")
    inc.mark_public(public.pk, lead2, "title")
    secret = inc.propose(lead1, broadcast_id=broadcast.pk, start="20:00", end="21:00",
                         title="حادثة مقيدة", people=[inc.OnAir(f"#{hidden.pk}", "testifies")])
    return {"rev": rev, "lead2": lead2, "public": public, "secret": secret}


def _rows(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    return list(reader.fieldnames or []), list(reader)


def _export(name: str, user) -> tuple[list[str], list[dict[str, str]]]:
    incidents = list(inc.visible_incidents(user).order_by("id"))
    return _rows(interop.export_partner_csv(name, incidents, user))


def test_the_cli_offers_every_registered_format() -> None:
    assert set(PARTNER_FORMATS) == set(interop.FORMATS)
    doc = (DOCS / "interop.md").read_text(encoding="utf-8")
    for name, fmt in interop.FORMATS.items():
        assert f"`{name}`" in doc
        for column in fmt.columns:
            assert f"`{column}`" in doc, (name, column)
    assert "atlos-csv" in (DOCS / "cli.md").read_text(encoding="utf-8")


def test_atlos_columns_and_values(seeded) -> None:
    header, rows = _export("atlos-csv", seeded["rev"])
    assert set(header) >= ATLOS_REQUIRED
    sources = [h for h in header if h.startswith("source_")]
    assert sources == [f"source_{n}" for n in range(1, len(sources) + 1)] and sources
    assert set(header) - set(sources) <= ATLOS_ALLOWED
    # The reviewer is not assigned to the restricted incident: one row only.
    assert len(rows) == 1
    row = rows[0]
    assert row["status"] == "Completed" and row["status"] in ATLOS_STATUSES
    assert row["description"] == TITLE  # marked public: exact, Arabic as typed
    assert 8 <= len(row["description"]) <= 240
    assert set(row["sensitive"].split(",")) <= ATLOS_SENSITIVE
    assert row["date"] == "2021-04-20"
    assert row["tags"].split(",") == ["raqib", "reads-script"]
    assert row["source_1"] == "https://example.org/ep"
    assert "والد أماني بلور (disowns, father of د. أماني بلور)" in row["more_info"]
    assert "Outlet: الإخبارية السورية" in row["more_info"]
    assert len(row["more_info"]) <= 3000
    assert NOTES not in row["more_info"]  # notes not marked public
    text = interop.export_partner_csv("atlos-csv", [seeded["public"]], seeded["rev"])
    for staff in ("rev", "lead1", "lead2", "Samira"):
        assert staff not in text


def test_uwazi_columns_and_values(seeded) -> None:
    header, rows = _export("uwazi-csv", seeded["lead2"])
    assert header == UWAZI_COLUMNS and header[0] == "title"
    by_id = {row["raqib_id"]: row for row in rows}
    public, secret = by_id[str(seeded["public"].pk)], by_id[str(seeded["secret"].pk)]
    assert public["title"] == TITLE and public["public_title"] == "yes"
    assert public["persons_on_air"] == "والد أماني بلور"
    assert public["targeted_persons"] == "د. أماني بلور"
    assert public["signs_of_coercion"] == "reads-script"
    assert public["status"] == "confirmed" and public["notes"] == ""
    assert public["first_aired"] == "2021/04/20"
    assert public["source_urls"] == "https://example.org/ep"
    # A lead sees the restricted incident; its unmarked title and restricted person are not.
    assert secret["title"] == f"Raqib incident {seeded['secret'].pk}"
    assert secret["public_title"] == "no" and "حادثة مقيدة" not in "".join(secret.values())
    assert secret["persons_on_air"] == WITHHELD_NAME and "شاهد محمي" not in secret["roles"]


def test_uwazi_multiselect_values_never_split_inside_a_value(seeded) -> None:
    Person.objects.filter(name="والد أماني بلور").update(name="أب | والد")
    _, rows = _export("uwazi-csv", seeded["rev"])
    assert rows[0]["persons_on_air"].split("|") == ["أب / والد"]


def test_a_public_text_naming_an_account_stops_the_export(seeded, capsys) -> None:
    incident = seeded["public"]
    incident.title = "reported by lead1"
    incident.save(update_fields=["title"])
    inc.mark_public(incident.pk, seeded["lead2"], "title")
    person = as_person("lead2")
    exports = CustodyEvent.objects.filter(action="incidents-exported")
    before = exports.count()
    code = main(["incidents", "export", "--format", "atlos-csv", *person])
    out, err = capsys.readouterr()
    assert code == 1 and out == "" and "lead1" in err and "nothing was written" in err
    assert exports.count() == before  # no export recorded


def test_cli_writes_the_format_and_audits_it(seeded, capsys) -> None:
    assert main(["incidents", "export", "--format", "uwazi-csv", *as_person("rev")]) == 0
    header, rows = _rows(capsys.readouterr().out)
    assert header == UWAZI_COLUMNS and [r["title"] for r in rows] == [TITLE]
    event = CustodyEvent.objects.filter(action="incidents-exported").last()
    assert event.details["format"] == "uwazi-csv" and event.details["profile"] == "public"
    assert event.details["incidents"] == [seeded["public"].pk]


def test_an_account_named_like_a_label_does_not_stop_the_export(seeded) -> None:
    # Raqib's own words in a row ("Outlet", "Clip", statuses) are not a person's text.
    for name in ("outlet", "clip", "confirmed", "raqib"):
        _user(name, "viewer")
    header, rows = _export("atlos-csv", seeded["rev"])
    assert rows and "Outlet:" in rows[0]["more_info"]
