"""Django's cached_db sessions, read together with the accounts' generation.

Every logged-in request reads its session from the shared store, then the accounts'
generation (the kept user and its capabilities are keyed by it: studies/backends.py),
two round trips of 0.2 to 0.6 ms each on a busy machine. This store reads both keys in
one and hands the generation to `shared.accounts_generation()` for the rest of the
request (only inside one: RequestContextMiddleware opens its scope). The session itself
behaves exactly as Django's: same keys, same database fallback.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.backends import cached_db

from studies import shared


class SessionStore(cached_db.SessionStore):
    def load(self):
        if settings.SESSION_CACHE_ALIAS != "default":  # the generation is in "default"
            return super().load()
        try:
            found = self._cache.get_many([self.cache_key, shared.ACCOUNTS_KEY])
        except Exception:  # as Django: a key the backend refuses (memcached) resets it
            found = {}
        shared.accounts_generation_seen(found.get(shared.ACCOUNTS_KEY))
        data = found.get(self.cache_key)
        if data is None:  # as Django's cached_db: from the database, then cached
            stored = self._get_session_from_db()
            if not stored:
                return {}
            data = self.decode(stored.session_data)
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
        return data
