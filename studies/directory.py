"""Names for ids: Avara users (from the users API, cached) and Express customers.

Avara has no endpoint that lists Express customers, so the dashboard remembers the
customers it has seen on studies (in the cache) to offer them as filter choices.
"""

from django.core.cache import cache

from studies import shared, upstream

CUSTOMERS_KEY = "triage:customers:v1"
CUSTOMERS_SECONDS = 24 * 3600


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
    the session, in the same round trip (`reads_with_session`, studies/sessions.py)."""
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


def user_label(user_id: str | None) -> str:
    """A display name for an Avara user id, from the cached directory when possible."""
    if not user_id:
        return "Unassigned"
    users, _ = users_or_empty()
    return next((u.display_name for u in users if u.user_id == user_id), user_id)


def _remember(known: dict[str, str], studies) -> list[tuple[str, str]]:
    """Add the customers on these studies to `known` (in the store when any is new);
    return every customer known, by name. `known` may have been read a moment ago (with
    the session, before the Avara call): what is stored is read again before adding to
    it, so a customer another process added meanwhile is not written over."""
    seen = {
        s.express_customer.express_customer_id: s.express_customer.express_customer_name
        for s in studies
        if s.express_customer
    }
    if seen.items() - known.items():
        known = {**(cache.get(CUSTOMERS_KEY) or {}), **seen}
        cache.set(CUSTOMERS_KEY, known, CUSTOMERS_SECONDS)
    return _by_name(known)


def customers_known() -> list[tuple[str, str]]:
    return _by_name(cache.get(CUSTOMERS_KEY) or {})


def _by_name(known: dict[str, str]) -> list[tuple[str, str]]:
    return sorted(known.items(), key=lambda item: item[1].lower())
