"""URLs of the review UI, in the ``review_ui`` namespace (``{% url 'review_ui:search' %}``,
``reverse("review_ui:broadcast_detail", args=[pk])``).

Paths are part of the interface (bookmarks, links in reports, tests): never change one.
To add a screen: its module under ``views/``, one line per view here and, for the header,
one entry in ``navigation.py``.
"""

from django.urls import path

from review_ui.views import (
    account,
    alerts,
    auth,
    broadcasts,
    health,
    incident_list,
    incidents,
    language,
    media,
    persons,
    search,
    sources,
    tags,
    vocabulary,
    watchlists,
)

app_name = "review_ui"

urlpatterns = [
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("login/2fa/", account.login_2fa, name="login_2fa"),
    path("account/2fa/setup/", account.totp_setup, name="totp_setup"),
    path("account/reauth/", account.reauth, name="reauth"),
    path("account/password/", account.password_change, name="password_change"),
    path("", search.search, name="search"),
    path("broadcasts/", broadcasts.broadcast_list, name="broadcast_list"),
    path("broadcasts/<int:broadcast_id>/", broadcasts.broadcast_detail,
         name="broadcast_detail"),
    path("media/<int:broadcast_id>/", media.media, name="media"),
    path("broadcasts/<int:broadcast_id>/tags/", tags.broadcast_tags, name="broadcast_tags"),
    path("alerts/", alerts.alert_queue, name="alert_queue"),
    path("alerts/<int:alert_id>/review/", alerts.alert_review, name="alert_review"),
    path("watchlists/", watchlists.watchlist_list, name="watchlist_list"),
    path("watchlists/new/", watchlists.watchlist_create, name="watchlist_create"),
    path("watchlists/<int:watchlist_id>/active/", watchlists.watchlist_active,
         name="watchlist_active"),
    path("incidents/", incident_list.incident_list, name="incident_list"),
    path("persons/", persons.person_list, name="person_list"),
    path("persons/new/", persons.person_create, name="person_create"),
    path("persons/<int:person_id>/", persons.person_detail, name="person_detail"),
    path("vocabulary/", vocabulary.vocabulary_page, name="vocabulary"),
    path("vocabulary/new/", vocabulary.sign_add, name="sign_add"),
    path("vocabulary/<int:sign_id>/active/", vocabulary.sign_active, name="sign_active"),
    path("incidents/new/", incidents.incident_create, name="incident_create"),
    path("incidents/<int:incident_id>/", incidents.incident_detail, name="incident_detail"),
    path("incidents/<int:incident_id>/edit/", incidents.incident_edit, name="incident_edit"),
    path("incidents/<int:incident_id>/clips/", incidents.incident_add_clip,
         name="incident_add_clip"),
    path("incidents/<int:incident_id>/persons/", incidents.incident_add_person,
         name="incident_add_person"),
    path("incidents/<int:incident_id>/assess/", incidents.incident_assess,
         name="incident_assess"),
    path("incidents/<int:incident_id>/review/", incidents.incident_review,
         name="incident_review"),
    path("incidents/<int:incident_id>/assign/", incidents.incident_assign,
         name="incident_assign"),
    path("health/", health.health, name="health"),
    path("language/", language.set_language, name="set_language"),
    path("sources/", sources.source_list, name="source_list"),
    path("sources/new/", sources.source_create, name="source_create"),
    path("sources/<int:source_id>/edit/", sources.source_edit, name="source_edit"),
]
