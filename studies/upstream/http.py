"""One call to Avara: send, time, record, map failures to errors, decode the answer."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import httpx
import msgspec

from studies.upstream import errors, recording
from studies.upstream.client import ATTEMPTS_KEY, UNANSWERED_KEY, get_client
from studies.upstream.wire import ENCODER

log = logging.getLogger("studies.upstream")


def call[T](
    method: str,
    path: str,
    *,
    decoder: msgspec.json.Decoder[T],
    params: Mapping[str, str] | None = None,
    body: Mapping[str, Any] | None = None,
) -> tuple[T, recording.Call]:
    """Send one request (retries included) and return (decoded answer, the recorded Call).

    Raises an `errors.UpstreamError` subclass for every failure; its `attempts` says
    how many times the request went out.
    """
    client = get_client()
    request = client.build_request(
        method,
        path,
        params=dict(params) if params else None,
        content=ENCODER.encode(body) if body is not None else None,
    )
    started = time.perf_counter()
    try:
        response = client.send(request)
    except httpx.HTTPError as exc:
        done = _record(request, None, started)
        raise _with_attempts(errors.error_for_exception(exc), done, request) from exc
    done = _record(request, response.status_code, started)
    if not response.is_success:
        raise _with_attempts(errors.error_for_response(response), done, request)
    try:
        return decode(decoder, response.content, path=path), done
    except errors.BadResponse as exc:
        exc.maybe_applied = True  # Avara said yes, but what it said cannot be read
        raise _with_attempts(exc, done, request) from exc.__cause__


def decode[T](decoder: msgspec.json.Decoder[T], content: bytes, *, path: str) -> T:
    """Decode a success body, or raise BadResponse (the detail goes to the log only).

    Any decoding failure counts, not only msgspec's (see `errors.DECODE_FAILURES`):
    invalid UTF-8 or thousands of nested arrays must not end in a 500.
    """
    try:
        return decoder.decode(content)
    except errors.DECODE_FAILURES as exc:  # includes msgspec.DecodeError / ValidationError
        log.warning(
            "Avara answer to %s did not match the expected shape: %s: %.300s",
            path,
            type(exc).__name__,
            exc,
        )
        raise errors.BadResponse() from exc


def _record(request: httpx.Request, status: int | None, started: float) -> recording.Call:
    done = recording.Call(
        method=request.method,
        path=request.url.path,
        status=status,
        duration_ms=(time.perf_counter() - started) * 1000.0,
        attempts=max(1, request.extensions.get(ATTEMPTS_KEY, 1)),
    )
    recording.record(done)
    log.debug(
        "avara %s %s -> %s in %.1f ms (%d attempt(s))",
        done.method,
        done.path,
        done.status,
        done.duration_ms,
        done.attempts,
    )
    return done


def _with_attempts(
    error: errors.UpstreamError, done: recording.Call, request: httpx.Request
) -> errors.UpstreamError:
    error.attempts = done.attempts
    # An attempt that got no answer may still be carried out, whatever the last one said.
    error.may_still_land = bool(request.extensions.get(UNANSWERED_KEY)) and done.method != "GET"
    if done.attempts > 1 and done.method != "GET":
        # Only failures that may have been carried out are retried: an earlier attempt
        # may have landed even though the last one was refused.
        error.maybe_applied = True
    return error
