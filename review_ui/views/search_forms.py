"""The search screen's form (``review_ui.views.search``): the query and its filters.

Outlet and tag choices are read from the catalog each time the form is built; dates take
``YYYY-MM-DD`` or ``YYYY-MM``. To add a search filter: add a field here and pass it on in
``review_ui.views.search.search_request``.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.reads import outlet_names, tag_labels
from index.base import MAX_PAGE_SIZE, SORTS
from review_ui.labels import vocabulary_label

DATE_HELP = "YYYY-MM-DD / YYYY-MM"


class EnteredSelect(forms.Select):
    """A select whose options (but the first, "All ...") are names as entered (outlets):
    each isolated with ``dir="auto"``."""

    def create_option(self, name: str, value: object, *args: object,
                      **kwargs: object) -> dict:
        option = super().create_option(name, value, *args, **kwargs)
        if value:
            option["attrs"]["dir"] = "auto"
        return option


class SearchForm(forms.Form):
    """The search box and its filters; ``page``/``page_size`` ride along hidden."""

    q = forms.CharField(label=_("Search"), max_length=500, required=False,
                        widget=forms.TextInput(attrs={"type": "search", "dir": "auto",
                                                      "autofocus": True}))
    outlet = forms.ChoiceField(label=_("Outlet"), required=False, widget=EnteredSelect)
    lang = forms.CharField(label=_("Language"), max_length=8, required=False,
                           widget=forms.TextInput(attrs={"size": 4, "dir": "ltr"}))
    tag = forms.ChoiceField(label=_("Tag"), required=False)
    date_from = forms.RegexField(label=_("From"), regex=r"^\d{4}-\d{2}(-\d{2})?$",
                                 required=False, max_length=10,
                                 widget=forms.TextInput(attrs={"placeholder": DATE_HELP,
                                                               "dir": "ltr", "size": 10}))
    date_to = forms.RegexField(label=_("To"), regex=r"^\d{4}-\d{2}(-\d{2})?$",
                               required=False, max_length=10,
                               widget=forms.TextInput(attrs={"placeholder": DATE_HELP,
                                                             "dir": "ltr", "size": 10}))
    verified = forms.BooleanField(label=_("Verified text only"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=[
        ("relevance", _("Relevance")), ("-aired_at", _("Newest")),
        ("aired_at", _("Oldest"))])
    page = forms.IntegerField(min_value=1, max_value=100000, required=False,
                              widget=forms.HiddenInput)
    page_size = forms.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE, required=False,
                                   widget=forms.HiddenInput)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        names = outlet_names()  # plain statements: the form is on every search page
        self.fields["outlet"].choices = [("", _("All outlets"))] + [
            (name, name) for name in names]
        tags = tag_labels()
        self.fields["tag"].choices = [("", _("All tags"))] + [
            (name, vocabulary_label(ar, en) or name) for name, ar, en in tags]
        assert {c for c, _ in self.fields["sort"].choices} == set(SORTS)
