"""``raqib persons`` and ``raqib incidents`` as an outside check drives them: JSON out, the
role and two-person rules applied to ``--by USER``, exit 1 on a rule, 2 on bad input, and
nothing written on either. The whole flow also runs as subprocesses on the demo data
(``tests/test_demo_command.py``) and on PostgreSQL (below)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from catalog.models import Broadcast, MediaFile, Outlet, Source
from raqib.cli import main
from review.models import Incident, IncidentEvent, Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup_db() -> Broadcast:
    for name, role in (("rev", "reviewer"), ("lead1", "lead"), ("lead2", "lead"),
                       ("watcher", "viewer")):
        account = get_user_model().objects.create_user(name, password="unused-pass-1234")
        account.groups.add(Group.objects.get_or_create(name=role)[0])
    outlet = Outlet.objects.create(name="الإخبارية السورية")
    source = Source.objects.create(name="ikhbariya", outlet=outlet, kind="html")
    media = MediaFile.objects.create(sha256="b" * 64, path="m.mp4", size=1, duration=1800.0)
    return Broadcast.objects.create(source=source, outlet=outlet, external_id="ep",
                                    url="https://example.org/ep", title="من النفق إلى النور",
                                    media=media)


def run(capsys, *args: str) -> tuple[int, object, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    try:
        data = json.loads(out) if out.strip() else None
    except json.JSONDecodeError:
        data = out
    return code, data, err


def cli_error(capsys, *args: str) -> tuple[int, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    return code, capsys.readouterr().err


def add_people(capsys) -> None:
    code, father, _ = run(capsys, "persons", "add", "والد أماني بلور", "--kind", "relative",
                          "--format", "json")
    assert code == 0 and father["name"] == "والد أماني بلور"
    code, amani, _ = run(capsys, "persons", "add", "د. أماني بلور", "--variant", "اماني بلور",
                         "--latin", "Dr Amani Ballour", "--kind", "activist", "--format", "json")
    assert code == 0 and amani["variants"] == ["اماني بلور"]


def propose(capsys, broadcast: Broadcast, by: str = "rev") -> dict:
    code, data, err = run(
        capsys, "incidents", "propose", "--broadcast", str(broadcast.pk), "--start", "12:40",
        "--end", "14:05", "--title", "والد د. أماني بلور يتبرأ منها", "--person",
        "والد أماني بلور", "--role", "disowns", "--relation", "father of", "--targeted",
        "Dr Amani Ballour", "--sign", "reads-script", "--by", by, "--format", "json")
    assert code == 0, err
    return data


def test_propose_then_two_person_review(capsys, setup_db) -> None:
    add_people(capsys)
    data = propose(capsys, setup_db, by="lead1")
    assert data["status"] == "suspected" and data["clips"][0]["start"] == 760.0
    assert data["persons"][0]["targeted_name"] == "د. أماني بلور"
    incident = str(data["id"])
    assert run(capsys, "incidents", "review", incident, "--status", "under_review", "--by",
               "rev")[0] == 0
    code, err = cli_error(capsys, "incidents", "review", incident, "--status", "confirmed",
                          "--confidence", "high", "--by", "lead1")
    assert code == 1 and "two-person rule" in err
    code, err = cli_error(capsys, "incidents", "review", incident, "--status", "confirmed",
                          "--confidence", "high", "--by", "rev")
    assert code == 1 and "lead role" in err
    code, err = cli_error(capsys, "incidents", "review", incident, "--status", "confirmed",
                          "--by", "lead2")
    assert code == 2 and "--confidence" in err
    assert Incident.objects.get().status == "under_review"
    code, done, _ = run(capsys, "incidents", "review", incident, "--status", "confirmed",
                        "--confidence", "medium", "--sign", "detention-setting", "--by",
                        "lead2", "--format", "json")
    assert code == 0 and done["status"] == "confirmed" and done["decided_by"] == "lead2"
    assert {a["kind"] for a in done["assessments"]} == {"proposer", "second"}
    code, shown, _ = run(capsys, "incidents", "show", incident, "--format", "json")
    assert [h["action"] for h in shown["history"]] == [
        "proposed", "status-changed", "assessed", "status-changed"]
    code, listed, _ = run(capsys, "incidents", "list", "--status", "confirmed", "--format",
                          "json")
    assert [i["id"] for i in listed] == [int(incident)]
    assert run(capsys, "incidents", "list", "--status", "dismissed", "--format", "json")[1] == []


def test_bad_input_and_unknown_references_write_nothing(capsys, setup_db) -> None:
    add_people(capsys)
    base = ["incidents", "propose", "--title", "t", "--by", "rev"]
    for extra, message in (
            (["--broadcast", "999", "--start", "0", "--end", "5"], "no broadcast"),
            (["--broadcast", str(setup_db.pk), "--start", "50", "--end", "10"], "before it"),
            (["--broadcast", str(setup_db.pk), "--start", "0", "--end", "2:00:00"],
             "after the end"),
            (["--broadcast", str(setup_db.pk), "--start", "0", "--end", "5", "--person",
              "nobody at all"], "no person named"),
            (["--broadcast", str(setup_db.pk), "--start", "0", "--end", "5", "--relation",
              "father of"], "more --relation than --person")):
        code, err = cli_error(capsys, *base, *extra)
        assert code == 2 and message in err, (extra, err)
    code, err = cli_error(capsys, "incidents", "propose", "--broadcast", str(setup_db.pk),
                          "--start", "0", "--end", "5", "--title", "t", "--by", "watcher")
    assert code == 1 and "reviewer role" in err
    code, err = cli_error(capsys, "incidents", "propose", "--broadcast", str(setup_db.pk),
                          "--start", "0", "--end", "5", "--title", "t", "--by", "ghost")
    assert code == 2 and "no user named" in err
    code, err = cli_error(capsys, "incidents", "show", "12345")
    assert code == 1 and "no incident" in err
    assert Incident.objects.count() == 0 and IncidentEvent.objects.count() == 0


def test_restricted_people_and_export(capsys, setup_db) -> None:
    code, secret, _ = run(capsys, "persons", "add", "معتقل مجهول", "--restricted", "--kind",
                          "detainee", "--format", "json")
    assert code == 0 and secret["restricted"] is True
    code, data, _ = run(capsys, "incidents", "propose", "--broadcast", str(setup_db.pk),
                        "--start", "0", "--end", "5", "--title", "ظهور", "--person",
                        f"#{secret['id']}", "--by", "lead1", "--format", "json")
    assert code == 0 and data["restricted"] is True
    assert run(capsys, "persons", "list", "معتقل", "--by", "rev", "--format", "json")[1] == []
    assert run(capsys, "incidents", "list", "--by", "rev", "--format", "json")[1] == []
    assert len(run(capsys, "incidents", "list", "--by", "lead2", "--format", "json")[1]) == 1
    code, err = cli_error(capsys, "incidents", "show", str(data["id"]), "--by", "rev")
    assert code == 1 and "no incident" in err
    assert run(capsys, "incidents", "assign", str(data["id"]), "--reviewer", "rev", "--by",
               "lead1", "--format", "json")[0] == 0
    assert len(run(capsys, "incidents", "list", "--by", "rev", "--format", "json")[1]) == 1
    main(["incidents", "export", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["title"] for r in rows] == ["ظهور"] and "معتقل مجهول" in rows[0]["persons"]
    assert "proposed" in rows[0]["history"] and rows[0]["restricted"] == "True"
    code, exported, _ = run(capsys, "incidents", "export", "--format", "json")
    assert exported[0]["history"][0]["action"] == "proposed"
    assert Person.objects.get(pk=secret["id"]).name == "معتقل مجهول"


def test_leads_keep_the_signs_list(capsys, setup_db) -> None:
    code, err = cli_error(capsys, "incidents", "signs", "add", "blindfolded", "--label-ar",
                          "معصوب العينين", "--label-en", "blindfolded", "--by", "rev")
    assert code == 1 and "lead" in err
    code, rows, _ = run(capsys, "incidents", "signs", "add", "blindfolded", "--label-ar",
                        "معصوب العينين", "--label-en", "blindfolded", "--by", "lead1",
                        "--format", "json")
    assert code == 0 and {"code": "blindfolded", "active": True}.items() <= {
        r["code"]: r for r in rows}["blindfolded"].items()
    code, err = cli_error(capsys, "incidents", "signs", "add", "Bad Code!", "--label-ar",
                          "x", "--label-en", "x", "--by", "lead1")
    assert code == 2
    code, rows, _ = run(capsys, "incidents", "signs", "deactivate", "blindfolded", "--by",
                        "lead1", "--format", "json")
    assert {r["code"]: r for r in rows}["blindfolded"]["active"] is False
    code, person, _ = run(capsys, "persons", "add", "ناشط", "--public-act-on", "2020-03-01",
                          "--public-act", "شهادة أمام مجلس الأمن", "--format", "json")
    assert person["public_act_on"] == "2020-03-01" and person["public_act"].startswith("شهادة")


def test_lead_who_added_a_clip_may_not_confirm_after_someone_else_touched_it(
        capsys, setup_db) -> None:
    """Finding 4 of issue 23 through ``raqib incidents review --by``."""
    add_people(capsys)
    incident = str(propose(capsys, setup_db, by="rev")["id"])
    for by, start in (("lead1", "20:00"), ("rev", "22:00")):  # lead1 shapes, rev touches last
        code, _, err = run(capsys, "incidents", "add-clip", incident, "--broadcast",
                           str(setup_db.pk), "--start", start, "--end", "21:30"
                           if start == "20:00" else "23:00", "--by", by, "--format", "json")
        assert code == 0, err
    assert run(capsys, "incidents", "review", incident, "--status", "under_review", "--by",
               "rev")[0] == 0
    for extra in (["--status", "confirmed", "--confidence", "high"],
                  ["--status", "dismissed", "--reason", "not a confession"]):
        code, err = cli_error(capsys, "incidents", "review", incident, *extra, "--by", "lead1")
        assert code == 1 and "two-person rule" in err, err
    stored = Incident.objects.get()
    assert stored.status == "under_review" and stored.decided_by is None
    assert not stored.assessments.filter(kind="second").exists()
    code, done, _ = run(capsys, "incidents", "review", incident, "--status", "confirmed",
                        "--confidence", "medium", "--by", "lead2", "--format", "json")
    assert code == 0 and done["decided_by"] == "lead2"
