"""Date and number formats of the UI per language (``settings.FORMAT_MODULE_PATH``).

Django reads ``review_ui.formats.<code>.formats`` before its own locale formats, so these
names win: a day-month-year date with the month's name (no ISO ``Y-m-d`` shown to a
reader), a 24-hour time. ``review_ui.l10n`` applies them. To change a format: edit the
language's ``formats.py``; to add a language: a package here with a ``formats.py``.
"""
