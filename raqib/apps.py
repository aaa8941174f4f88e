"""Django app config for the catalog (Outlet, Source, Broadcast, MediaFile, Transcript...)."""

from django.apps import AppConfig


class RaqibConfig(AppConfig):
    name = "raqib"
    verbose_name = "Raqib catalog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A transcript deleted from the catalog leaves the search index too.
        from index.consistency import connect_signals

        connect_signals()
