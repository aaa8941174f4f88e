"""``raqib persons`` and ``raqib incidents`` as an outside check drives them: JSON out, the
role and two-person rules applied to the person a token names (``--token-file``, as
``RAQIB_TOKEN`` would), exit 1 on a rule or without a person, 2 on bad input, and nothing
written on either. The whole flow also runs as subprocesses on the demo data
(``tests/test_demo_command.py``) and on PostgreSQL (below)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts import tokens
from accounts.models import AccessToken
from catalog.models import Broadcast, CustodyEvent, MediaFile, Outlet, Source
from raqib.cli import main
from review.models import Incident, IncidentEvent, Person
from tests.cli_persons import as_person, token_file, token_for

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
                          *as_person("rev"), "--format", "json")
    assert code == 0 and father["name"] == "والد أماني بلور"
    code, amani, _ = run(capsys, "persons", "add", "د. أماني بلور", "--variant", "اماني بلور",
                         "--latin", "Dr Amani Ballour", "--kind", "activist", *as_person("rev"),
                         "--format", "json")
    assert code == 0 and amani["variants"] == ["اماني بلور"]


def propose(capsys, broadcast: Broadcast, by: str = "rev") -> dict:
    code, data, err = run(
        capsys, "incidents", "propose", "--broadcast", str(broadcast.pk), "--start", "12:40",
        "--end", "14:05", "--title", "والد د. أماني بلور يتبرأ منها", "--person",
        "والد أماني بلور", "--role", "disowns", "--relation", "father of", "--targeted",
        "Dr Amani Ballour", "--sign", "reads-script", *as_person(by), "--format", "json")
    assert code == 0, err
    return data


def test_propose_then_two_person_review(capsys, setup_db) -> None:
    add_people(capsys)
    data = propose(capsys, setup_db, by="lead1")
    assert data["status"] == "suspected" and data["clips"][0]["start"] == 760.0
    assert data["persons"][0]["targeted_name"] == "د. أماني بلور"
    incident = str(data["id"])
    assert run(capsys, "incidents", "review", incident, "--status", "under_review",
               *as_person("rev"))[0] == 0
    code, err = cli_error(capsys, "incidents", "review", incident, "--status", "confirmed",
                          "--confidence", "high", *as_person("lead1"))
    assert code == 1 and "two-person rule" in err
    code, err = cli_error(capsys, "incidents", "review", incident, "--status", "confirmed",
                          "--confidence", "high", *as_person("rev"))
    assert code == 1 and "lead role" in err
    code, err = cli_error(capsys, "incidents", "review", incident, "--status", "confirmed",
                          *as_person("lead2"))
    assert code == 2 and "--confidence" in err
    assert Incident.objects.get().status == "under_review"
    code, done, _ = run(capsys, "incidents", "review", incident, "--status", "confirmed",
                        "--confidence", "medium", "--sign", "detention-setting",
                        *as_person("lead2"), "--format", "json")
    assert code == 0 and done["status"] == "confirmed" and done["decided_by"] == "lead2"
    assert {a["kind"] for a in done["assessments"]} == {"proposer", "second"}
    code, shown, _ = run(capsys, "incidents", "show", incident, *as_person("lead1"),
                         "--format", "json")
    assert [h["action"] for h in shown["history"]] == [
        "proposed", "status-changed", "assessed", "status-changed"]
    code, listed, _ = run(capsys, "incidents", "list", "--status", "confirmed",
                          *as_person("lead1"), "--format", "json")
    assert [i["id"] for i in listed] == [int(incident)]
    assert run(capsys, "incidents", "list", "--status", "dismissed", *as_person("rev"),
               "--format", "json")[1] == []


def test_bad_input_and_unknown_references_write_nothing(capsys, setup_db) -> None:
    add_people(capsys)
    base = ["incidents", "propose", "--title", "t", *as_person("rev")]
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
                          "--start", "0", "--end", "5", "--title", "t", *as_person("watcher"))
    assert code == 1 and "does not allow 'review'" in err  # a viewer's token: read only
    code, err = cli_error(capsys, "incidents", "show", "12345", *as_person("rev"))
    assert code == 1 and "no incident" in err
    assert Incident.objects.count() == 0 and IncidentEvent.objects.count() == 0


def test_restricted_people_and_export(capsys, setup_db) -> None:
    code, secret, _ = run(capsys, "persons", "add", "معتقل مجهول", "--restricted", "--kind",
                          "detainee", *as_person("lead1"), "--format", "json")
    assert code == 0 and secret["restricted"] is True
    code, data, _ = run(capsys, "incidents", "propose", "--broadcast", str(setup_db.pk),
                        "--start", "0", "--end", "5", "--title", "ظهور", "--person",
                        f"#{secret['id']}", *as_person("lead1"), "--format", "json")
    assert code == 0 and data["restricted"] is True
    assert run(capsys, "persons", "list", "معتقل", *as_person("rev"), "--format", "json")[1] == []
    assert run(capsys, "incidents", "list", *as_person("rev"), "--format", "json")[1] == []
    assert len(run(capsys, "incidents", "list", *as_person("lead2"), "--format", "json")[1]) == 1
    code, err = cli_error(capsys, "incidents", "show", str(data["id"]), *as_person("rev"))
    assert code == 1 and "no incident" in err
    assert run(capsys, "incidents", "assign", str(data["id"]), "--reviewer", "rev",
               *as_person("lead1"), "--format", "json")[0] == 0
    assert len(run(capsys, "incidents", "list", *as_person("rev"), "--format", "json")[1]) == 1
    main(["incidents", "export", "--format", "csv", *as_person("lead2")])
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["title"] for r in rows] == ["ظهور"] and "معتقل مجهول" in rows[0]["persons"]
    assert "proposed" in rows[0]["history"] and rows[0]["restricted"] == "True"
    code, exported, _ = run(capsys, "incidents", "export", "--format", "json",
                            *as_person("lead2"))
    assert exported[0]["history"][0]["action"] == "proposed"
    assert Person.objects.get(pk=secret["id"]).name == "معتقل مجهول"


def test_leads_keep_the_signs_list(capsys, setup_db) -> None:
    code, err = cli_error(capsys, "incidents", "signs", "add", "blindfolded", "--label-ar",
                          "معصوب العينين", "--label-en", "blindfolded", *as_person("rev"))
    assert code == 1 and "lead" in err
    code, rows, _ = run(capsys, "incidents", "signs", "add", "blindfolded", "--label-ar",
                        "معصوب العينين", "--label-en", "blindfolded", *as_person("lead1"),
                        "--format", "json")
    assert code == 0 and {"code": "blindfolded", "active": True}.items() <= {
        r["code"]: r for r in rows}["blindfolded"].items()
    code, err = cli_error(capsys, "incidents", "signs", "add", "Bad Code!", "--label-ar",
                          "x", "--label-en", "x", *as_person("lead1"))
    assert code == 2
    code, rows, _ = run(capsys, "incidents", "signs", "deactivate", "blindfolded",
                        *as_person("lead1"), "--format", "json")
    assert {r["code"]: r for r in rows}["blindfolded"]["active"] is False
    code, person, _ = run(capsys, "persons", "add", "ناشط", "--public-act-on", "2020-03-01",
                          "--public-act", "شهادة أمام مجلس الأمن", *as_person("rev"),
                          "--format", "json")
    assert person["public_act_on"] == "2020-03-01" and person["public_act"].startswith("شهادة")


def test_lead_who_added_a_clip_may_not_confirm_after_someone_else_touched_it(
        capsys, setup_db) -> None:
    """Finding 4 of issue 23 through ``raqib incidents review`` with each lead's token."""
    add_people(capsys)
    incident = str(propose(capsys, setup_db, by="rev")["id"])
    for by, start in (("lead1", "20:00"), ("rev", "22:00")):  # lead1 shapes, rev touches last
        code, _, err = run(capsys, "incidents", "add-clip", incident, "--broadcast",
                           str(setup_db.pk), "--start", start, "--end", "21:30"
                           if start == "20:00" else "23:00", *as_person(by), "--format", "json")
        assert code == 0, err
    assert run(capsys, "incidents", "review", incident, "--status", "under_review",
               *as_person("rev"))[0] == 0
    for extra in (["--status", "confirmed", "--confidence", "high"],
                  ["--status", "dismissed", "--reason", "not a confession"]):
        code, err = cli_error(capsys, "incidents", "review", incident, *extra, *as_person("lead1"))
        assert code == 1 and "two-person rule" in err, err
    stored = Incident.objects.get()
    assert stored.status == "under_review" and stored.decided_by is None
    assert not stored.assessments.filter(kind="second").exists()
    code, done, _ = run(capsys, "incidents", "review", incident, "--status", "confirmed",
                        "--confidence", "medium", *as_person("lead2"), "--format", "json")
    assert code == 0 and done["decided_by"] == "lead2"


