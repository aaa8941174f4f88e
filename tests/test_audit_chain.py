"""The hash-chained audit log (catalog.chain): the database refuses UPDATE and DELETE, a
forged or altered row is found by ``raqib audit verify`` (exit 1, naming the row), and
parallel writers (processes) never fork the chain, on SQLite and on PostgreSQL.

The attacker's moves come first: ``QuerySet.update()``, ``delete()``, raw SQL, a forged
insert and a back-dated one. The parallel-writer tests run real processes against a file
SQLite database and a throw-away PostgreSQL cluster (tests/services.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from catalog import audit, chain
from catalog.audit_chain import chain_head, verify_chain
from catalog.models import Alert, CustodyEvent, Outlet, Source, Watchlist
from review.alerts import review_alert
from tests.services import postgres_server

REPO = Path(__file__).resolve().parent.parent


def _events(n: int) -> list[CustodyEvent]:
    return [audit.record("test-event", details={"n": i, "text": "أنا أتبرأ"}) for i in range(n)]


@pytest.mark.django_db
def test_events_are_chained_and_the_database_refuses_update_and_delete() -> None:
    first, second, third = _events(3)
    assert (first.seq, second.seq, third.seq) == (1, 2, 3)
    assert first.prev_hash == chain.GENESIS and second.prev_hash == first.hash
    assert verify_chain()["ok"] and chain_head()["hash"] == third.hash

    for attack in (lambda: CustodyEvent.objects.filter(pk=second.pk).update(actor="x"),
                   lambda: CustodyEvent.objects.filter(pk=second.pk).delete(),
                   lambda: connection.cursor().execute(
                       "UPDATE raqib_custodyevent SET details = '{}' WHERE id = %s",
                       [second.pk]),
                   lambda: connection.cursor().execute(
                       "DELETE FROM raqib_custodyevent WHERE id = %s", [second.pk])):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attack()
    with pytest.raises(PermissionError):
        second.delete()
    assert CustodyEvent.objects.get(pk=second.pk).details == {"n": 1, "text": "أنا أتبرأ"}
    assert verify_chain()["ok"]


@pytest.mark.django_db
def test_a_forged_insert_is_named_by_verify(capsys: pytest.CaptureFixture[str]) -> None:
    from raqib.cli import main

    _events(2)
    head = chain_head()
    with connection.cursor() as cursor:  # raw SQL, a made-up row after the head
        cursor.execute(
            "INSERT INTO raqib_custodyevent (seq, prev_hash, hash, at, action, actor, "
            "sha256, source_url, final_url, host, tool_versions, details) VALUES "
            "(%s, %s, %s, %s, 'captured', 'forger', '', '', '', '', '{}', '{}')",
            [head["seq"] + 1, head["hash"], "f" * 64, timezone.now()])
    forged = CustodyEvent.objects.get(actor="forger")
    _events(1)  # the application keeps chaining on top of the forged row

    assert main(["audit", "verify", "--format", "json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is False
    assert result["problem"]["seq"] == forged.seq and result["problem"]["id"] == forged.pk
    assert "altered or forged" in result["problem"]["reason"]
    assert main(["audit", "verify"]) == 1
    assert f"BROKEN at seq {forged.seq} (id {forged.pk})" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_row_skipped_or_back_dated_is_detected_or_refused() -> None:
    _events(3)
    # A row whose seq leaves a gap (what deleting a row with the triggers dropped leaves).
    rows = list(CustodyEvent.objects.order_by("seq").values(
        "id", "hash", "prev_hash", *chain.CHAINED_FIELDS))
    broken = chain.verify_rows([rows[0], rows[2]])
    assert broken.problem and broken.problem.seq == 3 and "missing" in broken.problem.reason
    swapped = chain.verify_rows([rows[0], {**rows[1], "actor": "someone else"}, rows[2]])
    assert swapped.problem and swapped.problem.seq == 2
    with pytest.raises(PermissionError, match="back-dated"):
        CustodyEvent.objects.create(action="captured", actor="late",
                                    at=timezone.now() - timezone.timedelta(days=30))


@pytest.mark.django_db
def test_alert_reviews_keep_their_history_and_accounts_are_audited(client) -> None:
    user = get_user_model().objects.create_user("rima", password="pw-123456789")
    outlet = Outlet.objects.create(name="o")
    source = Source.objects.create(name="s", outlet=outlet, kind="site")
    broadcast = source.broadcasts.create(outlet=outlet, external_id="1",
                                         url="https://example.org/1")
    watchlist = Watchlist.objects.create(name="w", query="x")
    alert = Alert.objects.create(watchlist=watchlist, broadcast=broadcast, track="asr",
                                 model_id="m", segment_number=0, start=0, end=1, text="t")
    review_alert(alert, "confirmed", user=user, note="first")
    review_alert(alert, "dismissed", user=user, note="second thoughts")
    assert [(r.status, r.note) for r in alert.reviews.order_by("id")] == [
        ("confirmed", "first"), ("dismissed", "second thoughts")]
    with pytest.raises(DatabaseError), transaction.atomic():
        alert.reviews.update(note="rewritten")
    from review.alerts import alert_json
    assert [(r["status"], r["by"]) for r in alert_json(alert)["reviews"]] == [
        ("confirmed", "rima"), ("dismissed", "rima")]

    from django.contrib.auth.models import Group
    user.groups.add(Group.objects.get_or_create(name="lead")[0])
    client.post(reverse("review_ui:login"), {"username": "rima", "password": "wrong-password!"})
    actions = list(CustodyEvent.objects.order_by("seq").values_list("action", flat=True))
    assert actions[:4] == ["user-created", "alert-confirmed", "alert-dismissed",
                           "user-roles-added"]
    failed = CustodyEvent.objects.filter(action="user-login-failed").last()
    assert failed is not None and failed.details["user"] == "rima"
    assert "wrong-password" not in json.dumps(failed.details)
    assert verify_chain()["ok"]


WRITER = """
import sys, django
django.setup()
from catalog import audit
for i in range(int(sys.argv[1])):
    audit.record("parallel-write", details={"writer": sys.argv[2], "n": i})
