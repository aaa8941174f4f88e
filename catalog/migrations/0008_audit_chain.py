"""The hash-chained audit log: ``seq``/``prev_hash``/``hash`` on every custody event (the
rows already there are chained in id order), the append-only ``AlertReview`` history, and
the triggers that make the database refuse UPDATE and DELETE on both (``catalog.chain``).
The chain definition lives in ``catalog.chain`` and never changes (see its docstring)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from catalog import chain


def chain_existing(apps, schema_editor):
    event = apps.get_model("raqib", "CustodyEvent")
    prev, seq = chain.GENESIS, 0
    for row in event.objects.using(schema_editor.connection.alias).order_by("id").iterator():
        seq += 1
        fields = {"seq": seq, "at": row.at, "action": row.action, "actor": row.actor,
                  "broadcast_id": row.broadcast_id, "media_id": row.media_id,
                  "sha256": row.sha256, "source_url": row.source_url,
                  "final_url": row.final_url, "http_status": row.http_status,
                  "host": row.host, "tool_versions": row.tool_versions,
                  "details": row.details}
        digest = chain.event_hash(fields, prev)
        event.objects.filter(pk=row.pk).update(seq=seq, prev_hash=prev, hash=digest)
        prev = digest


def add_triggers(apps, schema_editor):
    tables = ("raqib_custodyevent", "raqib_alertreview")
    for statement in chain.trigger_sql(schema_editor.connection.vendor, tables):
        with schema_editor.connection.cursor() as cursor:  # no params: '%' is literal
            cursor.execute(statement)


def drop_triggers(apps, schema_editor):
    tables = ("raqib_custodyevent", "raqib_alertreview")
    for statement in chain.drop_trigger_sql(schema_editor.connection.vendor, tables):
        with schema_editor.connection.cursor() as cursor:  # no params: '%' is literal
            cursor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('raqib', '0007_tag_vocabulary'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(model_name='custodyevent', name='seq',
                            field=models.BigIntegerField(editable=False, null=True)),
        migrations.AddField(model_name='custodyevent', name='prev_hash',
                            field=models.CharField(editable=False, max_length=64, null=True)),
        migrations.AddField(model_name='custodyevent', name='hash',
                            field=models.CharField(editable=False, max_length=64, null=True)),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.AlterField(model_name='custodyevent', name='seq',
                              field=models.BigIntegerField(editable=False, unique=True)),
        migrations.AlterField(model_name='custodyevent', name='prev_hash',
                              field=models.CharField(editable=False, max_length=64,
                                                     unique=True)),
        migrations.AlterField(model_name='custodyevent', name='hash',
                              field=models.CharField(editable=False, max_length=64,
                                                     unique=True)),
        migrations.CreateModel(
            name='AlertReview',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name='ID')),
                ('watchlist_id', models.BigIntegerField(null=True)),
                ('broadcast_id', models.BigIntegerField(null=True)),
                ('status', models.CharField(choices=[('new', 'New'), ('confirmed', 'Confirmed'),
                                                     ('dismissed', 'Dismissed')],
                                            max_length=12)),
                ('note', models.TextField(blank=True)),
                ('actor', models.CharField(max_length=200)),
                ('at', models.DateTimeField(default=django.utils.timezone.now)),
                ('alert', models.ForeignKey(db_constraint=False,
                                            on_delete=django.db.models.deletion.DO_NOTHING,
                                            related_name='reviews', to='raqib.alert')),
                ('by', models.ForeignKey(blank=True, db_constraint=False, null=True,
                                         on_delete=django.db.models.deletion.DO_NOTHING,
                                         related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={'ordering': ['at', 'id']},
        ),
        migrations.RunPython(add_triggers, drop_triggers),
    ]
