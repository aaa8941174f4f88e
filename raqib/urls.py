"""Root URL configuration: the HTTP API under ``/api/v1/`` (``api.urls``), everything
else by the review UI app.

The ``handlerNNN`` names render Django's own error answers through the UI's error page
(``review_ui.errors``): the site's chrome, the page's language, no detail.
"""

from django.urls import include, path

urlpatterns = [path("api/v1/", include("api.urls")), path("", include("review_ui.urls"))]

handler400 = "review_ui.errors.bad_request"
handler403 = "review_ui.errors.permission_denied"
handler404 = "review_ui.errors.page_not_found"
handler500 = "review_ui.errors.server_error"
