"""What every measurement needs: the servers, the sessions, the raw client, the budget."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from benchkit.accesslog import BENCH_AGENT, AccessLog
from benchkit.servers import API_KEY, Server
from benchkit.web import Browser

LIST = "/v1/viewer/studies"


@dataclass
class Run:
    dashboard: Server
    watched: Server  # default settings: list reads shared, the queue picture rebuilt
    sandbox: Server
    log: AccessLog
    api: httpx.Client
    supervisor: Browser
    radiologist: Browser
    samples: int
    quick: bool


def raw_client(sandbox: Server) -> httpx.Client:
    """The raw Avara calls: httpx with the same key the dashboard uses."""
    return httpx.Client(
        base_url=sandbox.url,
        headers={
            "Authorization": f"Bearer {API_KEY}",
            "Accept": "application/json",
            "User-Agent": BENCH_AGENT,
        },
        timeout=60,
    )
