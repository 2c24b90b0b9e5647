"""The Viewer Users resource, and the cached directory of every user (for names, pickers)."""

from __future__ import annotations

import hashlib

import msgspec
from django.conf import settings
from django.core.cache import cache

from studies.upstream import wire
from studies.upstream.errors import BadResponse
from studies.upstream.http import call
from studies.upstream.params import check_limit, path_segment, query_params

USERS = "/v1/viewer/users"
# A directory larger than this is not a directory: stop rather than page forever.
MAX_DIRECTORY_PAGES = 100


def user_list(
    *,
    email: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    level: str | None = None,
    invited_source: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> wire.UserPage:
    """One page of users. Only given filters are sent (None and "" mean no filter)."""
    params = query_params(
        email=email,
        firstName=first_name,
        lastName=last_name,
        level=level,
        invitedSource=invited_source,
        cursor=cursor,
    )
    params["limit"] = str(check_limit(limit))
    page, _ = call("GET", USERS, params=params, decoder=wire.USER_PAGE)
    return page


def user_get(*, user_id: str) -> wire.User:
    user, _ = call("GET", f"{USERS}/{path_segment(user_id)}", decoder=wire.USER)
    return user


_UNREAD = object()


def user_directory(*, stored: object = _UNREAD) -> list[wire.User]:
    """Every user, paged through 100 at a time, cached for AVARA_USERS_CACHE_SECONDS.

    The cache holds the users as JSON bytes (portable across cache backends and code
    versions; an entry that no longer decodes is simply refetched). `stored` is the
    cache's entry under `user_directory_key()` (None when absent) when the caller read it
    already, together with other keys in one round trip.
    """
    key = _directory_key()
    cached = cache.get(key) if stored is _UNREAD else stored
    if cached is not None:
        try:
            return wire.USERS.decode(cached)
        except msgspec.DecodeError:
            pass
    users = _fetch_directory()
    cache.set(key, wire.ENCODER.encode(users), settings.AVARA_USERS_CACHE_SECONDS)
    return users


def user_directory_clear() -> None:
    """Forget the cached directory; the next `user_directory()` asks Avara again."""
    cache.delete(_directory_key())


def _fetch_directory() -> list[wire.User]:
    users: list[wire.User] = []
    cursor: str | None = None
    seen: set[str] = set()
    for _ in range(MAX_DIRECTORY_PAGES):
        page = user_list(cursor=cursor, limit=100)
        users.extend(page.users)
        if not page.has_more:
            return users
        cursor = page.cursor
        if cursor in seen:  # the same cursor twice would loop forever
            raise BadResponse()
        seen.add(cursor or "")
    raise BadResponse()


def user_directory_key() -> str:
    """Where `user_directory()` keeps the users in the cache."""
    return _directory_key()


def _directory_key() -> str:
    """Cache key per upstream and API key (a different key may be a different clinic);
    the key itself only enters as part of a hash."""
    scope = f"{settings.AVARA_BASE_URL}\n{settings.AVARA_API_KEY}".encode()
    return f"studies.upstream:user_directory:v1:{hashlib.sha256(scope).hexdigest()[:16]}"
