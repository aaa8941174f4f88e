"""What each API method needs: a role (``accounts.roles``) and a token scope
(``accounts.tokens``), declared on the view and checked on every request.

Each view class declares ``access = {"GET": ("viewer", "read"), "POST": ("reviewer",
"review")}`` (HEAD is GET's) or ``access = PUBLIC`` (the OpenAPI document only). A method
without a declaration is refused (403), and the authorization matrix test
(``tests/api/test_api_matrix.py``) fails on a view without ``access``. No token: 401; a
role or a scope too low: 403. The scope ``ANY_SCOPE`` admits a token holding any scope
(revoking one's own token: whatever the token may do, it may end itself). Object-level
rules (restricted incidents, the two-person rule, owners of watchlists) stay in the rules
modules the views call. To add a kind of check: a key the matrix test reads, checked here.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import MethodNotAllowed, NotAuthenticated, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from accounts.roles import RANK, has_role

PUBLIC = "public"
ANY_SCOPE = "any"  # any scope the owner's role still allows (authenticate refuses none)
SCOPE_RANK = {"read": 0, "review": 1, "admin": 2}


def declared(view: Any, method: str) -> tuple[str, str] | str | None:
    """The (role, scope) a method of ``view`` needs, ``PUBLIC``, or None (undeclared)."""
    access = getattr(view, "access", None)
    if access == PUBLIC:
        return PUBLIC
    if not isinstance(access, dict):
        return None
    return access.get("GET" if method == "HEAD" else method)


def token_allows(token: Any, scope: str) -> bool:
    from accounts.tokens import has_scope

    return bool(has_scope(token, scope))


class ApiAccess(BasePermission):
    """Role and scope per method, as the view declares them."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method.lower() not in view.http_method_names or not hasattr(
                view, request.method.lower()):
            raise MethodNotAllowed(request.method)  # before anything else: no oracle
        need = declared(view, request.method)
        if need == PUBLIC:
            return True
        if request.auth is None or not getattr(request.user, "is_authenticated", False):
            raise NotAuthenticated()
        if need is None:
            raise PermissionDenied("this method is not open through the API")
        role, scope = need
        assert role in RANK and (scope in SCOPE_RANK or scope == ANY_SCOPE), (role, scope)
        if not has_role(request.user, role):
            raise PermissionDenied(f"this needs the {role} role or higher")
        if scope != ANY_SCOPE and not token_allows(request.auth, scope):
            raise PermissionDenied(f"this needs a token with the {scope} scope")
        return True
