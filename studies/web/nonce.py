"""Single-use form nonces: a bulk action is sent once, however often its form is posted.

A page that offers a bulk form puts a fresh nonce in it (`form_nonce`): signed, bound
to the user, valid for NONCE_SECONDS. The view that acts on the form uses it up
(`form_nonce_use`, one atomic add in the shared store): a second post of the same form
(a double click without JavaScript, a reload of the results page, Back and send again)
finds it used and sends nothing again. The results of the first post are kept under the
nonce (`form_nonce_done`), so the second is told what the first did.
"""

from __future__ import annotations

import secrets
import time

from django.core import signing
from django.core.cache import cache

SALT = "triage.bulk.nonce"
NONCE_SECONDS = 12 * 3600
_PREFIX = "triage:nonce:"
FRESH, USED, BAD = "fresh", "used", "bad"


def form_nonce(user) -> str:
    """A new nonce for a form this user is shown."""
    return signing.TimestampSigner(salt=SALT).sign(f"{user.pk}:{secrets.token_urlsafe(12)}")


def _key(nonce: str, user) -> str | None:
    """The store key of a well-formed nonce of this user, or None."""
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(nonce, max_age=NONCE_SECONDS)
    except (signing.BadSignature, TypeError):
        return None
    pk, _, token = value.partition(":")
    return f"{_PREFIX}{token}" if pk == str(user.pk) and token else None


def form_nonce_state(nonce: str, user) -> str:
    """FRESH (never used), USED, or BAD (damaged, expired or another user's)."""
    key = _key(nonce, user)
    if key is None:
        return BAD
    return USED if cache.get(key) is not None else FRESH


def form_nonce_use(nonce: str, user) -> str:
    """Use the nonce up: FRESH when this call did (the action may go ahead), USED when
    it was used before, BAD when it is not a nonce of this user's."""
    key = _key(nonce, user)
    if key is None:
        return BAD
    added = cache.add(key, {"at": time.time(), "summary": None}, timeout=NONCE_SECONDS)
    return FRESH if added else USED


def form_nonce_done(nonce: str, user, summary: dict) -> None:
    """Keep what the action did, for a second post of the same form to show."""
    key = _key(nonce, user)
    if key is not None:
        kept = cache.get(key) or {"at": time.time()}
        cache.set(key, {**kept, "summary": summary}, timeout=NONCE_SECONDS)


def form_nonce_record(nonce: str, user) -> dict | None:
    """What was kept for a used nonce: {"at": POSIX seconds, "summary": dict or None}."""
    key = _key(nonce, user)
    return cache.get(key) if key else None
