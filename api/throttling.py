"""The per-token rate limit: ``settings.API_RATE_LIMIT`` requests (``api.rate_limit`` in
raqib.toml, e.g. ``600/min``) per token, counted in the ``api`` cache (Redis when
``queue.redis_url`` is set, so every worker process counts together; else memory, per
process). Past the limit: 429 with ``Retry-After`` (``api.problems``). Requests without a
token are refused before they are counted. To limit one endpoint harder: a subclass with
its own ``rate`` set on that view's ``throttle_classes``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import caches
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle


class TokenRateThrottle(SimpleRateThrottle):
    """Counts requests per personal access token id."""

    scope = "token"

    def __init__(self) -> None:
        self.cache = caches["api"]
        super().__init__()

    def get_rate(self) -> str | None:
        return settings.API_RATE_LIMIT or None

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        token = request.auth
        if token is None or getattr(token, "pk", None) is None:
            return None
        return f"raqib-api-rate-{token.pk}"
