"""The signs-of-coercion vocabulary page: reviewers read it, leads add and (de)activate signs.

``/vocabulary/`` lists every ``CoercionSign`` (code, Arabic and English labels, active or
not); a lead also gets the add form and an activate/deactivate button per sign. Both are
CSRF-protected POSTs to ``review.vocabulary`` (``add_sign``, ``set_sign_active``), which
check the input and the role again and write the audit entries (``sign-added``,
``sign-changed``). Bad input re-renders the page with the message and the lead's input kept
(400). Signs are never deleted. To add a column: the model, ``review.vocabulary`` and
``vocabulary.html``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import has_role
from review import vocabulary
from review.errors import as_html
from review.incidents import ReviewRuleError
from review_ui.access import role_required


class SignForm(forms.Form):
    """A new sign; ``review.vocabulary.add_sign`` checks it again."""

    code = forms.CharField(label=_("Code (e.g. reads-script)"),
                           max_length=vocabulary.MAX_CODE,
                           widget=forms.TextInput(attrs={"dir": "ltr"}))
    label_ar = forms.CharField(label=_("Arabic label"),
                               max_length=vocabulary.MAX_LABEL,
                               widget=forms.TextInput(attrs={"dir": "rtl"}))
    label_en = forms.CharField(label=_("English label"),
                               max_length=vocabulary.MAX_LABEL,
                               widget=forms.TextInput(attrs={"dir": "ltr"}))


def _page(request: HttpRequest, form: SignForm, status: int = 200) -> HttpResponse:
    return render(request, "review_ui/vocabulary.html", {
        "signs": vocabulary.all_signs(), "form": form,
        "can_change": has_role(request.user, "lead")}, status=status)


@require_GET
@role_required("reviewer")
def vocabulary_page(request: HttpRequest) -> HttpResponse:
    """Every sign, with the add form for leads."""
    return _page(request, SignForm())


@require_POST
@role_required("lead")
def sign_add(request: HttpRequest) -> HttpResponse:
    """Add a sign; the page again with the reason (400) when it is refused."""
    form = SignForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            sign = vocabulary.add_sign(data["code"], data["label_ar"], data["label_en"],
                                       user=request.user)
        except (vocabulary.VocabularyError, ReviewRuleError) as exc:
            form.add_error(None, as_html(exc))
        else:
            messages.success(request, gettext("Sign added: %(code)s") % {"code": sign.code})
            return HttpResponseRedirect(reverse("review_ui:vocabulary"))
    return _page(request, form, status=400)


@require_POST
@role_required("lead")
def sign_active(request: HttpRequest, sign_id: int) -> HttpResponse:
    """(De)activate one sign (``active=1`` or not); an unknown sign is a 404."""
    try:
        sign = vocabulary.set_sign_active(str(sign_id), request.POST.get("active") == "1",
                                          user=request.user)
    except vocabulary.VocabularyError:
        raise Http404("no such sign") from None
    state = _("activated") if sign.active else _("deactivated")
    messages.success(request, f"{sign.code}: {state}")
    return HttpResponseRedirect(reverse("review_ui:vocabulary"))
