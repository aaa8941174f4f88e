"""Anchored audit heads: ``AuditAnchor`` (an RFC 3161 token over one head of the chain),
append-only like the chain itself (``catalog.chain`` triggers)."""

import django.utils.timezone
from django.db import migrations, models

from catalog import chain

TABLES = ("raqib_auditanchor",)


def add_triggers(apps, schema_editor):
    for statement in chain.trigger_sql(schema_editor.connection.vendor, TABLES):
        with schema_editor.connection.cursor() as cursor:  # no params: '%' is literal
            cursor.execute(statement)


def drop_triggers(apps, schema_editor):
    for statement in chain.drop_trigger_sql(schema_editor.connection.vendor, TABLES):
        with schema_editor.connection.cursor() as cursor:  # no params: '%' is literal
            cursor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('raqib', '0010_sightings'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditAnchor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name='ID')),
                ('seq', models.BigIntegerField()),
                ('head_hash', models.CharField(max_length=64)),
                ('tsa', models.CharField(max_length=2000)),
                ('token', models.BinaryField()),
                ('certificates', models.TextField(blank=True)),
                ('gen_time', models.CharField(blank=True, max_length=100)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={'ordering': ['seq', 'id'],
                     'constraints': [models.UniqueConstraint(fields=('seq', 'tsa'),
                                                             name='audit_anchor_key')]},
        ),
        migrations.RunPython(add_triggers, drop_triggers),
    ]
