"""The sandbox's clock: real time plus the test clock's offset (control plane).

`now()` is what every timestamp the sandbox writes on a study comes from (createdAt
of a new study, updatedAt, cancelledAt). Moving the test clock forward therefore makes
later writes look that much later, e.g. a study completed "three hours" after it was
created. It changes nothing else: not the request log's times, not viewer-link expiry,
and not the dashboard's own clock (to make a study look old to the dashboard, set its
createdAt in the past through the control plane instead).
"""

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from sandbox.models import ClockState

MAX_OFFSET = timedelta(days=3650)


def offset() -> timedelta:
    table = connection.ops.quote_name(ClockState._meta.db_table)
    with connection.cursor() as cursor:  # every write reads it: plain SQL, no query building
        cursor.execute(f"SELECT offset_ms FROM {table} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    return timedelta(milliseconds=row[0] if row else 0)


def now() -> datetime:
    """The sandbox's current time, truncated to the millisecond the wire format shows."""
    stamp = timezone.now() + offset()
    return stamp.replace(microsecond=stamp.microsecond // 1000 * 1000)


def clock_advance(*, by: timedelta) -> timedelta:
    """Move the test clock forward by `by` (never backward); the new offset."""
    with transaction.atomic():
        row, _ = ClockState.objects.select_for_update().get_or_create(pk=1)
        total = min(timedelta(milliseconds=row.offset_ms) + by, MAX_OFFSET)
        row.offset_ms = int(total.total_seconds() * 1000)
        row.save(update_fields=["offset_ms"])
    return total


def clock_reset() -> None:
    """Back to real time (updatedAt still only moves forward: see services._later)."""
    ClockState.objects.filter(pk=1).delete()