# --- the command line acts as a person (issue 24): the attacker's cases -----------------

def _written() -> tuple[int, int, int]:
    return (IncidentEvent.objects.count(), CustodyEvent.objects.exclude(
        action__startswith="token-").count(), Incident.objects.filter(
        status="confirmed").count())


def _under_review(capsys, broadcast: Broadcast, proposer: str = "lead1") -> str:
    add_people(capsys)
    incident = str(propose(capsys, broadcast, by=proposer)["id"])
    assert run(capsys, "incidents", "review", incident, "--status", "under_review",
               *as_person("rev"))[0] == 0
    return incident


def test_review_without_a_person_exits_1_and_writes_nothing(capsys, setup_db,
                                                            monkeypatch) -> None:
    incident = _under_review(capsys, setup_db)
    monkeypatch.delenv("RAQIB_TOKEN", raising=False)
    before = _written()
    for extra in ([], ["--by", "lead2"]):  # naming a lead is no longer being one
        code, err = cli_error(capsys, "incidents", "review", incident, "--status",
                              "confirmed", "--confidence", "high", *extra)
        assert code == 1 and "acts as a person" in err and "nothing written" in err, err
    for command in (["persons", "add", "x"], ["incidents", "list"],
                    ["tag", "add", str(setup_db.pk), "x"],
                    ["incidents", "signs", "add", "x", "--label-ar", "x", "--label-en", "x"]):
        code, err = cli_error(capsys, *command)
        assert code == 1 and "acts as a person" in err, (command, err)
    assert _written() == before and Incident.objects.get().status == "under_review"


