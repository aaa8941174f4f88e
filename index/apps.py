"""Django app config for the index stage: it owns no models, only the signal handlers that
keep the search index in step with the catalog (a deleted transcript leaves the index)."""

from django.apps import AppConfig


class IndexConfig(AppConfig):
    name = "index"
    label = "raqib_index"
    verbose_name = "Raqib search index"

    def ready(self) -> None:
        from index.consistency import connect_signals

        connect_signals()
