"""URLs of the HTTP API, in the ``api`` namespace, under ``/api/v1/`` (``raqib/urls.py``).

Paths are the public contract (``docs/openapi.json``): never change one; add. To add an
endpoint: its view (``api/views/``), one line here, then regenerate the OpenAPI document
(``python scripts/openapi.py --write``). ``tests/api/test_api_matrix.py`` walks every line.
"""

from django.urls import path

from api.schema import SchemaView
from api.views import accounts, broadcasts, evidence, incidents, people, search

app_name = "api"

urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("search/", search.SearchView.as_view(), name="search"),
    path("broadcasts/", broadcasts.BroadcastList.as_view(), name="broadcast_list"),
    path("broadcasts/<int:broadcast_id>/", broadcasts.BroadcastDetail.as_view(),
         name="broadcast_detail"),
    path("broadcasts/<int:broadcast_id>/segments/", broadcasts.BroadcastSegments.as_view(),
         name="broadcast_segments"),
    path("broadcasts/<int:broadcast_id>/media/", broadcasts.BroadcastMedia.as_view(),
         name="broadcast_media"),
    path("broadcasts/<int:broadcast_id>/tags/", broadcasts.BroadcastTags.as_view(),
         name="broadcast_tags"),
    path("incidents/", incidents.IncidentList.as_view(), name="incident_list"),
    path("incidents/export/", incidents.IncidentExport.as_view(), name="incident_export"),
    path("incidents/<int:incident_id>/", incidents.IncidentDetail.as_view(),
         name="incident_detail"),
    path("incidents/<int:incident_id>/clips/", incidents.IncidentClips.as_view(),
         name="incident_clips"),
    path("incidents/<int:incident_id>/persons/", incidents.IncidentPersons.as_view(),
         name="incident_persons"),
    path("incidents/<int:incident_id>/assessments/", incidents.IncidentAssess.as_view(),
         name="incident_assess"),
    path("incidents/<int:incident_id>/status/", incidents.IncidentReview.as_view(),
         name="incident_review"),
    path("incidents/<int:incident_id>/assignees/", incidents.IncidentAssign.as_view(),
         name="incident_assign"),
    path("incidents/<int:incident_id>/evidence/", evidence.IncidentEvidence.as_view(),
         name="incident_evidence"),
    path("persons/", people.PersonList.as_view(), name="person_list"),
    path("persons/<int:person_id>/", people.PersonDetail.as_view(), name="person_detail"),
    path("alerts/", people.AlertList.as_view(), name="alert_list"),
    path("alerts/<int:alert_id>/", people.AlertDetail.as_view(), name="alert_detail"),
    path("alerts/<int:alert_id>/review/", people.AlertReview.as_view(), name="alert_review"),
    path("watchlists/", people.WatchlistList.as_view(), name="watchlist_list"),
    path("watchlists/<int:watchlist_id>/active/", people.WatchlistActive.as_view(),
         name="watchlist_active"),
    path("tags/", people.TagList.as_view(), name="tag_list"),
    path("users/", accounts.UserList.as_view(), name="user_list"),
    path("tokens/", accounts.TokenList.as_view(), name="token_list"),
    path("tokens/<int:token_id>/", accounts.TokenRevoke.as_view(), name="token_revoke"),
    path("webhooks/deliveries/", accounts.DeliveryList.as_view(), name="webhook_deliveries"),
]
