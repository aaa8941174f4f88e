"""Hot reads of the review pages, as plain statements written once per process.

On the broadcast and incident pages the ORM spent longer building some statements than
the database took to answer them (issue 26). The functions here return exactly what the
ORM query named in each docstring returns (the same model instances, the same values,
converters applied) without building it on every request. To add one: write its
statement once (``_statement``), name the ORM query it replaces, and test the two
against each other (``tests/review_ui/test_page_rows.py``).
"""

from __future__ import annotations

from django.db import connection

from catalog.models import Outlet, Segment, Tag, Transcript

_STATEMENTS: dict[str, str] = {}


def _statement(name: str) -> str:
    sql = _STATEMENTS.get(name)
    if sql is None:
        quote, meta = connection.ops.quote_name, Segment._meta
        columns = ", ".join(quote(f.column) for f in meta.concrete_fields)
        column = {
            f: quote(meta.get_field(f).column) for f in ("transcript", "start", "end", "number")
        }
        where = f"{column['transcript']} = %s"
        if name == "range":
            where += f" AND {column['end']} > %s AND {column['start']} < %s"
        sql = (
            f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {where} "
            f"ORDER BY {column['number']}"
        )
        if name == "range":
            sql += " LIMIT %s"
        _STATEMENTS[name] = sql
    return sql


def transcript_segments(
    transcript: Transcript, start: float | None = None, end: float | None = None, limit: int = 0
) -> list[Segment]:
    """The transcript's segments by number: ``transcript.segments.order_by("number")``;
    with ``start``, ``end`` and ``limit``, those overlapping the range, at most ``limit``
    (``.filter(end__gt=start, start__lt=end)[:limit]``). Each knows its transcript."""
    if start is None:
        rows = Segment.objects.raw(_statement("all"), [transcript.pk])
    else:
        rows = Segment.objects.raw(_statement("range"), [transcript.pk, start, end, limit])
    cache = Segment.transcript.field.set_cached_value
    segments = list(rows)
    for segment in segments:
        cache(segment, transcript)
    return segments


def _rows(name: str, build: str, params: list[object] | None = None) -> list[tuple]:
    sql = _STATEMENTS.get(name)
    if sql is None:
        sql = _STATEMENTS[name] = build
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def outlet_names() -> list[str]:
    """Every outlet's name, in order: ``Outlet.objects.order_by("name")
    .values_list("name", flat=True)`` (the search form's choices, on every search)."""
    quote, meta = connection.ops.quote_name, Outlet._meta
    name = quote(meta.get_field("name").column)
    return [
        row[0]
        for row in _rows(
            "outlet_names", f"SELECT {name} FROM {quote(meta.db_table)} ORDER BY {name}"
        )
    ]


def tag_labels() -> list[tuple[str, str, str]]:
    """Every tag's name and labels by name: ``Tag.objects.order_by("name")
    .values_list("name", "label_ar", "label_en")`` (the search form's choices)."""
    quote, meta = connection.ops.quote_name, Tag._meta
    name, ar, en = (quote(meta.get_field(f).column) for f in ("name", "label_ar", "label_en"))
    return [
        tuple(row)
        for row in _rows(
            "tag_labels", f"SELECT {name}, {ar}, {en} FROM {quote(meta.db_table)} ORDER BY {name}"
        )
    ]
