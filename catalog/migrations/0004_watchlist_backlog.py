"""Watchlist retry state moves out of the custody log into ``WatchlistBacklog``.

Broadcasts whose latest ``watchlists-failed``/``watchlists-recovered`` custody event is a
failure become backlog rows; the custody events themselves stay (the log is append-only).
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def backlog_from_custody(apps, schema_editor):
    CustodyEvent = apps.get_model("raqib", "CustodyEvent")
    WatchlistBacklog = apps.get_model("raqib", "WatchlistBacklog")
    latest = {}
    for event in (CustodyEvent.objects
                  .filter(action__in=["watchlists-failed", "watchlists-recovered"])
                  .exclude(broadcast=None).order_by("at", "id")):
        latest[event.broadcast_id] = event
    for broadcast_id, event in latest.items():
        if event.action == "watchlists-failed":
            WatchlistBacklog.objects.create(
                broadcast_id=broadcast_id, failed_at=event.at,
                error=str(event.details.get("error", "")) or "watchlist matching failed")


class Migration(migrations.Migration):

    dependencies = [
        ('raqib', '0003_collection_transcription_search'),
    ]

    operations = [
        migrations.CreateModel(
            name='WatchlistBacklog',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('error', models.TextField()),
                ('attempts', models.PositiveIntegerField(default=1)),
                ('failed_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('broadcast', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='watchlist_backlog', to='raqib.broadcast')),
            ],
            options={
                'ordering': ['failed_at', 'id'],
            },
        ),
        migrations.RunPython(backlog_from_custody, migrations.RunPython.noop),
    ]
