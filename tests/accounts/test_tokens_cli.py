"""``raqib tokens create|list|revoke`` (operator commands): the token printed once and only
by ``create``, scopes within the role, revocation by id or key id, every step audited under
the OS user and host."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model

from accounts import tokens
from accounts.models import AccessToken
from accounts.roles import set_role
from catalog.audit import actor_name
from catalog.models import CustodyEvent
from raqib.cli import main

pytestmark = pytest.mark.django_db


def _cli(capsys, *args: str) -> tuple[int, object, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip().startswith(("{", "[")) else out), err


def test_create_list_revoke(capsys) -> None:
    lead = get_user_model().objects.create_user("huda", password="x-long-enough-1")
    set_role(lead, "lead")
    code, made, _ = _cli(capsys, "tokens", "create", "huda", "--scope", "read", "--scope",
                         "review", "--expires", "7", "--name", "nightly", "--format", "json")
    assert code == 0 and made["scopes"] == ["read", "review"] and made["name"] == "nightly"
    assert tokens.authenticate(made["token"]).user == lead
    code, _, err = _cli(capsys, "tokens", "create", "huda", "--scope", "admin")
    assert code == 2 and "exceed" in err and "no token issued" in err
    code, _, err = _cli(capsys, "tokens", "create", "ghost", "--scope", "read")
    assert code == 2 and "no user named" in err
    code, listed, _ = _cli(capsys, "tokens", "list", "--format", "json")
    assert [r["key_id"] for r in listed] == [made["key_id"]]
    secret = made["token"].split("_", 2)[2]
    assert "token" not in listed[0] and secret not in json.dumps(listed)
    assert AccessToken.objects.get().digest not in json.dumps(listed)
    code, table, _ = _cli(capsys, "tokens", "list")
    assert made["key_id"] in table and secret not in table
    code, revoked, _ = _cli(capsys, "tokens", "revoke", made["key_id"], "--format", "json")
    assert code == 0 and revoked["state"] == "revoked"
    with pytest.raises(tokens.TokenRejected):
        tokens.authenticate(made["token"])
    assert _cli(capsys, "tokens", "list", "--format", "json")[1] == []
    assert len(_cli(capsys, "tokens", "list", "--all", "--format", "json")[1]) == 1
    assert _cli(capsys, "tokens", "revoke", "424242")[0] == 2
    actors = {e.action: e.actor for e in CustodyEvent.objects.filter(
        action__startswith="token-")}
    assert actors["token-created"] == actors["token-revoked"] == actor_name(None)
