"""Settings for Avara Triage, read from the environment (django-environ).

`DJANGO_ENV` picks the profile: `development` (default: sandbox upstream, insecure
dev secret, demo accounts allowed) or `production` (every secret and the Avara
URL and key must be given; no defaults). See `.env.example` for every variable.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

ENVIRONMENT = env.str("DJANGO_ENV", default="development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV must be 'development' or 'production'.")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)
if PRODUCTION:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
else:
    SECRET_KEY = env.str(
        "DJANGO_SECRET_KEY", default="dev-only-insecure-key-never-use-in-production"
    )

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# --- Upstream: the Avara Viewer API -------------------------------------------------
# With neither AVARA_BASE_URL nor AVARA_API_KEY set (development only), the dashboard
# talks to the project's own sandbox over HTTP, exactly as it would talk to Avara.
SANDBOX_DEV_API_KEY = "sk_sandbox_dev_0123456789abcdef"  # documented sandbox key
SANDBOX_DEFAULT_URL = "http://127.0.0.1:8001"
if PRODUCTION:
    AVARA_BASE_URL = env.str("AVARA_BASE_URL")
    AVARA_API_KEY = env.str("AVARA_API_KEY")
else:
    AVARA_BASE_URL = env.str("AVARA_BASE_URL", default=SANDBOX_DEFAULT_URL)
    AVARA_API_KEY = env.str("AVARA_API_KEY", default=SANDBOX_DEV_API_KEY)
AVARA_CONNECT_TIMEOUT = env.float("AVARA_CONNECT_TIMEOUT", default=5.0)
AVARA_READ_TIMEOUT = env.float("AVARA_READ_TIMEOUT", default=15.0)
AVARA_MAX_RETRIES = env.int("AVARA_MAX_RETRIES", default=2)
AVARA_RETRY_BACKOFF = env.float("AVARA_RETRY_BACKOFF", default=0.5)
AVARA_RETRY_MAX_BACKOFF = env.float("AVARA_RETRY_MAX_BACKOFF", default=8.0)
AVARA_USERS_CACHE_SECONDS = env.int("AVARA_USERS_CACHE_SECONDS", default=60)
# Hosts a reroute ("open in viewer") URL may point at; anything else is refused.
_viewer_default = [] if PRODUCTION else ["127.0.0.1", "localhost"]
AVARA_VIEWER_HOSTS = env.list("AVARA_VIEWER_HOSTS", default=_viewer_default)

# --- Sandbox: the local Viewer API emulator -----------------------------------------
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=not PRODUCTION)
# JSON object: {"<key>": {"id": "<uuid4>", "description": "..."}}.
SANDBOX_API_KEYS = env.json(
    "SANDBOX_API_KEYS",
    default={
        SANDBOX_DEV_API_KEY: {
            "id": "6f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d",
            "description": "Sandbox development key",
        }
    },
)
SANDBOX_VIEWER_TOKEN_SECONDS = env.int("SANDBOX_VIEWER_TOKEN_SECONDS", default=300)
SANDBOX_FAULT_LATENCY_MS = env.int("SANDBOX_FAULT_LATENCY_MS", default=0)
SANDBOX_FAULT_RATE = env.float("SANDBOX_FAULT_RATE", default=0.0)
SANDBOX_FAULT_STATUSES = env.list("SANDBOX_FAULT_STATUSES", cast=int, default=[500, 503, 429])
SANDBOX_FAULT_HEADERS = env.bool("SANDBOX_FAULT_HEADERS", default=True)
SANDBOX_MAX_BODY_BYTES = env.int("SANDBOX_MAX_BODY_BYTES", default=256 * 1024)
# The control plane (/_sandbox/, see sandbox/README.md) takes this key, never an API key;
# empty turns it off. Requests kept in its request log (0 = none).
_control_default = "" if PRODUCTION else "sk_sandbox_control_dev_0123456789"
SANDBOX_CONTROL_KEY = env.str("SANDBOX_CONTROL_KEY", default=_control_default)
SANDBOX_REQUEST_LOG_SIZE = env.int("SANDBOX_REQUEST_LOG_SIZE", default=10_000)

# --- Applications ---------------------------------------------------------------------
# No django.contrib.admin: accounts are managed on the dashboard's own page, where every
# change goes through the role rules and into the audit trail.
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before whitenoise: its runserver command extends whitenoise's (TCP_NODELAY).
    "studies",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
]
if SANDBOX_ENABLED:
    INSTALLED_APPS.append("sandbox")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "studies.middleware.HtmxSafetyMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "studies.middleware.UpstreamErrorMiddleware",
]

ROOT_URLCONF = "dashboard.urls"
WSGI_APPLICATION = "dashboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "studies.context.identity",
            ],
        },
    },
]

# --- Data -----------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'dashboard.sqlite3'}"),
}
if SANDBOX_ENABLED:
    DATABASES["sandbox"] = env.db(
        "SANDBOX_DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'sandbox.sqlite3'}"
    )
    if DATABASES["sandbox"]["ENGINE"].endswith("postgresql"):
        # Opening a PostgreSQL connection costs more than a page query: keep them open
        # (gunicorn's threads reuse theirs), checked before reuse.
        DATABASES["sandbox"].setdefault("CONN_MAX_AGE", 60)
        DATABASES["sandbox"].setdefault("CONN_HEALTH_CHECKS", True)
    DATABASE_ROUTERS = ["sandbox.routers.SandboxRouter"]
for _db in DATABASES.values():
    if _db["ENGINE"].endswith("sqlite3"):
        # WAL lets the dashboard, the sandbox and seeding read while one writes.
        _db.setdefault("OPTIONS", {}).update(
            init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            # Writers take the lock when the transaction starts, so two threads of the
            # sandbox never deadlock upgrading a read lock ("database is locked").
            transaction_mode="IMMEDIATE",
            timeout=10,
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# --- Auth -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "studies:worklist"
LOGOUT_REDIRECT_URL = "login"

# --- Security ---------------------------------------------------------------------------
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF, *[f"http://{h}:*" for h in AVARA_VIEWER_HOSTS]],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
# A stale CSRF token (e.g. after logging in again in another tab) gets a message that
# fits where it happens: a toast for HTMX, a page otherwise.
CSRF_FAILURE_VIEW = "studies.http.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# A shift, not two weeks: a workstation left logged in does not stay so for days.
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_SECONDS", default=12 * 3600)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True

# --- i18n, static -----------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns at start-up when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Logging: never the API key (the service module never logs headers) ---------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
