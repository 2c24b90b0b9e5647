"""The request log: what the sandbox's server answered, for tests that count calls.

`SandboxWSGIHandler` records every request it serves (method, path, query string,
status, duration, time) except the control plane's own (`/_sandbox/...`). Rows live
in the sandbox database, so every worker of a multi-process server writes the same
log. The newest settings.SANDBOX_REQUEST_LOG_SIZE rows are kept (0 turns it off).
Headers and bodies are never recorded (no API key can land here).
"""

import logging
from collections.abc import Mapping

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest
from django.utils import timezone

from sandbox.models import RequestRecord

logger = logging.getLogger("sandbox")
CONTROL_PREFIX = "/_sandbox/"
_INSERT = (
    "INSERT INTO {table} (method, path, query, status, duration_ms, at)"
    " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id"
)
PRUNE_EVERY = 100
MAX_PATH = 2000


def request_record(*, request: HttpRequest, status: int, duration_ms: float) -> None:
    """Record one answered request; a failure to record never fails the request."""
    size = settings.SANDBOX_REQUEST_LOG_SIZE
    if size <= 0 or request.path.startswith(CONTROL_PREFIX):
        return
    values = [
        (request.method or "")[:10],
        request.path[:MAX_PATH],
        request.META.get("QUERY_STRING", ""),
        status,
        round(duration_ms, 3),
        connection.ops.adapt_datetimefield_value(timezone.now()),
    ]
    table = connection.ops.quote_name(RequestRecord._meta.db_table)
    try:
        # Plain SQL: this runs on every request, and the ORM's insert costs several times more.
        with connection.cursor() as cursor:
            cursor.execute(_INSERT.format(table=table), values)
            (row_id,) = cursor.fetchone()
        if row_id % PRUNE_EVERY == 0:
            RequestRecord.objects.filter(id__lte=row_id - size).delete()
    except DatabaseError:
        logger.warning("sandbox: could not record %s %s", request.method, request.path)


def request_list(*, filters: Mapping[str, object], limit: int) -> list[RequestRecord]:
    """Recorded requests, oldest first. Filters: method, path (exact), path_prefix,
    status, after (an id: only later requests)."""
    rows = RequestRecord.objects.all()
    for name, lookup in _LOOKUPS.items():
        if filters.get(name) is not None:
            rows = rows.filter(**{lookup: filters[name]})
    return list(rows.order_by("id")[:limit])


_LOOKUPS = {
    "method": "method",
    "path": "path",
    "path_prefix": "path__startswith",
    "status": "status",
    "after": "id__gt",
}


def request_clear() -> int:
    deleted, _ = RequestRecord.objects.all().delete()
    return deleted
