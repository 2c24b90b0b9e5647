"""Undo of a cancel: who may take a cancel back without the admins' Restore, and for how long.

The rule: the person who cancelled a study may undo that cancel, once, within
TRIAGE_UNDO_SECONDS (30 s) of it. Restoring a cancelled study is otherwise the admins'
(`uncancel_study`); this is the one exception, for a mistake noticed at once.

The server holds the rule, never a hidden button: a cancel that applied answers a token
signed by the dashboard (Django's signing, its own salt) that names the study, the
account that cancelled it, the cancel's `cancelledAt` as Avara reported it, when the
window closes, and a random nonce. Undoing takes the token and checks each of them
(another account's token, another study's, a damaged one: refused; after the window:
refused), then takes the nonce once in the shared store (`studies/infra/locks.py`'s
key added only when absent, kept past the window): a second use of the same token is
refused, from any process. The restore itself is the admins' restore
(`lifecycle.study_undo_cancel`): the same lock, read, call and audit, audited as its own
action ("Undid own cancel").
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core import signing
from django.core.cache import cache

from studies.infra.locks import lock_release, lock_take

SALT = "triage.undo.v1"
USED_PREFIX = "triage:undo:used:"


def now() -> float:
    """The clock the window is measured on (POSIX seconds; tests move it)."""
    return time.time()


@dataclass(frozen=True, slots=True)
class UndoOffer:
    """What an Undo token says, once its signature, study and account are checked."""

    study_id: str
    cancelled_at: str  # Avara's cancelledAt after the cancel, ISO 8601 ("" when unknown)
    until: float  # POSIX seconds: the window closes
    nonce: str
    token: str

    @property
    def open(self) -> bool:
        return now() < self.until

    @property
    def until_datetime(self) -> datetime:
        return datetime.fromtimestamp(self.until, tz=UTC)


def _cancelled_stamp(study) -> str:
    at = getattr(study, "cancelled_at", None) if study is not None else None
    return at.astimezone(UTC).isoformat() if at else ""


def undo_token(*, actor, study_id: str, study=None) -> str:
    """The token a cancel that applied answers: `study` is the study read after it."""
    payload = {
        "s": study_id,
        "a": actor.pk,
        "c": _cancelled_stamp(study),
        "u": round(now() + settings.TRIAGE_UNDO_SECONDS, 3),
        "n": secrets.token_urlsafe(12),
    }
    return signing.dumps(payload, salt=SALT, compress=False)


def undo_offer(*, actor, study_id: str, token: str) -> UndoOffer | None:
    """What `token` offers `actor` for this study, open or not; None when it is damaged,
    forged, another study's or another account's."""
    if not isinstance(token, str) or not token or len(token) > 500:
        return None
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    if payload.get("s") != study_id or payload.get("a") != getattr(actor, "pk", None):
        return None
    try:
        return UndoOffer(
            study_id=study_id,
            cancelled_at=str(payload.get("c") or ""),
            until=float(payload["u"]),
            nonce=str(payload["n"]),
            token=token,
        )
    except (KeyError, TypeError, ValueError):
        return None


def undo_used(offer: UndoOffer) -> bool:
    """Whether this offer's token was already used (or is being used right now)."""
    return cache.get(USED_PREFIX + offer.nonce) is not None


def undo_take(offer: UndoOffer) -> str | None:
    """Take the token's single use: a handle to give it back with, or None when it was
    already taken (by this or any other process)."""
    keep = settings.TRIAGE_UNDO_SECONDS + 60  # past the window: a late replay is refused
    return lock_take(USED_PREFIX + offer.nonce, seconds=keep)


def undo_give_back(offer: UndoOffer, handle: str) -> None:
    """Nothing was changed (Avara could not be asked): the token may be tried again."""
    lock_release(USED_PREFIX + offer.nonce, handle)


def same_cancel(offer: UndoOffer, study) -> bool:
    """Whether the study is still cancelled by the cancel the token was made for (not
    restored and cancelled again by someone since)."""
    return not offer.cancelled_at or offer.cancelled_at == _cancelled_stamp(study)
