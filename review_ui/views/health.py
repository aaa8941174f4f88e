"""The admin Health page: per stage, what waits and for how long, what is queued and
running; failures by stage; who holds the scheduler lease (``raqib.health``, the same
figures as ``raqib status --format json``). Read-only (GET). To add a figure: add it in
``raqib.health`` and a cell in ``review_ui/health.html``.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from review_ui.access import role_required


@require_http_methods(["GET"])
@role_required("admin")
def health(request: HttpRequest) -> HttpResponse:
    """Queue depth and age per stage, running work and the scheduler's holder."""
    from raqib.health import snapshot  # loads the task queues: only when asked

    data = snapshot()
    return render(request, "review_ui/health.html", {
        "stages": list(data["stages"].items()), "queues": data["queues"],
        "queue_error": data["queue_error"], "failed": list(data["failed"].items()),
        "scheduler": data["scheduler"],
    })
