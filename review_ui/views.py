"""Views of the review UI: search, the broadcast list, the broadcast viewer and media.

Every view carries ``role_required`` (checked on the server); reading needs the viewer
role. Captured text is rendered autoescaped through the ``bidi_safe`` filter. To add a
page: write the view here with ``@role_required(...)``, a template under
``templates/review_ui/`` and a line in ``urls.py``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods

from catalog.models import Broadcast, Transcript
from index.base import QueryError, SearchPage, SearchRequest
from review_ui.forms import SearchForm
from review_ui.roles import has_role, role_required
from review_ui.streaming import ranged_file_response

log = logging.getLogger(__name__)
BROADCASTS_PER_PAGE = 50


def search_request(data: dict[str, Any]) -> SearchRequest:
    """A SearchRequest from the search form's cleaned data (raises QueryError)."""
    from index.query import parse_date_bound

    return SearchRequest(
        data["q"].strip(), outlet=data.get("outlet") or None,
        language=(data.get("lang") or "").strip() or None,
        tags=(data["tag"],) if data.get("tag") else (),
        aired_from=parse_date_bound(data["date_from"]) if data.get("date_from") else None,
        aired_to=parse_date_bound(data["date_to"], end=True) if data.get("date_to") else None,
        sort=data.get("sort") or "relevance", page=data.get("page") or 1,
        page_size=data.get("page_size") or settings.CONFIG.get("search.page_size"))


def run_search(data: dict[str, Any]) -> tuple[SearchPage | None, str]:
    """The result page for the form data and an error message for the person searching
    ("" if none); never raises."""
    from index.registry import get_backend

    try:
        return get_backend().search_page(search_request(data)), ""
    except QueryError as exc:
        return None, f"استعلام غير صالح · Invalid query: {exc}"
    except Exception:  # a backend down must not take the page with it
        log.exception("search backend failed for query %r", data.get("q"))
        return None, ("تعذّر البحث، راجع سجلّ الخادم · The search backend failed; "
                      "the server log has the details.")


FACET_FIELDS = {"outlet": "outlet", "language": "lang", "tag": "tag"}


def _with(query: QueryDict, **changes: str) -> str:
    """The current query string with some parameters changed (and the page reset)."""
    params = query.copy()
    params.pop("page", None)
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


def _facet_links(page: SearchPage, query: QueryDict) -> list[dict[str, Any]]:
    groups = []
    for name, values in page.facets.items():
        items = []
        for value, count in values:
            if name == "month":
                link = _with(query, date_from=value, date_to=value)
            else:
                link = _with(query, **{FACET_FIELDS[name]: value})
            items.append({"value": value, "count": count, "query": link})
        if items:
            groups.append({"name": name, "items": items})
    return groups


@require_GET
@role_required("viewer")
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    page: SearchPage | None = None
    error = ""
    searched = False
    if form.is_valid() and form.cleaned_data["q"].strip():
        searched = True
        page, error = run_search(form.cleaned_data)
    elif form.is_bound and not form.is_valid():
        error = "; ".join(str(e) for errors in form.errors.values() for e in errors)
    context: dict[str, Any] = {"form": form, "hits": page.hits if page else [], "page": page,
                               "error": error, "searched": searched, "facets": []}
    if page:
        context["facets"] = _facet_links(page, request.GET)
        if page.page > 1:
            context["prev_query"] = _with(request.GET, page=str(page.page - 1))
        if page.page < page.pages:
            context["next_query"] = _with(request.GET, page=str(page.page + 1))
    return render(request, "review_ui/search.html", context)


@require_GET
@role_required("viewer")
def broadcast_list(request: HttpRequest) -> HttpResponse:
    broadcasts = Broadcast.objects.select_related("outlet", "source", "media").order_by(
        "-discovered_at", "-id")
    status = request.GET.get("status", "")
    if status in Broadcast.Status.values:
        broadcasts = broadcasts.filter(status=status)
    else:
        status = ""
    # Takedown watch: monitors list what the outlet deleted or re-cut since capture.
    availability = request.GET.get("availability", "")
    if availability in (Broadcast.Availability.GONE, Broadcast.Availability.RECUT):
        broadcasts = broadcasts.filter(availability=availability)
    else:
        availability = ""
    page = Paginator(broadcasts, BROADCASTS_PER_PAGE).get_page(request.GET.get("page"))
    filters = urlencode({k: v for k, v in (("status", status),
                                           ("availability", availability)) if v})
    return render(request, "review_ui/broadcast_list.html", {
        "page": page, "status": status, "statuses": Broadcast.Status.values,
        "availability": availability, "filters": filters,
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
        "taggings": broadcast.taggings.select_related("tag", "segment").order_by("tag__name"),
        "can_tag": has_role(request.user, "reviewer"),
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


@require_http_methods(["POST"])
@role_required("reviewer")
def broadcast_tags(request: HttpRequest, broadcast_id: int) -> HttpResponse:
    """Add or remove a tag on the broadcast (or one segment); CSRF-protected POST."""
    from django.contrib import messages
    from django.shortcuts import redirect

    from review.tagging import TagError, add_tag, remove_tag
    from review_ui.forms import TagForm

    broadcast = get_object_or_404(Broadcast, pk=broadcast_id)
    form = TagForm(request.POST)
    target = f"{broadcast_detail_url(broadcast.pk)}"
    if not form.is_valid():
        messages.error(request, "وسم غير صالح · Invalid tag: " + "; ".join(
            str(e) for errors in form.errors.values() for e in errors))
        return redirect(target)
    data = form.cleaned_data
    try:
        if data.get("action") == "remove":
            _, index_error = remove_tag(broadcast.pk, data["tag"],
                                        segment_number=data.get("segment"), user=request.user)
        else:
            _, _, index_error = add_tag(broadcast.pk, data["tag"],
                                        segment_number=data.get("segment"), user=request.user)
    except TagError as exc:
        messages.error(request, f"وسم غير صالح · Invalid tag: {exc}")
        return redirect(target)
    if index_error:
        messages.warning(request, index_error)
    return redirect(target)


def broadcast_detail_url(broadcast_id: int) -> str:
    from django.urls import reverse

    return reverse("broadcast_detail", args=[broadcast_id])
