"""The SQLite FTS5 segment index (only on SQLite; PostgreSQL deployments use Elasticsearch).

``segment_fts`` holds each segment's ANALYSED terms (index.arabic), rowid = Segment.id; its
tokenizer treats every non-space character as part of a token, so each analysed term stays
one FTS token and FTS5 never folds or strips anything itself. ``segment_fts_doc`` maps
indexed segments to their transcript, so a transcript can be removed even after its
segments were deleted from the catalog.
"""

from django.db import migrations

FORWARD = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS segment_fts USING fts5(
        terms,
        tokenize = "unicode61 remove_diacritics 0 categories 'L* M* N* P* S* Co Cf'",
        prefix = '2 3'
    )""",
    """CREATE TABLE IF NOT EXISTS segment_fts_doc (
        segment_id INTEGER PRIMARY KEY,
        transcript_id INTEGER NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS segment_fts_doc_transcript ON segment_fts_doc(transcript_id)",
]
BACKWARD = ["DROP TABLE IF EXISTS segment_fts_doc", "DROP TABLE IF EXISTS segment_fts"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "sqlite":
            return
        for sql in statements:
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("raqib", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
    ]
