"""Is Avara reachable with our key? One cheap read for /readyz: no retries, a short timeout."""

from __future__ import annotations

import time

import httpx

from studies.upstream import errors
from studies.upstream.client import build_client

# The cheapest authenticated read: one user.
PING_PATH = "/v1/viewer/users"


def avara_ping(*, timeout: float, transport: httpx.BaseTransport | None = None) -> float:
    """Ask Avara for one user; return the round trip in ms or raise an `UpstreamError`.

    A fresh connection each time (the probe proves Avara can be reached now, not that an
    old kept-alive socket still works); the process-wide client and its retries are not
    involved, so a probe never waits for backoff. `transport` replaces the network (tests).
    """
    started = time.perf_counter()
    with build_client(transport=transport, retry=False, timeout=timeout) as client:
        try:
            response = client.get(PING_PATH, params={"limit": "1"})
        except httpx.HTTPError as exc:
            raise errors.error_for_exception(exc) from exc
    if not response.is_success:
        raise errors.error_for_response(response)
    return (time.perf_counter() - started) * 1000.0
