"""Forms of the review UI. To add a search filter: add a field here and pass it on in
``views.search``."""

from __future__ import annotations

from django import forms

from raqib.models import Outlet


class SearchForm(forms.Form):
    q = forms.CharField(label="بحث · Search", max_length=500, required=False,
                        widget=forms.TextInput(attrs={"type": "search", "dir": "auto",
                                                      "autofocus": True}))
    outlet = forms.ChoiceField(label="القناة · Outlet", required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        names = Outlet.objects.order_by("name").values_list("name", flat=True)
        self.fields["outlet"].choices = [("", "كل القنوات · All outlets")] + [
            (name, name) for name in names]
