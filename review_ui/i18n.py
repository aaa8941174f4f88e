"""The UI language: Arabic or English by the user's choice, Arabic until one is made.

``ChosenLanguageMiddleware`` activates the signed-in user's language (kept in the session:
copied there at login from ``review_ui.models.UserLanguage``, by ``on_login``), else the one
in the language cookie, else the first of Arabic or English the browser's
``Accept-Language`` names (by its q order), else ``settings.LANGUAGE_CODE`` (Arabic: a
header naming neither, or none, keeps the default). The switch (``views.language.
set_language``, a POST with CSRF, on the header of every page and on the login page) sets
the cookie and, for a signed-in user, stores the choice (``remember_choice``, audited) so
that it follows the user to any browser; the middleware then keeps that browser's cookie in
step, so the login page after a logout stays in the user's language. A choice, once made,
always beats the header. ``direction()`` gives "rtl"/"ltr"
for the active language (``base.html`` puts it on ``<html dir>``). To add a language: add
it to ``settings.LANGUAGES``, create ``locale/<code>/LC_MESSAGES/django.po`` with
``manage makemessages -l <code>`` and translate every entry (tests/review_ui/test_i18n.py
fails on an empty one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers

Handler = Callable[[HttpRequest], HttpResponse]
SESSION_KEY = "raqib-language"


def _known(code: Any) -> bool:
    return isinstance(code, str) and code in dict(settings.LANGUAGES)


def header_language(request: HttpRequest) -> str | None:
    """The first configured language the ``Accept-Language`` header names, by preference
    (``en-GB`` counts as ``en``; ``*`` and q=0 name nothing); None when it names none."""
    from django.utils.translation.trans_real import parse_accept_lang_header

    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for tag, quality in parse_accept_lang_header(header[:500]):
        code = tag.split("-", 1)[0].lower()
        if quality > 0 and _known(code):
            return code
    return None


def chosen_language(request: HttpRequest) -> str:
    """The signed-in user's language (session), else the cookie's when it names a
    configured language, else the browser's header's, else the default."""
    session = getattr(request, "session", None)
    code = session.get(SESSION_KEY, "") if session is not None else ""
    if _known(code):
        return code
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if _known(code):
        return code
    return header_language(request) or settings.LANGUAGE_CODE


def remember_choice(request: HttpRequest, code: str) -> None:
    """Store a signed-in user's choice (and put it in their session); audited."""
    from catalog import audit
    from review_ui.models import UserLanguage

    user = request.user
    if not (_known(code) and user.is_authenticated):
        return
    UserLanguage.objects.update_or_create(user=user, defaults={
        "language": code, "changed_at": timezone.now()})
    request.session[SESSION_KEY] = code
    audit.record("ui-language-set", user, details={"language": code})


def on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """``user_logged_in`` receiver: the user's stored language becomes the session's."""
    from review_ui.models import UserLanguage

    if request is None or not hasattr(request, "session"):
        return
    code = UserLanguage.objects.filter(user=user).values_list("language", flat=True).first()
    if _known(code):
        request.session[SESSION_KEY] = code


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
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        session = getattr(request, "session", None)
        chosen = session.get(SESSION_KEY) if session is not None else None
        if _known(chosen) and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != chosen \
                and settings.LANGUAGE_COOKIE_NAME not in response.cookies:
            _set_cookie(response, chosen)  # this browser follows the user's choice
        return response


def _set_cookie(response: HttpResponse, code: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, code, max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE)