"""

TAMPER = """
import django
django.setup()
from django.db import DatabaseError, connection
refused = []
for sql in ("UPDATE raqib_custodyevent SET actor = 'x'", "DELETE FROM raqib_custodyevent",
            "TRUNCATE raqib_custodyevent" if connection.vendor == "postgresql"
            else "DELETE FROM raqib_custodyevent WHERE seq = 1"):
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
        refused.append(False)
    except DatabaseError as exc:
        refused.append("append-only" in str(exc))
print(refused)
"""


def _env(tmp_path: Path, extra: dict[str, str]) -> dict[str, str]:
    config = tmp_path / "raqib.toml"
    config.write_text("")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("RAQIB_", "DJANGO_", "DATABASE_URL"))}
    return env | {"RAQIB_DATA_DIR": str(tmp_path / "data"), "RAQIB_CONFIG": str(config),
                  "DJANGO_SETTINGS_MODULE": "raqib.settings", "PYTHONPATH": str(REPO)} | extra


def _parallel_writers_never_fork(tmp_path: Path, extra: dict[str, str]) -> None:
    env = _env(tmp_path, extra)
    run = [sys.executable, "-m", "raqib"]
    migrated = subprocess.run([*run, "manage", "migrate"], env=env, capture_output=True,
                              text=True, timeout=300)
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    writers, each = 4, 40
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(each), f"w{w}"], env=env,
                              stderr=subprocess.PIPE) for w in range(writers)]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()[-2000:]
    done = subprocess.run([*run, "audit", "verify", "--format", "json"], env=env,
                          capture_output=True, text=True, timeout=120)
    result = json.loads(done.stdout)
    assert done.returncode == 0 and result["ok"], result
    assert result["events"] == writers * each  # every write landed, none forked
    head = json.loads(subprocess.run([*run, "audit", "head", "--format", "json"], env=env,
                                     capture_output=True, text=True, check=True).stdout)
    assert head["seq"] == writers * each and head["hash"] == result["head_hash"]
    published = f"{head['seq']}:{head['hash']}"
    assert subprocess.run([*run, "audit", "verify", "--expect", published], env=env,
                          capture_output=True, timeout=120).returncode == 0
    rewritten = subprocess.run([*run, "audit", "verify", "--expect", f"3:{'a' * 64}"],
                               env=env, capture_output=True, text=True, timeout=120)
    assert rewritten.returncode == 1 and "REWRITTEN: seq 3" in rewritten.stdout

    refused = subprocess.run([sys.executable, "-c", TAMPER], env=env, capture_output=True,
                             text=True, timeout=60)
    assert refused.returncode == 0, refused.stderr[-2000:]
    assert refused.stdout.strip() == "[True, True, True]"  # raw UPDATE, DELETE, TRUNCATE
    after = subprocess.run([*run, "audit", "verify", "--format", "json"], env=env,
                           capture_output=True, text=True, timeout=120)
    assert after.returncode == 0 and json.loads(after.stdout)["events"] == writers * each


def test_parallel_writers_never_fork_the_chain_on_sqlite(tmp_path: Path) -> None:
    _parallel_writers_never_fork(tmp_path, {})


@pytest.mark.scaled
def test_parallel_writers_never_fork_the_chain_on_postgresql(tmp_path: Path) -> None:
    with postgres_server() as url:
        _parallel_writers_never_fork(tmp_path, {"DATABASE_URL": url})
