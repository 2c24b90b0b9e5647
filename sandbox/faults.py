"""Fault injection, off by default: added latency and a rate of failed answers.

Settings (read on every request, so tests can override them):
  SANDBOX_FAULT_LATENCY_MS  added delay per API request (0 = none)
  SANDBOX_FAULT_RATE        probability 0.0-1.0 that an API request fails
  SANDBOX_FAULT_STATUSES    statuses to pick from (500, 503, 429; 429 carries Retry-After: 1)
  SANDBOX_FAULT_HEADERS     when true, a request may force its own fault:
                              X-Sandbox-Fault: 503        answer that status
                              X-Sandbox-Latency-Ms: 200   add that delay

Faults are decided before authentication and before any state change, so an
injected failure never modifies a study.
"""

import random
import time

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from sandbox.errors import ApiError, error_response

FAULT_STATUSES = (429, 500, 503)
MAX_LATENCY_MS = 60_000
FAULT_HEADER = "X-Sandbox-Fault"
LATENCY_HEADER = "X-Sandbox-Latency-Ms"

# One generator for the process; tests call rng.seed(...) for a reproducible sequence.
rng = random.Random()  # noqa: S311 (fault injection, not cryptography)

MESSAGES = {
    429: "Too many requests (injected by the sandbox); retry after 1 second.",
    500: "Internal error (injected by the sandbox).",
    503: "Service unavailable (injected by the sandbox).",
}


def inject(request: HttpRequest) -> JsonResponse | None:
    """Sleep for the configured latency, then answer an injected failure or None."""
    forced_status, latency_ms = _overrides(request)
    latency_ms = settings.SANDBOX_FAULT_LATENCY_MS if latency_ms is None else latency_ms
    if latency_ms > 0:
        time.sleep(latency_ms / 1000)
    status = forced_status or _random_status()
    if status is None:
        return None
    headers = {"Retry-After": "1"} if status == 429 else None
    return error_response(status, MESSAGES[status], headers=headers)


def _random_status() -> int | None:
    rate = settings.SANDBOX_FAULT_RATE
    statuses = [s for s in settings.SANDBOX_FAULT_STATUSES if s in FAULT_STATUSES]
    if rate <= 0 or not statuses or rng.random() >= rate:
        return None
    return rng.choice(statuses)


def _overrides(request: HttpRequest) -> tuple[int | None, int | None]:
    if not settings.SANDBOX_FAULT_HEADERS:
        return None, None
    return _forced_status(request), _forced_latency(request)


def _forced_status(request: HttpRequest) -> int | None:
    raw = request.headers.get(FAULT_HEADER)
    if raw is None:
        return None
    allowed = ", ".join(str(s) for s in FAULT_STATUSES)
    if not raw.strip().isdigit() or int(raw) not in FAULT_STATUSES:
        message = f"must be one of {allowed}"
        raise ApiError(400, f"{FAULT_HEADER} {message}.", {FAULT_HEADER: message})
    return int(raw)


def _forced_latency(request: HttpRequest) -> int | None:
    raw = request.headers.get(LATENCY_HEADER)
    if raw is None:
        return None
    if not raw.strip().isdigit() or int(raw) > MAX_LATENCY_MS:
        message = f"must be an integer from 0 to {MAX_LATENCY_MS}"
        raise ApiError(400, f"{LATENCY_HEADER} {message}.", {LATENCY_HEADER: message})
    return int(raw)
