"""The forms' widget renderer (``FORM_RENDERER``): Django's own widget templates, written out
in Python for the common widgets.

Django renders each widget through a template (``django/forms/widgets/input.html`` and the
``attrs.html`` it includes, ``select.html`` with one ``select_option.html`` per option): on
the search page that was a sixth of the page's time for nine fields
(``benchmarks/search_load.py --in-process --profile``, issue 26). ``FastRenderer`` produces
the same characters in Python for the templates in ``FAST`` (every ``<input>`` kind,
``<select>`` with plain options, ``<textarea>``), exactly as the templates would, autoescape
and ``stringformat:'s'`` included; any other template (radio and checkbox lists, whole
forms, a widget with its own template) goes to Django's template renderer unchanged.
``tests/review_ui/test_form_renderer.py`` renders every form of the UI both ways and
compares. To add a widget template: a function here that returns what the template
renders (stripped, as the renderer strips it), its name in ``FAST``, and a case in that
test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData

from review_ui.templatetags.raqib_ui import template_value

WIDGETS = "django/forms/widgets/"
SELECT_OPTION = WIDGETS + "select_option.html"


def _shown(value: Any) -> str:
    """``{{ value }}`` in a widget template (localised, then autoescaped)."""
    return template_value(value)


def _string(value: Any) -> str:
    """``{{ value|stringformat:'s' }}``: ``"%s" % value``, escaped unless it was safe."""
    if isinstance(value, tuple):
        value = str(value)
    try:
        text = "%s" % value  # noqa: UP031  (exactly what the filter does)
    except (ValueError, TypeError):
        text = ""
    return text if isinstance(value, SafeData) else conditional_escape(text)


def _attrs(attrs: dict[str, Any]) -> str:
    """``attrs.html``: ` name="value"` each, a bare name for True, nothing for False."""
    out = []
    for name, value in attrs.items():
        if value is not False:
            out.append(f" {_shown(name)}" if value is True
                       else f' {_shown(name)}="{_string(value)}"')
    return "".join(out)


def _input(widget: dict[str, Any]) -> str:
    value = widget["value"]
    shown_value = f' value="{_string(value)}"' if value is not None else ""
    return (f'<input type="{_shown(widget["type"])}" name="{_shown(widget["name"])}"'
            f"{shown_value}{_attrs(widget['attrs'])}>")


def _option(option: dict[str, Any]) -> str:
    return (f'<option value="{_string(option["value"])}"{_attrs(option["attrs"])}>'
            f"{_shown(option['label'])}</option>")


def _select(widget: dict[str, Any]) -> str | None:
    out = [f'<select name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_shown(group_name)}">')
        for option in group_choices:
            if option.get("template_name") != SELECT_OPTION:
                return None  # an option with its own template: Django renders it
            out.append("\n  " + _option(option) + "\n")  # the include's own final newline
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


def _textarea(widget: dict[str, Any]) -> str:
    value = widget["value"]
    return (f'<textarea name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>\n'
            f"{_shown(value) if value else ''}</textarea>")


_INPUTS = ("input", "text", "number", "email", "url", "password", "hidden", "date",
           "datetime", "time", "search", "tel", "color", "checkbox")
FAST: dict[str, Callable[[dict[str, Any]], str | None]] = {
    **{f"{WIDGETS}{name}.html": _input for name in _INPUTS},
    WIDGETS + "select.html": _select,
    WIDGETS + "textarea.html": _textarea,
}


class FastRenderer(DjangoTemplates):
    """Django's template form renderer, with the widgets in ``FAST`` rendered in Python."""

    def render(self, template_name: str, context: dict[str, Any],
               request: Any = None) -> str:
        fast = FAST.get(template_name)
        if fast is not None and "widget" in context:
            html = fast(context["widget"])
            if html is not None:
                return html.strip()
        return super().render(template_name, context, request)
