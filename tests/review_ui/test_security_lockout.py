"""Issue 23, finding 1: the login lockout as an attacker attacks it.

The attacker holds an account of their own (a viewer will do) and guesses the target's
password from one address, logging in to their own account between rounds of guesses. On
the code before issue 23 the good login cleared every failure counted from that address,
the target's included: 20 guesses went through and the real password then worked. Now a
success clears only its own account's count (``accounts.lockout``): the target is locked
out after ``web.login_failure_limit`` guesses, whatever else succeeds, until the lock ends.
"""

from __future__ import annotations

import datetime as dt

from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone
from ui_helpers import PASSWORD, make_user

ATTACKER_ADDRESS = "203.0.113.50"


def _password_login(client: Client, name: str, password: str = PASSWORD) -> int:
    return client.post("/login/", {"username": name, "password": password}).status_code


def test_the_attackers_own_logins_never_reset_the_targets_count(db, settings) -> None:
    make_user("target", "lead")
    make_user("mole", "viewer")
    answers = []
    for guess in range(20):  # 4 wrong guesses, then a good login to the attacker's account
        answers.append(_password_login(Client(REMOTE_ADDR=ATTACKER_ADDRESS), "target",
                                       f"wrong-guess-{guess}"))
        if guess % 4 == 3:
            _password_login(Client(REMOTE_ADDR=ATTACKER_ADDRESS), "mole")
    limit = settings.AXES_FAILURE_LIMIT
    assert answers[limit - 1] == 429 and set(answers[limit:]) == {429}, answers
    # the real password, from an address never seen, is refused while the lock lasts
    assert _password_login(Client(REMOTE_ADDR="198.51.100.20"), "target") == 429
    # the lock ends after web.lockout_minutes
    ended = timezone.now() - dt.timedelta(hours=settings.AXES_COOLOFF_TIME, seconds=1)
    AccessAttempt.objects.update(attempt_time=ended)
    assert _password_login(Client(REMOTE_ADDR="198.51.100.20"), "target") == 302


def test_a_success_clears_only_its_own_accounts_count(db, settings) -> None:
    make_user("owner", "viewer")
    limit = settings.AXES_FAILURE_LIMIT
    for guess in range(limit - 1):  # the owner mistypes, from home
        assert _password_login(Client(REMOTE_ADDR="192.0.2.10"), "owner", f"typo-{guess}") \
            == 200
    assert _password_login(Client(REMOTE_ADDR="192.0.2.10"), "owner") == 302
    assert not AccessAttempt.objects.filter(username="owner").exists()  # their count cleared
    for guess in range(limit - 1):  # and they have their full count again
        assert _password_login(Client(REMOTE_ADDR="192.0.2.11"), "owner", f"typo-{guess}") \
            == 200


def test_the_address_count_survives_a_success_from_that_address(db, settings) -> None:
    make_user("mole", "viewer")
    limit = settings.AXES_FAILURE_LIMIT
    for guess in range(limit - 1):  # spraying other accounts' names from one address
        _password_login(Client(REMOTE_ADDR=ATTACKER_ADDRESS), f"someone{guess}", "Spring2026!")
    assert _password_login(Client(REMOTE_ADDR=ATTACKER_ADDRESS), "mole") == 302
    assert _password_login(Client(REMOTE_ADDR=ATTACKER_ADDRESS), "someone-else", "x-y-z-w") \
        == 429  # the address reached the limit: its count was not reset by the success
    assert _password_login(Client(REMOTE_ADDR=ATTACKER_ADDRESS), "mole") == 429
