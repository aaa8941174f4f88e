"""The header's language switch: POST ``language`` (``ar``/``en``) and ``next`` with CSRF.

Django's ``set_language`` checks the language against ``settings.LANGUAGES`` and ``next``
against the host (no open redirect), then sets the language cookie that
``review_ui.i18n.ChosenLanguageMiddleware`` reads on every request. A GET answers 405 and
changes nothing. The view is public (the login page offers the switch; its path is in
``middleware.public_prefixes``): an anonymous choice only sets the cookie. A signed-in
user's choice is also stored (``review_ui.i18n.remember_choice``:
``UserLanguage``, audited) and applied at their next login on any browser; an unknown
language changes nothing.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from review_ui.access import public_view
from review_ui.i18n import remember_choice


@public_view
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Remember the chosen UI language in the language cookie and go back to ``next``."""
    response = django_set_language(request)
    remember_choice(request, request.POST.get("language", ""))
    return response
