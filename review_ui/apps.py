"""App configuration for the review UI (login, search, broadcast viewer, roles).

``ready`` connects the login receivers of ``review_ui.sessions`` (stamps, logs, audit) and
``review_ui.i18n.on_login`` (the user's chosen UI language).
"""

from django.apps import AppConfig


class ReviewUiConfig(AppConfig):
    name = "review_ui"
    verbose_name = "Raqib review UI"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth import signals

        from review_ui import i18n, sessions

        signals.user_logged_in.connect(sessions.on_login, dispatch_uid="raqib-login")
        signals.user_logged_in.connect(i18n.on_login, dispatch_uid="raqib-login-language")
        signals.user_logged_out.connect(sessions.on_logout, dispatch_uid="raqib-logout")
        signals.user_login_failed.connect(sessions.on_login_failed,
                                          dispatch_uid="raqib-login-failed")
