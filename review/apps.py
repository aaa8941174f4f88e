"""Django app config for the review app (tags, watchlists, alerts, persons, incidents)."""

from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "Raqib review"
    default_auto_field = "django.db.models.BigAutoField"
