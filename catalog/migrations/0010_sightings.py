"""One recording, many sightings (``catalog.sightings``): the ``Sighting`` model, the
evidence files kept for a sighting, custody rows that may name a merged broadcast's old id
(no database constraint: those rows are never rewritten) and the merge of the broadcasts
that already share a media file into the earliest captured one, each merge audited in the
chain. On SQLite altering the custody table rebuilds it, which drops its append-only
triggers: they are created again here. The search index is not the database's: run
``raqib reindex`` after this migration when it merged anything (it says so)."""

import sys

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

from catalog import chain, sightings


def add_triggers(apps, schema_editor):
    for statement in chain.trigger_sql(schema_editor.connection.vendor, ("raqib_custodyevent",)):
        with schema_editor.connection.cursor() as cursor:  # no params: '%' is literal
            cursor.execute(statement)


def merge_existing(apps, schema_editor):
    # The indexes and constraints of the new columns first (Django defers them to the end
    # of the migration): PostgreSQL refuses to create an index on a table with pending
    # deferred-constraint events, which the merge's updates leave.
    while schema_editor.deferred_sql:
        schema_editor.execute(schema_editor.deferred_sql.pop(0))
    reports = sightings.merge_duplicates(
        apps=apps, using=schema_editor.connection.alias, actor="raqib migrate (0010_sightings)",
        reason="migration 0010_sightings: broadcasts sharing one media file merged")
    if reports:
        print(f"\n  0010_sightings: {len(reports)} duplicate broadcast(s) merged into the "
              "recording they repeat; run `raqib reindex` to drop their search entries",
              file=sys.stderr)


class Migration(migrations.Migration):

    dependencies = [
        ('raqib', '0009_air_date_precision'),
        # The rows a merge moves (incident clips, screen names) live in these apps.
        ('review', '0003_incident_history_append_only'),
        ('reairings', '0003_repost_27bit_keys'),
    ]

    operations = [
        migrations.AlterField(
            model_name='custodyevent',
            name='broadcast',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='custody_events', to='raqib.broadcast'),
        ),
        migrations.CreateModel(
            name='Sighting',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sha256', models.CharField(max_length=64)),
                ('external_id', models.CharField(max_length=500)),
                ('url', models.URLField(max_length=2000)),
                ('media_url', models.URLField(blank=True, max_length=2000)),
                ('title', models.TextField(blank=True)),
                ('description', models.TextField(blank=True)),
                ('program', models.CharField(blank=True, max_length=300)),
                ('aired_at', models.DateTimeField(blank=True, null=True)),
                ('aired_at_raw', models.CharField(blank=True, max_length=200)),
                ('aired_precision', models.CharField(blank=True, choices=[('day', 'day'), ('minute', 'minute'), ('second', 'second')], max_length=6)),
                ('aired_date', models.DateField(blank=True, null=True)),
                ('aired_tz', models.CharField(blank=True, max_length=64)),
                ('language', models.CharField(default='ar', max_length=8)),
                ('discovered_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('seen_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('former_broadcast_id', models.BigIntegerField(blank=True, null=True, unique=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('broadcast', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='sightings', to='raqib.broadcast')),
                ('media', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='sightings', to='raqib.mediafile')),
                ('outlet', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='sightings', to='raqib.outlet')),
                ('source', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='sightings', to='raqib.source')),
            ],
            options={
                'ordering': ['seen_at', 'id'],
            },
        ),
        migrations.AddField(
            model_name='evidencefile',
            name='sighting',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='evidence_files', to='raqib.sighting'),
        ),
        migrations.AddConstraint(
            model_name='sighting',
            constraint=models.UniqueConstraint(fields=('source', 'external_id'), name='sighting_source_key'),
        ),
        migrations.RunPython(add_triggers, migrations.RunPython.noop),
        migrations.RunPython(merge_existing, migrations.RunPython.noop),
    ]
