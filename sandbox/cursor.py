"""Opaque keyset cursors for the list endpoints.

A cursor is `django.core.signing.dumps` of a small JSON payload: the last row's
(createdAt, id) and a digest of the filters it was issued for, i.e. base64url JSON
plus an HMAC-SHA256 signature keyed by SECRET_KEY and a per-resource salt. The
next page is "rows strictly after that position" in (createdAt desc, id desc)
order, so rows created between pages never shift a page (no duplicates, no skips)
and a deep page costs what the first costs (an index range, no OFFSET).

A tampered or malformed cursor, one issued by another resource, or one replayed
with different filters is a 400 naming the field `cursor`. `limit` may change
between pages; it is not part of the digest.
"""

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core import signing

from sandbox.errors import invalid

SALT = "sandbox.cursor.{resource}"


@dataclass(frozen=True)
class Position:
    created_at: datetime
    pk: str


def filters_digest(filters: Mapping[str, Any]) -> str:
    canonical = json.dumps(filters, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def cursor_encode(*, resource: str, position: Position, filters: Mapping[str, Any]) -> str:
    payload = {
        "c": position.created_at.isoformat(),
        "id": position.pk,
        "f": filters_digest(filters),
    }
    return signing.dumps(payload, salt=SALT.format(resource=resource), compress=False)


def cursor_decode(
    token: str,
    *,
    resource: str,
    filters: Mapping[str, Any],
    valid_pk: Callable[[str], bool],
) -> Position:
    """The position a cursor points after, or ApiError 400 naming `cursor`."""
    try:
        payload = signing.loads(token, salt=SALT.format(resource=resource))
    except signing.BadSignature:
        raise _bad("is invalid or has been tampered with") from None
    except ValueError:
        raise _bad("is malformed") from None
    position = _position(payload, valid_pk)
    if payload.get("f") != filters_digest(filters):
        raise _bad("was issued for different filters; repeat the first page's filters")
    return position


def _position(payload: Any, valid_pk: Callable[[str], bool]) -> Position:
    if not isinstance(payload, dict):
        raise _bad("is malformed")
    created, pk = payload.get("c"), payload.get("id")
    if not isinstance(created, str) or not isinstance(pk, str) or not valid_pk(pk):
        raise _bad("is malformed")
    try:
        created_at = datetime.fromisoformat(created)
    except ValueError:
        raise _bad("is malformed") from None
    if created_at.tzinfo is None:
        raise _bad("is malformed")
    return Position(created_at=created_at, pk=pk)


def _bad(message: str):
    return invalid(f"The cursor {message}.", {"cursor": message})
