"""Which search backend serves the configured ``search.backend``.

To add a backend: write a module with a class implementing ``index.base.SearchBackend``
(its ``from_config(config)`` builds it), then add one line to ``BACKENDS``. The setting's
allowed values and ``raqib config check`` read the names from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from catalog.components import Registry, Settings

if TYPE_CHECKING:
    from index.base import SearchBackend

BACKENDS: Registry[SearchBackend] = Registry("search backend", {
    "tantivy": "index.tantivy_backend:TantivyBackend",
    "elasticsearch": "index.elasticsearch_backend:ElasticsearchBackend",
})


def get_backend(config: Settings | None = None) -> SearchBackend:
    """The backend named by ``search.backend`` (default: Django's ``settings.CONFIG``)."""
    if config is None:
        from django.conf import settings

        config = settings.CONFIG
    name = config.get("search.backend")
    if name not in BACKENDS:
        raise ValueError(f"search.backend: unknown backend {name!r} "
                         f"(known: {', '.join(BACKENDS)})")
    return BACKENDS.build(name, config)
