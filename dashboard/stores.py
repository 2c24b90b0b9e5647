"""Which of Django's cache backends every process and host sees alike: a shared store.

Plain Python (no Django import), so gunicorn's configuration can ask it too.
"""

SHARED_CACHE_BACKENDS = ("RedisCache", "MemcachedCache", "PyMemcacheCache", "PyLibMCCache")


def cache_is_shared(backend: str) -> bool:
    """Whether a CACHES BACKEND path names a store shared by processes (Redis, Valkey,
    memcached), not one each process holds alone (local memory) or a slow stand-in
    whose `add()` two processes can both win (files, the database)."""
    return backend.endswith(SHARED_CACHE_BACKENDS)
