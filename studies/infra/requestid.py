"""The id of the request being served: in every log line, in the answer, sent to Avara.

`studies.web.middleware.RequestContextMiddleware` takes it from a trusted proxy's
`X-Request-Id` or makes one, and activates it for the request; the log filter
(`studies.infra.logs`) and the upstream client (`studies.upstream.client`) read it here. It
lives in a context variable, so concurrent requests (threads) never see each other's.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

HEADER = "X-Request-Id"
# What a proxy's id may look like: a UUID, a hex or base64-ish token. Anything else (too
# long, spaces, quotes, control characters) is replaced, so a log line stays one line.
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+/=-]{0,127}")

_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def request_id_new() -> str:
    return uuid.uuid4().hex


def request_id_well_formed(value: str | None) -> bool:
    return bool(value) and _WELL_FORMED.fullmatch(value) is not None


def request_id_activate(value: str) -> None:
    """Make `value` the current request id, until `request_id_clear()`.

    Not reset when the middleware returns: Django logs the response (django.request)
    after the middleware, and that line belongs to the request too. `request_finished`
    clears it (see StudiesConfig.ready), once the response has been sent.
    """
    _current.set(value)


def request_id_clear(**_signal_kwargs) -> None:
    """Forget the current request id (a `request_finished` receiver)."""
    _current.set(None)


def current_request_id() -> str | None:
    """The current request's id, or None outside a request (start-up, commands)."""
    return _current.get()
