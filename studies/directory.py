"""Names for ids: Avara users (from the users API, cached) and Express customers.

Avara has no endpoint that lists Express customers, so the dashboard remembers the
customers it has seen on studies (in the shared store) to offer them as filter choices:
each with the day it was last seen, offered until CUSTOMERS_DAYS days without it.
"""

import time

from django.core.cache import cache

from studies import upstream
from studies.infra import shared

CUSTOMERS_KEY = "triage:customers:v2"  # {customer id: (name, day last seen)}
CUSTOMERS_DAYS = 30
DAY = 86400


def users_or_empty(**stored) -> tuple[list, str | None]:
    """Every Avara user for pickers, or ([], reason) when Avara cannot list them now.
    `stored`: see `upstream.user_directory`."""
    try:
        return users_sorted(upstream.user_directory(**stored)), None
    except upstream.UpstreamError as exc:
        return [], exc.message


def pickers(studies, *, with_users: bool = True):
    """What the worklist's filter form offers, in one store round trip instead of two:
    every customer known, remembering those on these studies (see `_remember`),
    and, `with_users`, every Avara user with the reason when there are none (as
    `users_or_empty`); else None for the users."""
    keys = picker_keys(with_users=with_users)
    found = shared.read_earlier(keys)
    if found is None:  # not read with the session (see `picker_keys`)
        found = cache.get_many(keys)
    customers = _remember(found.get(CUSTOMERS_KEY) or {}, studies)
    users = users_or_empty(stored=found.get(keys[-1])) if with_users else None
    return customers, users


def picker_keys(*, with_users: bool = True) -> list[str]:
    """What `pickers` reads from the store; a view that calls it can have them read with
    the session, in the same round trip (`reads_with_session`, studies/accounts/sessions.py)."""
    return [CUSTOMERS_KEY, upstream.user_directory_key()] if with_users else [CUSTOMERS_KEY]


def users_sorted(users) -> list:
    """Radiologists first (they read studies), then everyone else, by last and first name."""
    return sorted(
        users,
        key=lambda u: (
            u.clinic_role != "Radiologist",
            (u.last_name or "").lower(),
            u.first_name or "",
        ),
    )


def user_names() -> dict[str, str]:
    """Every Avara user's display name by id, from the cached directory (one read for a
    whole page); empty when Avara cannot list them now."""
    users, _ = users_or_empty()
    return {u.user_id: u.display_name for u in users}


def _remember(known: dict, studies) -> list[tuple[str, str]]:
    """Add the customers on these studies to `known`, with today's date; return every
    customer known, by name. The store is written only when a customer is new, renamed
    or not yet seen today (so at most about once a day per customer), and what it holds
    is read again first: `known` may have been read a moment ago (with the session,
    before the Avara call), and a customer another process added meanwhile must not be
    written over."""
    today = _today()
    known = _current(known, today)
    seen = {
        s.express_customer.express_customer_id: (s.express_customer.express_customer_name, today)
        for s in studies
        if s.express_customer
    }
    if seen.items() - known.items():
        known = _current({**(cache.get(CUSTOMERS_KEY) or {}), **seen}, today)
        cache.set(CUSTOMERS_KEY, known, (CUSTOMERS_DAYS + 1) * DAY)
    return _by_name(known, today)


def customers_known() -> list[tuple[str, str]]:
    return _by_name(cache.get(CUSTOMERS_KEY) or {}, _today())


def _today() -> int:
    return int(time.time() // DAY)


def _current(known: dict, today: int) -> dict:
    """The customers seen within CUSTOMERS_DAYS days (a value of another form is dropped)."""
    return {
        key: value
        for key, value in known.items()
        if isinstance(value, tuple) and len(value) == 2 and value[1] >= today - CUSTOMERS_DAYS
    }


def _by_name(known: dict, today: int) -> list[tuple[str, str]]:
    current = _current(known, today)
    return sorted(
        ((key, name) for key, (name, _) in current.items()), key=lambda item: item[1].lower()
    )
