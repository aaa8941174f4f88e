"""Django app configuration of ``reairings`` (its tables live in its own migrations)."""

from django.apps import AppConfig


class ReairingsConfig(AppConfig):
    name = "reairings"
    default_auto_field = "django.db.models.BigAutoField"
