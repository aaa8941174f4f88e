"""The search screen: full-text search over transcripts with facets and pages.

The form (``search_forms.SearchForm``) is turned into an ``index.base.SearchRequest`` and
sent to the configured backend; a bad query or a backend that is down gives a message on
the page, never a 500. Facet links and the pager keep the other parameters
(``common.with_params``). Reading needs the viewer role. To add a filter: a field in
``search_forms.SearchForm`` and its hand-over in ``search_request``.

What each hit shows that costs template work (its highlighted text, escaped span by span,
and its links) is prepared once in Python by ``hit_rows``: the template's loop over every
span and a ``{% url %}`` per link were most of a result page's rendering time
(``benchmarks/search_load.py --in-process``). The text is escaped and bidi-neutralised
exactly as the template did it (``escape(bidi_safe(...))``), so the HTML is the same.
Issue 26 took the same step further: each hit's ``<li>`` (``hit_row_html``), each group's
header (``group_head_html``) and each facet (``facet_item_html``) are written here, each
``{{ }}`` through ``template_value``; ``tests/review_ui/test_page_rows.py`` keeps the
template fragments they replaced and compares. To change what a hit shows: change those
functions (and the kept fragment in that test, which documents the old output).

The hits of a page are shown grouped by broadcast (``hit_groups``): the broadcast's outlet,
title, air time and tags once, its hits of this page under it in the backend's order,
their count and a link to the whole broadcast. Paging and facets still count hits, so a
broadcast may continue on the next page.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET

from accounts.roles import has_role
from index.base import Hit, QueryError, SearchPage, SearchRequest
from review_ui.access import role_required
from review_ui.templatetags.raqib_ui import (
    bidi_safe,
    http_href,
    seconds_param,
    template_value,
    timecode,
)
from review_ui.views.common import form_errors, page_links, with_params
from review_ui.views.search_forms import SearchForm

log = logging.getLogger(__name__)
FACET_FIELDS = {"outlet": "outlet", "language": "lang", "tag": "tag"}


def search_request(data: dict[str, Any]) -> SearchRequest:
    """A SearchRequest from the search form's cleaned data (raises QueryError)."""
    from index.query import parse_date_bound

    query = data["q"].strip()
    if data.get("verified"):  # the "verified text only" box: the query language's filter
        query += " verified:yes"
    return SearchRequest(
        query, outlet=data.get("outlet") or None,
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
        return None, gettext("Invalid query: %(reason)s") % {"reason": exc}
    except Exception:  # a backend down must not take the page with it
        log.exception("search backend failed for query %r", data.get("q"))
        return None, gettext("The search backend failed; the server log has the details.")


def facet_links(page: SearchPage, query: QueryDict) -> list[dict[str, Any]]:
    """The page's facets as groups of ``{value, count, query}``; each query narrows the
    current search to that value."""
    groups = []
    for name, values in page.facets.items():
        items = []
        for value, count in values:
            if name == "month":
                link = with_params(query, date_from=value, date_to=value)
            else:
                link = with_params(query, **{FACET_FIELDS[name]: value})
            items.append({"value": value, "count": count, "query": link,
                          "html": facet_item_html(name, value, count, link)})
        if items:
            groups.append({"name": name, "items": items})
    return groups


def facet_item_html(name: str, value: Any, count: Any, query: str) -> SafeString:
    """A facet's ``<li>``: the link narrowing the search to ``value`` (shown as a language's
    or month's name in the page's language, else as entered) and its count; the same
    characters as the template loop it replaces (compared in ``test_page_rows.py``)."""
    from review_ui.l10n import shown_month
    from review_ui.labels import label

    if name == "language":
        shown = label("language", value)
    elif name == "month":
        shown = shown_month(value)
    else:
        shown = bidi_safe(value)
    return mark_safe(  # noqa: S308  (every value is escaped by template_value)
        f'<li><a class="facet-link" href="?{template_value(query)}"><bdi>'
        f'{template_value(shown)}</bdi></a> <span class="facet-count" dir="ltr">'
        f"({template_value(count)})</span></li>")


def highlight_html(hit: Hit) -> SafeString:
    """The hit's text as HTML: each span escaped and bidi-neutralised, matches in
    ``<mark>`` (the whole text, escaped, when there are no spans)."""
    if not hit.highlight:
        return escape(bidi_safe(hit.text))
    return mark_safe("".join(  # noqa: S308  (every piece of text is escaped here)
        f"<mark>{escape(bidi_safe(span.text))}</mark>" if span.match
        else escape(bidi_safe(span.text)) for span in hit.highlight))


def hit_rows(hits: list[Hit], can_propose: bool) -> list[dict[str, Any]]:
    """What the template shows for each hit: the hit, its text as HTML, the link into the
    broadcast at the hit's time, the original page's link ("" unless http(s)) and, for a
    reviewer, the link that opens an incident on the hit's time range."""
    details: dict[int, str] = {}
    create = reverse("review_ui:incident_create") if can_propose else ""
    rows = []
    for hit in hits:
        detail = details.get(hit.broadcast_id)
        if detail is None:
            detail = details[hit.broadcast_id] = reverse("review_ui:broadcast_detail",
                                                         args=[hit.broadcast_id])
        row = {
            "hit": hit, "text_html": highlight_html(hit),
            "href": f"{detail}?t={seconds_param(hit.play_from)}",
            "original": http_href(hit.url),
            "incident_href": (f"{create}?broadcast={hit.broadcast_id}"
                              f"&start={seconds_param(hit.start)}"
                              f"&end={seconds_param(hit.end)}") if can_propose else ""}
        row["html"] = hit_row_html(row)
        rows.append(row)
    return rows


def _translated(message: str) -> str:
    """What ``{% translate message %}`` writes (escaped, ``%%`` as ``%``)."""
    return template_value(gettext(message)).replace("%%", "%")


def hit_row_html(row: dict[str, Any]) -> SafeString:
    """A hit's ``<li>``: its link at the hit's time, its text, the badge of the text it
    matched and, for a reviewer, the link opening an incident. The same characters the
    template loop wrote (``tests/review_ui/test_page_rows.py`` keeps that loop and compares),
    written once here: the loop's tags were most of a result page's rendering time."""
    hit = row["hit"]
    matched = hit.matched
    if matched == "verified":
        badge, label = " badge-verified", _translated("verified text")
    elif matched == "corrected":
        badge, label = " badge-corrected", _translated("corrected text, not yet verified")
    else:
        badge, label = "", _translated("machine text")
        if hit.verified:
            label += " · " + _translated("in a verified range")
    incident = (f'<a class="open-incident" href="{template_value(row["incident_href"])}">'
                f'{_translated("Open incident")}</a>' if row["incident_href"] else "")
    in_verified = ' data-in-verified="yes"' if hit.verified else ""
    return mark_safe(  # noqa: S308  (every value is escaped by template_value)
        '<li class="hit">\n'
        f'        <a class="hit-link" href="{template_value(row["href"])}">\n'
        f'          <span class="timecode" dir="ltr">{template_value(timecode(hit.play_from))}'
        "</span>\n"
        f'          <span class="text" dir="auto">{template_value(row["text_html"])}</span>\n'
        "        </a>\n"
        f'        <span data-matched="{template_value(matched)}"{in_verified} '
        f'class="hit-matched badge{badge}">{label}</span>\n'
        f"        {incident}\n"
        "      </li>")


def hit_groups(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``hit_rows`` grouped by broadcast, in the order each broadcast first appears: each
    group has ``hit`` (its first hit, for the broadcast's details), ``rows``, ``count`` and
    ``more_href`` (the broadcast page at its first hit)."""
    groups: dict[int, dict[str, Any]] = {}
    for row in rows:
        group = groups.get(row["hit"].broadcast_id)
        if group is None:
            group = groups[row["hit"].broadcast_id] = {
                "hit": row["hit"], "rows": [], "more_href": row["href"]}
        group["rows"].append(row)
    for group in groups.values():
        group["count"] = len(group["rows"])
        group["head_html"] = group_head_html(group)
    return list(groups.values())


def aired_html(source: Any) -> str:
    """What ``_aired.html`` writes for a broadcast or a hit (its final newline included)."""
    from review_ui.templatetags.raqib_ui import air_date_filter, shown_aired_filter

    air = air_date_filter(source)
    if air.known:
        offset = air.offset()
        shown = template_value(shown_aired_filter(air)) + (
            f' <span dir="ltr">{template_value(offset)}</span>' if offset else "")
        html = f'<time class="aired" datetime="{template_value(air.iso())}">{shown}</time>'
    elif air.raw:
        html = f"<bdi>{template_value(bidi_safe(air.raw))}</bdi>"
    else:
        html = "—"
    return html + "\n"


def group_head_html(group: dict[str, Any]) -> SafeString:
    """A hit group's ``<li>`` opening and its header: the broadcast's outlet, title, air
    time and tags, the count of its hits on this page, the original page's link; the same
    characters as the template it replaces (compared in ``test_page_rows.py``)."""
    hit = group["hit"]
    aired = aired_html(hit) if hit.aired_at or hit.aired_date else ""
    tags = "".join(f'<span class="tag"><bdi>{template_value(tag)}</bdi></span>'
                   for tag in hit.tags)
    count = ngettext("%(counter)s hit on this page", "%(counter)s hits on this page",
                     group["count"]) % {"counter": template_value(group["count"])}
    original = group["rows"][0]["original"]
    link = (f'<a class="original" href="{template_value(original)}" rel="noopener noreferrer"'
            f' dir="ltr">{_translated("Original page")}</a>' if original else "")
    return mark_safe(  # noqa: S308  (every value is escaped by template_value)
        f'<li class="hit-group" data-broadcast="{template_value(hit.broadcast_id)}">\n'
        '    <div class="hit-meta">\n'
        f'      <span class="outlet"><bdi>{template_value(bidi_safe(hit.outlet))}</bdi></span>\n'
        f'      <span class="title"><bdi>{template_value(bidi_safe(hit.title))}</bdi></span>\n'
        f"      {aired}\n"
        f"      {tags}\n"
        f'      <span class="group-count">{count}</span>\n'
        f"      {link}\n"
        "    </div>")


@require_GET
@role_required("viewer")
def search(request: HttpRequest) -> HttpResponse:
    """The search form and, once a query is given, its results."""
    form = SearchForm(request.GET or None)
    page: SearchPage | None = None
    error = ""
    searched = False
    if form.is_valid() and form.cleaned_data["q"].strip():
        searched = True
        page, error = run_search(form.cleaned_data)
    elif form.is_bound and not form.is_valid():
        error = form_errors(form)
    can_propose = has_role(request.user, "reviewer")
    hits = page.hits if page else []
    rows = hit_rows(hits, can_propose)
    context: dict[str, Any] = {"form": form, "hits": hits, "rows": rows,
                               "groups": hit_groups(rows),
                               "page": page, "error": error, "searched": searched,
                               "facets": [], "can_propose": can_propose}
    if page:
        context["facets"] = facet_links(page, request.GET)
        context.update(page_links(request.GET, page.page, page.pages))
    return render(request, "review_ui/search.html", context)
