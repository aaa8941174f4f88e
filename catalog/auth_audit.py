"""Account events in the audit chain: logins, failed logins, logouts, accounts created or
changed (active, staff, superuser, name) and role changes (group membership).

Django's auth signals are connected in ``CatalogConfig.ready``, so every surface (the web
UI, the admin, ``raqib users``) is covered by the same code. A failed login records the
name tried and the client address, never the password. To audit another account change:
add its field to ``WATCHED_FIELDS``.
"""

from __future__ import annotations

from typing import Any

from catalog import audit

WATCHED_FIELDS = ("username", "is_active", "is_staff", "is_superuser", "email")


def _address(request: Any) -> str:
    return (getattr(request, "META", None) or {}).get("REMOTE_ADDR", "") if request else ""


def logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record("user-logged-in", user, details={"user": user.get_username(),
                                                  "address": _address(request)})


def logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record("user-logged-out", user, details={"user": user.get_username(),
                                                       "address": _address(request)})


def login_failed(sender: Any, credentials: dict[str, Any], request: Any = None,
                 **kwargs: Any) -> None:
    tried = str(credentials.get("username", ""))[:150]
    audit.record("user-login-failed", details={"user": tried, "address": _address(request)})


def remember_account(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.pk is None:
        instance._audit_before = None
        return
    before = sender.objects.filter(pk=instance.pk).values(*WATCHED_FIELDS).first()
    instance._audit_before = before


def account_saved(sender: Any, instance: Any, created: bool, raw: bool = False,
                  **kwargs: Any) -> None:
    if raw:
        return
    now = {name: getattr(instance, name) for name in WATCHED_FIELDS}
    if created:
        audit.record("user-created", details={"user": instance.get_username(),
                                              **{k: v for k, v in now.items()
                                                 if k != "username"}})
        return
    before = getattr(instance, "_audit_before", None) or {}
    changed = {k: [before.get(k), v] for k, v in now.items() if k in before
               and before[k] != v}
    if changed:
        audit.record("user-changed", details={"user": instance.get_username(),
                                              "changes": changed})


def roles_changed(sender: Any, instance: Any, action: str, reverse: bool, model: Any,
                  pk_set: set[int] | None, **kwargs: Any) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:  # group.user_set changed: instance is the group, pk_set the users
        users = sorted(model.objects.filter(pk__in=pk_set or ()).values_list(
            model.USERNAME_FIELD, flat=True))
        groups = [instance.name]
    else:
        users = [instance.get_username()]
        groups = sorted(model.objects.filter(pk__in=pk_set or ()).values_list("name",
                                                                              flat=True))
    verb = {"post_add": "added", "post_remove": "removed", "post_clear": "cleared"}[action]
    audit.record(f"user-roles-{verb}", details={"users": users, "groups": groups})


def connect() -> None:
    """Connect the receivers (once; dispatch uids make a second call harmless)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
    from django.db.models.signals import m2m_changed, post_save, pre_save

    user_model = get_user_model()
    user_logged_in.connect(logged_in, dispatch_uid="audit-login")
    user_logged_out.connect(logged_out, dispatch_uid="audit-logout")
    user_login_failed.connect(login_failed, dispatch_uid="audit-login-failed")
    pre_save.connect(remember_account, sender=user_model, dispatch_uid="audit-user-pre")
    post_save.connect(account_saved, sender=user_model, dispatch_uid="audit-user-post")
    m2m_changed.connect(roles_changed, sender=user_model.groups.through,
                        dispatch_uid="audit-user-roles")
