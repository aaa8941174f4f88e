"""Raqib (رقيب): a monitoring tool for coerced-confession broadcasts.

The package holds the Django project (settings, URLs), the catalog models, configuration
loading, the task pipeline and the ``raqib`` command line. Stage packages live beside it:
``crawler``, ``transcribe``, ``index`` and ``review_ui``.
"""

__version__ = "0.1.0"
