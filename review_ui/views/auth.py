"""The sign-in screens: login and logout, Django's own views with the UI's template.

Login is the only page an anonymous visitor may open (``middleware.public_prefixes``); a
signed-in user who opens it goes to the search. django-axes counts failed logins per
account and per address and answers a locked-out one with ``locked_out.html`` (429).
Logout is a POST (the header's form, with the CSRF token). Leads and admins then pass the
second factor (``views.account``). To add a sign-in page: write it in ``views.account``
and add its URL (declared with ``public_view`` or ``signed_in_view``).
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views

from review_ui.access import public_view, signed_in_view

login = public_view(auth_views.LoginView.as_view(template_name="review_ui/login.html",
                                                 redirect_authenticated_user=True))
logout = signed_in_view(auth_views.LogoutView.as_view())
