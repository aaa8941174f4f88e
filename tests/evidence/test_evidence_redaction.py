"""Public evidence packages do not name the monitors (issue 23, finding 6), tested as the
attacker did: an incident proposed and edited by a reviewer, assigned, assessed and
dismissed with a reason by leads, a broadcast tagged by another reviewer, exported by an
admin with ``--profile public``; then every file of the bag (binary ones too) is searched
for each account's username, e-mail and full name. Staff appear as stable pseudonyms, free
texts only when a lead marked exactly that text public, and ``redactions.json`` and the
summary list what was left out. The full profile keeps everything.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import translation

from catalog import audit
from catalog.models import Broadcast, CustodyEvent
from raqib.cli import main
from review import incidents, workflow
from review.evidence import verify_bag
from review.evidence.package import EvidenceExportError, export_bag
from review.models import Incident, PublicText
from tests.cli_persons import as_person
from tests.evidence.test_evidence_package import (  # noqa: F401 (fixtures)
    incident,
    media_file,
)

pytestmark = pytest.mark.django_db

STAFF = {  # username: (role, e-mail, first name, last name)
    "rami.khoury": ("reviewer", "rami.k@monitors.example", "Rami", "Khoury"),
    "samira.nasr": ("reviewer", "samira@monitors.example", "Samira", "Nasr"),
    "lina.haddad": ("lead", "lina.h@monitors.example", "Lina", "Haddad"),
    "huda.salem": ("lead", "huda@monitors.example", "Huda", "Salem"),
    "omar.farouk": ("admin", "omar@monitors.example", "Omar", "Farouk"),
}
TITLE = "ظهور قسري لأب يتبرأ من ابنه"
NOTES = "مصدرنا في الحي أكد الاعتقال"
REASON = "تبيّن أن المقطع مفبرك حسب شاهد"


def _account(name: str) -> object:
    role, email, first, last = STAFF[name]
    user = get_user_model().objects.create_user(name, email=email, password="pw-12345678",
                                                first_name=first, last_name=last)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def documented(incident: tuple[Incident, Path]) -> tuple[Incident, Path, dict]:  # noqa: F811
    """The fixture's broadcast, documented by five staff through the review rules."""
    _old, data_dir = incident
    staff = {name: _account(name) for name in STAFF}
    broadcast = Broadcast.objects.get()
    inc = incidents.propose(staff["rami.khoury"], broadcast_id=broadcast.pk, start=1.0,
                            end=4.0, title="مسودة", notes="ملاحظة أولى")
    incidents.edit(inc.pk, staff["rami.khoury"], title=TITLE, notes=NOTES)
    incidents.add_clip(inc.pk, staff["rami.khoury"], broadcast_id=broadcast.pk, start=0.5,
                       end=2.0, note="اتصلت بالعائلة")
    incidents.assign(inc.pk, staff["lina.haddad"], staff["samira.nasr"])
    workflow.set_status(inc.pk, staff["rami.khoury"], "under_review")
    workflow.assess(inc.pk, staff["huda.salem"], confidence="high", note="رأيي الخاص")
    workflow.set_status(inc.pk, staff["huda.salem"], "dismissed", reason=REASON)
    audit.record("tag-added", staff["samira.nasr"], broadcast=broadcast,
                 details={"tag": "تبرؤ", "by": "samira.nasr"})
    return Incident.objects.get(pk=inc.pk), data_dir, staff


def _identifiers() -> list[str]:
    out = []
    for name, (_role, email, first, last) in STAFF.items():
        out += [name, email, f"{first} {last}"]
    return out


def _named(bag: Path) -> list[tuple[str, str]]:
    """(file, identifier) for every account identifier found in any file of the bag."""
    hits = []
    for path in sorted(p for p in bag.rglob("*") if p.is_file()):
        raw = path.read_bytes().lower()
        hits += [(path.relative_to(bag).as_posix(), ident) for ident in _identifiers()
                 if ident.lower().encode() in raw]
    return hits


