"""Django app config for the catalog (Outlet, Source, Broadcast, MediaFile, Transcript...).

The label stays ``raqib`` (where the models lived before the catalog became its own app), so
existing databases keep their table names, migration history and permissions as they are.
``ready`` connects ``catalog.urls.refuse_unsafe_urls``: no catalog row stores a URL that
is not absolute http(s), and ``catalog.auth_audit``: logins, logouts and account and role
changes go to the audit chain.
"""

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    label = "raqib"
    verbose_name = "Raqib catalog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import pre_save

        from catalog import auth_audit
        from catalog.urls import refuse_unsafe_urls

        auth_audit.connect()

        for model in self.get_models():
            pre_save.connect(refuse_unsafe_urls, sender=model,
                             dispatch_uid=f"catalog-urls-{model.__name__}")
