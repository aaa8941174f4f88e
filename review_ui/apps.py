"""App configuration for the review UI (login, search, broadcast viewer, roles).

``ready`` connects ``review_ui.i18n.on_login`` (the user's chosen UI language); the
session stamps and login log are the accounts app's (``accounts.apps``).
"""

from django.apps import AppConfig


class ReviewUiConfig(AppConfig):
    name = "review_ui"
    verbose_name = "Raqib review UI"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth import signals

        from review_ui import i18n

        signals.user_logged_in.connect(i18n.on_login, dispatch_uid="raqib-login-language")
