"""The sign-in screens: login and logout, Django's own views with the UI's template.

Login is the only page an anonymous visitor may open (``middleware.public_prefixes``); a
signed-in user who opens it goes to the search. Logout is a POST (the header's form, with
the CSRF token). They carry no ``role_required``: tests list them as the public views. To
add a sign-in page (e.g. password change): wrap the Django view here and add its URL.
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views

login = auth_views.LoginView.as_view(template_name="review_ui/login.html",
                                     redirect_authenticated_user=True)
logout = auth_views.LogoutView.as_view()
