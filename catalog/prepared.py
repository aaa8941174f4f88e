"""ORM reads compiled once per process: the same statement and objects, built once.

On the incident page the ORM spent longer building its statements than the database took
to answer them (issue 26). ``Prepared`` keeps the ORM's own query: it builds the
queryset once, with stand-in values for the parameters, has Django compile it, and keeps
the SQL, where each parameter goes, the column converters and the select-related
populators. Each later call runs that statement with the real values and turns the rows
into what iterating the queryset gives (model instances with their selected related
objects, or ``values_list`` tuples or values), through Django's own ``from_db`` and
populators. Nothing is cached but the statement: every call reads the database.

A value the stand-in could not stand for (an integer outside the 32-bit range, which
Django answers without asking the database) runs the ORM query itself. To add a read:
``Prepared(lambda x: Model.objects.filter(f=x)..., "int")`` with one kind ("int", "str") per
value (integers or strings), and test it against the queryset it replaces
(``tests/review_ui/test_prepared_reads.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)

_INT_BASE = 2_012_345_601  # stand-ins for integer values (inside every backend's range)
_INT_RANGE = (-(2**31), 2**31 - 1)


def _stand_in(kind: str, index: int) -> Any:
    return _INT_BASE + index if kind == "int" else f"\x00prepared-stand-in-{index}\x00"


class _Compiled:
    """One compiled statement, for one database connection (one thread)."""

    def __init__(self, queryset: QuerySet, stand_ins: list[Any]) -> None:
        if queryset._prefetch_related_lookups:
            raise ValueError("a prepared read cannot prefetch; read the related rows itself")
        self.kind = queryset._iterable_class
        if self.kind not in (ModelIterable, ValuesListIterable, FlatValuesListIterable):
            raise ValueError(f"a prepared read gives objects or value lists, not {self.kind}")
        self.db = queryset.db
        compiler = queryset.query.get_compiler(using=self.db)
        sql, params = compiler.as_sql()
        slots: list[tuple[int | None, Any]] = []
        seen: set[int] = set()
        for value in params:
            slot = next((i for i, s in enumerate(stand_ins) if value == s), None)
            if slot is not None:
                seen.add(slot)
            slots.append((slot, value))
        if seen != set(range(len(stand_ins))):
            raise ValueError("a value of the prepared read is not a parameter of its SQL")
        self.sql, self.slots = sql, slots
        self.wrapper = connections[self.db]
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        if compiler.has_composite_fields(fields):
            raise ValueError("a prepared read does not take composite fields")
        self.converters = list(compiler.get_converters(fields).items())
        self.cols = compiler.col_count
        if self.kind is ModelIterable:
            klass_info, select = compiler.klass_info, compiler.select
            if compiler.annotation_col_map:
                raise ValueError("a prepared read of objects does not take annotations")
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            self.model = klass_info["model"]
            self.span = (start, end)
            self.init_list = [f[0].target.attname for f in select[start:end]]
            self.populators = get_related_populators(klass_info, select, self.db)

    def run(self, values: tuple[Any, ...]) -> list[Any]:
        connection = self.wrapper
        params = [value if slot is None else values[slot] for slot, value in self.slots]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            converted = []
            for row in rows:
                row = list(row)
                for pos, (convs, expression) in self.converters:
                    value = row[pos]
                    for converter in convs:
                        value = converter(value, expression, connection)
                    row[pos] = value
                converted.append(row)
            rows = converted
        if self.kind is FlatValuesListIterable:
            return [row[0] for row in rows]
        if self.kind is ValuesListIterable:
            return [tuple(row[: self.cols]) for row in rows]
        start, end = self.span
        from_db, init_list, db = self.model.from_db, self.init_list, self.db
        found = []
        for row in rows:
            obj = from_db(db, init_list, row[start:end])
            for populator in self.populators:
                populator.populate(row, obj)
            found.append(obj)
        return found


def first_of(queryset: QuerySet) -> QuerySet:
    """The queryset ``.first()`` runs (its own order, else by primary key; one row), for a
    ``Prepared`` read that replaces a ``.first()``: take ``[0]`` of its list, if any."""
    return (queryset if queryset.ordered else queryset.order_by("pk"))[:1]


class Prepared:
    """A read whose statement is compiled once per process (per thread's connection).

    ``build`` takes one stand-in per name in ``kinds`` ("int" or "str") and returns the
    queryset; calling the ``Prepared`` with the real values returns ``list(build(*values))``.
    """

    def __init__(self, build: Callable[..., QuerySet], *kinds: str) -> None:
        if any(k not in ("int", "str") for k in kinds):
            raise ValueError("a prepared read takes int and str values")
        self.build, self.kinds = build, kinds
        self.local = threading.local()

    def __call__(self, *values: Any) -> list[Any]:
        if len(values) != len(self.kinds):
            raise TypeError(f"this read takes {len(self.kinds)} values")
        for kind, value in zip(self.kinds, values, strict=True):
            if kind == "int" and (
                type(value) is not int or not _INT_RANGE[0] <= value <= _INT_RANGE[1]
            ):
                return list(self.build(*values))  # as the ORM answers it
            if kind == "str" and type(value) is not str:
                return list(self.build(*values))
        compiled = getattr(self.local, "compiled", None)
        if compiled is None or connections[compiled.db] is not compiled.wrapper:
            stand_ins = [_stand_in(k, i) for i, k in enumerate(self.kinds)]
            compiled = self.local.compiled = _Compiled(self.build(*stand_ins), stand_ins)
        return compiled.run(values)
