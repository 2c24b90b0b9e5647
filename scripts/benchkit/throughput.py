"""Throughput and latency at 1, 8 and 32 clients: the 25-row worklist vs the raw list call.

At each level the two sides run in turn, twice (dashboard, raw, dashboard, raw), for
the same duration; requests are summed over the rounds and p50/p95 are the mean of the
rounds' values. The raw side requests exactly the list call the dashboard makes for
that page (see ratios.upstream_list_query).

A round is repeated (up to MAX_REPEATS times) when one gunicorn process of a server it
runs on did most of that server's work. The kernel hands each of wrk's keep-alive
connections to whichever process accepts first, and a round in which one of the
sandbox's two processes got nearly all of them measured the sandbox at half its
capacity: the raw side then swung between about 100 and 260 req/s from run to run, and
the verdict with it. Most such rounds began while a process was still busy with the
round before (wrk stops with requests in flight), so the idle one took every new
connection: each round now first waits until the servers are idle. Both sides get the
same rules (the dashboard side watches the dashboard's and the sandbox's processes),
and the report says how many rounds were repeated.
"""

from __future__ import annotations

import time

from benchkit import load
from benchkit.context import LIST, Run
from benchkit.servers import API_KEY, Server, worker_cpu_ticks
from benchkit.web import BROWSER_ENCODINGS

LEVELS = (1, 8, 32)
ROUNDS = 2
TARGET_AT_32 = 0.5
MAX_REPEATS = 3
# Lopsided: the busiest process did over this much more than an even share of the work.
LOPSIDED_OVER_EVEN = 1.5


def _cookie_header(run: Run) -> str:
    """The logged-in supervisor's cookies (the session and CSRF cookies, whatever the
    dashboard names them), for the load generator."""
    return "; ".join(f"{name}={value}" for name, value in run.supervisor.client.cookies.items())


def busiest_share(before: dict[int, int], after: dict[int, int]) -> float | None:
    """The busiest worker's share of the CPU time a server's workers used between two
    readings; None with fewer than two workers or no work (nothing to balance)."""
    used = [after[pid] - before[pid] for pid in after if pid in before]
    if len(used) < 2 or sum(used) <= 0:
        return None
    return max(used) / sum(used)


def lopsided(share: float | None, workers: int) -> bool:
    return share is not None and share > LOPSIDED_OVER_EVEN / workers


def _settle(servers: list[Server], *, quiet: float = 0.2, limit: float = 3.0) -> None:
    """Wait (at most `limit` s) until the servers' workers have used no CPU for `quiet`
    s: the last round's requests are done and no process is still busy with them."""
    deadline = time.monotonic() + limit
    before = [worker_cpu_ticks(server) for server in servers]
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = [worker_cpu_ticks(server) for server in servers]
        if now == before:
            return
        before = now


def _round(url: str, headers: dict, *, clients: int, seconds: float, on: list[Server]) -> dict:
    """One round of load, repeated while one process of a server in `on` did most of
    that server's work (only with more clients than one process can take alone)."""
    for attempt in range(MAX_REPEATS + 1):
        _settle(on)
        before = [worker_cpu_ticks(server) for server in on]
        result = load.run(url, headers, clients=clients, seconds=seconds)
        shares = [
            busiest_share(then, worker_cpu_ticks(server))
            for then, server in zip(before, on, strict=True)
        ]
        uneven = clients > 1 and any(
            lopsided(share, len(then)) for share, then in zip(shares, before, strict=True)
        )
        result.update(
            busiest_shares=[None if x is None else round(x, 2) for x in shares],
            repeated=attempt,
            lopsided=uneven,
        )
        if not uneven:
            break
    return result


def _combine(runs: list[dict]) -> dict:
    seconds = sum(r["seconds"] for r in runs)
    requests = sum(r["requests"] for r in runs)
    return {
        "requests": requests,
        "seconds": round(seconds, 2),
        "rps": round(requests / seconds, 1) if seconds else 0.0,
        "p50_ms": round(sum(r["p50_ms"] for r in runs) / len(runs), 2),
        "p95_ms": round(sum(r["p95_ms"] for r in runs) / len(runs), 2),
        "errors": sum(r["errors"] for r in runs),
        "repeated": sum(r["repeated"] for r in runs),
        "lopsided": sum(r["lopsided"] for r in runs),
        "busiest_shares": [r["busiest_shares"] for r in runs],
    }


def throughput(run: Run, raw_query: str, *, seconds: float) -> dict:
    dashboard = (
        f"{run.dashboard.url}/",
        {"Cookie": _cookie_header(run), "Accept-Encoding": BROWSER_ENCODINGS},
    )
    raw = (
        f"{run.sandbox.url}{LIST}?{raw_query}",
        {"Authorization": f"Bearer {API_KEY}", "Accept": "application/json"},
    )
    servers = {"dashboard": [run.dashboard, run.sandbox], "raw": [run.sandbox]}
    figures = {
        "generator": load.generator(),
        "seconds_per_round": seconds,
        "rounds": ROUNDS,
        "lopsided_over_even": LOPSIDED_OVER_EVEN,
        "max_repeats": MAX_REPEATS,
    }
    for clients in LEVELS:
        done: dict[str, list[dict]] = {"dashboard": [], "raw": []}
        for _ in range(ROUNDS):
            for side, (url, headers) in (("dashboard", dashboard), ("raw", raw)):
                done[side].append(
                    _round(url, headers, clients=clients, seconds=seconds, on=servers[side])
                )
        level = {side: _combine(runs) for side, runs in done.items()}
        raw_rps = level["raw"]["rps"]
        level["dashboard_over_raw"] = (
            round(level["dashboard"]["rps"] / raw_rps, 3) if raw_rps else 0
        )
        if clients == 32:
            level["target_min_ratio"] = TARGET_AT_32
            level["pass"] = bool(
                level["dashboard_over_raw"] >= TARGET_AT_32 and level["dashboard"]["errors"] == 0
            )
        figures[f"clients_{clients}"] = level
    return figures
