"""Views of the review UI: search, the broadcast list, the broadcast viewer and media.

Every view carries ``role_required`` (checked on the server); reading needs the viewer
role. Captured text is rendered autoescaped through the ``bidi_safe`` filter. To add a
page: write the view here with ``@role_required(...)``, a template under
``templates/review_ui/`` and a line in ``urls.py``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods

from index.base import Hit, QueryError
from raqib.models import Broadcast, Transcript
from review_ui.forms import SearchForm
from review_ui.roles import role_required
from review_ui.streaming import ranged_file_response

log = logging.getLogger(__name__)
SEARCH_LIMIT = 50
BROADCASTS_PER_PAGE = 50


def run_search(query: str, outlet: str | None) -> tuple[list[Hit], str]:
    """Hits for the query and an error message for the person searching ("" if none)."""
    from index.registry import get_backend

    try:
        return get_backend().search(query, outlet=outlet or None, limit=SEARCH_LIMIT), ""
    except QueryError as exc:
        return [], f"استعلام غير صالح · Invalid query: {exc}"
    except Exception:  # a backend down must not take the page with it
        log.exception("search backend failed for query %r", query)
        return [], ("تعذّر البحث، راجع سجلّ الخادم · The search backend failed; "
                    "the server log has the details.")


@require_GET
@role_required("viewer")
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    hits: list[Hit] = []
    error = ""
    searched = False
    if form.is_valid() and form.cleaned_data["q"].strip():
        searched = True
        hits, error = run_search(form.cleaned_data["q"].strip(), form.cleaned_data["outlet"])
    elif form.is_bound and not form.is_valid():
        error = "; ".join(str(e) for errors in form.errors.values() for e in errors)
    return render(request, "review_ui/search.html", {
        "form": form, "hits": hits, "error": error, "searched": searched,
    })


@require_GET
@role_required("viewer")
def broadcast_list(request: HttpRequest) -> HttpResponse:
    broadcasts = Broadcast.objects.select_related("outlet", "source", "media").order_by(
        "-discovered_at", "-id")
    status = request.GET.get("status", "")
    if status in Broadcast.Status.values:
        broadcasts = broadcasts.filter(status=status)
    page = Paginator(broadcasts, BROADCASTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "review_ui/broadcast_list.html", {
        "page": page, "status": status, "statuses": Broadcast.Status.values,
    })


def _start_seconds(raw: str | None) -> float:
    try:
        value = float(raw or 0)
    except ValueError:
        return 0.0
    return value if value > 0 and value < 10**7 else 0.0


def _chosen_transcript(broadcast: Broadcast, raw_id: str | None) -> Transcript | None:
    transcripts = broadcast.transcripts.order_by("-created_at", "-id")
    if raw_id and raw_id.isdigit():
        return transcripts.filter(pk=int(raw_id)).first() or transcripts.first()
    return transcripts.first()


@require_GET
@role_required("viewer")
def broadcast_detail(request: HttpRequest, broadcast_id: int) -> HttpResponse:
    broadcast = get_object_or_404(
        Broadcast.objects.select_related("outlet", "source", "media"), pk=broadcast_id)
    start = _start_seconds(request.GET.get("t"))
    transcript = _chosen_transcript(broadcast, request.GET.get("transcript"))
    segments = list(transcript.segments.order_by("number")) if transcript else []
    current = next((s.pk for s in segments if s.start <= start < max(s.end, s.start + 0.01)),
                   None)
    return render(request, "review_ui/broadcast_detail.html", {
        "broadcast": broadcast, "start": start, "transcript": transcript,
        "transcripts": broadcast.transcripts.order_by("-created_at", "-id"),
        "segments": segments, "current_segment": current,
    })


def media_path(broadcast: Broadcast) -> Path:
    """The broadcast's media file on disk; Http404 when it has none or it is missing."""
    if broadcast.media is None:
        raise Http404("this broadcast has no captured media")
    data_dir = Path(settings.DATA_DIR).resolve()
    path = (data_dir / broadcast.media.path).resolve()
    # The path comes from the database; refuse anything that escapes the data dir.
    if not path.is_relative_to(data_dir) or not path.is_file():
        raise Http404("the media file is missing")
    return path


@require_http_methods(["GET", "HEAD"])
@role_required("viewer")
def media(request: HttpRequest, broadcast_id: int) -> HttpResponse:
    broadcast = get_object_or_404(Broadcast.objects.select_related("media"), pk=broadcast_id)
    path = media_path(broadcast)
    return ranged_file_response(path, request.headers.get("Range"), broadcast.media.mime_type)
