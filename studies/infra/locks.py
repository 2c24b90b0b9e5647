"""Short per-study locks in the shared store, so two dashboard writes never interleave.

Avara has no conditional update, so a write is read-compare-write; the lock makes that
sequence atomic among everyone using this deployment (every process and host sharing
CACHE_URL: Redis in production, local memory in one development process). Writers
from outside the dashboard (other Avara clients) are not covered: see the README.

`cache.add` is atomic on every Django cache backend that matters here (Redis SET NX,
locmem under its own lock). A lock expires by itself after LOCK_SECONDS, so a process
that dies holding one blocks that study for seconds, not for ever.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache

from studies.infra.shared import unlock

PREFIX = "triage:lock:study:"


def _seconds(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


@contextmanager
def study_lock(*, study_id: str, wait: float | None = None) -> Iterator[bool]:
    """Hold the study's lock for the block; yields False when it could not be had in time.

    A waiting writer polls every few milliseconds: a claim takes two upstream calls, so
    the second of two simultaneous claimants waits that long, then reads the winner.
    """
    key = PREFIX + study_id
    token = secrets.token_hex(8)
    ttl = _seconds("TRIAGE_LOCK_SECONDS", 30.0)
    deadline = time.monotonic() + (wait if wait is not None else _seconds("TRIAGE_LOCK_WAIT", 8.0))
    delay = 0.005
    held = cache.add(key, token, timeout=ttl)
    while not held and time.monotonic() < deadline:
        time.sleep(delay)
        delay = min(delay * 2, 0.05)
        held = cache.add(key, token, timeout=ttl)
    try:
        yield held
    finally:
        # Release only our own lock: if it expired meanwhile, another writer holds it.
        if held:
            unlock(key, token)
