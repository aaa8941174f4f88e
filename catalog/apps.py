"""Django app config for the catalog (Outlet, Source, Broadcast, MediaFile, Transcript...).

The label stays ``raqib`` (where the models lived before the catalog became its own app), so
existing databases keep their table names, migration history and permissions as they are.
"""

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    label = "raqib"
    verbose_name = "Raqib catalog"
    default_auto_field = "django.db.models.BigAutoField"
