"""Forms of the incident screens (``views/incidents.py``): bounded fields only, so huge or
garbled input is a form error, never a 500. The rules themselves (roles, the two-person
rule, clip ranges, known persons and signs) are checked in ``review.incidents`` and
``review.workflow``, the same code the command line calls. To add a field: here, in the
template and in the ``review`` function the view passes it to."""

from __future__ import annotations

from django import forms

from review.models import CoercionSign, Incident, IncidentPerson, Person
from review_ui.labels import choices, vocabulary_label

TIME = {"max_length": 14, "help_text": "MM:SS, HH:MM:SS or seconds"}


def sign_choices(every_sign: list[CoercionSign] | None = None) -> list[tuple[str, str]]:
    """The active signs as choices, by code; ``every_sign``: every sign ordered by code,
    when the caller read them already."""
    signs = (CoercionSign.objects.filter(active=True).order_by("code") if every_sign is None
             else [s for s in every_sign if s.active])
    return [(s.code, vocabulary_label(s.label_ar, s.label_en)) for s in signs]


class SignsMixin(forms.Form):
    signs = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    confidence = forms.ChoiceField(choices=choices("confidence", Incident.Confidence.values),
                                   initial=Incident.Confidence.MEDIUM)

    def __init__(self, *args: object, signs: list[tuple[str, str]] | None = None,
                 **kwargs: object) -> None:
        """``signs``: the choices when the caller read them already (one query for every
        form of a page), else read here."""
        super().__init__(*args, **kwargs)
        self.fields["signs"].choices = sign_choices() if signs is None else signs


class PersonFields(forms.Form):
    person = forms.CharField(required=False, max_length=300)
    person_kind = forms.ChoiceField(choices=choices("person_kind", Person.Kind.values),
                                    initial=Person.Kind.RELATIVE,
                                    required=False)
    role = forms.ChoiceField(choices=choices("role", IncidentPerson.Role.values), required=False,
                             initial=IncidentPerson.Role.OTHER)
    relation = forms.CharField(required=False, max_length=100)
    targeted = forms.CharField(required=False, max_length=300)
    create_missing = forms.BooleanField(required=False)


class ProposeForm(SignsMixin, PersonFields):
    broadcast = forms.IntegerField(min_value=1, max_value=2**63 - 1)
    start = forms.CharField(**TIME)
    end = forms.CharField(**TIME)
    title = forms.CharField(max_length=300)
    notes = forms.CharField(required=False, max_length=20000, widget=forms.Textarea)
    restricted = forms.BooleanField(required=False)


class VersionForm(forms.Form):
    version = forms.IntegerField(min_value=1, max_value=2**31)


class EditForm(SignsMixin, VersionForm):
    title = forms.CharField(max_length=300)
    programme = forms.CharField(required=False, max_length=300)
    first_aired = forms.DateField(required=False)
    notes = forms.CharField(required=False, max_length=20000, widget=forms.Textarea)


class ClipForm(VersionForm):
    broadcast = forms.IntegerField(min_value=1, max_value=2**63 - 1)
    start = forms.CharField(**TIME)
    end = forms.CharField(**TIME)
    note = forms.CharField(required=False, max_length=2000)


class AddPersonForm(PersonFields, VersionForm):
    pass


class AssessForm(SignsMixin, VersionForm):
    note = forms.CharField(required=False, max_length=5000, widget=forms.Textarea)


class ReviewForm(VersionForm):
    status = forms.ChoiceField(choices=choices("incident_status", Incident.Status.values))
    reason = forms.CharField(required=False, max_length=5000)


class AssignForm(forms.Form):
    reviewer = forms.CharField(max_length=150)
