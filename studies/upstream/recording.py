"""Which upstream calls were made, how long they took: the seam for Server-Timing and bench.

Both recorders live in context variables, so concurrent requests (threads or tasks)
never see each other's calls. Nothing here holds headers, query strings or bodies:
a `Call` is method, path, status, duration and attempts only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Call:
    """One call to Avara as the caller saw it, retries included.

    `status` is None when no answer came (connection error, timeout);
    `attempts` counts the times the request was sent (1 = no retry).
    """

    method: str
    path: str
    status: int | None
    duration_ms: float
    attempts: int = 1


@dataclass(slots=True)
class CallStats:
    """Running totals for the current request (a middleware resets and reads them)."""

    count: int = 0
    total_ms: float = 0.0
    attempts: int = 0


_recorders: ContextVar[tuple[list[Call], ...]] = ContextVar("upstream_recorders", default=())
_stats: ContextVar[CallStats | None] = ContextVar("upstream_stats", default=None)


@contextmanager
def record_calls() -> Iterator[list[Call]]:
    """Yield a list that fills with every upstream `Call` made inside the block.

        with upstream.record_calls() as calls:
            upstream.study_list()
        assert [c.path for c in calls] == ["/v1/viewer/studies"]

    Blocks nest: an inner block's calls also appear in the outer list.
    """
    calls: list[Call] = []
    token = _recorders.set((*_recorders.get(), calls))
    try:
        yield calls
    finally:
        _recorders.reset(token)


def stats_reset() -> CallStats:
    """Start fresh totals in the current context (call at the start of a request)."""
    stats = CallStats()
    _stats.set(stats)
    return stats


def current_stats() -> CallStats:
    """The totals for the current context since the last `stats_reset()`."""
    stats = _stats.get()
    if stats is None:
        stats = stats_reset()
    return stats


def record(call: Call) -> None:
    """Add a finished call to every open recorder and to the current totals."""
    for calls in _recorders.get():
        calls.append(call)
    stats = current_stats()
    stats.count += 1
    stats.total_ms += call.duration_ms
    stats.attempts += call.attempts
