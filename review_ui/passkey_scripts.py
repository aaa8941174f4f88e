"""The configuration django-otp-webauthn's scripts read on a page with a passkey button:
a ``json_script`` block (data, never run: the CSP allows no inline script) naming
Raqib's own ceremony URLs (``review_ui.views.passkeys``) and the CSRF token they send.
Templates include ``review_ui/_passkey_scripts.html`` with it. To change what the scripts
read: the keys below (the library's ``get_configuration`` names them).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import reverse


def passkey_config(request: HttpRequest) -> dict[str, Any]:
    """The configuration the library's scripts read (``json_script``), with our URLs."""
    return {
        "autocompleteLoginFieldSelector": None,
        "nextFieldSelector": "input.passkey-next",  # not the language switch's "next"
        "csrfToken": get_token(request),
        "beginAuthenticationUrl": reverse("review_ui:passkey_auth_begin"),
        "completeAuthenticationUrl": reverse("review_ui:passkey_auth_complete"),
        "beginRegistrationUrl": reverse("review_ui:passkey_register_begin"),
        "completeRegistrationUrl": reverse("review_ui:passkey_register_complete"),
    }
