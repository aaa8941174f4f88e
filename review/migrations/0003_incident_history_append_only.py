"""The database refuses UPDATE and DELETE on the incident history (``IncidentEvent``),
as it does on the custody log (``catalog.chain``)."""

from django.db import migrations

from catalog import chain

TABLES = ("review_incidentevent",)


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
        ('review', '0002_starting_signs'),
        ('raqib', '0008_audit_chain'),
    ]

    operations = [migrations.RunPython(add_triggers, drop_triggers)]
