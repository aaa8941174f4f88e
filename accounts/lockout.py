"""Login lockout: django-axes' database handler, with a success that clears only its own
account's count.

django-axes counts every failed login in ``AccessAttempt`` rows keyed by (user name,
address, user agent) and, with ``AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]``,
locks an account when its failures from every address reach ``AXES_FAILURE_LIMIT`` and,
apart, an address when its failures over every account do. Its own reset on success
(``AXES_RESET_ON_SUCCESS``) deletes the rows matching *each* lockout parameter, so a good
login to any account from an address wiped the failures counted there against every other
account: an attacker with an account of their own could guess another's password without
end (issue 23, finding 1). Raqib turns that reset off and uses ``OwnAccountResetHandler``
(``AXES_HANDLER``): a success deletes the failures of the account that succeeded, from
every address, and nothing else. The address's count keeps every other account's
failures. Counting and locking stay axes' own. To change what a success clears: override
``clear_on_success`` here.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.http import HttpRequest


def clear_on_success(username: str) -> int:
    """Delete the failed attempts counted against ``username`` (from any address); returns
    how many rows went."""
    deleted, _ = AccessAttempt.objects.filter(username=username).delete()
    return deleted


class OwnAccountResetHandler(AxesDatabaseHandler):
    """axes' database handler; a success clears its own account's count only."""

    def user_logged_in(self, sender: Any, request: HttpRequest, user: Any,
                       **kwargs: Any) -> None:
        super().user_logged_in(sender, request, user, **kwargs)  # the access log
        clear_on_success(user.get_username())
