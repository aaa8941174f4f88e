"""The correction screens: correct a range of a broadcast's transcript, verify a
correction, translate a corrected range and verify a translation (CSRF-protected POSTs
from the broadcast viewer, for reviewers), and a range's history of versions with what
each changed (a word diff), for every viewer.

Each action calls ``review.corrections`` (the rules: the two-person rule, the roles, the
versions, the audit entry, the index update) and goes back to the broadcast viewer at the
range with a message when the rules refused it. To add a field: add it to the form here
and pass it on to ``review.corrections``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Broadcast, Correction, Translation
from review import corrections as rules
from review_ui.access import role_required
from review_ui.views.broadcasts import broadcast_detail_url
from review_ui.views.common import form_errors, with_reason


class CorrectionForm(forms.Form):
    """A range of one transcript's segments and its corrected text."""

    transcript = forms.IntegerField(min_value=1, max_value=2**62)
    first = forms.IntegerField(min_value=0, max_value=10**8)
    last = forms.IntegerField(min_value=0, max_value=10**8)
    text = forms.CharField(max_length=rules.MAX_TEXT, strip=False)
    replaces = forms.IntegerField(min_value=1, max_value=2**62, required=False)


class TranslationForm(forms.Form):
    language = forms.CharField(max_length=8)
    text = forms.CharField(max_length=rules.MAX_TEXT, strip=False)
    replaces = forms.IntegerField(min_value=1, max_value=2**62, required=False)


def _back(broadcast_id: int, transcript_id: int | None = None, number: int | None = None
          ) -> HttpResponse:
    url = broadcast_detail_url(broadcast_id)
    if transcript_id:
        url += f"?transcript={int(transcript_id)}"
    if number is not None:
        url += f"#s{int(number)}"
    return redirect(url)


def _refused(request: HttpRequest, exc: Exception) -> None:
    messages.error(request, with_reason(gettext("Not saved: %(reason)s"), exc))


def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The rules refused the person this action (two-person rule, a stale version): 403."""
    return render(request, "review_ui/error.html", {
        "error_title": gettext("Not allowed"),
        "error_message": with_reason(gettext("Not saved: %(reason)s"), exc)}, status=403)


@require_POST
@role_required("reviewer")
def correct_range(request: HttpRequest, broadcast_id: int) -> HttpResponse:
    """Save a correction of segments ``first``..``last`` (a new version of the range)."""
    broadcast = get_object_or_404(Broadcast, pk=broadcast_id)
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Invalid correction: %(reason)s")
                       % {"reason": form_errors(form)})
        return _back(broadcast.pk)
    data = form.cleaned_data
    transcript = broadcast.transcripts.filter(pk=data["transcript"]).first()
    if transcript is None:
        messages.error(request, gettext("Invalid correction: %(reason)s")
                       % {"reason": gettext("no such transcript in this broadcast")})
        return _back(broadcast.pk)
    try:
        correction = rules.correct(broadcast, data["first"], data["last"], data["text"],
                                   by=request.user, transcript=transcript,
                                   replaces=data.get("replaces"))
    except (rules.CorrectionError, rules.CorrectionRuleError) as exc:
        _refused(request, exc)
        return _back(broadcast.pk, transcript.pk, data["first"])
    if getattr(correction, "index_error", ""):
        messages.warning(request, correction.index_error)
    return _back(broadcast.pk, transcript.pk, correction.first_number)


@require_POST
@role_required("reviewer")
def verify_correction(request: HttpRequest, correction_id: int) -> HttpResponse:
    """Verify a correction: another reviewer than its author (the two-person rule)."""
    correction = get_object_or_404(Correction, pk=correction_id)
    try:
        verified = rules.verify(correction, by=request.user)
    except rules.CorrectionRuleError as exc:
        return _forbidden(request, exc)
    except rules.CorrectionError as exc:
        _refused(request, exc)
    else:
        if getattr(verified, "index_error", ""):
            messages.warning(request, verified.index_error)
    return _back(correction.broadcast_id, correction.transcript_id, correction.first_number)


@require_POST
@role_required("reviewer")
def translate_correction(request: HttpRequest, correction_id: int) -> HttpResponse:
    """Save a translation of a corrected range's text (a new version when one exists)."""
    correction = get_object_or_404(Correction, pk=correction_id)
    form = TranslationForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Invalid translation: %(reason)s")
                       % {"reason": form_errors(form)})
    else:
        try:
            rules.translate(correction, form.cleaned_data["text"], by=request.user,
                            language=form.cleaned_data["language"],
                            replaces=form.cleaned_data.get("replaces"))
        except (rules.CorrectionError, rules.CorrectionRuleError) as exc:
            _refused(request, exc)
    return _back(correction.broadcast_id, correction.transcript_id, correction.first_number)


@require_POST
@role_required("reviewer")
def verify_translation(request: HttpRequest, translation_id: int) -> HttpResponse:
    """Verify a translation: another reviewer than its author."""
    translation = get_object_or_404(Translation.objects.select_related("correction"),
                                    pk=translation_id)
    correction = translation.correction
    try:
        rules.verify_translation(translation, by=request.user)
    except rules.CorrectionRuleError as exc:
        return _forbidden(request, exc)
    except rules.CorrectionError as exc:
        _refused(request, exc)
    return _back(correction.broadcast_id, correction.transcript_id, correction.first_number)


@require_GET
@role_required("viewer")
def correction_history(request: HttpRequest, correction_id: int) -> HttpResponse:
    """Every version of a corrected range: who, when, the text, what it changed from the
    machine's text and from the version before, who verified it."""
    correction = get_object_or_404(Correction.objects.select_related("broadcast"),
                                   pk=correction_id)
    versions = rules.history(correction)
    rows = []
    previous = None
    for version in versions:
        rows.append({"version": version,
                     "from_machine": rules.word_diff(version.machine_text, version.text),
                     "from_previous": (rules.word_diff(previous.text, version.text)
                                       if previous is not None else None),
                     "translations": list(version.translations.select_related(
                         "author", "verified_by").order_by("language", "created_at"))})
        previous = version
    return render(request, "review_ui/correction_history.html", {
        "correction": correction, "broadcast": correction.broadcast, "rows": rows,
        "back": reverse("review_ui:broadcast_detail", args=[correction.broadcast_id])
        + f"?transcript={correction.transcript_id}#s{correction.first_number}"})
