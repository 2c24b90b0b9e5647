"""`/healthz` (the process answers) and `/readyz` (its database, cache and Avara answer).

Both are served by `studies.web.middleware.HealthCheckMiddleware` before host validation,
HTTPS redirection, sessions and login: a load balancer or Docker's HEALTHCHECK probes
them by address, over plain HTTP, without an account. They say nothing secret: each
check's name, status, duration and, on failure, the kind of error (an exception's class
name, Avara's HTTP status): never a connection string, a key or an upstream message.

    GET /readyz  ->  200 {"status": "ok", "checks": {"database": {"status": "ok", "ms": 0.9},
                                                     "cache": {...}, "avara": {...}}}
                     503 when any check fails: {"status": "fail", "checks": {..., "avara":
                         {"status": "fail", "error": "Unavailable", "http_status": 503, "ms": 8.1}}}
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import HttpRequest, JsonResponse

from studies import upstream

# The logger keeps the name it had before the module moved: log lines carry it.
log = logging.getLogger("studies.health")

NO_STORE = {"Cache-Control": "no-store"}


def healthz(request: HttpRequest) -> JsonResponse:
    """Alive: the process runs and answers. Touches nothing else."""
    return JsonResponse({"status": "ok"}, headers=NO_STORE)


def readyz(request: HttpRequest) -> JsonResponse:
    """Ready: every dependency answers, each reported on its own."""
    checks = {
        "database": _timed(_database),
        "cache": _timed(_cache),
        "avara": _timed(_avara),
    }
    ok = all(check["status"] == "ok" for check in checks.values())
    if not ok:
        failed = sorted(name for name, check in checks.items() if check["status"] != "ok")
        log.warning("Not ready: %s", ", ".join(failed), extra={"failed_checks": failed})
    body = {"status": "ok" if ok else "fail", "checks": checks}
    return JsonResponse(body, status=200 if ok else 503, headers=NO_STORE)


def _timed(check: Callable[[], None]) -> dict:
    started = time.perf_counter()
    try:
        check()
    except upstream.UpstreamError as exc:
        # The kind and the HTTP status only: Avara's own text stays out of it.
        result = {"status": "fail", "error": type(exc).__name__}
        if exc.status:
            result["http_status"] = exc.status
    except Exception as exc:  # any failure is an answer here, never a 500
        result = {"status": "fail", "error": type(exc).__name__}
    else:
        result = {"status": "ok"}
    result["ms"] = round((time.perf_counter() - started) * 1000.0, 1)
    return result


def _database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    """A write and a read of a key of our own: the store takes writes, not only answers."""
    key = f"triage:readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    try:
        if cache.get(key) != "1":
            raise LookupError("the cache did not return what was written")
    finally:
        cache.delete(key)


def _avara() -> None:
    upstream.avara_ping(timeout=settings.AVARA_PING_TIMEOUT)
