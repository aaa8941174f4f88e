"""Keep the catalog's Source rows in step with ``[[sources]]`` in ``raqib.toml``, and store
the sources that admins declare in the review UI.

Sources come from two places:

- **raqib.toml** (``[[sources]]``): ``sync_sources`` upserts one Source (and its Outlet) per
  entry, keyed by name, and disables file sources that left the file (their broadcasts
  stay: evidence is never deleted). Called by every command that crawls and by the
  scheduler every minute.
- **the review UI** (admins, ``/sources/``): ``save_ui_source`` creates or edits a Source
  whose ``config`` carries the marker ``"origin": "ui"`` next to the validated table.
  ``sync_sources`` leaves those alone (never disables them for being absent from the file)
  and returns them after the file's sources, so ``raqib crawl`` and the scheduler crawl
  them like any other.

Why a key in ``Source.config`` (no migration this round): it travels with the row, needs
no join, and the file taking a name over erases it by itself (the file's table replaces
the whole ``config``). Collectors must not see it: ``source_table(source)`` is the table
without the marker, and is what ``raqib.pipeline`` hands to collectors (collectors only
``.get`` keys they know, so an unstripped marker is harmless, but the table stays exactly
what ``validate_sources`` accepted).

Rules:
- A file source is read-only in the UI (edit raqib.toml).
- A UI source may not take a name already used by any Source row or by ``[[sources]]``.
- If raqib.toml later declares the name of a UI source, **the file wins**: the file's
  table replaces the UI one, a warning is logged and a ``source-replaced-by-file``
  custody event keeps the UI table that was replaced.
- Every UI create/edit is a custody event (``source-created``/``source-edited``) naming
  the admin and the table before and after.

To add another place sources come from: give it its own ``origin`` value, a ``save_*``
function here and exclude its rows from the disabling step of ``sync_sources``.
"""

from __future__ import annotations

import logging
import socket
from typing import Any

from django.db import transaction

from catalog.models import CustodyEvent, Outlet, Source
from raqib.config import Config

log = logging.getLogger(__name__)

ORIGIN_KEY = "origin"
UI_ORIGIN = "ui"


def is_ui_source(source: Source) -> bool:
    """True when the source was declared in the review UI (not in raqib.toml)."""
    return isinstance(source.config, dict) and source.config.get(ORIGIN_KEY) == UI_ORIGIN


def source_table(source: Source) -> dict[str, Any]:
    """The source's validated ``[[sources]]`` table, without the UI origin marker: what
    collectors and download policies read."""
    return {k: v for k, v in (source.config or {}).items() if k != ORIGIN_KEY}


def _stored(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k != "interval_seconds"}


def _actor() -> str:
    return f"raqib-worker@{socket.gethostname()}"


@transaction.atomic
def sync_sources(config: Config) -> list[Source]:
    """Upsert the configured sources; return them in file order, then the UI-declared
    sources by name (enabled or not: callers filter on ``enabled``)."""
    synced: list[Source] = []
    for entry in config.sources:
        outlet, _ = Outlet.objects.get_or_create(name=entry["outlet"])
        stored = _stored(entry)
        source, created = Source.objects.get_or_create(
            name=entry["name"],
            defaults={"outlet": outlet, "kind": entry["kind"], "config": stored,
                      "language": entry["language"], "enabled": entry["enabled"],
                      "interval_seconds": entry["interval_seconds"]},
            # next_crawl_at stays empty: a new source is due at once.
        )
        if not created:
            if is_ui_source(source):  # the file wins; keep what the UI had on record
                log.warning("raqib.toml now declares a source that was declared in the UI; "
                            "the file's table replaces the UI one",
                            extra={"source": source.name})
                CustodyEvent.objects.create(
                    action="source-replaced-by-file", actor=_actor(),
                    details={"source": source.name, "source_id": source.pk,
                             "ui_config": source.config, "file_config": stored})
            source.outlet = outlet
            source.kind = entry["kind"]
            source.config = stored
            source.language = entry["language"]
            source.enabled = entry["enabled"]
            source.interval_seconds = entry["interval_seconds"]
            source.save()
        synced.append(source)
    names = [s.name for s in synced]
    ui = list(Source.objects.filter(config__origin=UI_ORIGIN).exclude(name__in=names)
              .select_related("outlet").order_by("name"))
    (Source.objects.exclude(name__in=names + [s.name for s in ui])
     .exclude(kind=Source.KIND_IMPORT).update(enabled=False))
    return synced + ui


@transaction.atomic
def save_ui_source(entry: dict[str, Any], actor: str, source: Source | None = None) -> Source:
    """Create (``source`` None) or edit a UI-declared source from one entry that
    ``validate_sources`` returned; record who did it. Raises ValueError when the name is
    taken by another source or ``source`` is declared in raqib.toml."""
    if source is not None and not is_ui_source(source):
        raise ValueError(f"source {source.name!r} is declared in raqib.toml; edit the file")
    clash = Source.objects.filter(name=entry["name"])
    if source is not None:
        clash = clash.exclude(pk=source.pk)
    if clash.exists():
        raise ValueError(f"a source named {entry['name']!r} already exists")
    outlet, _ = Outlet.objects.get_or_create(name=entry["outlet"])
    table = _stored(entry)
    table[ORIGIN_KEY] = UI_ORIGIN
    before = None if source is None else {"name": source.name, "config": source.config}
    fields = {"name": entry["name"], "outlet": outlet, "kind": entry["kind"], "config": table,
              "language": entry["language"], "enabled": entry["enabled"],
              "interval_seconds": entry["interval_seconds"]}
    if source is None:
        source = Source.objects.create(**fields)  # next_crawl_at empty: due at once
    else:
        for key, value in fields.items():
            setattr(source, key, value)
        source.save()
    CustodyEvent.objects.create(
        action="source-created" if before is None else "source-edited", actor=actor,
        details={"source": source.name, "source_id": source.pk, "before": before,
                 "after": {"name": source.name, "config": table}})
    return source
