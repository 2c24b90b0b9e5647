"""The errors the service module raises, and how an upstream answer becomes one.

Every message is written for the person at the dashboard: safe to show, and never
containing the API key (upstream text is scrubbed of it before it is used).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import msgspec
from django.conf import settings
from django.utils import timezone

_MAX_MESSAGE = 300

# The longest wait (seconds) an answer may ask for; longer waits are capped to this.
MAX_RETRY_AFTER = 3600.0

# What decoding a hostile body can raise besides msgspec.DecodeError (itself a ValueError):
# UnicodeDecodeError (invalid UTF-8; a ValueError), RecursionError (deep nesting), and
# TypeError / OverflowError from anything msgspec or a __post_init__ lets through.
DECODE_FAILURES: tuple[type[Exception], ...] = (
    ValueError,
    TypeError,
    OverflowError,
    RecursionError,
)


class UpstreamError(Exception):
    """Base class: something went wrong talking to Avara.

    `status` is the HTTP status (None when no answer came) and `attempts` how many
    times the request was sent, retries included.
    """

    default_message = "Avara could not complete the request."

    def __init__(self, message: str | None = None, *, status: int | None = None) -> None:
        self.message = message or self.default_message
        self.status = status
        self.attempts = 1
        # True when the request may have been carried out although no good answer came
        # back (a timeout after sending, a dropped connection, a 5xx, a 2xx that could
        # not be read). For a write, only a fresh read can tell what happened.
        self.maybe_applied = False
        # True when some attempt went out and got no answer at all (a timeout, a dropped
        # connection, a gateway's 504): Avara may still be working on it, so a write can
        # land after a fresh read showed it had not. Set by the call (studies/upstream/http.py).
        self.may_still_land = False
        super().__init__(self.message)


class NotFound(UpstreamError):
    default_message = "Avara has no such record; it may have been removed."


class ValidationFailed(UpstreamError):
    default_message = "Avara rejected the request as invalid."

    def __init__(
        self,
        message: str | None = None,
        *,
        field_errors: Mapping[str, str] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message, status=status)
        self.field_errors: dict[str, str] = dict(field_errors or {})


class Conflict(UpstreamError):
    default_message = "Avara refused the change because it conflicts with existing data."


class Unavailable(UpstreamError):
    default_message = "Avara is not available right now; try again in a moment."

    def __init__(
        self,
        message: str | None = None,
        *,
        retry_after: float | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class RateLimited(Unavailable):
    default_message = "Avara is receiving too many requests; try again in a moment."


class BadResponse(UpstreamError):
    default_message = "Avara sent an answer the dashboard could not understand; please report this."


class BadCredentials(UpstreamError):
    default_message = (
        "The dashboard's Avara API key was refused; ask an administrator to check AVARA_API_KEY."
    )


# --- From an HTTP answer ---------------------------------------------------------------


def error_for_response(response: httpx.Response) -> UpstreamError:
    """The error for a non-2xx answer. The body is read defensively: any shape, or none."""
    status = response.status_code
    message, fields = parse_error_body(response.content)
    if status in (400, 413, 422):
        if status == 413 and not message:
            message = "The request was too large for Avara; shorten the text or metadata."
        return ValidationFailed(message, field_errors=fields, status=status)
    if status in (401, 403):
        return BadCredentials(status=status)  # never upstream text: it might echo the key
    if status == 404:
        return NotFound(message, status=status)
    if status == 409:
        return Conflict(message, status=status)
    if status == 429:
        return RateLimited(retry_after=retry_after_seconds(response.headers), status=status)
    if status == 408 or status >= 500:
        error = Unavailable(retry_after=retry_after_seconds(response.headers), status=status)
        # A server error can come after the change was stored; 408 and 503 usually
        # mean it was never started, but only a fresh read can say for sure.
        error.maybe_applied = True
        return error
    # 3xx, 405, 415 and other 4xx: the dashboard and Avara disagree about the protocol.
    return BadResponse(
        f"Avara refused the dashboard's request (HTTP {status}); please report this.",
        status=status,
    )


class DeadlineExceeded(httpx.TransportError):
    """No time left for another attempt (not retryable: the retry layer lets it through)."""


# Failures that happen before a request is sent: it cannot have been carried out.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def error_for_exception(exc: httpx.HTTPError) -> Unavailable:
    """The error for a request that got no usable answer (after any retries)."""
    if isinstance(exc, httpx.TimeoutException | DeadlineExceeded):
        error = Unavailable("Avara did not answer in time; try again in a moment.")
    elif isinstance(exc, httpx.NetworkError):
        error = Unavailable("The dashboard could not reach Avara; try again in a moment.")
    else:
        error = Unavailable("The connection to Avara failed; try again in a moment.")
    error.maybe_applied = not isinstance(exc, NOT_SENT)
    return error


def retry_after_seconds(headers: httpx.Headers) -> float | None:
    """Seconds to wait, from `retry-after-ms` or `Retry-After` (seconds or HTTP date).

    Always None or a finite number in [0, MAX_RETRY_AFTER]: a value that is not a
    number or date, or is negative, infinite or NaN, counts as absent.
    """
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name, "")
        seconds = parse_retry_after(value, scale=scale, allow_date=name == "retry-after")
        if seconds is not None:
            return seconds
    return None


def parse_retry_after(value: str, *, scale: float = 1.0, allow_date: bool = True) -> float | None:
    """One header value as seconds in [0, MAX_RETRY_AFTER], or None when unusable."""
    value = value.strip()
    if not value:
        return None
    try:
        seconds: float | None = float(value) / scale
    except ValueError:
        seconds = _seconds_until(value) if allow_date else None
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return None
    return min(seconds, MAX_RETRY_AFTER)


def _seconds_until(value: str) -> float | None:
    """Seconds from now until an HTTP date (0 when it has passed); None if not a date."""
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError, IndexError):  # e.g. year 10**20
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - timezone.now()).total_seconds())


# --- Reading an error body -------------------------------------------------------------


def parse_error_body(content: bytes) -> tuple[str | None, dict[str, str]]:
    """(message, field errors keyed by snake_case name) from any error body.

    Understands the sandbox's `{"error": {"message", "fields"}}`, plus `{"message"}`,
    `{"detail": str | [...]}`, `{"errors": [...] | {...}}` and `{"error": str}`.
    Non-JSON bodies (plain text, HTML pages from proxies) and hostile ones (invalid
    UTF-8, deep nesting, out-of-range numbers) give (None, {}).
    """
    try:
        body = msgspec.json.decode(content)
    except DECODE_FAILURES:
        return None, {}
    if not isinstance(body, dict):
        return None, {}
    inner = body.get("error")
    if isinstance(inner, dict):
        body = {**body, **inner}
    elif isinstance(inner, str):
        body = {**body, "message": inner}
    fields = _fields_from(body.get("fields")) | _fields_from(body.get("errors"))
    detail = body.get("detail")
    if isinstance(detail, list):
        fields |= _fields_from(detail)
    message = body.get("message") or (detail if isinstance(detail, str) else None)
    return _safe_text(message), fields


def _fields_from(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {
            snake_case(str(key)): text
            for key, item in value.items()
            if (text := _safe_text(_join(item)))
        }
    fields: dict[str, str] = {}
    if isinstance(value, list):
        for item in value:
            if not isinstance(item, dict):
                continue
            name = item.get("field") or item.get("param") or _last_loc(item.get("loc"))
            text = _safe_text(item.get("message") or item.get("msg"))
            if name and text:
                fields[snake_case(str(name))] = text
    return fields


def _join(item: Any) -> Any:
    if isinstance(item, list):
        return "; ".join(str(part) for part in item if isinstance(part, str | int | float))
    return item


def _last_loc(loc: Any) -> str | None:
    if isinstance(loc, list) and loc:
        return str(loc[-1])
    return None


def _safe_text(value: Any) -> str | None:
    """Upstream text, made fit to show: a short single line without the API key."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    key = getattr(settings, "AVARA_API_KEY", "")
    if key:
        text = text.replace(key, "[redacted]")
    if len(text) > _MAX_MESSAGE:
        text = text[: _MAX_MESSAGE - 1] + "…"
    return text or None


_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake_case(name: str) -> str:
    """`studyInstanceUid` -> `study_instance_uid`; already snake_case names pass through."""
    return _CAMEL_BOUNDARY.sub("_", name).lower()
