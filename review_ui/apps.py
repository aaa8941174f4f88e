"""App configuration for the review UI (login, search, broadcast viewer, roles)."""

from django.apps import AppConfig


class ReviewUiConfig(AppConfig):
    name = "review_ui"
    verbose_name = "Raqib review UI"
    default_auto_field = "django.db.models.BigAutoField"