def test_a_public_package_names_no_monitor_and_lists_what_it_left_out(
        documented: tuple[Incident, Path, dict], tmp_path: Path) -> None:
    inc, data_dir, staff = documented
    public = tmp_path / "public"
    result = export_bag(inc.pk, public, profile="public", data_dir=data_dir,
                        user=staff["omar.farouk"])
    assert _named(public) == []

    doc = json.loads((public / "data" / "incident" / "incident.json").read_text())
    # Stable pseudonyms: the same account is the same name in every place.
    assert doc["proposed_by"] == doc["last_edited_by"] == "Reviewer 1"
    assert doc["assigned"] == sorted(["Reviewer 1", "Reviewer 2"])
    assert doc["decided_by"] == "Lead 1"
    by = [h["by"] for h in doc["history"]]
    assert by[0] == "Reviewer 1" and "Lead 2" in by and by[-1] == "Lead 1"
    assert [a["by"] for a in doc["assessments"] if a["kind"] == "second"] == ["Lead 1"]
    assert {c["added_by"] for c in doc["clips"]} == {"Reviewer 1"}
    assert "Raqib-Exported-By: Admin 1" in (public / "bag-info.txt").read_text()
    chain = json.loads((public / "data" / "custody" / "audit-chain.json").read_text())
    tag = [e for e in chain["events"] if e["action"] == "tag-added"]
    assert tag and tag[0]["redacted"] is True and tag[0]["actor"] == "Reviewer 2"
    assert CustodyEvent.objects.get(seq=tag[0]["seq"]).hash == tag[0]["hash"]
    # Free texts not marked public are left out, and the package says what it left out.
    text = json.dumps(doc, ensure_ascii=False)
    for secret in (TITLE, NOTES, REASON, "اتصلت بالعائلة", "رأيي الخاص", "مسودة"):
        assert secret not in text
    redactions = json.loads((public / "data" / "incident" / "redactions.json").read_text())
    assert sorted(redactions["pseudonyms"]) == ["Admin 1", "Lead 1", "Lead 2", "Reviewer 1",
                                                "Reviewer 2"]
    left = {e["what"] for e in redactions["left_out"]}
    assert {"the incident's title", "the incident's notes", "the clips' notes",
            "the assessments' notes", "the history's reasons not marked public"} <= left
    assert result.withheld == doc["withheld"] and "the incident's title" in result.withheld
    summary = (public / "data" / "incident" / "summary.html").read_text()
    assert "Public profile: left out" in summary and "the incident&#x27;s title" in summary
    assert TITLE not in summary and "Reviewer 1" in summary
    assert verify_bag.verify(public)["ok"]  # the stubs keep the bag verifiable

    # The full profile keeps everything.
    full = tmp_path / "full"
    export_bag(inc.pk, full, profile="full", data_dir=data_dir, user=staff["omar.farouk"])
    found = {ident for _file, ident in _named(full)}
    assert {"rami.khoury", "lina.haddad", "huda.salem", "samira.nasr", "omar.farouk"} <= found
    full_doc = (full / "data" / "incident" / "incident.json").read_text()
    assert TITLE in full_doc and NOTES in full_doc and REASON in full_doc


def test_a_lead_marks_text_public_and_only_that_text_is_published(
        documented: tuple[Incident, Path, dict], tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    inc, data_dir, staff = documented
    reviewer, lead = staff["rami.khoury"], staff["lina.haddad"]
    with pytest.raises(incidents.ReviewRuleError):
        incidents.mark_public(inc.pk, reviewer, "title")
    dismissed = inc.events.get(action="status-changed", to_status="dismissed")
    incidents.mark_public(inc.pk, lead, "title")
    monkeypatch.setitem(settings.CONFIG.values, "raqib.data_dir", str(data_dir))
    assert main(["incidents", "mark-public", str(inc.pk), "--notes", "--reason",
                 str(dismissed.pk), *as_person("huda.salem"), "--format", "json"]) == 0
    marked = json.loads(capsys.readouterr().out)
    assert {m["field"] for m in marked["marked"]} == {"notes", "reason"}
    assert CustodyEvent.objects.filter(action="incident-text-public").count() == 3
    with translation.override("en"), pytest.raises(incidents.IncidentError,
                                                   match="no history event"):
        incidents.mark_public(inc.pk, lead, "reason", event_id=999999)

    bag = tmp_path / "marked"
    export_bag(inc.pk, bag, profile="public", data_dir=data_dir)
    doc = json.loads((bag / "data" / "incident" / "incident.json").read_text())
    assert doc["title"] == TITLE and doc["notes"] == NOTES
    assert [h["reason"] for h in doc["history"] if h["reason"]] == [REASON]
    assert _named(bag) == []

    # A withdrawn mark, or a text changed since it was marked, is withheld again.
    assert main(["incidents", "mark-public", str(inc.pk), "--notes", "--withdraw",
                 *as_person("huda.salem")]) == 0
    capsys.readouterr()
    workflow.set_status(inc.pk, staff["huda.salem"], "under_review", reason="نراجع")
    incidents.edit(inc.pk, reviewer, title="عنوان جديد")
    again = tmp_path / "again"
    export_bag(inc.pk, again, profile="public", data_dir=data_dir)
    doc = json.loads((again / "data" / "incident" / "incident.json").read_text())
    assert doc["notes"] == "" and doc["title"] != "عنوان جديد"
    assert "the incident's title (marked public, but changed since)" in doc["withheld"]
    assert PublicText.objects.filter(incident=inc).count() == 4  # every decision kept

    # A text marked public that names an account stops the export (fail closed).
    workflow.set_status(inc.pk, staff["huda.salem"], "dismissed", reason="Lina Haddad قالت")
    latest = inc.events.filter(action="status-changed").latest("id")
    incidents.mark_public(inc.pk, lead, "reason", event_id=latest.pk)
    with pytest.raises(EvidenceExportError, match="would name the account 'lina"):
        export_bag(inc.pk, tmp_path / "named", profile="public", data_dir=data_dir)
    assert not (tmp_path / "named").exists()


def test_the_public_zip_from_the_command_line_names_no_monitor(
        documented: tuple[Incident, Path, dict], tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    inc, data_dir, _staff = documented
    monkeypatch.setitem(settings.CONFIG.values, "raqib.data_dir", str(data_dir))
    monkeypatch.setitem(settings.CONFIG.values, "evidence.tsa_urls", [])
    assert main(["evidence", "export", str(inc.pk), "--out", str(tmp_path / "p"), "--zip",
                 "--profile", "public", *as_person("omar.farouk"), "--format", "json"]) == 0
    made = json.loads(capsys.readouterr().out)
    raw = Path(made["path"]).read_bytes().lower()
    with zipfile.ZipFile(made["path"]) as archive:
        raw += b"".join(archive.read(n) for n in archive.namelist()).lower()
    assert [i for i in _identifiers() if i.lower().encode() in raw] == []
