"""Rule errors whose message is read in the language of whoever reads it.

The rules modules (``review.incidents``, ``review.workflow``, ``review.corrections``, ...) are
shared by the review UI (Arabic or English, per request), the CLI (English) and the HTTP API
(English problem details). Their errors therefore carry a *lazy* message, a
``gettext_lazy`` msgid with named ``%(placeholders)s``, and the values to put in it::

    raise IncidentError(_("no incident with id %(id)s"), id=incident_id)

``str(exc)`` renders the message in the active language (the CLI activates English, the API
renders its problem details under English); ``exc.__html__()`` (what a Django template uses)
escapes it and puts every value in ``<bdi>``, so codes, ids and person-entered names read
correctly inside an Arabic sentence. A value that is itself translatable (a lazy string, a
``RuleError``) is rendered in the same language. An error may also wrap another rule error
(``IncidentError(exc)``): it then reads as the wrapped one. To add a message: raise with a
lazy msgid, add its Arabic to ``locale/ar/LC_MESSAGES/django.po`` and compile.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import lazy
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import pgettext_lazy


class RuleError(Exception):
    """An error with a translatable message (``message``) and its values (``params``)."""

    def __init__(self, message: Any = "", /, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params

    def __reduce__(self) -> tuple[Any, ...]:  # pickled with its values (worker processes)
        return (_rebuilt, (type(self), self.message, self.params))

    def __str__(self) -> str:
        text = str(self.message)
        if not self.params:
            return text
        return text % {key: str(value) for key, value in self.params.items()}

    def __html__(self) -> SafeString:
        if hasattr(self.message, "__html__") and not isinstance(self.message, str):
            return self.message.__html__()
        text = escape(str(self.message))
        if not self.params:
            return text
        return mark_safe(text % {key: format_html("<bdi>{}</bdi>", str(value))
                                 for key, value in self.params.items()})


def _rebuilt(cls: type[RuleError], message: Any, params: dict[str, Any]) -> RuleError:
    return cls(message, **params)


def as_html(value: Any) -> SafeString:
    """``value`` as HTML: a rule error's ``__html__``, else the text escaped."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape(str(value))


def listed(values: Any) -> str:
    """Codes or names as one value of a message (``a, b, c``)."""
    return ", ".join(str(v) for v in values)


def phrase(message: Any, **params: Any) -> Any:
    """A lazy ``message % params``: a translatable value for another message (an action)."""
    return lazy(lambda: str(message) % {k: str(v) for k, v in params.items()}, str)()


def role_name(role: str) -> Any:
    """A role's name as a person reads it (the ``user role`` entries of the catalog)."""
    return pgettext_lazy("user role", role)
