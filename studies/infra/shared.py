"""The shared store (Django's cache: Redis in production, local memory in development) as
the dashboard's processes use it together: single-flight values and a write generation.

- `single_flight(key, ttl, build)`: many requests wanting the same value within `ttl`
  seconds cause one `build()` across all processes; the others wait for its result
  (briefly) instead of calling Avara themselves. No thundering herd when it expires.
- `generation()` / `generation_bump()`: a counter every write through the dashboard
  moves, so shared reads made before a user's own change are never served after it.
- `accounts_generation()` / `accounts_generation_bump()`: a counter every change of an
  account moves (the users and capabilities kept per process are keyed by it), read in
  the same round trip as the session (`request_scope`, `read_with_session`).

Its locks, and the one way anything here waits, are in studies/infra/locks.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.cache import cache

from studies.infra.locks import NOT_YET, lock_held, value_wait

GENERATION_KEY = "triage:generation"
_MISSING = object()


def _fresh_start() -> int:
    """Where a counter starts when the store does not hold it (first use, a restart, an
    eviction): the time in microseconds, above any number it held before (a counter
    moves by one per change), so no number is ever handed out twice. Values kept under
    an old number (capabilities, shared reads) are then never taken for current ones."""
    return time.time_ns() // 1000


def _counter(key: str) -> int:
    value = cache.get(key)
    if value is None:
        start = _fresh_start()
        cache.add(key, start, timeout=None)
        value = cache.get(key, start)
    return int(value)


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # not there (first use, restart, eviction): a new, unused number
        if not cache.add(key, _fresh_start(), timeout=None):
            # Another process put one back meanwhile, and may have kept values under it
            # read before this change: move past it.
            cache.incr(key)


def generation() -> int:
    return _counter(GENERATION_KEY)


def generation_bump() -> None:
    """Something changed through the dashboard: shared reads made before it are stale."""
    _bump(GENERATION_KEY)


def single_flight[T](
    key: str, ttl: float, build: Callable[[], T], *, wait: float = 3.0
) -> tuple[T, bool]:
    """(value, shared): the cached value for `key` if one is fresh, else one process builds
    it (holding the lock `key:building`) while the others wait for it. `shared` is True
    when this request did not build.

    Exceptions from `build` propagate to the builder only; waiters then build themselves.
    """
    found = cache.get(key, NOT_YET)
    if found is not NOT_YET:
        return found, True
    with lock_held(f"{key}:building", seconds=max(wait * 2, 10)) as token:
        if token is not None:
            value = build()
            cache.set(key, value, timeout=ttl)
            return value, False
    found = value_wait(key, seconds=wait)
    if found is not NOT_YET:
        return found, True
    return build(), False  # the builder is stuck or failed: do not keep the user waiting


ACCOUNTS_KEY = "triage:accounts-generation"


# What this request's session load read from the store besides the session itself
# (studies/accounts/sessions.py): the accounts' generation, and any keys asked for before it
# (`read_with_session`), so a request asks the store for all of them in one round trip.
# Only inside a request (`request_scope`, opened by RequestContextMiddleware): anywhere
# else (a shell, a test, a background thread) every read asks the store.
_scope: ContextVar[dict | None] = ContextVar("triage_request_reads", default=None)


@contextmanager
def request_scope() -> Iterator[None]:
    """One request: what its session load read is kept until it ends."""
    token = _scope.set({})
    try:
        yield
    finally:
        _scope.reset(token)


def read_with_session(keys: list[str]) -> None:
    """Ask this request's session load, not done yet, to read these keys as well; the
    first `read_earlier` of them then takes what it read."""
    scope = _scope.get()
    if scope is not None:
        scope.setdefault("wanted", []).extend(keys)


def wanted_with_session() -> list[str]:
    scope = _scope.get()
    return list(scope.get("wanted", ())) if scope else []


def read_with_session_done(found: dict, keys: list[str]) -> None:
    """The session load read `keys` and the store answered `found` (absent keys left out,
    as `cache.get_many` answers)."""
    scope = _scope.get()
    if scope is not None:
        scope.setdefault("read", {}).update({key: found.get(key, _MISSING) for key in keys})


def read_earlier(keys: list[str]) -> dict | None:
    """What this request's session load read of `keys`, as `cache.get_many(keys)` would
    answer it; None when it did not read them all. Taken once: a second reader (which
    may come after a write) asks the store."""
    scope = _scope.get()
    read = scope.get("read") if scope else None
    if not read or any(key not in read for key in keys):
        return None
    taken = {key: read.pop(key) for key in keys}
    return {key: value for key, value in taken.items() if value is not _MISSING}


def accounts_generation() -> int:
    """Moves whenever an account, its role or its Avara link changes (cached per-user
    capabilities are keyed by it, so a changed role shows at the next request)."""
    scope = _scope.get()
    if scope and "seen" in scope:
        return scope["seen"]
    return _counter(ACCOUNTS_KEY)


def accounts_generation_seen(value) -> None:
    """The store just answered the generation (None: it holds none): this request's
    later reads use it, outside a request nothing is kept."""
    scope = _scope.get()
    if scope is not None and value is not None:
        scope["seen"] = int(value)


def accounts_generation_bump() -> None:
    scope = _scope.get()
    if scope:
        scope.pop("seen", None)  # this request's later reads see its own change
    _bump(ACCOUNTS_KEY)
