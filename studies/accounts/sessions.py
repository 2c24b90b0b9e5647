"""Django's cached_db sessions, read together with what the request will need next.

Every logged-in request reads its session from the shared store, then the accounts'
generation (the kept user and its capabilities are keyed by it: studies/accounts/backends.py),
and a page such as the worklist reads a few keys more (its filter form's choices):
round trips of 0.2 to 0.6 ms each on a busy machine. This store reads them all in one:
the generation goes to `shared.accounts_generation()` for the rest of the request, the
keys the view asked for beforehand (`shared.read_with_session`) to its first
`shared.read_earlier`; only inside a request (RequestContextMiddleware opens its scope).
The session itself behaves exactly as Django's: same keys, same database fallback.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.backends import cached_db

from studies.infra import shared


class SessionStore(cached_db.SessionStore):
    def load(self):
        if settings.SESSION_CACHE_ALIAS != "default":  # the generation is in "default"
            return super().load()
        wanted = shared.wanted_with_session()
        try:
            found = self._cache.get_many([self.cache_key, shared.ACCOUNTS_KEY, *wanted])
        except Exception:  # as Django: a key the backend refuses (memcached) resets it
            found = {}
        else:
            shared.read_with_session_done(found, wanted)
        shared.accounts_generation_seen(found.get(shared.ACCOUNTS_KEY))
        data = found.get(self.cache_key)
        if data is None:  # as Django's cached_db: from the database, then cached
            stored = self._get_session_from_db()
            if not stored:
                return {}
            data = self.decode(stored.session_data)
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
        return data
