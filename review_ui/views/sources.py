"""The sources screen (admin): the list of every source and the form for sources declared
in the UI (issue 3: sources are "configured in raqib.toml as [[sources]], also editable by
admins").

Rule: **sources declared in raqib.toml are read-only here** (their page shows the table;
edit the file); sources declared in the UI are created and edited here. Both kinds are
crawled alike. Every page needs the admin role, checked on the server by
``role_required("admin")``, and a password typed within ``web.reauth_minutes``
(``recent_auth_required``); every change is a POST with the CSRF token and a custody event
naming the admin (``raqib.sources_sync.save_ui_source``). Storage, name clashes and the
"file wins" rule are described in ``raqib.sources_sync``; the form is in
``sources_forms`` (one field per key of the chosen kind: changing the kind re-renders it
through the ``refresh`` button), its "Test this source" dry run in ``sources_test``.
To add a column: add it to ``_row`` and to ``sources.html``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from catalog.models import Source
from raqib.sources_sync import is_ui_source, save_ui_source, source_table
from review_ui.access import recent_auth_required, role_required
from review_ui.views.sources_forms import (
    SourceForm,
    initial_from_source,
    redisplayed,
    table_snippet,
)

FILE_ORIGIN = "raqib.toml"
UI_ORIGIN_LABEL = "UI"
REFRESH = "refresh"  # the "Show this kind's fields" button (also pressed by sources_form.js)


def _origin(source: Source, file_names: set[str]) -> str:
    if is_ui_source(source):
        return UI_ORIGIN_LABEL
    if source.name in file_names:
        return FILE_ORIGIN
    return f"{FILE_ORIGIN} (removed)"  # left the file: disabled, broadcasts kept


def _row(source: Source, file_names: set[str]) -> dict[str, Any]:
    return {"source": source, "origin": _origin(source, file_names),
            "editable": is_ui_source(source),
            "interval": _interval(source.interval_seconds)}


def _interval(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@require_http_methods(["GET"])
@role_required("admin")
def source_list(request: HttpRequest) -> HttpResponse:
    """Every crawled source (imports excluded) with where it is declared."""
    file_names = {s["name"] for s in settings.CONFIG.sources}
    sources = (Source.objects.select_related("outlet").exclude(kind=Source.KIND_IMPORT)
               .order_by("name"))
    return render(request, "review_ui/sources.html",
                  {"rows": [_row(s, file_names) for s in sources]})


def _form_page(request: HttpRequest, form: SourceForm, source: Source | None,
               status: int = 200) -> HttpResponse:
    return render(request, "review_ui/sources_form.html",
                  {"form": form, "source": source}, status=status)


def _save(request: HttpRequest, form: SourceForm, source: Source | None) -> HttpResponse:
    if form.is_valid() and form.entry is not None:
        try:
            save_ui_source(form.entry, actor=request.user.get_username(), source=source)
        except ValueError as exc:  # e.g. the name was taken between validation and save
            form.add_error(None, str(exc))
        else:
            return HttpResponseRedirect(reverse("review_ui:source_list"))
    return _form_page(request, form, source, status=400)


@require_http_methods(["GET", "POST"])
@role_required("admin")
@recent_auth_required
def source_create(request: HttpRequest) -> HttpResponse:
    """The empty form (GET) or a new UI source from it (POST; 400 with the problems)."""
    if request.method == "POST":
        if REFRESH in request.POST:  # the kind changed: show its fields, check nothing
            return _form_page(request, redisplayed(request.POST, settings.CONFIG), None)
        return _save(request, SourceForm(request.POST, config=settings.CONFIG), None)
    return _form_page(request, SourceForm(config=settings.CONFIG,
                                          kind=request.GET.get("kind")), None)


@require_http_methods(["GET", "POST"])
@role_required("admin")
@recent_auth_required
def source_edit(request: HttpRequest, source_id: int) -> HttpResponse:
    """The form of a UI source, or the read-only table of a raqib.toml source (a POST to
    one is refused with 403)."""
    source = get_object_or_404(Source.objects.select_related("outlet"), pk=source_id)
    if not is_ui_source(source):
        if request.method == "POST":
            raise PermissionDenied(f"{source.name} is declared in raqib.toml; edit the file")
        return render(request, "review_ui/sources_readonly.html", {
            "source": source, "snippet": table_snippet({"kind": source.kind,
                                                        **source_table(source)}),
            "table": source_table(source)})
    if request.method == "POST":
        if REFRESH in request.POST:
            return _form_page(request, redisplayed(request.POST, settings.CONFIG, source),
                              source)
        return _save(request, SourceForm(request.POST, config=settings.CONFIG,
                                         source=source), source)
    form = SourceForm(initial=initial_from_source(source), config=settings.CONFIG,
                      source=source)
    return _form_page(request, form, source)
