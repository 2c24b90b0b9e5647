"""Django's Redis cache, with one redis-py client per connection pool instead of one per
operation.

Django's backend builds a new `redis.Redis` object for every get and set (about 0.16 ms
here: redis-py fills a table of some 170 response callbacks each time), and a page asks
the store several times. Django keeps a cache object per thread, each with its pools; a
`redis.Redis` over a pool is also safe to share between threads (each command borrows a
connection from the pool). So one client per pool is kept and reused; connections,
timeouts and serialisation are Django's, unchanged.

Two steps a save takes are one round trip each here, and atomic: `incr` (Django's asks
EXISTS, then INCRBY) and `delete_if`, a lock's release (a get, then a delete).
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
