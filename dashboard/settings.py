"""Settings for Avara Triage, read from the environment (django-environ).

`DJANGO_ENV` picks the profile: `development` (default: sandbox upstream, insecure
dev secret, demo accounts allowed) or `production` (every secret and the Avara
URL and key must be given; no defaults). See `.env.example` for every variable.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from dashboard.stores import cache_is_shared

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

if PRODUCTION:
    # No default: without it every page would answer 400 (health probes excepted).
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
else:
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Addresses or networks of the reverse proxies in front of the dashboard. Only requests
# from them may name the client (X-Forwarded-For) and the request id (X-Request-Id); see
# studies/infra/addresses.py. Empty: the peer's own address counts, forwarded headers do not.
TRUSTED_PROXIES = env.list("DJANGO_TRUSTED_PROXIES", default=[])

# --- Upstream: the Avara Viewer API -------------------------------------------------
# With neither AVARA_BASE_URL nor AVARA_API_KEY set (development only), the dashboard
# talks to the project's own sandbox over HTTP, exactly as it would talk to Avara: where
# `make run` serves it, with its documented development key (sandbox/README.md). That is
# all the dashboard knows of the sandbox, which has settings of its own.
SANDBOX_DEV_API_KEY = "sk_sandbox_dev_0123456789abcdef"  # documented sandbox key
SANDBOX_DEFAULT_URL = "http://127.0.0.1:8001"
if PRODUCTION:
    AVARA_BASE_URL = env.str("AVARA_BASE_URL")
    AVARA_API_KEY = env.str("AVARA_API_KEY")
else:
    AVARA_BASE_URL = env.str("AVARA_BASE_URL", default=SANDBOX_DEFAULT_URL)
    AVARA_API_KEY = env.str("AVARA_API_KEY", default=SANDBOX_DEV_API_KEY)
# Retries: at 20% transient failures an edit (a read and a write) still succeeds more
# than 99.5% of the time (1 - 0.2**5 per call), and waits stay short: a call never takes
# longer than AVARA_CALL_DEADLINE in all, a whole save never longer than
# TRIAGE_WRITE_DEADLINE (plus waiting for the study's lock, TRIAGE_LOCK_WAIT).
AVARA_CONNECT_TIMEOUT = env.float("AVARA_CONNECT_TIMEOUT", default=3.0)
AVARA_READ_TIMEOUT = env.float("AVARA_READ_TIMEOUT", default=10.0)
AVARA_MAX_RETRIES = env.int("AVARA_MAX_RETRIES", default=4)
AVARA_RETRY_BACKOFF = env.float("AVARA_RETRY_BACKOFF", default=0.1)
AVARA_RETRY_MAX_BACKOFF = env.float("AVARA_RETRY_MAX_BACKOFF", default=2.0)
AVARA_CALL_DEADLINE = env.float("AVARA_CALL_DEADLINE", default=12.0)
TRIAGE_WRITE_DEADLINE = env.float("TRIAGE_WRITE_DEADLINE", default=20.0)
TRIAGE_LOCK_WAIT = env.float("TRIAGE_LOCK_WAIT", default=8.0)
TRIAGE_LOCK_SECONDS = env.float("TRIAGE_LOCK_SECONDS", default=30.0)

# --- The reading room: queue snapshot, turnaround clocks, live refresh -------------------
# Open studies read per severity for the queue (see studies/queue.py), and the oldest a
# picture of them may be when served (one process rebuilds it, ahead of time when it can).
TRIAGE_QUEUE_MAX = env.int("TRIAGE_QUEUE_MAX", default=2000)
TRIAGE_QUEUE_SECONDS = env.float("TRIAGE_QUEUE_SECONDS", default=15.0)
# How long a request waits for a picture older than that to be rebuilt; past it (Avara is
# slow) the previous picture is served with a banner saying how old it is and why.
TRIAGE_QUEUE_WAIT = env.float("TRIAGE_QUEUE_WAIT", default=5.0)
# Rebuild in a background thread: ahead of time (past 2/3 of TRIAGE_QUEUE_SECONDS, while
# the picture is still served), and so that a wait can end at TRIAGE_QUEUE_WAIT. Off, a
# rebuild runs in the request that needs it, for as long as Avara takes. The board's
# turnaround figures are built in the background the same way.
TRIAGE_QUEUE_BACKGROUND = env.bool("TRIAGE_QUEUE_BACKGROUND", default=True)
# Turnaround thresholds in seconds (defaults: STAT 1 h, High 4 h, Normal 24 h; the Canadian
# Wait Time Alliance's radiology benchmark puts emergent reports within 1 h). A study is
# "due soon" past TRIAGE_DUE_SOON of its threshold, "overdue" past it.
TRIAGE_TURNAROUND = {
    "stat": env.int("TRIAGE_TURNAROUND_STAT", default=3600),
    "high": env.int("TRIAGE_TURNAROUND_HIGH", default=4 * 3600),
    "normal": env.int("TRIAGE_TURNAROUND_NORMAL", default=24 * 3600),
}
TRIAGE_DUE_SOON = env.float("TRIAGE_DUE_SOON", default=0.75)
# Lists and the queue refresh themselves every N seconds (0 turns it off); identical
# upstream list reads within TRIAGE_LIST_SHARE_SECONDS share one Avara call.
TRIAGE_REFRESH_SECONDS = env.int("TRIAGE_REFRESH_SECONDS", default=15)
TRIAGE_LIST_SHARE_SECONDS = env.float("TRIAGE_LIST_SHARE_SECONDS", default=5.0)
# "STAT waiting" (open STAT studies nobody has claimed) counted in the page title, from the
# queue's picture (no Avara call while it is fresh).
TRIAGE_TITLE_COUNTS = env.bool("TRIAGE_TITLE_COUNTS", default=True)
# A study a reader skipped is not offered to them by Read next again for this long.
TRIAGE_SKIP_SECONDS = env.int("TRIAGE_SKIP_SECONDS", default=3600)
# Whoever cancelled a study may undo that cancel, once, for this long (restoring is
# otherwise the admins'): studies/services/undo.py.
TRIAGE_UNDO_SECONDS = env.int("TRIAGE_UNDO_SECONDS", default=30)
# A CSV export writes at most this many studies (the file and the page say so).
TRIAGE_EXPORT_MAX = env.int("TRIAGE_EXPORT_MAX", default=10_000)
AVARA_USERS_CACHE_SECONDS = env.int("AVARA_USERS_CACHE_SECONDS", default=60)

# --- The supervisor's board (studies/board/): caps, balance, bulk actions, turnaround ---
# How many open studies a radiologist may hold before Balance moves work off them, unless
# the Accounts page gives them a cap of their own.
TRIAGE_READER_CAP = env.int("TRIAGE_READER_CAP", default=20)
# Bulk actions: studies written to Avara at once (each is a read and a write), and at most
# how many one action may carry.
TRIAGE_BULK_CONCURRENCY = env.int("TRIAGE_BULK_CONCURRENCY", default=6)
TRIAGE_BULK_MAX = env.int("TRIAGE_BULK_MAX", default=500)
# Balance's Apply checks its plan against a picture of the open work at most this old
# (rebuilt first when older, one shared rebuild): so a study given to a reader elsewhere
# a moment ago is seen, and no move takes them over their cap.
TRIAGE_BALANCE_FRESH_SECONDS = env.float("TRIAGE_BALANCE_FRESH_SECONDS", default=1.0)
# The board's turnaround chart: completed studies of the last TRIAGE_TURNAROUND_DAYS days,
# worked out in the background at most every TRIAGE_TURNAROUND_SECONDS from at most
# TRIAGE_TURNAROUND_MAX completed studies (newest first; one Avara call per 100).
TRIAGE_TURNAROUND_DAYS = env.int("TRIAGE_TURNAROUND_DAYS", default=7)
TRIAGE_TURNAROUND_SECONDS = env.int("TRIAGE_TURNAROUND_SECONDS", default=300)
TRIAGE_TURNAROUND_MAX = env.int("TRIAGE_TURNAROUND_MAX", default=5000)
# /readyz asks Avara for one user, once, without retries, within this many seconds.
AVARA_PING_TIMEOUT = env.float("AVARA_PING_TIMEOUT", default=3.0)
# Hosts a reroute ("open in viewer") URL may point at; anything else is refused.
_viewer_default = [] if PRODUCTION else ["127.0.0.1", "localhost"]
AVARA_VIEWER_HOSTS = env.list("AVARA_VIEWER_HOSTS", default=_viewer_default)

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
    # Login throttling (studies/accounts/throttling.py).
    "axes",
]

MIDDLEWARE = [
    # Request id, Server-Timing, one log line per request; then /healthz and /readyz,
    # answered before host checks, HTTPS redirects and login (see studies/web/health.py).
    "studies.web.middleware.RequestContextMiddleware",
    "studies.web.middleware.HealthCheckMiddleware",
    # HTML compressed when the browser accepts it: zstd, else gzip (see the class).
    "studies.web.middleware.PageCompressionMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Times in the viewer's time zone (the browser's, from a cookie), else TIME_ZONE.
    "studies.web.timezones.TimeZoneMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "studies.web.middleware.HtmxSafetyMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "studies.web.middleware.RoleRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "studies.web.middleware.UpstreamErrorMiddleware",
    # Last, as axes asks: turns a locked-out login into the lock page.
    "axes.middleware.AxesMiddleware",
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
                "studies.web.context_processors.identity",
                "studies.web.context_processors.urls",
            ],
        },
    },
]

# --- Data -----------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'dashboard.sqlite3'}"),
}
for _db in DATABASES.values():
    if _db["ENGINE"].endswith("postgresql"):
        # Keep connections between requests (each gthread thread holds one), check them
        # before reuse, and give up quickly on an unreachable server (/readyz says so).
        _db.setdefault("CONN_MAX_AGE", env.int("DJANGO_DB_CONN_MAX_AGE", default=60))
        _db.setdefault("CONN_HEALTH_CHECKS", True)
        _db.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    if _db["ENGINE"].endswith("sqlite3"):
        # A connection per thread kept between requests: opening one (and setting the
        # journal mode) per request cost the dashboard more than its own page query.
        _db.setdefault("CONN_MAX_AGE", env.int("DJANGO_DB_CONN_MAX_AGE", default=60))
        # WAL lets readers go on while one request writes.
        _db.setdefault("OPTIONS", {}).update(
            init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            # Writers take the lock when the transaction starts, so two threads never
            # deadlock upgrading a read lock ("database is locked").
            transaction_mode="IMMEDIATE",
            timeout=10,
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The shared store. Development: this process's memory. Production with several
# processes or hosts: CACHE_URL=redis://… (Django's own RedisCache backend, redis-py),
# which holds sessions (with the database, below), the users directory, the customers
# seen, the claim locks, the queue snapshot and single-flight reads.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    # Django's backend, reusing one redis-py client per pool (see the module).
    CACHES["default"]["BACKEND"] = "studies.infra.redis_cache.RedisCache"
    # Fail fast when Redis is unreachable instead of holding a worker thread.
    CACHES["default"].setdefault("OPTIONS", {}).update(
        socket_connect_timeout=env.float("CACHE_CONNECT_TIMEOUT", default=2.0),
        socket_timeout=env.float("CACHE_TIMEOUT", default=2.0),
        retry_on_timeout=False,
    )
    CACHES["default"].setdefault("KEY_PREFIX", "triage")
# Each process keeps the logged-in users it has read (studies/accounts/backends.py), which a
# change of an account made by any process must reach through the shared store: so
# only when there is one. In process memory, a shell's `changepassword` could not tell
# the web process, and every request reads its user from the database.
TRIAGE_KEEP_USERS = env.bool(
    "TRIAGE_KEEP_USERS", default=cache_is_shared(CACHES["default"]["BACKEND"])
)

# Sessions are written to the database and read through the cache: every process finds
# a session at Redis speed, and a Redis restart or eviction (it is a cache, it may drop
# keys under memory pressure) logs nobody out. A pure cache session engine would; the
# database engine alone would cost a query per request. Django's cached_db, reading the
# accounts' generation in the same round trip (studies/accounts/sessions.py).
SESSION_ENGINE = "studies.accounts.sessions"

# --- Auth -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "studies:home"  # readers start at the queue, others at the worklist
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes; the policy is described in studies/accounts/throttling.py).
AUTHENTICATION_BACKENDS = [
    "studies.accounts.throttling.ThrottlingBackend",  # refuses a locked username first
    # ModelBackend, with each request's user kept in memory while no account changes.
    "studies.accounts.backends.AccountBackend",
    # Sessions made before AccountBackend name this one; they keep working (uncached)
    # until their next login. Logins never reach it (AccountBackend answers first), bar
    # a failed one, which it checks a second time.
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("DJANGO_LOGIN_FAILURE_LIMIT", default=5)
_cooloff_minutes = env.int("DJANGO_LOGIN_COOLOFF_MINUTES", default=15)
if AXES_FAILURE_LIMIT < 1 or _cooloff_minutes < 1:
    raise ImproperlyConfigured(
        "DJANGO_LOGIN_FAILURE_LIMIT and DJANGO_LOGIN_COOLOFF_MINUTES must be at least 1."
    )
AXES_COOLOFF_TIME = timedelta(minutes=_cooloff_minutes)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# A fixed cool-off from the last counted failure: retrying while locked does not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "studies.accounts.throttling.AuditedAxesHandler"
AXES_LOCKOUT_CALLABLE = "studies.accounts.throttling.lockout_response"
AXES_USERNAME_CALLABLE = "studies.accounts.throttling.username_of"
AXES_CLIENT_IP_CALLABLE = "studies.infra.addresses.client_ip"
AXES_DISABLE_ACCESS_LOG = True  # successful logins go to the logs (studies.throttling)
AXES_VERBOSE = False

# --- Security ---------------------------------------------------------------------------
from django.utils.csp import CSP  # noqa: E402

_viewer_schemes = ["https"] if PRODUCTION else ["https", "http"]
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    # "Open in viewer" posts here and is redirected to the viewer: allow exactly the
    # viewer hosts, over HTTPS (development also plain HTTP, for the sandbox's viewer).
    "form-action": [
        CSP.SELF,
        *[f"{scheme}://{host}:*" for host in AVARA_VIEWER_HOSTS for scheme in _viewer_schemes],
    ],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
# A stale CSRF token (e.g. after logging in again in another tab) gets a message that
# fits where it happens: a toast for HTMX, a page otherwise.
CSRF_FAILURE_VIEW = "studies.web.http.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Cookie names of the dashboard's own: cookies ignore ports, so anything else served on
# the same host (the sandbox on 127.0.0.1:8001 under `make run`) receives them, and a
# "sessionid" or "csrftoken" of its own would overwrite ours. In production, the
# __Host- prefix also makes browsers refuse them unless Secure, for "/", with no Domain
# (so no other host of the domain can set them either).
_cookie_prefix = "__Host-" if PRODUCTION else ""
SESSION_COOKIE_NAME = f"{_cookie_prefix}triage_session"
CSRF_COOKIE_NAME = f"{_cookie_prefix}triage_csrftoken"
# The browser's time zone, written by static/js/timezone.js (studies/web/timezones.py).
TRIAGE_TZ_COOKIE = f"{_cookie_prefix}triage_tz"
# Flash messages live in the session, not in a cookie of their own (Django's cookie is
# always named "messages").
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
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
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    # Asking browsers to preload HSTS for the whole domain is hard to undo, so it is the
    # operator's decision: DJANGO_HSTS_PRELOAD=1 adds `preload`. Left off, that is a choice
    # made here, and `check --deploy` is told so instead of warning on every run.
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# --- i18n, static -----------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
# Times show in each viewer's own zone, taken from the browser (studies/web/timezones.py);
# this one until the browser has said (the first page, JavaScript off).
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns at start-up when it is missing
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
# `json`: one JSON object per line with the request id (studies/infra/logs.py), the default in
# production; `text`: one readable line, the default in development.
LOG_FORMAT = env.str("DJANGO_LOG_FORMAT", default="json" if PRODUCTION else "text")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("DJANGO_LOG_FORMAT must be 'json' or 'text'.")
LOG_LEVEL = env.str("DJANGO_LOG_LEVEL", default="INFO")
_to_console = {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "studies.infra.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "studies.infra.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Django's own loggers write through the same handler, once (not also Django's).
    # runserver's per-request lines only from WARNING: studies.request logs each request.
    "loggers": {
        "django": _to_console,
        "django.server": _to_console | {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # axes' own lines mask the username and address; studies.throttling logs them.
        "axes": {"level": "WARNING"},
    },
}
