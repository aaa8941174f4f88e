"""Error pages that obey the UI's rules (Arabic first, RTL, no inline style or script).

Django's built-in CSRF failure page carries an inline ``<style>`` that the strict
Content-Security-Policy blocks; ``csrf_failure`` (named by ``CSRF_FAILURE_VIEW`` in
``raqib.settings``) renders the project's own template instead. To add another error page:
write a view here taking Django's documented arguments and point the matching setting or
``handlerNNN`` at it.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A 403 for a form sent without a valid CSRF token (expired page, cookies off)."""
    return render(request, "review_ui/csrf_failure.html", {"reason": reason}, status=403)
