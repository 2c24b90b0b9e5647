"""The one HTTP client per process that talks to Avara, built lazily from AVARA_* settings.

Retry policy (httpx-retries' RetryTransport; no hand-written loop)
------------------------------------------------------------------
Retried: 408, 429, 500, 502, 503, 504 answers and connection errors / timeouts, up to
AVARA_MAX_RETRIES times, with capped exponential backoff (AVARA_RETRY_BACKOFF,
AVARA_RETRY_MAX_BACKOFF) and honouring `Retry-After` (capped the same way). Below the
retry layer, every answer's `Retry-After` is normalised to whole seconds (or dropped
when unusable), because httpx-retries' own parser lets e.g. `OverflowError` from an
absurd HTTP date escape, which would turn a bad header into a 500.

Methods retried, and why each is safe:
- GET: reads.
- PATCH (update): sets absolute values, so sending it twice leaves the same study.
- POST cancel / uncancel: repeating one is harmless upstream (a second cancel answers
  `success: false`); `study_cancel`/`study_uncancel` turn that into success when a
  retry happened and the study is in the wanted state (see studies.py).
- POST reroute-url: each call only mints a new short-lived viewer URL.
- POST create: a duplicate studyInstanceUid is refused with 409, so a retry can never
  create a second study. If the first attempt landed but its answer was lost, the
  retry gets 409; `study_create` then fetches the study by UID and returns it when it
  matches what was sent (see studies.py), so the caller sees one clean create.
409 itself is never retried (the official client does; for us it is a real answer).

A bounded wait
--------------
No call to Avara takes longer than AVARA_CALL_DEADLINE seconds, retries included: later
attempts get only the time that is left (their timeouts shrink) and none starts once it
is gone. A user action may set a tighter bound for all its calls together with
`deadline(seconds)` (the write services do: TRIAGE_WRITE_DEADLINE), so a save never
keeps a person waiting longer than that, however Avara misbehaves.

Tests: `build_client(transport=...)` wraps any inner transport (e.g. httpx.MockTransport)
in the same retry/counting stack; `set_client()` installs it; respx also works, since it
mocks below RetryTransport. The client is rebuilt whenever an AVARA_* setting changes
(`override_settings`, pytest-django's `settings` fixture) or `reset_client()` is called.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import httpx
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from httpx_retries import Retry, RetryTransport

from studies.infra.requestid import HEADER as REQUEST_ID_HEADER
from studies.infra.requestid import current_request_id
from studies.upstream.errors import NOT_SENT, DeadlineExceeded, parse_retry_after

USER_AGENT = "avara-triage/0.1"
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
RETRY_METHODS = frozenset({"GET", "HEAD", "PATCH", "POST"})
ATTEMPTS_KEY = "avara_triage.attempts"
STARTED_KEY = "avara_triage.started"
# Set on a request when an attempt was sent and got no answer: it may still be carried out.
UNANSWERED_KEY = "avara_triage.unanswered"

# The monotonic time by which the current user action must be done with Avara, if any.
_action_deadline: ContextVar[float | None] = ContextVar("avara_action_deadline", default=None)


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Bound every Avara call made inside the block to finish within `seconds` in all."""
    outer = _action_deadline.get()
    ends = time.monotonic() + seconds
    token = _action_deadline.set(ends if outer is None else min(outer, ends))
    try:
        yield
    finally:
        _action_deadline.reset(token)


_lock = threading.Lock()
_client: httpx.Client | None = None


