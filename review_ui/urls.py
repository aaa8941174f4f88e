"""URLs of the review UI. To add a page: a view in ``views.py`` and one line here."""

from django.contrib.auth import views as auth_views
from django.urls import path

from review_ui import source_views, views, watch_views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="review_ui/login.html",
                                                redirect_authenticated_user=True),
         name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.search, name="search"),
    path("broadcasts/", views.broadcast_list, name="broadcast_list"),
    path("broadcasts/<int:broadcast_id>/", views.broadcast_detail, name="broadcast_detail"),
    path("media/<int:broadcast_id>/", views.media, name="media"),
    path("broadcasts/<int:broadcast_id>/tags/", views.broadcast_tags, name="broadcast_tags"),
    path("alerts/", watch_views.alert_queue, name="alert_queue"),
    path("alerts/<int:alert_id>/review/", watch_views.alert_review, name="alert_review"),
    path("watchlists/", watch_views.watchlist_list, name="watchlist_list"),
    path("watchlists/new/", watch_views.watchlist_create, name="watchlist_create"),
    path("watchlists/<int:watchlist_id>/active/", watch_views.watchlist_active,
         name="watchlist_active"),
    path("sources/", source_views.source_list, name="source_list"),
    path("sources/new/", source_views.source_create, name="source_create"),
    path("sources/<int:source_id>/edit/", source_views.source_edit, name="source_edit"),
]
