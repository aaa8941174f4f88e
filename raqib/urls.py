"""Root URL configuration: everything is served by the review UI app."""

from django.urls import include, path

urlpatterns = [path("", include("review_ui.urls"))]
