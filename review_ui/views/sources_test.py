"""The source form's "Test this source" button (admin): a dry run of the source as typed,
before anything is saved.

The POST carries the form (with its CSRF token); the form is checked exactly as a save
checks it (``sources_forms.SourceForm``: the schema of raqib.toml and the SSRF guard), then
``crawler.dry_run.dry_run`` collects it once under ``raqib.stages.dry_run_settings`` (the
egress guard of UI-added sources, a bounded time). It writes nothing: no source, no
broadcast, no custody event (a test changes no state; it is logged on ``raqib.review_ui``).
The page shows the items the source would find (title, air date, media URL), or why none,
in the page language. To show another column: add it to ``sources_form.html``.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from catalog.models import Source
from crawler.dry_run import DryRun, dry_run
from raqib.sources_sync import is_ui_source
from raqib.stages import dry_run_settings
from review_ui.access import recent_auth_required, role_required
from review_ui.views.sources_forms import SourceForm

log = logging.getLogger("raqib.review_ui")
SHOWN_ITEMS = 50  # the first items found are listed; the count says how many in all


def _summary(report: DryRun) -> str:
    if report.error:
        if report.refused:
            return _("The source was refused: it points at an address that is not public.")
        return _("The source could not be read.")
    if not report.items:
        return _("The source was read but no items were found; check the fields above.")
    return ""


@require_http_methods(["POST"])
@role_required("admin")
@recent_auth_required
def source_test(request: HttpRequest, source_id: int | None = None) -> HttpResponse:
    """Check the posted form and, if it is valid, show what a crawl would find."""
    source = None
    if source_id is not None:
        source = get_object_or_404(Source.objects.select_related("outlet"), pk=source_id)
        if not is_ui_source(source):
            raise PermissionDenied(f"{source.name} is declared in raqib.toml; "
                                   "try it with raqib sources check")
    form = SourceForm(request.POST, config=settings.CONFIG, source=source)
    if not form.is_valid() or form.entry is None:
        return render(request, "review_ui/sources_form.html",
                      {"form": form, "source": source}, status=400)
    report = dry_run(form.entry, dry_run_settings(settings.CONFIG))
    log.info("source test by %s: %s (%s): %d item(s)%s", request.user.get_username(),
             report.source, report.kind, len(report.items),
             f", failed: {report.error}" if report.error else "")
    return render(request, "review_ui/sources_form.html", {
        "form": form, "source": source, "report": report, "summary": _summary(report),
        "shown": report.items[:SHOWN_ITEMS]})
