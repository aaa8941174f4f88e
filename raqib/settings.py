"""Django settings, derived from Raqib's configuration (``raqib.config``).

Nothing here is meant to be edited per deployment: set values in ``raqib.toml`` or in
``RAQIB_*`` environment variables instead. The database is SQLite in WAL mode under the
data dir unless ``DATABASE_URL`` is set (PostgreSQL).
"""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url

from raqib.config import load_config

CONFIG = load_config()
DATA_DIR: Path = CONFIG.data_dir
DATA_DIR.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = DATA_DIR / "media"


def _secret_key() -> str:
    if CONFIG.get("raqib.secret_key"):
        return CONFIG.get("raqib.secret_key")
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = CONFIG.get("web.debug")
ALLOWED_HOSTS = [h.strip() for h in CONFIG.get("web.allowed_hosts").split(",") if h.strip()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "catalog.apps.CatalogConfig",
    "index.apps.IndexConfig",
    "review.apps.ReviewConfig",
    "review_ui",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "review_ui.middleware.SecurityHeadersMiddleware",
    "review_ui.middleware.LoginRequiredEverywhereMiddleware",
]

ROOT_URLCONF = "raqib.urls"
WSGI_APPLICATION = "raqib.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

if CONFIG.get("database.url"):
    DATABASES = {"default": dj_database_url.parse(CONFIG.get("database.url"), conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "raqib.sqlite3"),
            "OPTIONS": {
                # WAL lets the web UI read while workers write; IMMEDIATE avoids
                # lock-upgrade deadlocks between concurrent writers.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

LANGUAGE_CODE = "ar"
LANGUAGES = [("ar", "العربية"), ("en", "English")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns at start-up when it is missing
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Django's own CSRF page has an inline style the CSP blocks; ours obeys the UI rules.
CSRF_FAILURE_VIEW = "review_ui.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

HUEY_BACKEND = "redis" if CONFIG.get("queue.redis_url") else "sqlite"

LOGGING_CONFIG = None  # raqib.logs configures logging itself