class _CountingTransport(httpx.BaseTransport):
    """Counts each attempt in the request's extensions (the retry layer reuses the request),
    and makes each answer's `Retry-After` safe for the retry layer above it."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.extensions[ATTEMPTS_KEY] = request.extensions.get(ATTEMPTS_KEY, 0) + 1
        _fit_to_deadline(request)
        try:
            response = self._inner.handle_request(request)
        except httpx.TransportError as exc:
            if not isinstance(exc, NOT_SENT):
                request.extensions[UNANSWERED_KEY] = True  # sent, maybe still being done
            raise
        if response.status_code == 504:  # a gateway gave up waiting; Avara may not have
            request.extensions[UNANSWERED_KEY] = True
        normalise_retry_after(response.headers)
        return response

    def close(self) -> None:
        self._inner.close()


def _fit_to_deadline(request: httpx.Request) -> None:
    """Give this attempt only the time left; refuse to start one when none is left."""
    now = time.monotonic()
    started = request.extensions.setdefault(STARTED_KEY, now)
    ends = started + settings.AVARA_CALL_DEADLINE
    action = _action_deadline.get()
    if action is not None:
        ends = min(ends, action)
    left = ends - now
    if left <= 0.05:
        raise DeadlineExceeded("No time left to ask Avara again.", request=request)
    timeout = request.extensions.get("timeout")
    if isinstance(timeout, dict):
        request.extensions["timeout"] = {
            key: (left if value is None else min(value, left)) for key, value in timeout.items()
        }


def normalise_retry_after(headers: httpx.Headers) -> None:
    """Rewrite `Retry-After` as whole seconds in [0, MAX_RETRY_AFTER], or drop it if unusable.

    httpx-retries then only ever sees plain digits, never a date or number it could
    choke on (it catches ValueError only; e.g. year 10**20 raises OverflowError).
    """
    value = headers.get("retry-after")
    if value is None:
        return
    seconds = parse_retry_after(value)
    if seconds is None:
        del headers["retry-after"]
    else:
        headers["retry-after"] = str(math.ceil(seconds))


def make_retry() -> Retry:
    """The retry policy, from settings (see the module docstring)."""
    return Retry(
        total=settings.AVARA_MAX_RETRIES,
        allowed_methods=RETRY_METHODS,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=settings.AVARA_RETRY_BACKOFF,
        max_backoff_wait=settings.AVARA_RETRY_MAX_BACKOFF,
        respect_retry_after_header=True,
        # Sleeping between attempts counts against the same deadline as the attempts.
        total_timeout=settings.AVARA_CALL_DEADLINE,
    )


def _make_transport(
    inner: httpx.BaseTransport | None = None, *, retry: bool = True
) -> httpx.BaseTransport:
    """Retry layer over an attempt counter over `inner` (default: a pooled HTTP transport)."""
    if inner is None:
        inner = httpx.HTTPTransport(
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20)
        )
    counting = _CountingTransport(inner)
    return RetryTransport(transport=counting, retry=make_retry()) if retry else counting


def _send_request_id(request: httpx.Request) -> None:
    """Tell Avara which dashboard request a call belongs to: the id in our logs."""
    request_id = current_request_id()
    if request_id:
        request.headers[REQUEST_ID_HEADER] = request_id


def build_client(
    *,
    transport: httpx.BaseTransport | None = None,
    retry: bool = True,
    timeout: float | None = None,
) -> httpx.Client:
    """A new client configured from settings; `transport` replaces the network (tests).

    `retry=False` and a `timeout` (seconds, connect and read) make a quick probe client
    (`upstream.avara_ping`); the process-wide client uses the AVARA_* settings.
    """
    return httpx.Client(
        base_url=settings.AVARA_BASE_URL,
        headers={
            "Authorization": f"Bearer {settings.AVARA_API_KEY}",
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
        },
        timeout=(
            httpx.Timeout(timeout)
            if timeout is not None
            else httpx.Timeout(settings.AVARA_READ_TIMEOUT, connect=settings.AVARA_CONNECT_TIMEOUT)
        ),
        transport=_make_transport(transport, retry=retry),
        event_hooks={"request": [_send_request_id]},
        follow_redirects=False,
    )


def get_client() -> httpx.Client:
    """The process-wide client, created on first use (thread-safe)."""
    global _client
    client = _client
    if client is None:
        with _lock:
            if _client is None:
                _client = build_client()
            client = _client
    return client


def set_client(client: httpx.Client) -> None:
    """Install `client` as the process-wide client (tests), closing any previous one."""
    global _client
    with _lock:
        previous, _client = _client, client
    if previous is not None and previous is not client:
        previous.close()


def reset_client() -> None:
    """Close and forget the client; the next call builds a new one from settings."""
    global _client
    with _lock:
        previous, _client = _client, None
    if previous is not None:
        previous.close()


@receiver(setting_changed, dispatch_uid="studies.upstream.client.reset")
def _on_setting_changed(*, setting: str, **kwargs: object) -> None:
    if setting.startswith("AVARA_"):
        reset_client()
