"""Static files (CSS, JavaScript) for ``raqib serve``: hashed names, pre-compressed, cached
for ever.

``StaticStorage`` is whitenoise's ``CompressedManifestStaticFilesStorage``: ``collectstatic``
copies every app's static files into ``STATIC_ROOT`` (the data dir's ``static/``, or
``RAQIB_STATIC_ROOT`` where the Docker image collects them at build time), each also under a
name holding a hash of its content (``raqib.3f2a9c0d1b7e.css``), with gzip and Brotli copies
beside it, and a manifest (``staticfiles.json``) from each name to its hashed one. Pages then
link the hashed names (``{% static %}``) and whitenoise sends those with ``Cache-Control:
max-age=315360000, public, immutable`` and the compressed copy the browser asks for: a
changed file gets a new name, so nothing stale is ever served from a cache.

Where nothing was collected (a checkout's tests, ``web.debug``), the storage gives the plain
names and whitenoise serves them from the apps' folders as before (``WHITENOISE_USE_FINDERS``,
cached 60 s). ``raqib serve`` calls ``ensure_collected()`` before it starts its workers: it
runs ``collectstatic`` when the manifest is missing or any source file changed since the
last collection (a stamp of the files' names, sizes and times in ``STATIC_ROOT``), so one
command is still all an installation needs. Only the apps in ``SERVED_APPS`` are
collected (``ServedAppsFinder``). To add a static file: put it in an app's ``static/``
folder and link it with ``{% static %}``; for another app's files, add the app to
``SERVED_APPS``.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import sys
from pathlib import Path

from django.contrib.staticfiles.finders import AppDirectoriesFinder
from whitenoise.storage import CompressedManifestStaticFilesStorage

log = logging.getLogger(__name__)

STAMP_NAME = ".raqib-static-stamp"
LOCK_NAME = ".raqib-static-lock"
IGNORE_PATTERNS = ["CVS", ".*", "*~"]  # collectstatic's own defaults


# The apps whose static files a page links; the others' (Django REST framework's browsable
# API, django-otp's admin pages) are never served, so neither collected nor compressed.
SERVED_APPS = ("review_ui", "django_otp_webauthn")


class ServedAppsFinder(AppDirectoriesFinder):
    """The static folders of ``SERVED_APPS`` only (``STATICFILES_FINDERS``)."""

    def __init__(self, app_names: object = None, *args: object, **kwargs: object) -> None:
        super().__init__(SERVED_APPS, *args, **kwargs)


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files once collected; the plain names until then."""

    def stored_name(self, name: str) -> str:
        if not self.hashed_files:  # never collected here: the finders serve the plain name
            return name
        return super().stored_name(name)


def sources_stamp() -> str:
    """A digest of every static source file's name, size and modification time (what the
    finders would collect) and of the storage's version: it changes when any file does."""
    from importlib.metadata import version

    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256(f"{version('django')} {version('whitenoise')}\n".encode())
    entries = []
    for finder in get_finders():
        for path, storage in finder.list(IGNORE_PATTERNS):
            stat = Path(storage.path(path)).stat()
            entries.append(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n")
    for entry in sorted(entries):
        digest.update(entry.encode())
    return digest.hexdigest()


def is_current(root: Path | None = None) -> bool:
    """True when ``root`` (``STATIC_ROOT``) holds a manifest collected from the current files."""
    from django.conf import settings

    root = Path(root or settings.STATIC_ROOT)
    stamp = root / STAMP_NAME
    return ((root / "staticfiles.json").is_file() and stamp.is_file()
            and stamp.read_text().strip() == sources_stamp())


def collect(root: Path | None = None) -> None:
    """Run ``collectstatic`` (hash, compress, write the manifest), then the stamp."""
    from django.conf import settings
    from django.core.management import call_command

    root = Path(root or settings.STATIC_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    stamp = sources_stamp()
    call_command("collectstatic", interactive=False, verbosity=0)
    (root / STAMP_NAME).write_text(stamp + "\n")


def ensure_collected() -> bool:
    """Collect the static files when they are missing or stale; then make this process's
    storage read the manifest. True when it collected. A ``STATIC_ROOT`` that cannot be
    written (a read-only image) leaves the files as they are, with a warning: pages then
    link what the manifest holds, or the plain names."""
    from django.conf import settings
    from django.contrib.staticfiles.storage import staticfiles_storage

    collected = False
    try:
        if not is_current():  # (a current read-only image's files need no lock)
            root = Path(settings.STATIC_ROOT)
            root.mkdir(parents=True, exist_ok=True)
            # one collection at a time: two servers started together on one data dir
            with open(root / LOCK_NAME, "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not is_current():
                    collect()
                    collected = True
    except OSError as exc:
        print(f"warning: static files not collected ({exc}); serving them as found",
              file=sys.stderr, flush=True)
    if hasattr(staticfiles_storage, "load_manifest"):  # a manifest storage (the default)
        staticfiles_storage.hashed_files, staticfiles_storage.manifest_hash = (
            staticfiles_storage.load_manifest())
    return collected
