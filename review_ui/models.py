"""The review UI's own records: each user's chosen UI language.

``UserLanguage`` holds the language a signed-in user last chose with the header's switch
(``views.language.set_language``); ``review_ui.i18n`` applies it at every login, on any
browser, while the language cookie still serves anonymous pages (the login page). To add
a per-user UI preference: a field here and a migration of ``review_ui``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class UserLanguage(models.Model):
    """The UI language (a code of ``settings.LANGUAGES``) a user chose."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="ui_language")
    language = models.CharField(max_length=8)
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language}"
