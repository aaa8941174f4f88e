"""Django app configuration of the HTTP API (``api``)."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Raqib HTTP API"

    # ``api.schema`` (drf-spectacular's bearer scheme) is imported by ``api.urls``, which
    # every schema generation and every request loads first; not here, so a command or a
    # worker, which serve no API, does not import drf-spectacular and DRF's fields at
    # start (about 0.35 s of CPU each, issue 26).
