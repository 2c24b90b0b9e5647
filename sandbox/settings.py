"""Settings of the sandbox (the Avara Viewer API emulator), read from the environment.

The sandbox is a product of its own: these settings hold only what it needs, and
nothing of the dashboard (no sessions, authentication, CSRF, messages, context
processors, login throttling or `studies`/`dashboard` path). Serve it with
`python -m sandbox runsandbox`, `gunicorn sandbox.wsgi` or `make sandbox`; every
variable is listed in sandbox/.env.example.

`SANDBOX_ENV` picks the profile, on its own (the dashboard's DJANGO_ENV does not apply
here: a staging emulator may well run beside a production dashboard):

- `development` (default): the documented development API key and control key, a
  development secret, loopback hosts, readable log lines.
- `production`: SANDBOX_SECRET_KEY, SANDBOX_ALLOWED_HOSTS and SANDBOX_API_KEYS must be
  given (no defaults), the control plane is off unless SANDBOX_CONTROL_KEY is set, and
  logs are one JSON object per line.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# The project's .env may hold these variables too: every one of them starts with SANDBOX_.
environ.Env.read_env(BASE_DIR / ".env")

ENVIRONMENT = env.str("SANDBOX_ENV", default="development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured("SANDBOX_ENV must be 'development' or 'production'.")
PRODUCTION = ENVIRONMENT == "production"

# An emulator has no use for debug pages (its errors are JSON bodies), and DEBUG keeps
# every SQL query of a long-lived connection in memory.
DEBUG = env.bool("SANDBOX_DEBUG", default=False)
if PRODUCTION:
    SECRET_KEY = env.str("SANDBOX_SECRET_KEY")  # signs the viewer links
    ALLOWED_HOSTS = env.list("SANDBOX_ALLOWED_HOSTS")
else:
    SECRET_KEY = env.str("SANDBOX_SECRET_KEY", default="sandbox-dev-only-insecure-key")
    ALLOWED_HOSTS = env.list("SANDBOX_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

# --- The API's keys, the control plane, faults, limits --------------------------------
# The documented development key (sandbox/README.md); the dashboard's development
# default sends it.
SANDBOX_DEV_API_KEY = "sk_sandbox_dev_0123456789abcdef"
DEV_API_KEYS = {
    SANDBOX_DEV_API_KEY: {
        "id": "6f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d",
        "description": "Sandbox development key",
    }
}
# JSON object: {"<key>": {"id": "<uuid4>", "description": "..."}}.
if PRODUCTION:
    SANDBOX_API_KEYS = env.json("SANDBOX_API_KEYS")
else:
    SANDBOX_API_KEYS = env.json("SANDBOX_API_KEYS", default=DEV_API_KEYS)
SANDBOX_VIEWER_TOKEN_SECONDS = env.int("SANDBOX_VIEWER_TOKEN_SECONDS", default=300)
SANDBOX_FAULT_LATENCY_MS = env.int("SANDBOX_FAULT_LATENCY_MS", default=0)
SANDBOX_FAULT_RATE = env.float("SANDBOX_FAULT_RATE", default=0.0)
SANDBOX_FAULT_STATUSES = env.list("SANDBOX_FAULT_STATUSES", cast=int, default=[500, 503, 429])
SANDBOX_FAULT_HEADERS = env.bool("SANDBOX_FAULT_HEADERS", default=True)
SANDBOX_MAX_BODY_BYTES = env.int("SANDBOX_MAX_BODY_BYTES", default=256 * 1024)
# The control plane (/_sandbox/, see sandbox/README.md) takes this key, never an API key;
# empty turns it off. Requests kept in its request log (0 = none).
SANDBOX_DEV_CONTROL_KEY = "sk_sandbox_control_dev_0123456789"
_control_default = "" if PRODUCTION else SANDBOX_DEV_CONTROL_KEY
SANDBOX_CONTROL_KEY = env.str("SANDBOX_CONTROL_KEY", default=_control_default)
SANDBOX_REQUEST_LOG_SIZE = env.int("SANDBOX_REQUEST_LOG_SIZE", default=10_000)

# --- Django: one app, its own pages -----------------------------------------------------
INSTALLED_APPS = ["sandbox"]
# Generic HTTP only: headers every answer carries, and the Host checked against
# ALLOWED_HOSTS on every request (CommonMiddleware), not only where a view builds an
# absolute URL. The viewer page sets its own Content-Security-Policy.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "sandbox.urls"
WSGI_APPLICATION = "sandbox.wsgi.application"
# The viewer's templates live in the app (sandbox/templates/sandbox/); no context
# processors: a page gets exactly the context its view gives it.
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": []},
    }
]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
X_FRAME_OPTIONS = "DENY"
# Paths end with or without a slash (sandbox/urls.py); never redirect a client.
APPEND_SLASH = False

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Data: the sandbox's own database ---------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db("SANDBOX_DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'sandbox.sqlite3'}"),
}
_db = DATABASES["default"]
if _db["ENGINE"].endswith("postgresql"):
    # Opening a PostgreSQL connection costs more than a page query: keep them open
    # (gunicorn's threads reuse theirs), checked before reuse; give up quickly on an
    # unreachable server. Override in the URL (?conn_max_age=0).
    _db.setdefault("CONN_MAX_AGE", 60)
    _db.setdefault("CONN_HEALTH_CHECKS", True)
    _db.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
if _db["ENGINE"].endswith("sqlite3"):
    # A connection per thread kept between requests (opening one and setting the journal
    # mode per request would cost more than the request's own queries).
    _db.setdefault("CONN_MAX_AGE", 60)
    _db.setdefault("OPTIONS", {}).update(
        # WAL lets readers and seeding go on while one request writes.
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        # Writers take the lock when the transaction starts, so two threads never
        # deadlock upgrading a read lock ("database is locked").
        transaction_mode="IMMEDIATE",
        timeout=10,
    )

# --- Logging: one line per request (sandbox.server), JSON in production ---------------
# Never a header or a body, and no query string (the viewer's link token is in one).
LOG_FORMAT = env.str("SANDBOX_LOG_FORMAT", default="json" if PRODUCTION else "text")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("SANDBOX_LOG_FORMAT must be 'json' or 'text'.")
LOG_LEVEL = env.str("SANDBOX_LOG_LEVEL", default="INFO")
_quiet = {"handlers": ["console"], "level": "ERROR", "propagate": False}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "sandbox.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        # The request line is the sandbox's own (sandbox.request): Django's "Not Found"
        # warnings and the development server's access lines would repeat it.
        "django.request": _quiet,
        "django.server": _quiet,
    },
}
