"""Django settings, derived from Raqib's configuration (``raqib.config``).

Nothing here is meant to be edited per deployment: set values in ``raqib.toml`` or in
``RAQIB_*`` environment variables instead. The database is SQLite in WAL mode under the
data dir unless ``DATABASE_URL`` is set (PostgreSQL).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

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
    "accounts.apps.AccountsConfig",
    "review.apps.ReviewConfig",
    "reairings.apps.ReairingsConfig",
    "review_ui",
    "rest_framework",  # the HTTP API (api/): Django REST framework
    "drf_spectacular",  # ... and its OpenAPI document (docs/openapi.json)
    "api",
    "django_otp",  # second factor (TOTP) for every role, with static recovery codes
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",  # passkeys (WebAuthn) beside TOTP, as a django-otp device
    "axes",  # login throttling and lockout per account and per address
]

MIDDLEWARE = [
    "api.problems.ApiProblemMiddleware",  # under /api/: every error as problem details
    "review_ui.middleware.ProxyHeadersMiddleware",
    "review_ui.middleware.HeadWithoutBodyMiddleware",
    "review_ui.middleware.RequestSizeLimitMiddleware",
    "review_ui.middleware.BidiNeutralisingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "review_ui.i18n.ChosenLanguageMiddleware",  # the UI language the user chose (cookie)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.factor_check.FactorCheckMiddleware",  # django-otp's, one plain statement
    "accounts.sessions.SessionLimitsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "review_ui.errors.ErrorPagesMiddleware",  # a bare 405 gets the UI's error page
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "review_ui.middleware.SecurityHeadersMiddleware",
    "review_ui.middleware.LoginRequiredEverywhereMiddleware",
    "review_ui.factor_gate.SecondFactorRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Widgets rendered in Python, the same characters as Django's widget templates (issue 26).
FORM_RENDERER = "review_ui.form_renderer.FastRenderer"

if CONFIG.get("database.url"):
    # Health checks: a connection broken by a database restart is replaced, not reused.
    DATABASES = {"default": dj_database_url.parse(CONFIG.get("database.url"), conn_max_age=60,
                                                  conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "raqib.sqlite3"),
            # A thread keeps its connection for a minute, between requests and between tasks
            # (raqib.tasks closes old ones around each): a new SQLite connection re-reads the
            # whole schema and sets WAL, 1.5 to 2.5 ms of CPU a request (issue 26: an API
            # request cost 5.8 ms of CPU with a connection each, 3.6 ms without).
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
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
# Every path that sets a password (the CLI, the password-change page) runs these.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.passwords.VarietyValidator"},
]
# Axes first: it refuses a locked-out account or address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "accounts.passwords.AxesLoginBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/dashboard/"  # the dashboard is the landing page
LOGOUT_REDIRECT_URL = "/login/"

LANGUAGE_CODE = "ar"
LANGUAGES = [("ar", "العربية"), ("en", "English")]
TIME_ZONE = "UTC"
USE_I18N = True
# Catalogs: locale/<lang>/LC_MESSAGES/django.po (versioned), compiled to .mo at set-up.
# RAQIB_LOCALE_DIR names them where Raqib is installed from a wheel (the Docker image).
LOCALE_PATHS = [Path(os.environ.get("RAQIB_LOCALE_DIR")
                     or Path(__file__).resolve().parent.parent / "locale")]
LANGUAGE_COOKIE_NAME = "raqib-language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
USE_TZ = True
# Dates and numbers shown per language (review_ui/formats, applied by review_ui.l10n);
# Arabic-Indic digits in the Arabic UI when web.arabic_digits is on.
FORMAT_MODULE_PATH = ["review_ui.formats"]
RAQIB_ARABIC_DIGITS = CONFIG.get("web.arabic_digits")

STATIC_URL = "/static/"
# Collected static files (raqib.staticfiles): hashed names, gzip/Brotli copies, a manifest.
# `raqib serve` collects them here when missing or stale; the Docker image at build time.
STATIC_ROOT = Path(os.environ.get("RAQIB_STATIC_ROOT") or DATA_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns at start-up when missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "raqib.staticfiles.StaticStorage"},
}
STATICFILES_FINDERS = ["raqib.staticfiles.ServedAppsFinder"]
# Until collected (a checkout's tests, web.debug) the plain files are served from the apps.
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Sessions: the cookie's and the row's age is the idle timeout, renewed whenever the
# session is written; accounts.sessions writes its last activity at most once every
# SESSION_ACTIVITY_SECONDS (not on every request), refuses it once that is older than the
# idle timeout, and ends a session at the absolute timeout whatever its use.
SESSION_COOKIE_AGE = CONFIG.get("web.session_idle_minutes") * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_ACTIVITY_SECONDS = 60
SESSION_ENGINE = "accounts.session_store"  # Django's database sessions, read in plain SQL
SESSION_ABSOLUTE_SECONDS = CONFIG.get("web.session_absolute_hours") * 3600
REAUTH_SECONDS = CONFIG.get("web.reauth_minutes") * 60
# Request bodies: larger than this is refused with 413 before it is read.
DATA_UPLOAD_MAX_MEMORY_SIZE = CONFIG.get("web.max_body_kb") * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

# Behind a TLS reverse proxy (docs/operations.md): trust its X-Forwarded-Proto, accept
# POSTs from the https origins, and send only secure __Host- cookies and HSTS.
TLS_PROXY = CONFIG.get("web.tls_proxy")
PROXY_ADDRESSES = [a.strip() for a in CONFIG.get("web.proxy_addresses").split(",")
                   if a.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in CONFIG.get("web.trusted_origins").split(",")
                        if o.strip()]
if TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = CSRF_TRUSTED_ORIGINS or [
        f"https://{host}" for host in ALLOWED_HOSTS if host not in ("*",)]
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-raqib-session"
    CSRF_COOKIE_NAME = "__Host-raqib-csrf"
    SECURE_HSTS_SECONDS = CONFIG.get("web.hsts_seconds")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True

# Login throttling (django-axes): a lockout per account (its failures from every address)
# and, apart, per address (its failures over every account). A success clears only its
# own account's failures (accounts.lockout): axes' own reset on success would clear every
# failure from the address too, other accounts' included (issue 23, finding 1).
AXES_FAILURE_LIMIT = max(1, CONFIG.get("web.login_failure_limit"))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = CONFIG.get("web.lockout_minutes") / 60  # hours
AXES_RESET_ON_SUCCESS = False
AXES_HANDLER = "accounts.lockout.OwnAccountResetHandler"
AXES_LOCKOUT_TEMPLATE = "review_ui/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "accounts.passwords.client_address"
AXES_VERBOSE = False  # accounts.sessions logs logins in Raqib's own format
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failed login: name, address, time
OTP_TOTP_ISSUER = "Raqib"
# Passkeys (django-otp-webauthn), a second factor only: never a password-less login. The
# relying party is web.public_origin's host name; without one, only http://localhost:PORT
# (accounts.passkeys). Registration and authentication go through review_ui's own views.
PUBLIC_ORIGIN = CONFIG.get("web.public_origin").strip().rstrip("/")
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_RP_NAME = "Raqib"
OTP_WEBAUTHN_RP_ID = urlsplit(PUBLIC_ORIGIN).hostname or "localhost"
OTP_WEBAUTHN_ALLOWED_ORIGINS = [PUBLIC_ORIGIN or "http://localhost"]
OTP_WEBAUTHN_HELPER_CLASS = "accounts.passkeys.RaqibWebAuthnHelper"
OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME = "raqib.auth"
# Django's own CSRF page has an inline style the CSP blocks; ours obeys the UI rules.
CSRF_FAILURE_VIEW = "review_ui.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

HUEY_BACKEND = "redis" if CONFIG.get("queue.redis_url") else "sqlite"

LOGGING_CONFIG = None  # raqib.logs configures logging itself

# The HTTP API (api/): token authentication only (no session, so no CSRF exposure), JSON
# only, problem details for every error, cursor pages, a rate limit per token.
API_RATE_LIMIT = CONFIG.get("api.rate_limit")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # The API's rate counters: shared by every worker process when Redis is configured.
    "api": ({"BACKEND": "django.core.cache.backends.redis.RedisCache",
             "LOCATION": CONFIG.get("queue.redis_url"), "KEY_PREFIX": "raqib-api"}
            if CONFIG.get("queue.redis_url") else
            {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
             "LOCATION": "raqib-api-throttle"}),
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ApiAccess"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "UNAUTHENTICATED_TOKEN": None,
    "URL_FORMAT_OVERRIDE": None,  # ?format= is the export's own parameter
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Raqib API",
    "DESCRIPTION": "Search, broadcasts, incidents, persons, alerts, watchlists and tags of a "
                   "Raqib installation. See docs/api.md.",
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"IncidentStatusEnum": "review.models.Incident.Status",
                            "BroadcastStatusEnum": "catalog.models.Broadcast.Status",
                            "AlertStatusEnum": "catalog.models.Alert.Status"},
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "api.schema.postprocess"],
}
