"""Tests' way to run a command as a person (``raqib.commands.acting``): a real personal
access token (``accounts.tokens.issue``) written to a file under the test session's
directory, passed as ``--token-file``; or the raw token for ``RAQIB_TOKEN``.

``as_person("lead1")`` gives the arguments; its scopes default to all the user's role
allows. The token is a row of the test's own database, so it lives as long as the test.
An admin's ``as_person("root")`` carries the ``admin`` scope that ``raqib users`` and
``raqib tokens`` need once an admin has enrolled a second factor (issue 24).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

_DIR = Path(os.environ.get("RAQIB_CONFIG", tempfile.gettempdir())).parent / "tokens"


def token_for(name: str, *scopes: str, days: int = 30) -> str:
    """A new raw token of user ``name`` with ``scopes`` (default: all the role allows)."""
    from django.contrib.auth import get_user_model

    from accounts import tokens

    user = get_user_model().objects.get(username=name)
    wanted = list(scopes) or sorted(tokens.allowed_scopes(user))
    _, raw = tokens.issue(user, name="test", scopes=wanted, expires_days=days, by=None)
    return raw


def token_file(raw: str) -> str:
    _DIR.mkdir(parents=True, exist_ok=True)
    handle, path = tempfile.mkstemp(dir=_DIR, suffix=".token")
    with os.fdopen(handle, "w") as out:
        out.write(raw + "\n")
    return path


def as_person(name: str, *scopes: str) -> list[str]:
    """``["--token-file", PATH]`` for a new token of user ``name``."""
    return ["--token-file", token_file(token_for(name, *scopes))]


def cli_person(raqib: object, folder: Path, name: str, role: str = "reviewer",
               *scopes: str, admin: Sequence[str] = ()) -> list[str]:
    """For tests that run ``raqib`` as a subprocess (``raqib(*args)`` returning a
    CompletedProcess, with RAQIB_PASSWORD in its environment): create user ``name`` with
    ``role`` and a token through the commands themselves (``raqib users create``,
    ``raqib tokens create``); returns ``["--token-file", PATH]``. Once an admin has
    enrolled a second factor those commands act as an admin: pass ``admin``, that admin's
    person arguments (e.g. the ``["--token-file", PATH]`` of an admin-scoped token);
    before that (bootstrap) none is needed."""
    import json

    made = raqib("users", "create", name, "--role", role, *admin)
    assert made.returncode == 0, made.stderr
    wanted = list(scopes) or (["read", "review"] if role in ("reviewer", "lead")
                              else ["read", "review", "admin"] if role == "admin" else ["read"])
    issued = raqib("tokens", "create", name, *(a for s in wanted for a in ("--scope", s)),
                   "--format", "json", *admin)
    assert issued.returncode == 0, issued.stderr
    path = folder / f"{name}.token"
    path.write_text(json.loads(issued.stdout)["token"])
    return ["--token-file", str(path)]
