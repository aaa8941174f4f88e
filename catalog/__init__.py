"""The catalog: Raqib's bottom layer and system of record.

The Django models and their migrations (``models``), file hashing (``hashing``), the one
evidence writer every capture path uses (``evidence``) and the append-only custody/audit
log (``audit``). Every other package imports the catalog; the catalog imports none of
them (``tests/test_import_rules.py`` fails if it does). To add a model: change
``catalog/models.py``, run ``raqib manage makemigrations raqib`` and commit the migration.

The app keeps the Django app label ``raqib`` it had when the models lived in the
``raqib`` package, so an existing database (its tables ``raqib_*``, its migration
history, content types and permissions) carries over unchanged.
"""

__version__ = "0.1.0"  # Raqib's release, recorded in every custody event's tool versions
