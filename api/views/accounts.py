"""Accounts and administration through the API: the people (``GET users/``), a person's
personal access tokens (``GET tokens/``, ``DELETE tokens/{id}/``) and the outbound webhook
deliveries (``GET webhooks/deliveries/``).

Nothing here is a rule of its own: the user list is ``accounts.administration.describe_user``
(as ``raqib users list`` shows it); tokens are shown by
``accounts.tokens.describe`` (never the secret or its digest) and revoked by
``accounts.tokens.revoke`` with ``by`` the caller (``may_revoke`` decides; the revocation is
audited as ``token-revoked``); deliveries are ``review.webhooks.delivery_json``. Access:

- ``users/`` and ``webhooks/deliveries/``: the admin role and a token with the ``admin``
  scope (what that scope guards);
- ``tokens/``: any role, read scope: the caller's own tokens; ``?user=NAME`` (someone
  else's) needs the admin role and the admin scope;
- ``DELETE tokens/{id}/``: a token with any scope revokes its owner's own tokens; someone
  else's needs the admin role and the admin scope (403 for an admin's token without it); to
  anyone else another person's token is a 404, like a missing one.

To add an administration endpoint: a view here declaring ``("admin", "admin")``, its line in
``api/urls.py``, and regenerate ``docs/openapi.json``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.administration import describe_user
from accounts.models import AccessToken
from accounts.roles import has_role
from accounts.tokens import describe, has_scope, may_revoke, revoke
from api import serializers as out
from api.pagination import IdCursorPagination
from api.permissions import ANY_SCOPE
from api.views.base import ApiView, ListQuery, object_id

S = serializers
ERRORS = {400: out.ProblemSerializer, 403: out.ProblemSerializer, 404: out.ProblemSerializer}


def administers(request: Request) -> bool:
    """True when the caller is an admin whose token holds the admin scope."""
    return has_role(request.user, "admin") and has_scope(request.auth, "admin")


class UserOut(S.Serializer):
    name = S.CharField()
    role = S.CharField(allow_null=True, help_text="viewer, reviewer, lead or admin; null: no "
                                                  "role (or deactivated)")
    active = S.BooleanField()
    second_factor = S.BooleanField(help_text="a confirmed authenticator or passkey")
    last_login = S.CharField(allow_null=True)
    created = S.CharField()


class TokenOut(S.Serializer):
    id = S.IntegerField()
    key_id = S.CharField(help_text="the public part of the token (raqib_<key_id>_...)")
    user = S.CharField()
    name = S.CharField()
    scopes = S.ListField(child=S.CharField())
    state = S.ChoiceField(choices=["live", "expired", "revoked"])
    created_at = S.CharField()
    expires_at = S.CharField()
    last_used_at = S.CharField(allow_null=True)
    last_used_address = S.CharField(allow_null=True)
    revoked_at = S.CharField(allow_null=True)


class DeliveryAttemptOut(S.Serializer):
    number = S.IntegerField()
    at = S.CharField()
    status_code = S.IntegerField(allow_null=True)
    ok = S.BooleanField()
    error = S.CharField(allow_blank=True)
    duration_ms = S.FloatField()


class DeliveryOut(S.Serializer):
    id = S.IntegerField()
    delivery_id = S.CharField()
    event_id = S.CharField()
    event = S.CharField()
    webhook = S.CharField()
    status = S.ChoiceField(choices=["pending", "delivered"])
    attempts = S.IntegerField()
    last_error = S.CharField(allow_blank=True)
    created_at = S.CharField()
    next_attempt_at = S.CharField(allow_null=True)
    delivered_at = S.CharField(allow_null=True)
    attempt_log = DeliveryAttemptOut(many=True)


class UserList(ApiView):
    access = {"GET": ("admin", "admin")}
    query_serializer = ListQuery

    @extend_schema(operation_id="users_list", parameters=[ListQuery],
                   responses={200: out.paged(UserOut)}, tags=["administration"],
                   description="Every account, newest first: role, active, second factor, "
                               "last sign-in (as `raqib users list`).")
    def get(self, request: Request) -> Response:
        from accounts.twofactor import enrolled_user_ids

        paginator = IdCursorPagination()
        page = paginator.paginate_queryset(get_user_model().objects.all(), request, view=self)
        enrolled = enrolled_user_ids()
        return paginator.get_paginated_response([describe_user(u, enrolled) for u in page])


class TokenQuery(ListQuery):
    user = S.CharField(required=False, max_length=150,
                       help_text="another person's tokens (admin role and admin scope)")


class TokenList(ApiView):
    access = {"GET": ("viewer", "read")}
    query_serializer = TokenQuery

    @extend_schema(operation_id="tokens_list", parameters=[TokenQuery],
                   responses={200: out.paged(TokenOut), 403: out.ProblemSerializer},
                   tags=["administration"],
                   description="Your personal access tokens (live, expired and revoked), "
                               "newest first; never a secret.")
    def get(self, request: Request) -> Response:
        owner: Any = request.user
        name = self.query.get("user")
        if name is not None and name != request.user.get_username():
            if not administers(request):
                raise PermissionDenied("another person's tokens need the admin role and a "
                                       "token with the admin scope")
            owner = get_user_model().objects.filter(username=name).first()
            if owner is None:
                raise Http404("no such user")
        paginator = IdCursorPagination()
        page = paginator.paginate_queryset(
            AccessToken.objects.select_related("user").filter(user=owner), request, view=self)
        return paginator.get_paginated_response([describe(t) for t in page])


class TokenRevoke(ApiView):
    access = {"DELETE": ("viewer", ANY_SCOPE)}

    @extend_schema(operation_id="tokens_revoke", responses={200: TokenOut, **ERRORS},
                   tags=["administration"],
                   description="Revoke a token: your own with a token of any scope; someone "
                               "else's with the admin role and the admin scope (audited). "
                               "Revoking a revoked token changes nothing.")
    def delete(self, request: Request, token_id: int) -> Response:
        token = AccessToken.objects.select_related("user").filter(
            pk=object_id(token_id)).first()
        if token is None or (token.user_id != request.user.pk
                             and not has_role(request.user, "admin")):
            raise Http404("no such token")
        if token.user_id != request.user.pk and not has_scope(request.auth, "admin"):
            raise PermissionDenied("revoking another person's token needs a token with the "
                                   "admin scope")
        if not may_revoke(token, request.user):
            raise PermissionDenied("only the token's owner or an admin may revoke it")
        revoke(token, by=request.user)
        token.refresh_from_db()
        return Response(describe(token))


class DeliveryQuery(ListQuery):
    webhook = S.CharField(required=False, max_length=200,
                          help_text="the receiver's name in raqib.toml")
    status = S.ChoiceField(choices=["pending", "delivered"], required=False)


class DeliveryList(ApiView):
    access = {"GET": ("admin", "admin")}
    query_serializer = DeliveryQuery

    @extend_schema(operation_id="webhooks_deliveries", parameters=[DeliveryQuery],
                   responses={200: out.paged(DeliveryOut)}, tags=["administration"],
                   description="The outbound webhook deliveries with their attempts, newest "
                               "first (as `raqib webhooks deliveries`).")
    def get(self, request: Request) -> Response:
        from review.models import WebhookDelivery
        from review.webhooks import delivery_json

        rows = WebhookDelivery.objects.prefetch_related("attempt_log")
        if self.query.get("webhook"):
            rows = rows.filter(webhook=self.query["webhook"])
        if self.query.get("status"):
            rows = rows.filter(status=self.query["status"])
        paginator = IdCursorPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response([delivery_json(d) for d in page])
