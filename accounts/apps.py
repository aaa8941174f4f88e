"""Django app config for accounts (identity: roles, passwords, lockout, second factors).

``ready`` connects the receivers that keep identity consistent everywhere:
``roles.forget_roles`` (a change of group membership makes kept roles stale) and the login
receivers of ``accounts.sessions`` (session stamps and the ``raqib.auth`` log) and
``accounts.tokens.on_user_saved`` (a deactivated user's tokens are revoked). The audit
chain's account receivers are the catalog's (``catalog.auth_audit``). To react to another
account signal: write the receiver in its module and connect it here.
"""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Raqib accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model, signals
        from django.contrib.auth.models import Group
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from accounts import sessions, tokens
        from accounts.roles import forget_roles

        # a user object keeps its role groups (accounts.roles); any change of membership or
        # of a group makes what every object kept stale
        groups = getattr(get_user_model(), "groups", None)
        if groups is not None:
            m2m_changed.connect(forget_roles, sender=groups.through,
                                dispatch_uid="accounts.roles.membership")
        post_save.connect(forget_roles, sender=Group, dispatch_uid="accounts.roles.group_saved")
        post_delete.connect(forget_roles, sender=Group,
                            dispatch_uid="accounts.roles.group_deleted")
        # a deactivated user's personal access tokens are revoked at once, whoever
        # deactivated them (raqib users deactivate, a script, the shell)
        post_save.connect(tokens.on_user_saved, sender=get_user_model(),
                          dispatch_uid="accounts.tokens.deactivated")
        signals.user_logged_in.connect(sessions.on_login, dispatch_uid="raqib-login")
        signals.user_logged_out.connect(sessions.on_logout, dispatch_uid="raqib-logout")
        signals.user_login_failed.connect(sessions.on_login_failed,
                                          dispatch_uid="raqib-login-failed")
