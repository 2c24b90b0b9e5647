"""gunicorn settings for the dashboard, every one from the environment.

Used by the Docker image, `make serve` and `make bench`:
    gunicorn -c dashboard/gunicorn_conf.py dashboard.wsgi

Threads, not processes alone: a request spends most of its time waiting on Avara, so a
few gthread workers serve many users; several workers (or hosts) share sessions, locks
and caches through the shared store (CACHE_URL) and the database (DATABASE_URL).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
# Avara's read timeout is 15 s and a write may retry twice: allow for it, then give up.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so slow leaks cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# Behind a proxy that terminates TLS: trust its X-Forwarded-* from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
