"""The audit trail of review actions: who tagged, un-tagged, confirmed or dismissed what,
and who created, paused or deleted a watchlist, and when (UTC).

Entries go to the same append-only ``CustodyEvent`` log as captures (it refuses updates
and deletes), so one log answers "who did what to this broadcast". Web actions name the
signed-in user; command-line actions name the operating-system user and host. To audit a
new action: call ``record`` where the action is committed, with an action name of the
form ``<object>-<verb-ed>`` (e.g. ``tag-added``) and the facts a reviewer needs in
``details``.
"""

from __future__ import annotations

import getpass
import socket
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from catalog.models import Broadcast, CustodyEvent


def actor_name(user: Any = None) -> str:
    """The signed-in user's name, else ``<os user>@<host> (command line)``."""
    if user is not None and getattr(user, "is_authenticated", False):
        return user.get_username()
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        who = "unknown"
    return f"{who}@{socket.gethostname()} (command line)"


def record(action: str, user: Any = None, *, broadcast: Broadcast | None = None,
           details: dict[str, Any] | None = None) -> CustodyEvent:
    """Append one audit entry for a review action."""
    from catalog.models import CustodyEvent  # Django models load after set-up

    return CustodyEvent.objects.create(action=action, actor=actor_name(user),
                                       broadcast=broadcast, details=details or {})
