"""WSGI entry point for ``raqib serve`` (waitress) or any WSGI server in the scaled deployment."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "raqib.settings")
application = get_wsgi_application()
