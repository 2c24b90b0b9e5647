"""Bearer API keys, configured in settings.SANDBOX_API_KEYS.

    SANDBOX_API_KEYS = {"<key>": {"id": "<uuid4>", "description": "..."}}

The key's id and description are what a study it creates shows as `createdByApiKey`.
"""

import hmac
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from sandbox.errors import ApiError

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="avara-sandbox"'}


@dataclass(frozen=True)
class ApiKey:
    id: str
    description: str


def authenticate(request: HttpRequest) -> ApiKey:
    """The calling key, or ApiError 401 for a missing, malformed or unknown key."""
    header = request.headers.get("Authorization", "")
    if not header:
        raise _unauthorized("Missing Authorization header; send 'Authorization: Bearer <key>'.")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("Malformed Authorization header; send 'Authorization: Bearer <key>'.")
    key = _lookup(token)
    if key is None:
        raise _unauthorized("Unknown API key.")
    return key


def _lookup(token: str) -> ApiKey | None:
    found = None
    for candidate, info in settings.SANDBOX_API_KEYS.items():
        # Compare every configured key in constant time; never short-circuit on a match.
        if hmac.compare_digest(candidate.encode(), token.encode()):
            found = ApiKey(id=str(info["id"]), description=str(info.get("description", "")))
    return found


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, message, headers=CHALLENGE)
