"""Django app config for the catalog (Outlet, Source, Broadcast, MediaFile, Transcript...)."""

from django.apps import AppConfig


class RaqibConfig(AppConfig):
    name = "raqib"
    verbose_name = "Raqib catalog"
    default_auto_field = "django.db.models.BigAutoField"
