"""Air dates keep their precision: ``aired_precision`` (day, minute, second), ``aired_date``
(the day on the outlet's calendar: for a date without a time, the printed day) and
``aired_tz`` (the zone it was read in).

Existing rows are recovered from what was stored (``catalog.outlet_dates`` reads the text
again, in the source's ``timezone``):
- a live chunk (``aired_end`` set) is a recorded instant: ``second``;
- a row with its printed text (``aired_at_raw``) gets what the text says: a date without a
  time is a ``day`` with the printed day, whatever zone the old code stored it in;
- a row without text whose instant is not midnight in the source's zone was given to the
  second (an import, a timestamp): ``second``.
What is left (text that no longer reads, or no text and a midnight instant, which may have
been a day) keeps ``aired_precision`` empty and is shown as before, as an instant; the
migration prints those broadcast ids (and logs them on ``raqib.migrations``). The custody
log holds no air-date text, so it adds nothing to the stored text. ``aired_at`` is never
rewritten (the search index filters on it)."""

import logging
import sys
from datetime import UTC, date, datetime

from django.db import migrations, models

from catalog.outlet_dates import SECOND, parse_air_date, zone_named

log = logging.getLogger("raqib.migrations")


def recover(row, zone_name: str) -> tuple[str, date] | None:
    """(precision, day on the outlet's calendar) for an old row, or None when it cannot be
    told."""
    zone = zone_named(zone_name)
    local = row.aired_at.astimezone(zone)
    if row.aired_end is not None:
        return SECOND, local.date()
    if row.aired_at_raw.strip():
        found = parse_air_date(row.aired_at_raw, zone, now=row.discovered_at or datetime.now(UTC))
        return (found.precision, found.day) if found else None
    if (local.hour, local.minute, local.second, local.microsecond) != (0, 0, 0, 0):
        return SECOND, local.date()
    return None


def forwards(apps, schema_editor):
    broadcast = apps.get_model("raqib", "Broadcast")
    db = schema_editor.connection.alias
    lost: list[int] = []
    rows = broadcast.objects.using(db).filter(aired_at__isnull=False).select_related("source")
    for row in rows.order_by("id").iterator():
        zone_name = str((row.source.config or {}).get("timezone") or "")
        zone_name = zone_name if zone_named(zone_name) is not UTC else ""
        found = recover(row, zone_name)
        if found is None:  # shown as the instant it was: its day in the outlet's zone
            lost.append(row.pk)
            broadcast.objects.using(db).filter(pk=row.pk).update(
                aired_tz=zone_name, aired_date=row.aired_at.astimezone(zone_named(zone_name)).date())
            continue
        precision, day = found
        broadcast.objects.using(db).filter(pk=row.pk).update(
            aired_precision=precision, aired_date=day, aired_tz=zone_name)
    if lost:
        message = (f"0009_air_date_precision: the printed day of {len(lost)} broadcast(s) "
                   f"could not be recovered (shown as an instant, as before): ids "
                   + ", ".join(str(pk) for pk in lost))
        print(message, file=sys.stderr)
        log.warning(message)


class Migration(migrations.Migration):

    dependencies = [("raqib", "0008_audit_chain")]

    operations = [
        migrations.AddField(
            model_name="broadcast", name="aired_precision",
            field=models.CharField(blank=True, max_length=6, choices=[
                ("day", "day"), ("minute", "minute"), ("second", "second")]),
        ),
        migrations.AddField(
            model_name="broadcast", name="aired_date",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="broadcast", name="aired_tz",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
