"""gunicorn settings for the dashboard, every one from the environment.

Used by the Docker image, `make serve` and `make bench`:
    gunicorn -c dashboard/gunicorn_conf.py dashboard.wsgi

Threads, not processes alone: a request spends most of its time waiting on Avara, so a
few gthread workers serve many users; several workers (or hosts) share sessions, locks
and caches through the shared store (CACHE_URL) and the database (DATABASE_URL).

Logs: gunicorn's own lines use the dashboard's format (DJANGO_LOG_FORMAT, JSON by
default in production, see studies/infra/logs.py). Its access log is off unless
GUNICORN_ACCESS_LOG is set: the dashboard writes one line per request itself, with the
request id and Avara's share of the time.

DJANGO_MIGRATE_ON_START=1 (set in the Docker image) applies database migrations once,
in the master process before any worker starts; on PostgreSQL under an advisory lock,
so several containers starting together migrate one after the other.
"""

import multiprocessing
import os
from urllib.parse import urlsplit

_TRUE = {"1", "true", "yes", "on"}

# Stores that every process sees alike and whose add() is atomic (the claim lock): Redis
# (or Valkey) and memcached. Not local memory (one process), nor files or the database
# cache (their add() can let two processes both take a lock).
_SHARED_SCHEMES = {"redis", "rediss", "rediscache", "valkey", "valkeys"}
_SHARED_SCHEMES |= {"memcache", "pymemcache", "pylibmc"}
# Only for the default number of processes; the rule itself is checked in on_starting,
# against the cache Django will really use.
_shared_store = urlsplit(os.environ.get("CACHE_URL", "")).scheme.lower() in _SHARED_SCHEMES

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# Several processes only with a shared store (CACHE_URL=redis://...); else one process,
# whose threads share its memory (see _refusal below).
workers = int(
    os.environ.get(
        "WEB_CONCURRENCY",
        min(2 * multiprocessing.cpu_count() + 1, 8) if _shared_store else 1,
    )
)
threads = int(os.environ.get("GUNICORN_THREADS", "4" if workers > 1 else "8"))
worker_class = "gthread"
# Avara's read timeout is 15 s and a write may retry twice: allow for it, then give up.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so slow leaks cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# Workers' heartbeat files in memory: a container's disk may stall under load.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# Behind a proxy that terminates TLS: trust its X-Forwarded-* from these addresses.
forwarded_allow_ips = (
    os.environ.get("FORWARDED_ALLOW_IPS") or os.environ.get("DJANGO_TRUSTED_PROXIES") or "127.0.0.1"
)
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# gunicorn >= 27 opens a control socket under $HOME by default: the image's user has no
# home, and two servers on one host would share the path. GUNICORN_CONTROL_SOCKET=path
# turns it on.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]

_production = os.environ.get("DJANGO_ENV", "development") == "production"
if os.environ.get("DJANGO_LOG_FORMAT", "json" if _production else "text") == "json":
    _to_stderr = {"handlers": ["json"], "level": loglevel.upper(), "propagate": False}
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "studies.infra.logs.RequestIdFilter"}},
        "formatters": {"json": {"()": "studies.infra.logs.JsonFormatter"}},
        "handlers": {
            "json": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["json"], "level": loglevel.upper()},
        "loggers": {
            "gunicorn.error": _to_stderr,
            # A logging config turns gunicorn's access log on: keep it to GUNICORN_ACCESS_LOG.
            "gunicorn.access": _to_stderr if accesslog else {"level": "CRITICAL"},
        },
    }

# Any number: the same in every container, distinct from the application's own locks.
_MIGRATE_LOCK = 0x7472696167


_backend = None  # the cache backend the workers will use, read in on_starting


def _cache_backend() -> str:
    """Django's cache backend as the workers will see it: the environment after
    gunicorn's -e options, and the .env file, both read by the settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    from django.conf import settings

    return settings.CACHES["default"]["BACKEND"]


def _refusal(workers: int, backend: str) -> str | None:
    """Why `workers` dashboard processes must not run on `backend`, or None.

    The dashboard keeps its claim locks, the sessions it has read, the accounts'
    generation (role changes) and the queue picture in Django's cache. In process
    memory, each process would have its own: two users served by two processes could
    both be told they claimed a study, and a logout or a role taken away in one process
    would go unnoticed in the others.
    """
    from dashboard.stores import cache_is_shared  # with the app's path, like the settings

    if workers <= 1 or cache_is_shared(backend):
        return None
    return (
        f"{workers} dashboard processes (WEB_CONCURRENCY or -w) need a shared store: set "
        "CACHE_URL=redis://... (see docs/operations.md), or serve one process with more "
        "threads (WEB_CONCURRENCY=1, GUNICORN_THREADS=8). Without one, each process "
        "would keep its own claim locks and sessions: two users could both be told they "
        "claimed a study, and a logout in one process would not end the session in another."
    )


def nworkers_changed(server, new_value, old_value):
    """The rule holds when the number of processes changes at run time (SIGTTIN) too."""
    if old_value is None or _backend is None:  # the first count: on_starting checks it
        return
    reason = _refusal(new_value, _backend)
    if reason:
        server.log.error("Staying at %s process(es): %s", old_value, reason)
        server.num_workers = old_value


def on_starting(server):
    """Check the store the processes share, then apply migrations before the workers
    start when DJANGO_MIGRATE_ON_START is set."""
    global _backend
    _backend = _cache_backend()
    reason = _refusal(server.num_workers, _backend)
    if reason:
        raise RuntimeError(reason)
    if os.environ.get("DJANGO_MIGRATE_ON_START", "").lower() not in _TRUE:
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    locked = False
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [_MIGRATE_LOCK])
            locked = True
        server.log.info("Applying database migrations")
        call_command("migrate", interactive=False, verbosity=0)
    finally:
        if locked:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_MIGRATE_LOCK])
        # Never hand an open connection to forked workers (closing also ends the lock).
        connections.close_all()
