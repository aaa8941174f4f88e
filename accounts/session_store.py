"""Django's database sessions (``SESSION_ENGINE``), each request's read of the session row
made with one plain statement written once per process (issue 26: on every page the ORM
spent longer building ``Session.objects.get(session_key=..., expire_date__gt=now)`` than
the database took to answer it).

Everything else is Django's ``django.contrib.sessions.backends.db.SessionStore``: the
same table, the same data, the same writes, the same refusal of a row past its
``expire_date`` (the idle timeout's backstop; ``accounts.sessions`` enforces the timeout
itself). To read another column: add it to the statement and to the ``Session`` built.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

_STATEMENTS: dict[str, str] = {}


class SessionStore(db.SessionStore):
    """Django's database session store; ``_get_session_from_db`` as a plain statement."""

    def _get_session_from_db(self) -> Any:
        key = self.session_key
        if not key:
            self._session_key = None
            return None
        model = self.model
        alias = router.db_for_read(model)
        connection = connections[alias]
        sql = _STATEMENTS.get(alias)
        if sql is None:
            meta, quote = model._meta, connection.ops.quote_name
            sql = (
                f"SELECT {quote(meta.get_field('session_data').column)} "
                f"FROM {quote(meta.db_table)} "
                f"WHERE {quote(meta.get_field('session_key').column)} = %s "
                f"AND {quote(meta.get_field('expire_date').column)} > %s"
            )
            _STATEMENTS[alias] = sql
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=key, session_data=row[0])
