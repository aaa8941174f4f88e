"""Raqib (رقيب): a monitoring tool for coerced-confession broadcasts.

The package holds the Django project (settings, URLs), the catalog models, configuration
loading, the task pipeline and the ``raqib`` command line. Stage packages live beside it:
``crawler``, ``transcribe``, ``index`` and ``review_ui``.
"""

from catalog import __version__  # noqa: F401 - one release number, kept in the catalog
