"""Timed notes in the shared store: a map of id -> (when, bytes) that many processes add to
at once, without one writer undoing another's note. Two maps are kept this way: the queue's
record of the dashboard's own writes (studies/queue.py: `queue_note`) and each reader's
skips (studies/services/reading.py), each skip dated and lapsing on its own.

On Redis (studies/infra/redis_cache.py) each note is a field of its own, written in one atomic
round trip with no lock, so writers never wait for each other. On any other store (local
memory in development: one process) the map is one value, read, changed and written back
under a short lock.

Notes are dropped by age: at each write, those older than `horizon`; and whenever the
owner knows an older bound (`notes_drop_before`).
"""

from __future__ import annotations

import time

from django.core.cache import cache

from studies.infra.locks import lock_held


def _native():
    return cache if hasattr(cache, "notes_put") else None


def notes_put(key: str, note_id: str, value: bytes, *, horizon: float, keep: float) -> bool:
    """Add (or replace) the note `note_id`, dated now; the whole map is kept `keep` seconds
    after this write. False when it could not be written (the lock was not had in time)."""
    when = time.time()
    native = _native()
    if native is not None:
        packed = f"{when!r} ".encode() + value  # read back by notes_all
        native.notes_put(key, note_id, packed, when=when, horizon=horizon, keep=keep)
        return True
    return _locked_update(key, keep, lambda notes: {**notes, note_id: (when, value)}, horizon)


def notes_all(key: str) -> dict[str, tuple[float, bytes]]:
    """Every note kept: id -> (when it was written, its bytes)."""
    native = _native()
    if native is None:
        return dict(cache.get(key) or {})
    found = {}
    for note_id, packed in native.notes_all(key).items():
        when, _, value = packed.partition(b" ")
        found[note_id] = (float(when), value)
    return found


def notes_drop_before(key: str, horizon: float, *, keep: float) -> None:
    """Drop the notes written before `horizon` (POSIX seconds)."""
    native = _native()
    if native is not None:
        native.notes_drop_before(key, horizon)
    elif cache.get(key):
        _locked_update(key, keep, dict, horizon)


def notes_delete(key: str) -> None:
    native = _native()
    if native is not None:
        native.notes_delete(key)
    else:
        cache.delete(key)


def _locked_update(key: str, keep: float, change, horizon: float) -> bool:
    with lock_held(f"{key}:lock", seconds=5, wait=1.0) as token:
        if token is None:
            return False
        notes = change(cache.get(key) or {})
        cache.set(key, {k: v for k, v in notes.items() if v[0] >= horizon}, timeout=keep)
        return True
