"""The accounts app's own tables: enrolment invites and the record of second-factor changes.

``EnrolmentInvite``: a one-time code an admin issues (``raqib users invite``) that lets one
account enrol its first second factor; only its SHA-256 is stored. ``FactorChange``: each
enrolment, addition, replacement, removal, new set of recovery codes or reset of a user's
second factor, shown to that user at each login until they acknowledge it (``seen_at``).
Users and roles are Django's ``auth`` tables. To add a table: a model here and
``raqib manage makemigrations accounts``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EnrolmentInvite(models.Model):
    """A one-time, expiring permission to enrol a first second factor (code stored hashed)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="enrolment_invites")
    code_hash = models.CharField(max_length=64, unique=True)  # sha256 hex of the code
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.CharField(max_length=300, blank=True)

    def is_live(self) -> bool:
        return (self.used_at is None and self.revoked_at is None
                and self.expires_at > timezone.now())


class FactorChange(models.Model):
    """One change of a user's second factor, to be shown to them at their next login."""

    class Kind(models.TextChoices):
        ENROLLED = "enrolled", _("authenticator enrolled")
        REPLACED = "replaced", _("authenticator replaced")
        RECOVERY_CODES = "recovery-codes", _("new recovery codes")
        RESET = "reset", _("reset by an administrator")
        TOTP_ADDED = "totp-added", _("authenticator added")
        TOTP_REMOVED = "totp-removed", _("authenticator removed")
        PASSKEY_ADDED = "passkey-added", _("passkey added")
        PASSKEY_REMOVED = "passkey-removed", _("passkey removed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="factor_changes")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(null=True, blank=True)  # acknowledged by the user
    detail = models.CharField(max_length=100, blank=True)  # which factor (a passkey's name)

    class Meta:
        ordering = ("at", "pk")


class AccessToken(models.Model):
    """A personal access token (``accounts.tokens``): only the SHA-256 of its secret is
    stored; ``key_id`` is the public part shown in lists and in the raw token."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="access_tokens")
    name = models.CharField(max_length=100)
    key_id = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)  # sha256 hex of the secret
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_address = models.CharField(max_length=200, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")

    class Meta:
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"{self.key_id} ({self.name})"

    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
