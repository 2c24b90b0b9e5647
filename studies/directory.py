"""Names for ids: Avara users (from the users API, cached) and Express customers.

Avara has no endpoint that lists Express customers, so the dashboard remembers the
customers it has seen on studies (in the cache) to offer them as filter choices.
"""

from django.core.cache import cache

from studies import upstream

CUSTOMERS_KEY = "triage:customers:v1"
CUSTOMERS_SECONDS = 24 * 3600


def users_or_empty() -> tuple[list, str | None]:
    """Every Avara user for pickers, or ([], reason) when Avara cannot list them now."""
    try:
        return users_sorted(upstream.user_directory()), None
    except upstream.UpstreamError as exc:
        return [], exc.message


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


def customers_remember(studies) -> list[tuple[str, str]]:
    """Remember the customers on these studies; return every customer known (as
    `customers_known()` would, without asking the store a second time)."""
    known = cache.get(CUSTOMERS_KEY) or {}
    seen = {
        s.express_customer.express_customer_id: s.express_customer.express_customer_name
        for s in studies
        if s.express_customer
    }
    if seen.items() - known.items():
        known = {**known, **seen}
        cache.set(CUSTOMERS_KEY, known, CUSTOMERS_SECONDS)
    return _by_name(known)


def customers_known() -> list[tuple[str, str]]:
    return _by_name(cache.get(CUSTOMERS_KEY) or {})


def _by_name(known: dict[str, str]) -> list[tuple[str, str]]:
    return sorted(known.items(), key=lambda item: item[1].lower())
