"""Drop the former SQLite FTS5 segment index (``0002_segment_fts``).

Search moved to Tantivy, an index directory beside the database (``index.tantivy_store``),
built from the catalog on first use or by ``raqib reindex``; the FTS5 tables held only
derived terms, so nothing is lost. Backward re-creates the empty tables (``raqib reindex``
on the older code refills them).
"""

from django.db import migrations


def _on_sqlite(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "sqlite":
            return
        for sql in statements:
            schema_editor.execute(sql)
    return run


DROP = ["DROP TABLE IF EXISTS segment_fts_doc", "DROP TABLE IF EXISTS segment_fts"]
CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS segment_fts USING fts5(terms)",
    "CREATE TABLE IF NOT EXISTS segment_fts_doc (segment_id INTEGER PRIMARY KEY, "
    "transcript_id INTEGER NOT NULL)",
]


class Migration(migrations.Migration):

    dependencies = [
        ("raqib", "0005_lease"),
    ]

    operations = [
        migrations.RunPython(_on_sqlite(DROP), _on_sqlite(CREATE)),
    ]
