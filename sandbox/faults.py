"""Fault injection, off by default: added latency and failed answers.

Three sources, looked at in this order for every /v1/ request:
  1. per-request headers (when SANDBOX_FAULT_HEADERS is true):
       X-Sandbox-Fault: 503        answer that status (429, 500 or 503)
       X-Sandbox-Latency-Ms: 200   add that delay, replacing the other sources' delay
  2. run-time rules set through the control plane (`/_sandbox/faults`, FaultRule rows,
     shared by every worker): per method and path glob, a status and/or a latency,
     with a rate and a count; the first matching rule applies;
  3. settings (read on every request, so tests can override them):
       SANDBOX_FAULT_LATENCY_MS  added delay per API request (0 = none)
       SANDBOX_FAULT_RATE        probability 0.0-1.0 that an API request fails
       SANDBOX_FAULT_STATUSES    statuses to pick from (500, 503, 429)

A 429 carries Retry-After: 1. Faults are decided before authentication and before any
state change, so an injected failure never modifies a study.
"""

import random
import time
from dataclasses import dataclass
from fnmatch import fnmatchcase

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.http import HttpRequest, JsonResponse

from sandbox.errors import ApiError, error_response
from sandbox.models import FaultRule

FAULT_STATUSES = (429, 500, 503)
RULE_STATUSES = (429, 500, 502, 503, 504)
MAX_LATENCY_MS = 60_000
FAULT_HEADER = "X-Sandbox-Fault"
LATENCY_HEADER = "X-Sandbox-Latency-Ms"

# One generator for the process; tests call rng.seed(...) for a reproducible sequence.
rng = random.Random()  # noqa: S311 (fault injection, not cryptography)

MESSAGES = {
    429: "Too many requests (injected by the sandbox); retry after 1 second.",
    500: "Internal error (injected by the sandbox).",
    502: "Bad gateway (injected by the sandbox).",
    503: "Service unavailable (injected by the sandbox).",
    504: "Gateway timeout (injected by the sandbox).",
}


@dataclass(frozen=True)
class Decision:
    status: int | None
    latency_ms: int


def inject(request: HttpRequest) -> JsonResponse | None:
    """Sleep for the decided latency, then answer an injected failure or None."""
    decision = decide(request)
    if decision.latency_ms > 0:
        time.sleep(decision.latency_ms / 1000)
    if decision.status is None:
        return None
    headers = {"Retry-After": "1"} if decision.status == 429 else None
    return error_response(decision.status, MESSAGES[decision.status], headers=headers)


def decide(request: HttpRequest) -> Decision:
    forced_status, forced_latency = _overrides(request)
    rule = _rule_decision(request) if forced_status is None else None
    if forced_status is not None:
        status, latency = forced_status, settings.SANDBOX_FAULT_LATENCY_MS
    elif rule is not None:
        status, latency = rule.status, rule.latency_ms
    else:
        status, latency = _random_status(), settings.SANDBOX_FAULT_LATENCY_MS
    return Decision(status=status, latency_ms=latency if forced_latency is None else forced_latency)


# Every API request looks the rules up: plain SQL, as the ORM's query building would
# cost more than the lookup itself (the table is almost always empty).
_LIVE_RULES = (
    "SELECT fault_id, path, status, rate, latency_ms, remaining FROM {table}"
    " WHERE method IN (%s, '*') AND (remaining IS NULL OR remaining > 0)"
    " ORDER BY created_at, fault_id"
)


def _rule_decision(request: HttpRequest) -> Decision | None:
    """The first live rule matching the request, if it fires (its rate) and can still
    be counted (an atomic decrement, so two workers never overspend a count)."""
    table = connection.ops.quote_name(FaultRule._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_LIVE_RULES.format(table=table), [request.method])
        rules = cursor.fetchall()
    for fault_id, path, status, rate, latency_ms, remaining in rules:
        if not fnmatchcase(request.path, path):
            continue
        if rate < 1 and rng.random() >= rate:
            return None
        spend = FaultRule.objects.filter(pk=fault_id)
        if remaining is not None:
            spend = spend.filter(remaining__gt=0)
            updated = spend.update(remaining=F("remaining") - 1, fired=F("fired") + 1)
        else:
            updated = spend.update(fired=F("fired") + 1)
        return Decision(status=status, latency_ms=latency_ms) if updated else None
    return None


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
