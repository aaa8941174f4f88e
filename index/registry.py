"""Which search backend serves the configured ``search.backend``.

To add a backend: write a module with a class implementing ``index.base.SearchBackend`` and a
``from_config(config)`` class method, then add one line to ``BACKENDS``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from index.base import SearchBackend
    from raqib.config import Config

BACKENDS: dict[str, str] = {
    "sqlite": "index.sqlite_fts:SqliteFtsBackend",
    "elasticsearch": "index.elasticsearch_backend:ElasticsearchBackend",
}


def get_backend(config: Config | None = None) -> SearchBackend:
    """The backend named by ``search.backend`` (default: Django's ``settings.CONFIG``)."""
    if config is None:
        from django.conf import settings

        config = settings.CONFIG
    name = config.get("search.backend")
    if name not in BACKENDS:
        raise ValueError(f"search.backend: unknown backend {name!r} "
                         f"(known: {', '.join(BACKENDS)})")
    module_name, class_name = BACKENDS[name].split(":")
    backend_class = getattr(importlib.import_module(module_name), class_name)
    return backend_class.from_config(config)
