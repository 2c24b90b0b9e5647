"""Django's Redis cache, with one redis-py client per connection pool instead of one per
operation.

Django's backend builds a new `redis.Redis` object for every get and set (about 0.16 ms
here: redis-py fills a table of some 170 response callbacks each time), and a page asks
the store several times. Django keeps a cache object per thread, each with its pools; a
`redis.Redis` over a pool is also safe to share between threads (each command borrows a
connection from the pool). So one client per pool is kept and reused; connections,
timeouts and serialisation are Django's, unchanged.

Three steps a save takes are one round trip each here, and atomic: `incr` (Django's asks
EXISTS, then INCRBY), `delete_if`, a lock's release (a get, then a delete), and
`notes_put`, the queue's note of the change (studies/infra/notes.py: without it, a lock, a
read, a write and a release, under one lock that every save in the room shares).
"""

from __future__ import annotations

import threading

from django.core.cache.backends import redis as django_redis

# Add ARGV[1] to KEYS[1] if it exists, else nil: as Django's incr, in one atomic step.
_INCR_IF = (
    "if redis.call('exists', KEYS[1]) == 1 then return redis.call('incrby', KEYS[1], ARGV[1]) "
    "end return nil"
)


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}  # id(pool) -> its client
        self._clients_lock = threading.Lock()

    def get_client(self, key=None, *, write=False):
        # The pool is chosen once (Django picks a random replica for reads when there are
        # several), and the client kept for that pool; pools live as long as this object.
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            with self._clients_lock:
                client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client

    def incr(self, key, delta):
        """Django's incr (ValueError when the key is missing) in one round trip, where
        Django's asks EXISTS then INCRBY: every save moves a counter this way."""
        value = self.get_client(key, write=True).eval(_INCR_IF, 1, key, delta)
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value


# Timed notes (studies/infra/notes.py): a hash of values and a sorted set of their times, kept
# together. Put one and drop those older than a horizon, in one atomic step.
# KEYS: values, times. ARGV: field, value, when, horizon, keep (ms).
_NOTE_PUT = """
if redis.call('exists', KEYS[2]) == 0 then
  redis.call('del', KEYS[1])  -- the times were evicted: the values could never be dropped
end
redis.call('hset', KEYS[1], ARGV[1], ARGV[2])
redis.call('zadd', KEYS[2], ARGV[3], ARGV[1])
local old = redis.call('zrangebyscore', KEYS[2], '-inf', '(' .. ARGV[4], 'limit', 0, 500)
if #old > 0 then
  redis.call('hdel', KEYS[1], unpack(old))
  redis.call('zrem', KEYS[2], unpack(old))
end
redis.call('pexpire', KEYS[1], ARGV[5])
redis.call('pexpire', KEYS[2], ARGV[5])
return #old
"""
# Drop the notes older than a horizon (at most 500 a call). KEYS: values, times. ARGV: horizon.
_NOTE_DROP = """
local old = redis.call('zrangebyscore', KEYS[2], '-inf', '(' .. ARGV[1], 'limit', 0, 500)
if #old > 0 then
  redis.call('hdel', KEYS[1], unpack(old))
  redis.call('zrem', KEYS[2], unpack(old))
end
return #old
"""


# Delete KEYS[1] only while it holds ARGV[1]: Redis runs a script atomically.
_DELETE_IF = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
)


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

    def delete_if(self, key, value, version=None) -> bool:
        """Delete `key` only while it holds `value`: atomic, and one round trip where a
        get then a delete take two (and could delete a lock that expired and was taken
        again in between). Values compare as Django stores them (pickled)."""
        key = self.make_and_validate_key(key, version=version)
        client = self._cache.get_client(key, write=True)
        return bool(client.eval(_DELETE_IF, 1, key, self._cache._serializer.dumps(value)))

    # Timed notes (studies/infra/notes.py): each note is its own hash field, so writers never
    # read, change and write back a shared value (no lock, one round trip each).

    def _note_keys(self, key: str) -> tuple[str, str]:
        return (
            self.make_and_validate_key(f"{key}:values"),
            self.make_and_validate_key(f"{key}:times"),
        )

    def notes_put(
        self, key: str, field: str, value: bytes, *, when: float, horizon: float, keep: float
    ) -> None:
        values, times = self._note_keys(key)
        client = self._cache.get_client(values, write=True)
        keep_ms = max(1, int(keep * 1000))
        client.eval(_NOTE_PUT, 2, values, times, field, value, repr(when), repr(horizon), keep_ms)

    def notes_drop_before(self, key: str, horizon: float) -> None:
        values, times = self._note_keys(key)
        client = self._cache.get_client(values, write=True)
        while client.eval(_NOTE_DROP, 2, values, times, repr(horizon)) >= 500:
            pass

    def notes_all(self, key: str) -> dict[str, bytes]:
        values, _ = self._note_keys(key)
        found = self._cache.get_client(values).hgetall(values)
        return {field.decode(): value for field, value in found.items()}

    def notes_delete(self, key: str) -> None:
        self.delete_many([f"{key}:values", f"{key}:times"])
