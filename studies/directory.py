"""Names for ids: Avara users (from the users API, cached) and Express customers.

Avara has no endpoint that lists Express customers, so the dashboard remembers every
customer it has seen on a study (on the pages it shows and in the queue snapshot) in
its database (`ExpressCustomer`: id, name, last seen), and offers them all, most
recently seen first. A copy of that table is kept in the shared store and read with
the session, so a page view that shows no new customer costs no database query.
"""

import logging
import time

from django.core.cache import cache
from django.utils import timezone

from studies import upstream
from studies.audit import storable_text
from studies.infra import shared
from studies.models import ExpressCustomer
from studies.validators import CUSTOMER_ID_RE

log = logging.getLogger(__name__)
# {customer id: (name, day last seen)}: the database's table, as the pages read it.
CUSTOMERS_KEY = "triage:customers:v3"
CUSTOMERS_KEEP = 86400  # read again from the database at least once a day
DAY = 86400
NAME_MAX = 300


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
    customers = _remember(found.get(CUSTOMERS_KEY), studies)
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


def _remember(known, studies) -> list[tuple[str, str]]:
    """Remember the customers on these studies; return every customer known, most
    recently seen first (`customers_known`).

    `known` is the store's copy of the table (read with the session, before the Avara
    call; None when the store holds none). The database is written only when a
    customer is new, renamed or not yet seen today (so at most about once a day per
    customer, never on a page view that shows nothing new), and the store's copy is
    then read again from the database, so a customer another process added meanwhile
    is never written over."""
    today = _today()
    known = _well_formed(known)
    if known is None:
        known = _reload()
    seen = {
        s.express_customer.express_customer_id: (
            storable_text(s.express_customer.express_customer_name, NAME_MAX),
            today,
        )
        for s in studies
        if s.express_customer and CUSTOMER_ID_RE.match(s.express_customer.express_customer_id)
    }
    if seen.items() - known.items():
        now = timezone.now()
        ExpressCustomer.objects.bulk_create(
            [
                ExpressCustomer(customer_id=cid, name=name, last_seen=now)
                for cid, (name, _) in seen.items()
            ],
            update_conflicts=True,
            unique_fields=["customer_id"],
            update_fields=["name", "last_seen"],
        )
        known = _reload()
    return _recent_first(known)


def customers_remember(studies) -> None:
    """Remember the customers on these studies (the queue snapshot's, when it is built).
    Best effort: a failure is logged, never raised into the caller's work."""
    try:
        _remember(cache.get(CUSTOMERS_KEY), studies)
    except Exception:
        log.warning("The customers seen could not be remembered", exc_info=True)


def customers_known() -> list[tuple[str, str]]:
    """Every customer the dashboard has seen, as (id, name), most recently seen first
    (by day; then by name)."""
    known = _well_formed(cache.get(CUSTOMERS_KEY))
    return _recent_first(_reload() if known is None else known)


def _today() -> int:
    return int(time.time() // DAY)


def _reload() -> dict:
    """The store's copy of the customers table, read again from the database."""
    known = {
        cid: (name, int(seen.timestamp() // DAY))
        for cid, name, seen in ExpressCustomer.objects.values_list(
            "customer_id", "name", "last_seen"
        )
    }
    cache.set(CUSTOMERS_KEY, known, CUSTOMERS_KEEP)
    return known


def _well_formed(known) -> dict | None:
    """The store's copy as this version writes it; None (read the database) otherwise."""
    if not isinstance(known, dict):
        return None
    if all(
        isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str) and isinstance(v[1], int)
        for v in known.values()
    ):
        return known
    return None


def _recent_first(known: dict) -> list[tuple[str, str]]:
    ordered = sorted(known.items(), key=lambda item: (-item[1][1], item[1][0].lower(), item[0]))
    return [(cid, name) for cid, (name, _) in ordered]
