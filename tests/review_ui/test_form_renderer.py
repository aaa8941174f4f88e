"""Issue 26: ``review_ui.form_renderer.FastRenderer`` writes the same characters as Django's
widget templates.

Every form class of the review UI, unbound and bound to hostile input (markup, quotes,
bidi controls, Arabic), and a set of widgets built to reach each branch (option groups,
True/False/number attributes, a safe value, a lazy label, numbers shown in Arabic), are
rendered with Django's template renderer and with ``FastRenderer``, field by field: the
HTML must be identical, in both languages.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

import review_ui.views
from catalog.models import Outlet, Tag
from review_ui.form_renderer import FastRenderer

pytestmark = pytest.mark.django_db

HOSTILE = 'a<b>"c" & \'d\' \u202eevil\u202c قناة'


def _form_classes() -> list[type[forms.BaseForm]]:
    for module in pkgutil.iter_modules(review_ui.views.__path__):
        importlib.import_module(f"review_ui.views.{module.name}")
    found, todo = [], [forms.Form, forms.ModelForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith(("review_ui.", "accounts.")):
                found.append(sub)
    return found


def _make(cls: type[forms.BaseForm], data: Any, renderer: Any) -> forms.BaseForm | None:
    for args in ((), (None,)):
        try:
            return cls(*args, data=data, renderer=renderer) if data is not None else cls(
                *args, renderer=renderer)
        except TypeError:
            continue
    return None


def _widgets_html(form: forms.BaseForm) -> list[tuple[str, str]]:
    return [(name, str(form[name])) for name in form.fields]


def _hostile_data(form: forms.BaseForm) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        choices = list(getattr(field, "choices", []) or [])
        if isinstance(field, forms.MultipleChoiceField):
            data[name] = [str(c[0]) for c in choices[:2]] + [HOSTILE]
        elif choices:
            data[name] = str(choices[-1][0])
        elif isinstance(field, forms.BooleanField):
            data[name] = "on"
        else:
            data[name] = HOSTILE
    return data


@pytest.mark.parametrize("language", ["ar", "en"])
def test_every_ui_form_renders_the_same_both_ways(language: str) -> None:
    Outlet.objects.create(name=HOSTILE)
    Tag.objects.create(name="tag<1>", vocabulary=True, label_ar="وسم \u202e", label_en="t&g")
    classes = _form_classes()
    compared = 0
    with translation.override(language):
        for cls in classes:
            template_form = _make(cls, None, DjangoTemplates())
            if template_form is None:
                continue
            fast_form = _make(cls, None, FastRenderer())
            assert _widgets_html(fast_form) == _widgets_html(template_form), cls
            data = _hostile_data(template_form)
            bound_template = _make(cls, data, DjangoTemplates())
            bound_fast = _make(cls, data, FastRenderer())
            bound_template.is_valid()
            bound_fast.is_valid()
            assert _widgets_html(bound_fast) == _widgets_html(bound_template), cls
            compared += 1
    assert compared >= 15, [c.__name__ for c in classes]  # the search, incident, ... forms


class Branches(forms.Form):
    """Widgets reaching each branch of the fast renderer."""

    grouped = forms.ChoiceField(choices=[
        ("", gettext_lazy("All outlets")),
        ("Group <1>", [("a", "A & a"), ("b", mark_safe("<b>B</b>"))]),
        (3, 4.5)], required=False)
    flags = forms.CharField(widget=forms.TextInput(attrs={
        "autofocus": True, "disabled": False, "size": 10, "data-x": mark_safe("<i>"),
        "placeholder": gettext_lazy("Search")}))
    number = forms.IntegerField(widget=forms.NumberInput(attrs={"min": 0, "step": 0.5}))
    text = forms.CharField(widget=forms.Textarea(attrs={"dir": "auto", "rows": 3}))
    checked = forms.BooleanField(required=False)
    hidden = forms.IntegerField(widget=forms.HiddenInput)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    many = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y")],
                                     widget=forms.SelectMultiple)


@pytest.mark.parametrize("language", ["ar", "en"])
@pytest.mark.parametrize("data", [None, {
    "grouped": "b", "flags": HOSTILE, "number": "12345", "text": HOSTILE + "\nline 2",
    "checked": "on", "hidden": "7", "day": "2026-12-07", "many": ["x", "y"]}, {
    "grouped": "3", "flags": "", "number": "x", "text": "", "hidden": "", "day": "no"}])
def test_each_branch_renders_the_same_both_ways(language: str, data: Any,
                                                settings: Any) -> None:
    settings.RAQIB_ARABIC_DIGITS = True
    with translation.override(language):
        template_form = Branches(data, renderer=DjangoTemplates())
        fast_form = Branches(data, renderer=FastRenderer())
        template_form.is_valid()
        fast_form.is_valid()
        assert _widgets_html(fast_form) == _widgets_html(template_form)
        initial = Branches(initial={"flags": mark_safe("<safe>"), "number": 1234567,
                                    "day": "2026-01-02", "hidden": 3})
        initial.renderer = FastRenderer()
        expected = Branches(initial={"flags": mark_safe("<safe>"), "number": 1234567,
                                     "day": "2026-01-02", "hidden": 3},
                            renderer=DjangoTemplates())
        assert _widgets_html(initial) == _widgets_html(expected)
