"""The attacker with write access to the database (raw SQL, the append-only triggers
dropped) against ``raqib audit verify``: a row appended at the tail with a correctly
computed hash, a truncated tail, a rewritten chain, a forged or deleted anchor. Published
heads (``--expect``) and anchored heads (``raqib audit anchor``: RFC 3161 tokens from a
real ``openssl ts`` TSA on loopback) must name each of them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from catalog import audit, chain
from catalog.audit_chain import ROW_FIELDS, chain_head
from catalog.models import CustodyEvent
from raqib.cli import main
from tests.evidence.local_tsa import LocalTSA

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def local_tsa(tmp_path_factory: pytest.TempPathFactory):
    with LocalTSA(tmp_path_factory.mktemp("tsa")) as server:
        yield server


@pytest.fixture
def tsa_configured(local_tsa: LocalTSA, monkeypatch: pytest.MonkeyPatch) -> LocalTSA:
    monkeypatch.setitem(settings.CONFIG.values, "evidence.tsa_urls", [local_tsa.url])
    monkeypatch.setitem(settings.CONFIG.values, "audit.tsa_ca", str(local_tsa.ca_pem))
    return local_tsa


def _events(n: int, label: str = "e") -> None:
    for i in range(n):
        audit.record("test-event", details={"n": i, "label": label})


def _verify(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict, str]:
    code = main(["audit", "verify", "--format", "json", *extra])
    result = json.loads(capsys.readouterr().out)
    main(["audit", "verify", *extra])
    return code, result, capsys.readouterr().out


def _anchor(capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(["audit", "anchor", "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


class Triggers:
    """The attacker's first move: drop the append-only triggers (put back afterwards, as
    an attacker covering their tracks would)."""

    def __enter__(self) -> None:
        with connection.cursor() as cursor:
            for sql in chain.drop_trigger_sql(connection.vendor):
                cursor.execute(sql)

    def __exit__(self, *exc: object) -> None:
        with connection.cursor() as cursor:
            for sql in chain.trigger_sql(connection.vendor):
                cursor.execute(sql)


def _append_forged(actor: str = "forger") -> None:
    """Raw SQL: a row after the head whose hash is computed correctly."""
    head = chain_head()
    fields = {"seq": head["seq"] + 1, "at": chain.utc_text(head["at"]), "action": "captured",
              "actor": actor, "broadcast_id": None, "media_id": None, "sha256": "",
              "source_url": "", "final_url": "", "http_status": None, "host": "",
              "tool_versions": {}, "details": {}}
    digest = chain.event_hash(fields, head["hash"])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO raqib_custodyevent (seq, prev_hash, hash, at, action, actor, sha256, "
            "source_url, final_url, host, tool_versions, details) VALUES "
            "(%s, %s, %s, %s, 'captured', %s, '', '', '', '', '{}', '{}')",
            [fields["seq"], head["hash"], digest, head["at"], actor])


def _rewrite_from(seq: int, details: dict) -> None:
    """Change row ``seq`` and recompute every hash after it: a consistent, rewritten chain
    (nothing in the chain alone tells it from the original)."""
    rows = list(CustodyEvent.objects.order_by("seq").values(*ROW_FIELDS))
    prev = chain.GENESIS
    with Triggers(), connection.cursor() as cursor:
        for row in rows:
            if row["seq"] == seq:
                row["details"] = details
            digest = chain.event_hash(row, prev)
            if row["seq"] >= seq:
                cursor.execute("UPDATE raqib_custodyevent SET details = %s, prev_hash = %s, "
                               "hash = %s WHERE id = %s",
                               [json.dumps(row["details"]), "x" + digest[1:], "y" + digest[1:],
                                row["id"]])
            prev = digest
        prev = chain.GENESIS  # second pass: unique columns, so set the real values now
        for row in rows:
            digest = chain.event_hash(row, prev)
            if row["seq"] >= seq:
                cursor.execute("UPDATE raqib_custodyevent SET prev_hash = %s, hash = %s "
                               "WHERE id = %s", [prev, digest, row["id"]])
            prev = digest


def test_a_tail_appended_after_an_expected_head_is_not_accepted(
        capsys: pytest.CaptureFixture[str]) -> None:
    _events(3)
    head = chain_head()
    published = f"{head['seq']}:{head['hash']}"
    assert _verify(capsys, "--expect", published)[0] == 0
    _append_forged()

    code, result, text = _verify(capsys, "--expect", published)
    assert code == 1 and result["ok"] is False
    assert result["expected"] == [{"seq": 3, "hash": head["hash"], "found": head["hash"],
                                   "ok": True}]
    assert result["uncovered"]["from_seq"] == 4 and result["uncovered"]["count"] == 1
    assert result["uncovered"]["rows"][0]["actor"] == "forger"
    assert "NOT COVERED: 1 row(s) from seq 4 on" in text and "captured by forger" in text
    # The operator who knows rows came since lists them without failing on them.
    code, result, text = _verify(capsys, "--expect", published, "--allow-tail")
    assert code == 0 and "LISTED: 1 row(s)" in text and "by forger" in text
    # A head beyond the chain (the tail truncated below it) is not held.
    assert _verify(capsys, "--expect", f"9:{head['hash']}", "--allow-tail")[0] == 1
    assert main(["audit", "verify", "--expect", "3:nothex"]) == 2


def test_a_truncated_tail_below_an_anchor_is_named(
        capsys: pytest.CaptureFixture[str], tsa_configured: LocalTSA) -> None:
    _events(5)
    anchored = _anchor(capsys)["anchors"][0]
    assert anchored["status"] == "anchored" and anchored["seq"] == 5
    code, result, _ = _verify(capsys)
    assert code == 0 and result["anchors"]["unanchored_tail"] == 1  # the anchor's record
    with Triggers(), connection.cursor() as cursor:  # the last rows and the anchor record
        cursor.execute("DELETE FROM raqib_custodyevent WHERE seq >= 4")

    code, result, text = _verify(capsys)
    assert code == 1 and result["problem"] is None  # the chain alone looks intact
    assert any(p.startswith(f"TRUNCATED: anchor {anchored['id']} (seq 5")
               and "rows 4..5 were removed" in p for p in result["anchors"]["problems"])
    assert f"anchor {anchored['id']} (seq 5, {anchored['gen_time']}) is in the anchor table " \
        "but not recorded on the chain (added behind the chain's back)" in result["anchors"][
            "problems"]  # its record was among the rows removed
    assert "ANCHOR PROBLEM TRUNCATED" in text
    # The truncated chain is not anchored afresh (a new token would look like a good one).
    assert main(["audit", "anchor"]) == 1
    assert "no longer holds the hash of anchor" in capsys.readouterr().err


def test_a_rewritten_chain_is_caught_by_the_first_anchor_that_no_longer_matches(
        capsys: pytest.CaptureFixture[str], tsa_configured: LocalTSA) -> None:
    _events(3)
    first = _anchor(capsys)["anchors"][0]  # seq 3; its record is seq 4
    _events(2)
    second = _anchor(capsys)["anchors"][0]  # seq 6
    assert _anchor(capsys)["anchors"][0]["status"] == "up-to-date"
    _events(1)
    assert _verify(capsys)[0] == 0
    _rewrite_from(5, {"n": 0, "label": "what the attacker wants"})

    code, result, text = _verify(capsys)
    assert result["problem"] is None and result["missing_triggers"] == []
    assert code == 1
    problems = result["anchors"]["problems"]
    assert len(problems) == 1 and problems[0].startswith(f"REWRITTEN: anchor {second['id']}")
    assert "rows 4..6 were inserted, removed or changed" in problems[0]
    assert result["anchors"]["last_anchored_seq"] == first["seq"]
    assert result["anchors"]["unanchored_tail"] == 8 - 3

    _rewrite_from(2, {"n": 1, "label": "rewritten from the start"})  # below both anchors
    problems = _verify(capsys)[1]["anchors"]["problems"]
    assert problems[0].startswith(f"REWRITTEN: anchor {first['id']}")
    assert "rows 1..3 were inserted" in problems[0]


def test_a_forged_deleted_or_changed_anchor_is_named(
        capsys: pytest.CaptureFixture[str], tsa_configured: LocalTSA,
        tmp_path: Path) -> None:
    _events(3)
    anchor = _anchor(capsys)["anchors"][0]
    _events(1)
    _rewrite_from(2, {"n": 1, "label": "rewritten"})
    forged_hash = CustodyEvent.objects.get(seq=3).hash
    with Triggers(), connection.cursor() as cursor:  # make the anchor agree with the rewrite
        cursor.execute("UPDATE raqib_auditanchor SET head_hash = %s", [forged_hash])
    problems = _verify(capsys)[1]["anchors"]["problems"]
    assert any("its timestamp token does not verify" in p for p in problems)
    assert any("differs from its record on the chain" in p for p in problems)

    with Triggers(), connection.cursor() as cursor:  # or delete the anchor altogether
        cursor.execute("DELETE FROM raqib_auditanchor")
    problems = _verify(capsys)[1]["anchors"]["problems"]
    assert problems == [f"anchor {anchor['id']} (seq 3), recorded on the chain at seq 4, is "
                        "missing from the anchor table (deleted)"]

    # A token from another TSA (the attacker's own) is refused against audit.tsa_ca.
    with LocalTSA(tmp_path / "own", name="Attacker TSA") as own:
        settings.CONFIG.values["evidence.tsa_urls"] = [own.url]
        _events(1)
        _anchor(capsys)
        problems = _verify(capsys)[1]["anchors"]["problems"]
    assert any("its timestamp token does not verify" in p for p in problems)


def test_anchors_are_exported_append_only_and_checkable_outside(
        capsys: pytest.CaptureFixture[str], tsa_configured: LocalTSA, tmp_path: Path) -> None:
    import base64
    import subprocess

    from django.db import DatabaseError, transaction

    from catalog.models import AuditAnchor

    assert main(["audit", "anchor"]) == 0 and "empty" in capsys.readouterr().out
    _events(2)
    _anchor(capsys)
    assert main(["audit", "anchors", "--format", "json"]) == 0
    [published] = json.loads(capsys.readouterr().out)
    assert published["seq"] == 2 and published["hash"] == CustodyEvent.objects.get(seq=2).hash
    assert json.loads(published["statement"]) == {"hash": published["hash"], "seq": 2,
                                                  "type": "raqib-audit-head"}
    (tmp_path / "head.json").write_text(published["statement"])
    (tmp_path / "token.tsr").write_bytes(base64.b64decode(published["token_base64"]))
    checked = subprocess.run(
        ["openssl", "ts", "-verify", "-data", str(tmp_path / "head.json"), "-in",
         str(tmp_path / "token.tsr"), "-CAfile", str(tsa_configured.ca_pem)],
        capture_output=True, text=True, timeout=60)
    assert "Verification: OK" in checked.stdout, checked.stderr
    recorded = CustodyEvent.objects.get(action="audit-anchored")
    assert recorded.details["anchor"] == published["id"] and recorded.seq == 3

    for attack in (lambda: AuditAnchor.objects.update(seq=1),
                   lambda: AuditAnchor.objects.all().delete()):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attack()
    assert main(["audit", "anchors"]) == 0 and published["hash"] in capsys.readouterr().out


def test_anchor_without_a_tsa_or_with_a_dead_one_says_so(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _events(1)
    monkeypatch.setitem(settings.CONFIG.values, "evidence.tsa_urls", [])
    assert main(["audit", "anchor"]) == 2
    assert "no TSA configured" in capsys.readouterr().err
    monkeypatch.setitem(settings.CONFIG.values, "evidence.tsa_urls", ["http://127.0.0.1:9/"])
    assert main(["audit", "anchor"]) == 1
    assert "not anchored" in capsys.readouterr().err
    assert not CustodyEvent.objects.filter(action="audit-anchored").exists()
    code, result, text = _verify(capsys)
    assert code == 0 and "NO ANCHORS" in text and result["anchors"]["unanchored_tail"] == 1


@pytest.mark.scaled
def test_the_attacks_are_named_on_postgresql() -> None:
    """This file and the incident replay's, on a throw-away PostgreSQL (tests.services)."""
    import os
    import subprocess
    import sys

    from tests.services import postgres_server

    repo = Path(__file__).resolve().parent.parent
    with postgres_server() as url:
        env = {**os.environ, "RAQIB_TEST_DATABASE_URL": url}
        env.pop("DJANGO_SETTINGS_MODULE", None)  # settings load after conftest names the db
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m",
             "not scaled", __file__, "tests/review/test_incident_replay.py",
             f"{__file__}::test_the_suite_runs_on_postgresql"],
            cwd=repo, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "10 passed" in proc.stdout and "skipped" not in proc.stdout, proc.stdout[-2000:]


def test_the_suite_runs_on_postgresql() -> None:
    import os

    if not os.environ.get("RAQIB_TEST_DATABASE_URL"):
        pytest.skip("runs inside test_the_attacks_are_named_on_postgresql")
    assert connection.vendor == "postgresql"
