"""Django settings. Everything that differs between machines comes from the environment:

- ``DATABASE_URL``: PostgreSQL in production (``postgres://user@host:5432/name``); without it an
  embedded SQLite database under ``SEJAHTERA_HOME`` (default ``./var``).
- ``SEJAHTERA_SECRET_KEY`` (without it, one generated on first start and kept in
  ``SEJAHTERA_HOME/secret_key``), ``SEJAHTERA_ALLOWED_HOSTS``.
- ``SEJAHTERA_HTTPS=1`` when served over TLS (secure cookies, HSTS, HTTPS redirect; see
  docs/operations.md).
- ``SEJAHTERA_PRODUCTION=1`` (set by ``sejahtera serve --production`` and the container image):
  static files from ``STATIC_ROOT`` through WhiteNoise, with hashed and compressed names; logs
  as JSON lines with a request log.
- ``SEJAHTERA_DEBUG=1`` for Django's debug pages while developing (never in the demo: its
  error pages are the app's own). ``SEJAHTERA_DEMO=1`` lets ``sejahtera demo`` create its
  public demo users (``make run`` sets it).
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from sejahtera.config.logging import logging_config

PACKAGE_DIR = Path(__file__).resolve().parent.parent
HOME_DIR = Path(os.environ.get("SEJAHTERA_HOME", Path.cwd() / "var")).resolve()

DEBUG = os.environ.get("SEJAHTERA_DEBUG", "0") == "1"
DEMO = os.environ.get("SEJAHTERA_DEMO", "0") == "1"
PRODUCTION = os.environ.get("SEJAHTERA_PRODUCTION", "0") == "1"


def _kept_secret_key(home: Path) -> str:
    """This installation's own key, generated once: never a key shared by every copy. Written
    whole under another name and linked into place, so that a second process starting at the
    same moment (a web server and its worker) reads the same complete key."""
    path = home / "secret_key"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        draft = home / f".secret_key.{os.getpid()}"
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as file:
            file.write(secrets.token_urlsafe(50))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process was first: its key is the one
        finally:
            draft.unlink()
    return path.read_text().strip()


def _keep_private(database: Path) -> None:
    """The embedded database holds specific personal data: only the app's own user may read
    it. SQLite gives its WAL and shared-memory files the database file's mode."""
    if str(database) in ("", ":memory:") or not database.parent.is_dir():
        return
    if not database.exists():
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT, 0o600))
    elif database.stat().st_mode & 0o077 and database.stat().st_uid == os.geteuid():
        database.chmod(0o600)  # made readable to others by an earlier version


SECRET_KEY = os.environ.get("SEJAHTERA_SECRET_KEY", "") or _kept_secret_key(HOME_DIR)
ALLOWED_HOSTS = os.environ.get("SEJAHTERA_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

INSTALLED_APPS = [
    "sejahtera.accounts.admin_site.SejahteraAdminConfig",  # Django's admin, administrators only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Installed so that /api/docs serves Swagger UI from its bundled static files, not a CDN:
    # the application must work offline.
    "ninja",
    "sejahtera.accounts",
    "sejahtera.registry",
    "sejahtera.targeting",
    "sejahtera.cases",
    "sejahtera.programmes",
    "sejahtera.grievances",
    "sejahtera.web",
    "sejahtera.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    *(["whitenoise.middleware.WhiteNoiseMiddleware"] if PRODUCTION else []),
    "sejahtera.web.middleware.RequestId",
    "sejahtera.web.middleware.NotKept",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "sejahtera.web.middleware.RejectNulBytes",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "sejahtera.web.middleware.RequireSecondFactor",
    "sejahtera.web.middleware.AuditTrail",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Served over TLS (production): cookies only over HTTPS, HSTS, plain HTTP redirected, unless
# the proxy in front redirects (SEJAHTERA_SSL_REDIRECT=0) and says so in X-Forwarded-Proto
# (SEJAHTERA_PROXY_HTTPS_HEADER=1). The demo on http://127.0.0.1 leaves it off.
HTTPS = os.environ.get("SEJAHTERA_HTTPS", "0") == "1"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("SEJAHTERA_HSTS_SECONDS", "31536000")) if HTTPS else 0
# Subdomains of the application's own host (not of the ministry's domain); "preload" only
# matters once the host is submitted to the browsers' list.
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = HTTPS
SECURE_SSL_REDIRECT = HTTPS and os.environ.get("SEJAHTERA_SSL_REDIRECT", "1") == "1"
if HTTPS and os.environ.get("SEJAHTERA_PROXY_HTTPS_HEADER", "0") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if HTTPS and not SECURE_SSL_REDIRECT:
    SILENCED_SYSTEM_CHECKS = ["security.W008"]  # the proxy redirects plain HTTP

# Scripts, styles, images and connections from this server only; no inline script or style, no
# eval, no plugins, no framing, forms post only here. Pages keep behaviour in static files
# (sejahtera/app.js) and declare it with data attributes; a browser test fails on a violation.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # Leaflet's and Swagger UI's small inline icons
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

ROOT_URLCONF = "sejahtera.config.urls"
WSGI_APPLICATION = "sejahtera.config.wsgi.application"

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
                "sejahtera.web.context_processors.navigation",
            ],
        },
    },
]

