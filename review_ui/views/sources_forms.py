"""The sources screen's form for a source declared in the UI (see ``views.sources``).

The common keys of a ``[[sources]]`` table are form fields; so are the chosen kind's own
keys (``start_urls``, ``item_links``, ``url`` …: one field per key its collector declares,
``sources_fields``), and the kind comes from the posted data, the initial values or
``?kind=``. The table is checked by the very validation raqib.toml gets
(``validate_sources``). Each problem is attached to the field it names, prefixed with the
key, so the page never fails with a 500 on bad input. Before that, ``sources_guard``
refuses URLs inside the network and cookie files outside ``web.cookies_dir`` (SSRF, file
probing). To add a common field: add it to
``SourceForm`` and to ``FORM_KEYS`` (and to ``COMMON_KEYS`` in ``crawler.schema`` if it is
new there).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import Source
from crawler.schema import KIND_KEYS, validate_sources
from raqib.config import Config
from raqib.sources_sync import ORIGIN_KEY
from review_ui.labels import LABELS
from review_ui.views import sources_fields, sources_guard

# The common keys entered as form fields (the kind's keys are ``sources_fields``).
FORM_KEYS = ("name", "outlet", "kind", "interval", "language", "timezone", "enabled",
             "robots")
DEFAULT_KIND = "site"
_LTR = {"dir": "ltr"}


def _toml_value(value: Any) -> str:
    """One TOML value (strings, numbers, booleans, arrays of them): enough for a source."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):  # a JSON string is a TOML basic string, bar U+007F
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007F")
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}"
                               for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def table_snippet(table: dict[str, Any]) -> str:
    """The keys of a stored table that are not common fields, as TOML lines (the kind's
    keys in declaration order first): the read-only page of a raqib.toml source."""
    order = list(KIND_KEYS.get(table.get("kind"), {}))
    keys = [k for k in table if k not in FORM_KEYS and k != ORIGIN_KEY]
    keys.sort(key=lambda k: (order.index(k) if k in order else len(order), k))
    return "".join(f"{k} = {_toml_value(table[k])}\n" for k in keys)


def initial_from_source(source: Source) -> dict[str, Any]:
    """Form initial values for an existing source."""
    table = source.config or {}
    return {"name": source.name, "outlet": source.outlet.name, "kind": source.kind,
            "interval": table.get("interval", ""), "language": source.language,
            "timezone": table.get("timezone", ""), "enabled": source.enabled,
            "robots": table.get("robots", True),
            **{sources_fields.field_name(k): sources_fields.shown_value(k, v)
               for k, v in table.items() if k in KIND_KEYS.get(source.kind, {})}}


def redisplayed(data: Any, config: Config, source: Source | None = None) -> SourceForm:
    """The posted form shown again, unchecked, with the fields of the posted kind (the
    kind select changed): an unbound form whose initial values are what was typed."""
    initial = {k: v for k, v in data.items() if k != "csrfmiddlewaretoken"}
    initial.update({flag: flag in data for flag in ("enabled", "robots")})
    return SourceForm(initial=initial, config=config, source=source, kind=data.get("kind"))


class SourceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64,
                           widget=forms.TextInput(attrs=_LTR))
    outlet = forms.CharField(label=_("Outlet"), max_length=200,
                             widget=forms.TextInput(attrs={"dir": "auto"}))
    kind = forms.ChoiceField(label=_("Kind"),
                             choices=[(k, LABELS["source_kind"].get(k, k))
                                      for k in sorted(KIND_KEYS)],
                             error_messages={"invalid_choice": (
                                 "kind: %(value)s is not one of "
                                 + ", ".join(sorted(KIND_KEYS)))})
    interval = forms.CharField(label=_("Interval"), max_length=16, required=False,
                               widget=forms.TextInput(attrs={**_LTR, "placeholder": "6h"}))
    language = forms.CharField(label=_("Language"), max_length=8, initial="ar",
                               widget=forms.TextInput(attrs={**_LTR, "size": 4}))
    timezone = forms.CharField(label=_("Time zone"), max_length=64,
                               required=False,
                               widget=forms.TextInput(attrs={**_LTR,
                                                             "placeholder": "Asia/Damascus"}))
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    robots = forms.BooleanField(label=_("Obey robots.txt"), required=False,
                                initial=True)

    def __init__(self, *args: Any, config: Config, source: Source | None = None,
                 **kwargs: Any) -> None:
        kind = kwargs.pop("kind", None)
        super().__init__(*args, **kwargs)
        if self.is_bound:
            kind = self.data.get("kind")
        kind = kind or self.initial.get("kind") or DEFAULT_KIND
        self.kind = kind if kind in KIND_KEYS else DEFAULT_KIND
        self.initial.setdefault("kind", self.kind)
        self.fields.update(sources_fields.kind_fields(self.kind))
        self.config = config
        self.source = source
        self.entry: dict[str, Any] | None = None  # the validated table once valid

    def _problem(self, where: str, problem: str) -> None:
        """Attach one ``validate_sources`` problem to the field its key names."""
        rest = problem[len(where) + 1:] if problem.startswith(where + ".") else problem
        key = rest.split(":", 1)[0].split(".", 1)[0].split("[", 1)[0].strip()
        field = key if key in FORM_KEYS else sources_fields.field_name(key)
        self.add_error(field if field in self.fields else None, rest)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        entry: dict[str, Any] = {k: data[k] for k in ("name", "outlet", "kind", "language",
                                                      "enabled", "robots")}
        for key in ("interval", "timezone"):
            if data.get(key):
                entry[key] = data[key]
        for key in KIND_KEYS.get(self.kind, {}):
            text = data.get(sources_fields.field_name(key)) or ""
            if text.strip():
                entry[key] = sources_fields.typed_value(key, text)
        if not self._guard(entry):  # SSRF and file probing: review_ui.views.sources_guard
            return data
        base_dir = Path(self.config.path).resolve().parent if self.config.path else None
        entries, problems = validate_sources(
            [entry], self.config.get("crawl.default_interval"), base_dir=base_dir)
        where = f"sources[0] ({entry['name']})"
        for problem in problems:
            self._problem(where, problem)
        self._check_name(entry["name"])
        if not self.errors and entries:
            self.entry = entries[0]
        return data

    def _guard(self, entry: dict[str, Any]) -> bool:
        """Refuse internal URLs and cookie files outside the cookies dir; True if none."""
        if "cookies" in entry:
            path, problem = sources_guard.cookies_path(entry["cookies"], self.config)
            if problem:
                self.add_error(sources_fields.field_name("cookies"), problem)
            else:
                entry["cookies"] = path
        for key, problem in sources_guard.url_problems(entry, self.config):
            name = sources_fields.field_name(key.split("[", 1)[0].split(".", 1)[0])
            self.add_error(name if name in self.fields else None, problem)
        return not self.errors

    def _check_name(self, name: str) -> None:
        if name in {s["name"] for s in self.config.sources}:
            self.add_error("name", f"name: {name!r} is declared in raqib.toml; "
                                   "choose another name")
            return
        taken = Source.objects.filter(name=name)
        if self.source is not None:
            taken = taken.exclude(pk=self.source.pk)
        if taken.exists():
            self.add_error("name", f"name: a source named {name!r} already exists")
