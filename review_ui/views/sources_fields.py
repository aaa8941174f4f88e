"""The source form's per-kind fields: one form field per key the chosen collector declares
(``Collector.config_keys`` through ``crawler.schema.KIND_KEYS``), with help text in the
page language, and the conversion of what was typed into the ``[[sources]]`` value
(``crawler.schema.validate_sources`` then checks it, as it checks raqib.toml).

A field is named ``cfg_<key>``. ``start_urls`` (a list) is typed one URL per line,
``max_items`` is a whole number, every other key is one line of text. To add a key: declare
it on its collector; give it help text in ``KEY_HELP`` (a test fails while one is missing)
and, if it is a list or a number, name it in ``LIST_KEYS`` / ``INT_KEYS``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from crawler.schema import KIND_KEYS

PREFIX = "cfg_"
LIST_KEYS = frozenset({"start_urls"})
INT_KEYS = frozenset({"max_items"})
_LTR = {"dir": "ltr", "spellcheck": "false"}

KEY_EXAMPLE = {"item_links": "a.item::attr(href)"}
KEY_HELP: dict[str, Any] = {
    "start_urls": _("The listing pages to read, one URL per line."),
    "item_links": _("CSS selector of the links to each video's page on a listing page, "
                    "for example:"),
    "next_page": _("CSS selector of the link to the next listing page (optional)."),
    "title": _("CSS selector of the title on a video's page (optional)."),
    "aired_at": _("CSS selector of the air date on a video's page (optional)."),
    "description": _("CSS selector of the description on a video's page (optional)."),
    "program": _("CSS selector of the programme name on a video's page (optional)."),
    "media": _("CSS selector of the video file's URL on a video's page (optional)."),
    "url": _("The address to read: the feed, the sitemap, the channel or the stream."),
    "url_pattern": _("Only sitemap entries whose URL matches this regular expression "
                     "(optional)."),
    "cookies": _("A cookies.txt file inside the cookies folder (optional)."),
    "proxy": _("A proxy URL such as socks5://host:1080 (optional)."),
    "max_items": _("The most videos to list per crawl (optional)."),
    "chunk": _("The length of each recorded piece, such as 30m (optional)."),
}


def field_name(key: str) -> str:
    return PREFIX + key


def kind_fields(kind: str) -> dict[str, forms.Field]:
    """The form fields of ``kind``'s declared keys (none for an unknown kind); a required
    key is marked required in the page, and checked by the schema."""
    fields: dict[str, forms.Field] = {}
    for key, required in KIND_KEYS.get(kind, {}).items():
        help_text = KEY_HELP.get(key, "")
        if key in KEY_EXAMPLE:  # code, shown left to right in either language
            help_text = format_html('{} <code dir="ltr">{}</code>', help_text, KEY_EXAMPLE[key])
        options = {"label": key, "required": False, "help_text": help_text,
                   "max_length": 4000}
        attrs = {**_LTR, "required": "required"} if required else dict(_LTR)
        if key in LIST_KEYS:
            fields[field_name(key)] = forms.CharField(
                widget=forms.Textarea(attrs={**attrs, "rows": 3, "cols": 70}), **options)
        else:
            fields[field_name(key)] = forms.CharField(
                widget=forms.TextInput(attrs={**attrs, "size": 60}), **options)
    return fields


def typed_value(key: str, text: str) -> Any:
    """The table value for what was typed in ``key``'s field (the schema checks it)."""
    text = text.strip()
    if key in LIST_KEYS:
        return [line.strip() for line in text.splitlines() if line.strip()]
    if key in INT_KEYS and text.isdigit():
        return int(text)
    return text


def shown_value(key: str, value: Any) -> str:
    """A stored table value as its field shows it."""
    if key in LIST_KEYS and isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return "" if value is None else str(value)
