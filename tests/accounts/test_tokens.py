"""Personal access tokens (accounts.tokens): issued within the role, shown once, stored
hashed, refused with one message whatever the reason, audited, revoked on deactivation.

The attacker's cases come first: every way a wrong token can be presented must fail the
same way, and no scope beyond the owner's role can be obtained or kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts import tokens
from accounts.models import AccessToken
from accounts.roles import set_role
from catalog.models import CustodyEvent


def _user(name: str, role: str | None) -> object:
    user = get_user_model().objects.create_user(name, password="a long enough pass 1")
    if role:
        set_role(user, role)
    return user


def _events(action: str) -> list[dict]:
    return [e.details | {"_actor": e.actor}
            for e in CustodyEvent.objects.filter(action=action).order_by("pk")]


# --- attacker's tests -------------------------------------------------------------------

@pytest.mark.django_db
def test_every_bad_token_is_refused_with_the_same_message() -> None:
    user = _user("rana", "reviewer")
    token, raw = tokens.issue(user, name="script", scopes=["read"], by=user)
    _, other_raw = tokens.issue(user, name="other", scopes=["read"], by=user)
    key_id, secret = raw.split("_", 2)[1:]
    expired, expired_raw = tokens.issue(user, name="old", scopes=["read"], by=user)
    AccessToken.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1))
    revoked, revoked_raw = tokens.issue(user, name="gone", scopes=["read"], by=user)
    tokens.revoke(revoked, by=user)
    bad = [
        "", "raqib", "raqib__", f"raqib_{key_id}_", f"raqib_{key_id}_{secret}x",
        f"raqib_{key_id}_{secret[:-1]}A" if secret[-1] != "A" else f"raqib_{key_id}_{secret[:-1]}B",
        f"raqib_{'0' * 12}_{secret}",                 # unknown key id, right-looking secret
        f"raqib_{key_id}_{other_raw.split('_', 2)[2]}",  # another token's secret
        f"Bearer {raw}", raw.upper(), f"raqib_{key_id.upper()}_{secret}",
        expired_raw, revoked_raw, None, 12345,
    ]
    messages = set()
    for candidate in bad:
        with pytest.raises(tokens.TokenRejected) as caught:
            tokens.authenticate(candidate, "10.0.0.1")  # type: ignore[arg-type]
        messages.add(str(caught.value))
    assert messages == {tokens.REJECTED}
    assert tokens.authenticate(raw, "10.0.0.1").pk == token.pk


@pytest.mark.django_db
def test_inactive_or_roleless_owner_is_refused_like_any_other() -> None:
    user = _user("sami", "reviewer")
    _, raw = tokens.issue(user, name="cli", scopes=["read", "review"], by=None)
    user.groups.clear()  # role taken away: no scope left
    with pytest.raises(tokens.TokenRejected, match=tokens.REJECTED):
        tokens.authenticate(raw, None)
    set_role(user, "reviewer")
    assert tokens.authenticate(raw, None).user_id == user.pk
    user.is_active = False
    user.save()
    with pytest.raises(tokens.TokenRejected, match=tokens.REJECTED):
        tokens.authenticate(raw, None)


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "allowed"), [
    ("viewer", {"read"}), ("reviewer", {"read", "review"}), ("lead", {"read", "review"}),
    ("admin", {"read", "review", "admin"}), (None, set())])
def test_scopes_never_exceed_the_role(role: str | None, allowed: set[str]) -> None:
    user = _user(f"u-{role}", role)
    assert tokens.allowed_scopes(user) == allowed
    for scope in tokens.SCOPES:
        if scope in allowed:
            continue
        with pytest.raises(tokens.TokenError, match="exceed"):
            tokens.issue(user, name="too much", scopes=["read", scope], by=None)
    assert not AccessToken.objects.filter(user=user).exists()
    if allowed:
        token, _ = tokens.issue(user, name="fits", scopes=sorted(allowed), by=None)
        assert set(token.scopes) == allowed


@pytest.mark.django_db
def test_a_lowered_role_lowers_its_tokens_at_once() -> None:
    admin = _user("amal", "admin")
    token, raw = tokens.issue(admin, name="ops", scopes=["read", "admin"], by=admin)
    assert tokens.has_scope(tokens.authenticate(raw), "admin")
    set_role(admin, "viewer")
    token = tokens.authenticate(raw)
    assert tokens.has_scope(token, "read") and not tokens.has_scope(token, "admin")


@pytest.mark.django_db
def test_only_the_user_or_an_admin_issues_and_revokes() -> None:
    owner, stranger, admin = _user("o", "lead"), _user("s", "lead"), _user("a", "admin")
    with pytest.raises(tokens.TokenError, match="only the user or an admin"):
        tokens.issue(owner, name="x", scopes=["read"], by=stranger)
    token, _ = tokens.issue(owner, name="x", scopes=["read"], by=admin)
    with pytest.raises(tokens.TokenError, match="owner or an admin"):
        tokens.revoke(token, by=stranger)
    assert AccessToken.objects.get(pk=token.pk).revoked_at is None
    tokens.revoke(token, by=admin)
    row = AccessToken.objects.get(pk=token.pk)
    assert row.revoked_at is not None and row.revoked_by_id == admin.pk
    tokens.revoke(token, by=owner)  # already revoked: nothing more happens
    assert len(_events("token-revoked")) == 1


@pytest.mark.django_db
def test_bad_names_scopes_and_expiry_are_refused() -> None:
    user = _user("nour", "reviewer")
    for kwargs, message in [
        ({"name": " ", "scopes": ["read"]}, "needs a name"),
        ({"name": "a\u202eb", "scopes": ["read"]}, "control or formatting"),
        ({"name": "x" * 101, "scopes": ["read"]}, "at most"),
        ({"name": "n", "scopes": []}, "at least one scope"),
        ({"name": "n", "scopes": ["write"]}, "unknown scope"),
        ({"name": "n", "scopes": ["read"], "expires_days": 0}, "1 to 366"),
        ({"name": "n", "scopes": ["read"], "expires_days": 367}, "1 to 366"),
    ]:
        with pytest.raises(tokens.TokenError, match=message):
            tokens.issue(user, by=user, **kwargs)
    assert not AccessToken.objects.exists()
    user.is_active = False
    user.save()
    with pytest.raises(tokens.TokenError, match="active users"):
        tokens.issue(user, name="n", scopes=["read"], by=None)


# --- what is kept and audited -----------------------------------------------------------

@pytest.mark.django_db
def test_only_the_digest_is_stored_and_the_chain_never_holds_the_secret() -> None:
    user = _user("huda", "lead")
    token, raw = tokens.issue(user, name="nightly export", scopes=["review", "read"],
                              expires_days=30, by=user)
    secret = raw.split("_", 2)[2]
    assert raw.startswith(f"raqib_{token.key_id}_") and len(secret) == 43
    row = AccessToken.objects.get(pk=token.pk)
    assert row.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(AccessToken.objects.filter(pk=token.pk).values().first())
    assert row.scopes == ["read", "review"]
    lifetime = row.expires_at - row.created_at
    assert dt.timedelta(days=29, hours=23) < lifetime <= dt.timedelta(days=30)
    created = _events("token-created")
    assert created == [{"user": "huda", "key_id": token.key_id, "name": "nightly export",
                        "scopes": ["read", "review"], "expires_at": row.expires_at.isoformat(),
                        "_actor": "huda"}]
    everything = " ".join(str(e.details) for e in CustodyEvent.objects.all())
    assert secret not in everything and row.digest not in everything
    assert "digest" not in tokens.describe(row)


@pytest.mark.django_db
def test_use_is_noted_and_a_new_address_audited_once() -> None:
    user = _user("ali", "reviewer")
    token, raw = tokens.issue(user, name="cli", scopes=["read"], by=None)
    assert token.last_used_at is None
    tokens.authenticate(raw, "192.0.2.1")
    tokens.authenticate(raw, "192.0.2.1")
    tokens.authenticate(raw, "192.0.2.7")
    tokens.authenticate(raw, "192.0.2.7")
    row = AccessToken.objects.get(pk=token.pk)
    assert row.last_used_address == "192.0.2.7" and row.last_used_at is not None
    seen = [(e["address"], e["_actor"]) for e in _events("token-used-from-new-address")]
    assert seen == [("192.0.2.1", "ali"), ("192.0.2.7", "ali")]


@pytest.mark.django_db
def test_deactivating_a_user_revokes_their_tokens() -> None:
    user, other = _user("dina", "lead"), _user("omar", "lead")
    _, raw1 = tokens.issue(user, name="one", scopes=["read"], by=None)
    _, raw2 = tokens.issue(user, name="two", scopes=["review"], by=None)
    _, kept = tokens.issue(other, name="kept", scopes=["read"], by=None)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert AccessToken.objects.filter(user=user, revoked_at__isnull=True).count() == 0
    user.is_active = True  # reactivation does not bring tokens back
    user.save()
    for raw in (raw1, raw2):
        with pytest.raises(tokens.TokenRejected):
            tokens.authenticate(raw)
    assert tokens.authenticate(kept).user_id == other.pk
    [event] = _events("token-revoked")
    assert event["user"] == "dina" and len(event["key_ids"]) == 2
    assert event["reason"] == "user deactivated"


@pytest.mark.django_db
def test_has_scope_names_only_known_scopes() -> None:
    user = _user("zaid", "reviewer")
    token, _ = tokens.issue(user, name="n", scopes=["review"], by=None)
    assert tokens.has_scope(token, "review") and not tokens.has_scope(token, "read")
    with pytest.raises(ValueError):
        tokens.has_scope(token, "write")
