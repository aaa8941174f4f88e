"""Keep the catalog's Source rows in step with ``[[sources]]`` in ``raqib.toml``.

The TOML file is the place sources are declared; ``sync_sources`` upserts one Source (and
its Outlet) per entry, keyed by name, and disables sources that left the file (their
broadcasts stay: evidence is never deleted). Called by every command that crawls.
"""

from __future__ import annotations

from django.db import transaction

from raqib.config import Config
from raqib.models import Outlet, Source


@transaction.atomic
def sync_sources(config: Config) -> list[Source]:
    """Upsert the configured sources; return them in file order."""
    synced: list[Source] = []
    for entry in config.sources:
        outlet, _ = Outlet.objects.get_or_create(name=entry["outlet"])
        stored = {k: v for k, v in entry.items() if k != "interval_seconds"}
        source, created = Source.objects.get_or_create(
            name=entry["name"],
            defaults={"outlet": outlet, "kind": entry["kind"], "config": stored,
                      "language": entry["language"], "enabled": entry["enabled"],
                      "interval_seconds": entry["interval_seconds"]},
            # next_crawl_at stays empty: a new source is due at once.
        )
        if not created:
            source.outlet = outlet
            source.kind = entry["kind"]
            source.config = stored
            source.language = entry["language"]
            source.enabled = entry["enabled"]
            source.interval_seconds = entry["interval_seconds"]
            source.save()
        synced.append(source)
    names = [s.name for s in synced]
    Source.objects.exclude(name__in=names).exclude(kind=Source.KIND_IMPORT).update(enabled=False)
    return synced
