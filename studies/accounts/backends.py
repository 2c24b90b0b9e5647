"""Who is logged in: each request's user, read from the database once per process while
no account changes.

Django's ModelBackend reads the user from the database on every request (about 0.5 ms
here, a tenth of a page's own time). This backend keeps what it read under the accounts
generation (studies/infra/shared.py), which moves whenever an account, its role, its
groups, its permissions or its Avara link changes - through the dashboard's own account
pages and through anything else that saves or deletes through Django (the signals in
studies/accounts/signals.py: a shell, `changepassword`, the admin). So a password change, a
deactivation or a removed role shows at the next request, in every process. A change
that bypasses Django's signals (SQL by hand, `QuerySet.update()`) shows within
USERS_SECONDS.

Only with a shared store (TRIAGE_KEEP_USERS, on when the cache is Redis or memcached):
in process memory a shell's change could not reach the web process's generation, so
every request reads its user from the database, as Django does.

The user's permissions are read once with it, frozen and copied with it (each write
checks them). Each request gets its own copy, so nothing one request sets on its user
(capabilities, anything else) is seen by another.
"""

from __future__ import annotations

import copy

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from studies.infra.kept import Kept
from studies.infra.shared import accounts_generation

USERS_SECONDS = 60
_kept = Kept(5_000, seconds=USERS_SECONDS)


class AccountBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        """ModelBackend's check; a refusal ends there. ModelBackend, listed after this
        one for sessions made before it, would only check the same password again
        (twice the hashing per failed login). Axes still counts the failure once."""
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and password is not None:
            raise PermissionDenied
        return user

    def get_user(self, user_id):
        if not settings.TRIAGE_KEEP_USERS:
            return super().get_user(user_id)
        generation = accounts_generation()
        key = (str(user_id), generation)
        user = _kept.get(key)
        if user is None:
            user = super().get_user(user_id)  # None for an unknown or inactive account
            if user is None:
                return None
            # Its permissions too, read now and copied with it: every write checks them
            # (studies/services/rules.py), and they are under the same generation.
            user.get_all_permissions()
            for cache_name in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
                # Shared by every copy: frozen, so no request can add to another's.
                setattr(user, cache_name, frozenset(getattr(user, cache_name, ())))
            _kept.put(key, user)
        user = copy.copy(user)
        # The generation this user was read under: Capabilities.of keys by it as well,
        # without asking the store again within the same request.
        user._triage_generation = generation
        return user