def test_a_token_acts_only_within_its_role_its_scope_and_its_owner(capsys, setup_db,
                                                                    monkeypatch) -> None:
    incident = _under_review(capsys, setup_db)
    before = _written()
    confirm = ["incidents", "review", incident, "--status", "confirmed", "--confidence",
               "high"]
    code, err = cli_error(capsys, *confirm, *as_person("rev"))  # a reviewer's token
    assert code == 1 and "lead role" in err, err
    code, err = cli_error(capsys, *confirm, *as_person("lead2", "read"))  # read scope only
    assert code == 1 and "does not allow 'review'" in err, err
    code, err = cli_error(capsys, *confirm, *as_person("lead2"), "--by", "lead1")
    assert code == 1 and "is not the person signed in" in err, err
    code, err = cli_error(capsys, *confirm, *as_person("lead1"))  # proposed it
    assert code == 1 and "two-person rule" in err, err
    # the same lead's token from the environment is the same lead
    monkeypatch.setenv("RAQIB_TOKEN", token_for("lead1"))
    code, err = cli_error(capsys, *confirm)
    assert code == 1 and "two-person rule" in err, err
    assert _written() == before and Incident.objects.get().status == "under_review"
    # another lead, from the environment: confirmed, recorded as that lead
    monkeypatch.setenv("RAQIB_TOKEN", token_for("lead2"))
    code, done, err = run(capsys, *confirm, "--by", "lead2", "--format", "json")
    assert code == 0 and done["decided_by"] == "lead2", err
    event = CustodyEvent.objects.filter(action="token-used-from-new-address").last()
    assert event.actor == "lead2" and "(command line)" in event.details["address"]


def test_expired_revoked_malformed_and_missing_tokens_are_refused(capsys, setup_db,
                                                                  monkeypatch) -> None:
    incident = _under_review(capsys, setup_db)
    confirm = ["incidents", "review", incident, "--status", "confirmed", "--confidence",
               "high"]
    expired_raw, revoked_raw = token_for("lead2"), token_for("lead2")
    AccessToken.objects.filter(key_id=expired_raw.split("_")[1]).update(
        expires_at=AccessToken.objects.get(key_id=expired_raw.split("_")[1]).created_at)
    tokens.revoke(AccessToken.objects.get(key_id=revoked_raw.split("_")[1]), by=None)
    deactivated = token_for("lead2")
    before = _written()
    for raw in (expired_raw, revoked_raw, "raqib_nothing_here", expired_raw[:-2]):
        code, err = cli_error(capsys, *confirm, "--token-file", token_file(raw))
        assert code == 1 and tokens.REJECTED in err, err
        monkeypatch.setenv("RAQIB_TOKEN", raw)
        code, err = cli_error(capsys, *confirm)
        assert code == 1 and tokens.REJECTED in err, err
    monkeypatch.delenv("RAQIB_TOKEN")
    code, err = cli_error(capsys, *confirm, "--token-file", "/nonexistent/raqib.token")
    assert code == 1 and "cannot read --token-file" in err
    main(["users", "deactivate", "lead2"])
    capsys.readouterr()
    code, err = cli_error(capsys, *confirm, "--token-file", token_file(deactivated))
    assert code == 1 and tokens.REJECTED in err, err
    assert _written()[0] == before[0] and Incident.objects.get().status == "under_review"
