"""Process plumbing: the shared store (counters, single flight, locks, timed notes, the
Redis cache backend), what a process keeps in memory, request ids, logs, client addresses.

The ground floor: it imports nothing else from `studies` (import-linter holds it), so
gunicorn's configuration can use its log formatter without Django's app registry.
"""
