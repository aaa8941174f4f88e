"""The UI language: Arabic or English by the user's choice, Arabic until one is made.

``ChosenLanguageMiddleware`` activates the language stored in the language cookie (set by
the header's switch, ``views.language.set_language``, a POST with CSRF) and otherwise
``settings.LANGUAGE_CODE`` (Arabic). Unlike Django's ``LocaleMiddleware`` it ignores the
browser's Accept-Language on purpose: a monitor's screen shows the language it was set to,
the same on every machine, and tests are deterministic. ``direction()`` gives "rtl"/"ltr"
for the active language (``base.html`` puts it on ``<html dir>``). To add a language: add
it to ``settings.LANGUAGES``, create ``locale/<code>/LC_MESSAGES/django.po`` with
``manage makemessages -l <code>`` and translate every entry (tests/review_ui/test_i18n.py
fails on an empty one).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

Handler = Callable[[HttpRequest], HttpResponse]


def chosen_language(request: HttpRequest) -> str:
    """The language code of the cookie when it names a configured language, else the default."""
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def direction(code: str | None = None) -> str:
    """"rtl" for a right-to-left language (the active one when ``code`` is None), else "ltr"."""
    bidi = translation.get_language_bidi() if code is None else \
        translation.get_language_info(code)["bidi"]
    return "rtl" if bidi else "ltr"


class ChosenLanguageMiddleware:
    """Activate the chosen language for the request; say so in Content-Language."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        code = chosen_language(request)
        translation.activate(code)
        request.LANGUAGE_CODE = code
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()
        response.headers.setdefault("Content-Language", code)
        patch_vary_headers(response, ("Cookie",))
        return response
