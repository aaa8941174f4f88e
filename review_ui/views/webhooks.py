"""The admin Webhooks page: the receivers of ``[[webhooks]]`` (without secrets) and the
recent deliveries of the outbox with every attempt (status code, error, duration), the
same rows as ``raqib webhooks list`` and ``raqib webhooks deliveries --format json``
(``review.webhooks``). Read-only (GET). To add a column: ``review.webhooks.delivery_json``
and a cell in ``review_ui/webhooks.html``.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from review import webhooks as rules
from review_ui.access import role_required

SHOWN = 100


@require_http_methods(["GET"])
@role_required("admin")
def webhooks(request: HttpRequest) -> HttpResponse:
    """Receivers and the latest deliveries, newest first."""
    status = request.GET.get("status")
    status = status if status in ("pending", "delivered") else None
    return render(request, "review_ui/webhooks.html", {
        "receivers": rules.receivers_json(settings.CONFIG.webhooks),
        "deliveries": [rules.delivery_json(d) for d in rules.recent_deliveries(
            status=status, limit=SHOWN)],
        "status": status or "",
    })