_SQLITE_PATH = HOME_DIR / "sejahtera.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{_SQLITE_PATH}", conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    HOME_DIR.mkdir(parents=True, exist_ok=True)
    _keep_private(Path(DATABASES["default"]["NAME"]))
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web app read while an import writes; IMMEDIATE avoids upgrade deadlocks.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA busy_timeout=10000; PRAGMA cache_size=-65536;",
        "transaction_mode": "IMMEDIATE",
    }

CSRF_FAILURE_VIEW = "sejahtera.web.views.errors.csrf_failure"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes) on the site and the admin login alike: after
# SEJAHTERA_LOGIN_FAILURES wrong passwords for one user name, or from one client address, further
# attempts are refused for SEJAHTERA_LOCKOUT_MINUTES. An administrator unlocks earlier by
# deleting the attempts in the admin (Axes → Access attempts).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("SEJAHTERA_LOGIN_FAILURES", "5"))
AXES_COOLOFF_TIME = int(os.environ.get("SEJAHTERA_LOCKOUT_MINUTES", "30")) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
# A success never wipes failures: axes would delete every attempt from the client's address,
# including those against other user names, so one account of one's own would allow endless
# guessing. Failures expire after the lockout time instead.
AXES_RESET_ON_SUCCESS = False

# Argon2 (memory-hard) for new and changed passwords; an older hash still verifies and is
# rehashed with Argon2 at the user's next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Administrators, ministry analysts, auditors and programme managers sign in with a code from
# an authenticator app as well (accounts.two_factor); `make run`'s demo turns it off so that
# every demo user can be tried without a phone.
SEJAHTERA_REQUIRE_TWO_FACTOR = os.environ.get("SEJAHTERA_REQUIRE_TWO_FACTOR", "1") == "1"
OTP_TOTP_ISSUER = "Sejahtera"
# Days the regency's office has to verify an objection (sanggah) before it lapses.
SEJAHTERA_OBJECTION_DAYS = int(os.environ.get("SEJAHTERA_OBJECTION_DAYS", "14"))
# A reviewer's verdict on an automated decision decides the runs of at most this many days
# after it (then the rules decide again): ages and circumstances change without an edit.
SEJAHTERA_VERDICT_DAYS = int(os.environ.get("SEJAHTERA_VERDICT_DAYS", "365"))
# Requests to the public pages (status check, proposals, complaints, tracking) per client
# address, and lookups per NIK: "count/minute", "count/hour" or "count/day".
SEJAHTERA_PUBLIC_RATE = os.environ.get("SEJAHTERA_PUBLIC_RATE", "30/hour")
SEJAHTERA_PUBLIC_NIK_RATE = os.environ.get("SEJAHTERA_PUBLIC_NIK_RATE", "5/hour")
# Persons who died longer ago than this are anonymised by `sejahtera privacy anonymise`
# (privacy.retention), unless their family's case or enrolment is still open.
SEJAHTERA_RETENTION_YEARS = int(os.environ.get("SEJAHTERA_RETENTION_YEARS", "10"))
# The answer kept for a write's Idempotency-Key (or a form's one-time key) may repeat personal
# data: `sejahtera privacy anonymise` forgets its body after this many days (accounts.idempotency).
SEJAHTERA_ANSWER_DAYS = int(os.environ.get("SEJAHTERA_ANSWER_DAYS", "30"))
# The key of the audit trail's chain (accounts.audit): kept outside the database, so that one
# who can write to the database cannot rewrite the trail unnoticed. Without it, one derived
# from the secret key (changing that key then breaks `sejahtera audit verify`).
SEJAHTERA_AUDIT_KEY = os.environ.get("SEJAHTERA_AUDIT_KEY", "")
# The keys that seal specific personal data at rest (sejahtera.sealing): "id:base64key", several
# separated by commas, the one that seals first (`sejahtera privacy new-key`). Kept outside the
# database, so that a dump of it alone reveals no one's health, disability or record. Without
# it, one derived from the secret key (the demo, the tests; `check --deploy` warns).
SEJAHTERA_DATA_KEYS = os.environ.get("SEJAHTERA_DATA_KEYS", "")
# Each API token may make this many requests (per s, m, h or d); more answer 429 with
# Retry-After. Counted in the cache, which is the database's (shared by every server process).
SEJAHTERA_API_RATE = os.environ.get("SEJAHTERA_API_RATE", "1200/m")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "sejahtera_cache",
    }
}
# A session ends after this long without a request (each request extends it): an office
# computer left signed in does not stay open to the next person for two weeks.
SESSION_COOKIE_AGE = int(os.environ.get("SEJAHTERA_SESSION_IDLE_MINUTES", "30")) * 60
SESSION_SAVE_EVERY_REQUEST = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
FORMAT_MODULE_PATH = ["sejahtera.formats"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = HOME_DIR / "static"
if PRODUCTION:
    # `collectstatic` (run by `serve --production`) names each file by its content's hash and
    # compresses it once; pages link the hashed names, which browsers may cache for ever.
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

# Background work (imports started from the web, figure refreshes): a worker runs
# `sejahtera manage db_worker` (`sejahtera serve` starts one beside the web server).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# /readyz reports the worker stalled when a task has waited this long to start.
SEJAHTERA_WORKER_STALL_MINUTES = int(os.environ.get("SEJAHTERA_WORKER_STALL_MINUTES", "10"))

# Where import reports and other generated files are kept.
MEDIA_ROOT = HOME_DIR / "media"

# Imports (docs/operations.md): the largest upload accepted, the most rows one import may
# hold, how far an XLSX workbook or a Parquet file may unpack, when a queued or running import
# that shows no life counts as dead, and how long uploaded files are kept
# (`sejahtera imports purge`).
SEJAHTERA_MAX_UPLOAD_MB = int(os.environ.get("SEJAHTERA_MAX_UPLOAD_MB", "200"))
SEJAHTERA_IMPORT_MAX_ROWS = int(os.environ.get("SEJAHTERA_IMPORT_MAX_ROWS", "5000000"))
SEJAHTERA_XLSX_MAX_UNPACKED_MB = int(os.environ.get("SEJAHTERA_XLSX_MAX_UNPACKED_MB", "500"))
SEJAHTERA_IMPORT_STALE_MINUTES = int(os.environ.get("SEJAHTERA_IMPORT_STALE_MINUTES", "30"))
SEJAHTERA_UPLOAD_RETENTION_DAYS = int(os.environ.get("SEJAHTERA_UPLOAD_RETENTION_DAYS", "30"))
# The largest evidence file (PDF, JPEG, PNG) a case step takes.
SEJAHTERA_MAX_EVIDENCE_MB = int(os.environ.get("SEJAHTERA_MAX_EVIDENCE_MB", "10"))
# the office's own catalogue of partner programmes (cases.partners); empty: the shipped one
SEJAHTERA_PARTNER_PROGRAMMES = os.environ.get("SEJAHTERA_PARTNER_PROGRAMMES", "")
# The record-linkage model every import's new persons are checked with (a model.json of
# `sejahtera dedupe links`); by default the one the latest `sejahtera dedupe run` trained.
SEJAHTERA_LINKAGE_MODEL = os.environ.get("SEJAHTERA_LINKAGE_MODEL", "")
# Uploaded and generated files are the owner's only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

LOGGING = logging_config(
    json_lines=PRODUCTION, level=os.environ.get("SEJAHTERA_LOG_LEVEL", "WARNING")
)
