"""The incident screens: open an incident from a hit, the incident page, and its changes.

``/incidents/new/`` is pre-filled from a search hit (``?broadcast=&t=``), an alert
(``?alert=``), selected transcript lines (``?broadcast=&seg=N&seg=M``) or a range
(``?broadcast=&start=&end=``). The incident page plays each clip at its range beside its
transcript lines and shows the persons, signs, assessments, statuses and history; its
forms POST (CSRF) to the actions below, which call ``review.incidents`` and
``review.workflow``, the same rules as ``raqib incidents``. A rule refused, bad input or a
stale version re-renders the page with the reason and the reviewer's own input kept
(nothing lost, nothing written). A lead who may confirm sees the proposer's assessment only
after recording theirs (blind review). An incident the user may not see is a 404, like a
missing one. To add an action: a form in ``incident_forms``, a view here, a URL line.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import has_role
from catalog import audit
from catalog.models import Alert, Broadcast, Segment, Transcript
from catalog.prepared import Prepared
from catalog.reads import transcript_segments
from review import incidents as inc
from review import workflow
from review.corrections import clip_text
from review.incident_json import incident_json, read_assessments, read_clips, sign_codes
from review.models import Assessment, CoercionSign, Incident, Person
from review.persons import PersonError, add_person, find_person
from review_ui.access import role_required
from review_ui.labels import label
from review_ui.views import incident_forms as f
from review_ui.views.common import digits_param, form_errors

MAX_SELECTED = 500


def _number(query: Any, name: str, limit: int = 10**9) -> float | None:
    raw = query.get(name, "")
    try:
        value = float(raw) if len(raw) <= 14 else None
    except ValueError:
        return None
    return value if value is not None and 0 <= value <= limit else None


def _segments_of(broadcast: Broadcast) -> Any:
    transcript = broadcast.transcripts.order_by("-created_at", "-id").first()
    return transcript.segments.order_by("number") if transcript else Segment.objects.none()


def prefill(query: Any) -> dict[str, Any]:
    """Initial values of the proposal form from the link that opened it."""
    initial: dict[str, Any] = {}
    alert_id = digits_param(query, "alert")
    if alert_id and len(alert_id) < 19:
        alert = Alert.objects.select_related("broadcast").filter(pk=int(alert_id)).first()
        if alert is not None:
            return {"broadcast": alert.broadcast_id, "start": f"{alert.start:g}",
                    "end": f"{alert.end:g}", "title": alert.broadcast.title}
    broadcast_id = digits_param(query, "broadcast")
    broadcast = (Broadcast.objects.filter(pk=int(broadcast_id)).first()
                 if broadcast_id and len(broadcast_id) < 19 else None)
    if broadcast is None:
        return initial
    initial.update(broadcast=broadcast.pk, title=broadcast.title)
    numbers = [int(n) for n in query.getlist("seg")[:MAX_SELECTED] if n.isdigit() and len(n) < 9]
    start, end, at = _number(query, "start"), _number(query, "end"), _number(query, "t")
    if numbers:
        chosen = list(_segments_of(broadcast).filter(number__in=numbers))
        if chosen:
            start, end = min(s.start for s in chosen), max(s.end for s in chosen)
    elif at is not None and start is None:
        hit = _segments_of(broadcast).filter(start__lte=at, end__gt=at).first()
        start, end = at, (hit.end if hit else at + 30)
    if start is not None:
        initial["start"] = f"{start:g}"
    if end is not None:
        initial["end"] = f"{end:g}"
    return initial


def _person_ref(name: str, kind: str, create: bool, user: Any) -> str:
    """``name`` as a reference to a known person, creating the person when asked."""
    if not name:
        return ""
    try:
        return f"#{find_person(name, user).pk}"
    except PersonError:
        if not create:
            raise
    return f"#{add_person(name, kind=kind or Person.Kind.OTHER, user=user).pk}"


def _on_air(data: dict[str, Any], user: Any) -> list[inc.OnAir]:
    if not data.get("person"):
        if data.get("targeted"):
            raise inc.IncidentError(_("a targeted person needs a person on air"))
        return []
    create = bool(data.get("create_missing"))
    person = _person_ref(data["person"], data.get("person_kind") or "", create, user)
    targeted = _person_ref(data.get("targeted") or "", Person.Kind.ACTIVIST, create, user)
    return [inc.OnAir(person, data.get("role") or "other", data.get("relation") or "",
                      targeted)]


@require_http_methods(["GET", "POST"])
@role_required("reviewer")
def incident_create(request: HttpRequest) -> HttpResponse:
    """The proposal form (GET, pre-filled) and the proposal itself (POST); the button
    ``then=review`` proposes and sends for review in one action
    (``review.workflow.propose_for_review``)."""
    if request.method == "GET":
        form = f.ProposeForm(initial=prefill(request.GET))
        return render(request, "review_ui/incident_form.html", {"form": form})
    form = f.ProposeForm(request.POST)
    error = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            action = (workflow.propose_for_review if request.POST.get("then") == "review"
                      else inc.propose)
            with transaction.atomic():  # a person created here goes if the proposal fails
                incident = action(
                    request.user, broadcast_id=data["broadcast"], start=data["start"],
                    end=data["end"], title=data["title"], people=_on_air(data, request.user),
                    signs=data["signs"], confidence=data["confidence"], notes=data["notes"],
                    restricted=data["restricted"])
        except (inc.IncidentError, inc.ReviewRuleError, PersonError) as exc:
            error = exc
        else:
            return HttpResponseRedirect(reverse("review_ui:incident_detail",
                                                args=[incident.pk]))
    else:
        error = form_errors(form)
    return render(request, "review_ui/incident_form.html", {"form": form, "error": error},
                  status=400)


def _visible(request: HttpRequest, incident_id: int) -> Incident:
    try:
        return inc.get_incident(incident_id, request.user)
    except inc.IncidentError:
        raise Http404("no such incident") from None


CLIP_LINES = 400  # transcript lines shown per clip
# compiled once per process (``catalog.prepared``): a clip's recording's latest transcript,
# ``broadcast.transcripts.order_by("-created_at", "-id").first()``, and every sign by code
_LATEST_TRANSCRIPT = Prepared(lambda broadcast_id: Transcript.objects.filter(
    broadcast_id=broadcast_id).order_by("-created_at", "-id")[:1], "int")
_EVERY_SIGN = Prepared(lambda: CoercionSign.objects.order_by("code"))


def _latest_transcript(broadcast: Broadcast) -> Transcript | None:
    found = _LATEST_TRANSCRIPT(broadcast.pk)
    if not found:
        return None
    Transcript.broadcast.field.set_cached_value(found[0], broadcast)
    return found[0]


def _clips(clips: list[Any]) -> list[dict[str, Any]]:
    """Each clip (``read_clips``) with its transcript lines and its text (corrected ranges
    in it); the lines read once for both when they are all shown."""
    items = []
    for clip in clips:
        transcript = _latest_transcript(clip.broadcast)
        lines = (transcript_segments(transcript, clip.start, clip.end, CLIP_LINES + 1)
                 if transcript else [])
        texts = [line.text for line in lines] if len(lines) <= CLIP_LINES else None
        said = clip_text(clip.broadcast, clip.start, clip.end, transcript=transcript,
                         texts=texts)
        items.append({"clip": clip, "lines": lines[:CLIP_LINES], "said": said})
    return items


def _first_aired_value(incident: Incident, posted: Any) -> str:
    if posted is not None:
        return str(posted.get("first_aired", ""))[:10]
    return incident.first_aired.isoformat() if incident.first_aired else ""


def _detail(request: HttpRequest, incident: Incident, *, error: Any = "",
            failed: str = "", status: int = 200) -> HttpResponse:
    """The incident page; ``failed`` names the form whose input is shown again."""
    user = request.user
    clips = read_clips(incident)  # read once: the JSON, the clip bodies, the airings
    assessments = read_assessments(incident)  # once: the JSON and this lead's own
    data = incident_json(incident, user, clips=clips, assessments=assessments)
    is_open = incident.status in inc.OPEN_STATUSES
    lead_other = has_role(user, "lead") and not workflow.is_own(incident, user)
    assessed = any(a.kind == Assessment.Kind.SECOND and a.by_id == user.pk
                   for a in assessments)
    posted = request.POST if failed else None
    # every sign in one query: the choices of the edit and assessment forms (the active
    # ones) and the signs the page names (the incident's, the assessments')
    every_sign = _EVERY_SIGN()
    signs = f.sign_choices(every_sign)
    shown_codes = set(data["signs"] or [])
    assessed_codes = {code for a in data["assessments"] for code in a["signs"]}
    named_signs = [s for s in every_sign if s.code in shown_codes | assessed_codes]
    context = {
        "incident": incident, "data": data, "clips": _clips(clips), "error": error,
        "clips_by_id": sorted(clips, key=lambda c: c.pk),  # the airings' order
        "shown_signs": [s for s in named_signs if s.code in shown_codes],
        "sign_by_code": {s.code: s for s in named_signs if s.code in assessed_codes},
        "first_aired_value": _first_aired_value(incident, posted if failed == "edit" else None),
        "can_edit": is_open and has_role(user, "reviewer"),
        "can_assess": (lead_other and incident.status == Incident.Status.UNDER_REVIEW
                       and not assessed),
        "can_confirm": (lead_other and incident.status == Incident.Status.UNDER_REVIEW
                        and assessed),
        "can_dismiss": lead_other and is_open,
        "can_send": incident.status == Incident.Status.SUSPECTED,
        "can_reopen": has_role(user, "lead") and not is_open,
        "is_lead": has_role(user, "lead"),
        "edit_form": f.EditForm(posted if failed == "edit" else None, signs=signs, initial={
            "title": incident.title, "programme": incident.programme,
            "first_aired": incident.first_aired, "notes": incident.notes,
            "confidence": incident.confidence,
            "signs": (list(data["signs"]) if data["signs"] is not None
                      else list(sign_codes(incident)))}),
        "clip_form": f.ClipForm(posted if failed == "clip" else None),
        "person_form": f.AddPersonForm(posted if failed == "person" else None),
        "assess_form": f.AssessForm(posted if failed == "assess" else None, signs=signs),
        "review_form": f.ReviewForm(posted if failed == "review" else None),
        "failed": failed,
    }
    return render(request, "review_ui/incident_detail.html", context, status=status)


@require_GET
@role_required("reviewer")
def incident_detail(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _visible(request, incident_id)
    audit.record("incident-viewed", request.user, details={
        "incident": incident.pk, "restricted": incident.restricted, "surface": "web"})
    return _detail(request, incident)


def _act(request: HttpRequest, incident_id: int, form_class: type, name: str,
         action: Any) -> HttpResponse:
    """Validate ``form_class``, run ``action(incident, cleaned_data)``, then back to the
    page; on any refusal the page again with the reason and the input kept."""
    incident = _visible(request, incident_id)
    form = form_class(request.POST)
    if not form.is_valid():
        return _detail(request, incident, error=form_errors(form), failed=name, status=400)
    try:
        with transaction.atomic():
            message = action(incident, form.cleaned_data)
    except inc.IncidentConflict as exc:
        return _detail(request, _visible(request, incident_id), error=exc, failed=name,
                       status=409)
    except (inc.IncidentError, inc.ReviewRuleError, PersonError) as exc:
        return _detail(request, _visible(request, incident_id), error=exc, failed=name,
                       status=403 if isinstance(exc, inc.ReviewRuleError) else 400)
    messages.success(request, message)
    return HttpResponseRedirect(reverse("review_ui:incident_detail", args=[incident_id]))


@require_POST
@role_required("reviewer")
def incident_edit(request: HttpRequest, incident_id: int) -> HttpResponse:
    def edit(incident: Incident, data: dict[str, Any]) -> str:
        inc.edit(incident.pk, request.user, version=data["version"], title=data["title"],
                 programme=data["programme"], first_aired=data["first_aired"],
                 notes=data["notes"], confidence=data["confidence"], signs=data["signs"])
        return _("Changes saved")
    return _act(request, incident_id, f.EditForm, "edit", edit)


@require_POST
@role_required("reviewer")
def incident_add_clip(request: HttpRequest, incident_id: int) -> HttpResponse:
    def add(incident: Incident, data: dict[str, Any]) -> str:
        inc.add_clip(incident.pk, request.user, broadcast_id=data["broadcast"],
                     start=data["start"], end=data["end"], note=data["note"],
                     version=data["version"])
        return _("Clip added")
    return _act(request, incident_id, f.ClipForm, "clip", add)


@require_POST
@role_required("reviewer")
def incident_add_person(request: HttpRequest, incident_id: int) -> HttpResponse:
    def add(incident: Incident, data: dict[str, Any]) -> str:
        people = _on_air(data, request.user)
        if not people:
            raise inc.IncidentError("name the person on air")
        inc.add_person(incident.pk, request.user, people[0], version=data["version"])
        return _("Person added")
    return _act(request, incident_id, f.AddPersonForm, "person", add)


@require_POST
@role_required("lead")
def incident_assess(request: HttpRequest, incident_id: int) -> HttpResponse:
    def assess(incident: Incident, data: dict[str, Any]) -> str:
        workflow.assess(incident.pk, request.user, confidence=data["confidence"],
                        signs=data["signs"], note=data["note"], version=data["version"])
        return _("Your assessment is recorded; the proposer's is shown below")
    return _act(request, incident_id, f.AssessForm, "assess", assess)


@require_POST
@role_required("reviewer")
def incident_review(request: HttpRequest, incident_id: int) -> HttpResponse:
    def review(incident: Incident, data: dict[str, Any]) -> str:
        workflow.set_status(incident.pk, request.user, data["status"], reason=data["reason"],
                            version=data["version"])
        return gettext("Status now: %(status)s") % {
            "status": label("incident_status", data["status"])}
    return _act(request, incident_id, f.ReviewForm, "review", review)


@require_POST
@role_required("lead")
def incident_assign(request: HttpRequest, incident_id: int) -> HttpResponse:
    def assign(incident: Incident, data: dict[str, Any]) -> str:
        reviewer = get_user_model().objects.filter(username=data["reviewer"].strip(),
                                                   is_active=True).first()
        if reviewer is None:
            raise inc.IncidentError(f"no active user named {data['reviewer']!r}")
        inc.assign(incident.pk, request.user, reviewer)
        return _("Reviewer assigned")
    return _act(request, incident_id, f.AssignForm, "assign", assign)
