"""The tagging screen action: add or remove a tag on a broadcast, one of its segments, a
segment range (``segment`` to ``to_segment``) or a time range (``start``-``end``), with a
note. The viewer offers the leads' vocabulary; a new name is saved as a proposal until a
lead promotes it (``raqib tag promote``).

A CSRF-protected POST from the broadcast viewer, for reviewers; it calls
``review.tagging`` (which also updates the search index) and goes back to the viewer with
a message when the tag was refused or the index could not be updated. To add a field (e.g.
a note on a tagging): add it to ``TagForm`` and pass it on to ``review.tagging``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from catalog.models import Broadcast
from review_ui.access import role_required
from review_ui.views.broadcasts import broadcast_detail_url
from review_ui.views.common import form_errors, with_reason


class TagForm(forms.Form):
    """One tag, optionally on segment ``segment``; ``action`` is add (default) or remove."""

    tag = forms.CharField(label=gettext_lazy("Tag"), max_length=64)
    segment = forms.IntegerField(min_value=0, max_value=10**8, required=False,
                                 widget=forms.HiddenInput)
    to_segment = forms.IntegerField(min_value=0, max_value=10**8, required=False)
    start = forms.CharField(max_length=14, required=False)
    end = forms.CharField(max_length=14, required=False)
    note = forms.CharField(max_length=4000, required=False)
    action = forms.ChoiceField(choices=[("add", "add"), ("remove", "remove")], required=False)


@require_http_methods(["POST"])
@role_required("reviewer")
def broadcast_tags(request: HttpRequest, broadcast_id: int) -> HttpResponse:
    """Add or remove a tag on the broadcast (or one segment); CSRF-protected POST."""
    from review.tagging import TagError, add_tag, remove_tag

    broadcast = get_object_or_404(Broadcast, pk=broadcast_id)
    form = TagForm(request.POST)
    target = broadcast_detail_url(broadcast.pk)
    if not form.is_valid():
        messages.error(request,
                       gettext("Invalid tag: %(reason)s") % {"reason": form_errors(form)})
        return redirect(target)
    data = form.cleaned_data
    try:
        if data.get("action") == "remove":
            _, index_error = remove_tag(broadcast.pk, data["tag"],
                                        segment_number=data.get("segment"), user=request.user)
        else:
            _, _, index_error = add_tag(
                broadcast.pk, data["tag"], segment_number=data.get("segment"),
                user=request.user, note=data.get("note") or "",
                to_segment=data.get("to_segment"), start=data.get("start") or None,
                end=data.get("end") or None)
    except TagError as exc:
        messages.error(request, with_reason(gettext("Invalid tag: %(reason)s"), exc))
        return redirect(target)
    if index_error:
        messages.warning(request, index_error)
    return redirect(target)
