"""Who may administer users and tokens at the command line (issue 24), from the attacker's
side first: once an admin has enrolled a second factor, ``raqib users ...`` and ``raqib
tokens ...`` act only as an admin person (a token with the ``admin`` scope, or the
terminal sign-in: ``tests/test_cli_sign_in.py``). No token, a lead's token, an admin's
token without the admin scope, a revoked or expired token, or ``--by`` naming someone
else: exit 1, a readable message, nothing written (no user, token, invite or audit row;
a token's use is noted as ever). With the admin's token each works and the audit row
names the admin. Before any admin enrolled (bootstrap) they act as the system and the
audit says ``"bootstrap": true``. The rules themselves (``accounts.administration``)
refuse the same way whoever calls them.
"""

from __future__ import annotations

import json

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import administration, tokens
from accounts.models import AccessToken, EnrolmentInvite
from accounts.roles import set_role, user_role
from catalog.audit import actor_name
from catalog.models import CustodyEvent
from raqib.cli import main
from tests.cli_persons import as_person, token_file, token_for
from tests.review_ui.ui_helpers import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "a-strong-new-passphrase-2026"
TOKEN_USE = "token-used-from-new-address"  # a presented token's use is noted, as anywhere


def _cli(capsys, *args: str) -> tuple[int, object, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    out, err = capsys.readouterr()
    data: object = out
    if out.strip().startswith(("{", "[")):
        data = json.loads(out)
    return code, data, err


@pytest.fixture(autouse=True)
def _environment(monkeypatch) -> None:
    monkeypatch.delenv("RAQIB_TOKEN", raising=False)
    monkeypatch.setenv("RAQIB_PASSWORD", PASSWORD)


@pytest.fixture
def enrolled() -> dict[str, object]:
    """An enrolled admin (root), an enrolled lead (lina), a reviewer with a token (sami),
    a new user without a factor (newbie) and a failed login counted against root."""
    people = {"root": make_user("root", "admin"), "lina": make_user("lina", "lead"),
              "sami": make_user("sami", "reviewer"),
              "newbie": make_user("newbie", "viewer", second_factor=False)}
    people["sami_token"] = token_for("sami")
    AccessAttempt.objects.create(username="root", ip_address="203.0.113.9", user_agent="x",
                                 failures_since_start=3, attempt_time=timezone.now())
    assert not administration.bootstrap_open()
    return people


def _state() -> tuple:
    """Everything an administrative command could write."""
    users = tuple(get_user_model().objects.order_by("username").values_list(
        "username", "is_active", "password"))
    roles = tuple((u.username, user_role(u)) for u in get_user_model().objects.all())
    return (users, roles,
            tuple(AccessToken.objects.order_by("pk").values_list("pk", "revoked_at")),
            TOTPDevice.objects.count(), EnrolmentInvite.objects.count(),
            AccessAttempt.objects.count(),
            CustodyEvent.objects.exclude(action=TOKEN_USE).count())


def _commands(people: dict[str, object]) -> list[list[str]]:
    sami_key = str(people["sami_token"]).split("_")[1]
    return [["users", "create", "mallory", "--role", "admin"],
            ["users", "create", "lina", "--role", "admin"],
            ["tokens", "create", "root", "--scope", "admin", "--format", "json"],
            ["tokens", "create", "lina", "--scope", "read"],
            ["users", "deactivate", "root"],
            ["users", "reset-2fa", "root"],
            ["users", "unlock", "root"],
            ["users", "invite", "newbie"],
            ["tokens", "revoke", sami_key],
            ["users", "list", "--format", "json"],
            ["tokens", "list", "--format", "json"]]


def test_without_a_person_every_admin_command_refuses_and_writes_nothing(
        capsys, enrolled) -> None:
    before = _state()
    for command in _commands(enrolled):
        code, out, err = _cli(capsys, *command)
        assert code == 1, (command, err)
        assert "acts as an admin person" in err and "nothing written" in err, (command, err)
        assert "Traceback" not in err and not str(out).strip(), (command, out)
        # naming the admin is not being them
        code, _, err = _cli(capsys, *command, "--by", "root")
        assert code == 1 and "nothing written" in err, (command, err)
    assert _state() == before
    assert not get_user_model().objects.filter(username="mallory").exists()


def test_a_non_admin_or_a_narrow_revoked_or_foreign_token_is_refused(capsys, monkeypatch,
                                                                     enrolled) -> None:
    revoked, expired = token_for("root"), token_for("root")
    tokens.revoke(AccessToken.objects.get(key_id=revoked.split("_")[1]), by=None)
    AccessToken.objects.filter(key_id=expired.split("_")[1]).update(
        expires_at=timezone.now())
    cases = [
        (as_person("lina"), "does not allow 'admin'"),             # a lead's token
        (as_person("root", "read", "review"), "does not allow 'admin'"),  # admin, no scope
        (["--token-file", token_file(revoked)], tokens.REJECTED),
        (["--token-file", token_file(expired)], tokens.REJECTED),
        (["--token-file", token_file("raqib_0123456789ab_" + "x" * 43)], tokens.REJECTED),
        ([*as_person("root"), "--by", "lina"], "is not the person signed in"),
    ]
    lead_raw = token_for("lina")
    before = _state()
    for person, message in cases:
        for command in _commands(enrolled):
            code, out, err = _cli(capsys, *command, *person)
            assert code == 1 and message in err and "nothing written" in err, (command, err)
            assert not str(out).strip(), (command, out)
    monkeypatch.setenv("RAQIB_TOKEN", lead_raw)  # from the environment: the same
    for command in _commands(enrolled):
        code, _, err = _cli(capsys, *command)
        assert code == 1 and "does not allow 'admin'" in err, (command, err)
    assert _state() == before
    assert not get_user_model().objects.filter(username="mallory").exists()
    assert user_role(get_user_model().objects.get(username="lina")) == "lead"


def test_a_demoted_or_deactivated_admins_token_is_refused(capsys, enrolled) -> None:
    second = make_user("second", "admin")
    demoted, deactivated = as_person("second"), None
    set_role(second, "lead")  # the admin scope no longer allowed by the role
    code, _, err = _cli(capsys, "users", "create", "mallory", "--role", "admin", *demoted)
    assert code == 1 and "does not allow 'admin'" in err, err
    set_role(second, "admin")
    deactivated = as_person("second")
    second.is_active = False
    second.save()
    code, _, err = _cli(capsys, "users", "create", "mallory", "--role", "admin",
                        *deactivated)
    assert code == 1 and tokens.REJECTED in err, err
    assert not get_user_model().objects.filter(username="mallory").exists()


def test_the_admins_token_administers_and_the_audit_names_the_admin(capsys,
                                                                    enrolled) -> None:
    root = as_person("root")  # all of root's scopes: read, review, admin
    code, _, err = _cli(capsys, "users", "create", "nadia", "--role", "lead", *root,
                        "--by", "root")
    assert code == 0, err
    event = CustodyEvent.objects.filter(action="user-role-set").last()
    assert event.actor == "root" and event.details["user"] == "nadia"
    assert event.details["created"] is True and "bootstrap" not in event.details
    assert PASSWORD not in json.dumps(event.details)
    code, made, err = _cli(capsys, "tokens", "create", "nadia", "--scope", "read",
                           "--format", "json", *root)
    assert code == 0 and set(made) >= {"token", "key_id", "scopes", "state"}, err
    assert CustodyEvent.objects.filter(action="token-created").last().actor == "root"
    code, invite, err = _cli(capsys, "users", "invite", "nadia", "--format", "json", *root)
    assert code == 0 and set(invite) == {"name", "code", "link", "expires_at"}, err
    event = CustodyEvent.objects.filter(action="user-2fa-invited").last()
    assert event.actor == "root" and event.details["issued_by"] == "root"
    code, listed, _ = _cli(capsys, "users", "list", "--format", "json", *root)
    assert code == 0 and "nadia" in [row["name"] for row in listed]
    code, listed, _ = _cli(capsys, "tokens", "list", "--format", "json", *root)
    assert code == 0 and made["key_id"] in [row["key_id"] for row in listed]
    code, revoked, _ = _cli(capsys, "tokens", "revoke", made["key_id"], "--format", "json",
                            *root)
    assert code == 0 and revoked["state"] == "revoked"
    assert CustodyEvent.objects.filter(action="token-revoked").last().actor == "root"
    code, unlocked, _ = _cli(capsys, "users", "unlock", "root", "--format", "json", *root)
    assert code == 0 and unlocked["attempts_cleared"] == 1
    assert CustodyEvent.objects.filter(action="login-unlocked").last().actor == "root"
    code, reset, _ = _cli(capsys, "users", "reset-2fa", "lina", "--format", "json", *root)
    assert code == 0 and reset["devices_removed"] == 1
    assert CustodyEvent.objects.filter(action="user-2fa-reset").last().actor == "root"
    sami_tokens = AccessToken.objects.filter(user__username="sami").count()
    code, gone, _ = _cli(capsys, "users", "deactivate", "sami", "--format", "json", *root)
    assert code == 0 and gone == {"name": "sami", "active": False, "sessions_ended": 0,
                                  "tokens_revoked": sami_tokens}
    event = CustodyEvent.objects.filter(action="user-deactivated").last()
    assert event.actor == "root" and event.details["tokens_revoked"] == sami_tokens
    revoked_all = CustodyEvent.objects.filter(action="token-revoked").last()
    assert revoked_all.actor == "root" and revoked_all.details["key_ids"]
    with pytest.raises(tokens.TokenRejected):
        tokens.authenticate(str(enrolled["sami_token"]))


def test_bad_input_by_an_admin_is_a_readable_refusal(capsys, monkeypatch, enrolled) -> None:
    root = as_person("root")
    before = _state()
    for command, message in (
            (["users", "create", "bad name<", "--role", "viewer"], "nothing changed"),
            (["users", "deactivate", "ghost"], "no user named"),
            (["users", "invite", "root"], "already has a second factor"),
            (["users", "unlock"], "name a user"),
            (["tokens", "revoke", "²"], "no token"),
            (["tokens", "create", "lina", "--scope", "admin"], "exceed")):
        code, _, err = _cli(capsys, *command, *root)
        assert code == 2 and message in err and "Traceback" not in err, (command, err)
    monkeypatch.setenv("RAQIB_PASSWORD", "1234567890")
    code, _, err = _cli(capsys, "users", "create", "weak", "--role", "viewer", *root)
    assert code == 2 and "password refused" in err, err
    assert _state()[:-1] == before[:-1]  # only the admin token's first use was audited


def test_bootstrap_acts_as_the_system_and_says_so(capsys) -> None:
    assert administration.bootstrap_open()
    code, _, err = _cli(capsys, "users", "create", "first", "--role", "admin")
    assert code == 0, err
    event = CustodyEvent.objects.filter(action="user-role-set").last()
    assert event.actor == actor_name(None) and event.details["bootstrap"] is True
    code, made, err = _cli(capsys, "tokens", "create", "first", "--scope", "admin",
                           "--format", "json")
    assert code == 0, err
    event = CustodyEvent.objects.filter(action="token-created").last()
    assert event.actor == actor_name(None) and event.details["bootstrap"] is True
    code, _, err = _cli(capsys, "users", "invite", "first")
    assert code == 0, err
    event = CustodyEvent.objects.filter(action="user-2fa-invited").last()
    assert event.actor == actor_name(None) and event.details["bootstrap"] is True
    # a person presented during bootstrap acts as that person, and must be an admin
    make_user("lead9", "lead", second_factor=False)
    code, _, err = _cli(capsys, "users", "create", "mallory", "--role", "admin",
                        *as_person("lead9"))
    assert code == 1 and "does not allow 'admin'" in err, err
    assert "acts as the system, to make the first admin" in err  # how to go on
    code, _, err = _cli(capsys, "users", "create", "mallory", "--role", "admin", "--by",
                        "first")  # naming someone without their token is no person
    assert code == 1 and "nothing written" in err and "acts as the system" in err, err
    assert not get_user_model().objects.filter(username="mallory").exists()
    code, _, err = _cli(capsys, "users", "create", "helper", "--role", "viewer",
                        "--token-file", token_file(made["token"]))
    assert code == 0 and "warning" not in err, err  # bootstrap was open before: no news
    assert CustodyEvent.objects.filter(action="user-role-set").last().actor == "first"
    # an admin without a factor does not close bootstrap; with one, it does
    assert administration.bootstrap_open()
    TOTPDevice.objects.create(user=get_user_model().objects.get(username="first"),
                              name="authenticator", confirmed=True)
    assert not administration.bootstrap_open()
    code, _, err = _cli(capsys, "users", "create", "late", "--role", "viewer")
    assert code == 1 and "acts as an admin person" in err, err


def test_bootstrap_closing_while_the_command_waits_refuses_without_a_traceback(
        capsys, monkeypatch) -> None:
    from raqib.commands import users as users_command

    def admin_enrols_meanwhile(name: str) -> str:  # at the password prompt
        make_user("quick", "admin")
        return PASSWORD

    monkeypatch.setattr(users_command, "read_password", admin_enrols_meanwhile)
    code, _, err = _cli(capsys, "users", "create", "mallory", "--role", "admin")
    assert code == 1 and "nothing written" in err and "Traceback" not in err, err
    assert not get_user_model().objects.filter(username="mallory").exists()


def test_resetting_the_last_admins_factor_is_the_recovery_path(capsys, enrolled) -> None:
    code, _, err = _cli(capsys, "users", "reset-2fa", "root", *as_person("root"))
    assert code == 0 and "bootstrap" in err, err  # warned: administration is open again
    assert administration.bootstrap_open()
    code, _, err = _cli(capsys, "users", "invite", "root")
    assert code == 0, err
    assert CustodyEvent.objects.filter(action="user-2fa-invited").last().details[
        "bootstrap"] is True


def test_demoting_the_last_enrolled_admin_warns_that_bootstrap_reopens(capsys,
                                                                       enrolled) -> None:
    code, _, err = _cli(capsys, "users", "create", "root", "--role", "lead",
                        *as_person("root"))
    assert code == 0 and "open at this console again (bootstrap)" in err, err
    assert CustodyEvent.objects.filter(action="user-role-set").last().details[
        "previous_role"] == "admin"


def test_the_rules_refuse_whoever_calls_them(enrolled) -> None:
    root, lina = enrolled["root"], enrolled["lina"]
    before = _state()
    for by in (None, lina):
        with pytest.raises(administration.AdminRefused):
            administration.save_user("mallory", "admin", PASSWORD, by=by)
        with pytest.raises(administration.AdminRefused):
            administration.deactivate(root, by=by)
        with pytest.raises(administration.AdminRefused):
            administration.reset_factor(root, by=by)
        with pytest.raises(administration.AdminRefused):
            administration.unlock("root", "", by=by)
        with pytest.raises(administration.AdminRefused):
            administration.invite(enrolled["newbie"], 24, by=by)
        with pytest.raises(administration.AdminRefused):
            administration.issue_token(root, name="x", scopes=["admin"], expires_days=1,
                                       by=by)
        with pytest.raises(administration.AdminRefused):
            administration.revoke_token(AccessToken.objects.first(), by=by)
    assert _state() == before
    user, created = administration.save_user("mallory", "viewer", PASSWORD, by=root)
    assert created and user_role(user) == "viewer"


@pytest.mark.parametrize("command", [["createsuperuser", "--username", "mallory",
                                      "--email", "m@example.org", "--noinput"],
                                     ["changepassword", "root"]])
def test_manage_cannot_make_or_change_an_account_around_the_rules(
        capsys, enrolled, command: list[str]) -> None:
    """Django's own account commands would make an admin (or take over one) with no audit
    row and no admin person: ``raqib manage`` refuses them and points at ``raqib users``."""
    before = get_user_model().objects.get(username="root").password
    code, _, err = _cli(capsys, "manage", *command)
    assert code == 1
    assert "raqib users" in err and "Traceback" not in err
    assert not get_user_model().objects.filter(username="mallory").exists()
    assert get_user_model().objects.get(username="root").password == before
