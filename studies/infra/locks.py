"""Locks in the shared store: the one lock the dashboard has, and the one way it waits.

A lock is a key added only when absent (`cache.add`: atomic on every Django cache
backend that matters here, Redis SET NX, local memory under its own lock), holding a
random token, and expiring by itself after `seconds`: a process that dies holding one
blocks it for seconds, not for ever. Only its holder releases it, and only while it
still holds it (it may have expired and been taken again): on Redis in one atomic step
(studies/infra/redis_cache.py: delete_if), elsewhere a get then a delete (one process).

Waiting is `poll`, written once: try at once, then again after pauses that double from
5 ms up to 50 ms, until a deadline. What is built on them:
- the claim lock, `study_lock`, around every write's read-compare-write;
- timed notes off Redis (studies/infra/notes.py): the map read, changed and written back;
- single flight (studies/infra/shared.py) and the queue's rebuild (studies/queue.py):
  one process holds the lock and builds, the others wait (`poll`) for what it stores.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache

NOT_YET = object()  # what an attempt answers while `poll` should try again
FIRST_PAUSE = 0.005
LONGEST_PAUSE = 0.05
STUDY_PREFIX = "triage:lock:study:"


def poll(attempt: Callable[[], object], *, seconds: float):
    """What `attempt()` answers once it answers anything but NOT_YET: tried at once, then
    after each pause until `seconds` have passed; NOT_YET if it never did."""
    deadline = time.monotonic() + seconds
    pause = FIRST_PAUSE
    found = attempt()
    while found is NOT_YET and time.monotonic() < deadline:
        time.sleep(pause)
        pause = min(pause * 2, LONGEST_PAUSE)
        found = attempt()
    return found


def lock_take(key: str, *, seconds: float, wait: float = 0.0) -> str | None:
    """The token of the lock `key`, now held by the caller (it expires after `seconds`),
    or None when it could not be had within `wait` seconds."""
    token = secrets.token_hex(8)

    def take():
        return token if cache.add(key, token, timeout=seconds) else NOT_YET

    return None if poll(take, seconds=wait) is NOT_YET else token


def lock_release(key: str, token: str) -> None:
    """Release `key` if the caller still holds it (`token`): only our own lock."""
    delete_if = getattr(cache, "delete_if", None)
    if delete_if is not None:
        delete_if(key, token)
    elif cache.get(key) == token:
        cache.delete(key)


@contextmanager
def lock_held(key: str, *, seconds: float, wait: float = 0.0) -> Iterator[str | None]:
    """Hold `key` for the block (its token), or None when it could not be had in time."""
    token = lock_take(key, seconds=seconds, wait=wait)
    try:
        yield token
    finally:
        if token is not None:
            lock_release(key, token)


def value_wait(key: str, *, seconds: float):
    """The value of `key` once another process (the lock's holder) has stored it, or
    NOT_YET when none was stored within `seconds`."""
    return poll(lambda: cache.get(key, NOT_YET), seconds=seconds)


@contextmanager
def study_lock(*, study_id: str, wait: float | None = None) -> Iterator[bool]:
    """The claim lock: hold the study's lock for the block, so two dashboard writes of one
    study never interleave; yields False when it could not be had in time.

    Avara has no conditional update, so a write is read-compare-write; the lock makes
    that sequence atomic among everyone using this deployment (every process and host
    sharing CACHE_URL). Writers outside the dashboard are not covered (docs/design.md).
    A waiting writer polls: a claim takes two upstream calls, so the second of two
    simultaneous claimants waits that long, then reads the winner.
    """
    seconds = float(getattr(settings, "TRIAGE_LOCK_SECONDS", 30.0))
    if wait is None:
        wait = float(getattr(settings, "TRIAGE_LOCK_WAIT", 8.0))
    with lock_held(STUDY_PREFIX + study_id, seconds=seconds, wait=wait) as token:
        yield token is not None
