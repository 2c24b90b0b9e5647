"""Throughput and latency at 1, 8 and 32 clients: the 25-row worklist vs the raw list call.

At each level the two sides run in turn, twice (dashboard, raw, dashboard, raw), for
the same duration; requests are summed over the rounds and p50/p95 are the mean of the
rounds' values. The raw side requests exactly the list call the dashboard makes for
that page (see ratios.upstream_list_query).
"""

from __future__ import annotations

from benchkit import load
from benchkit.context import LIST, Run
from benchkit.servers import API_KEY
from benchkit.web import BROWSER_ENCODINGS

LEVELS = (1, 8, 32)
ROUNDS = 2
TARGET_AT_32 = 0.5


def _cookie_header(run: Run) -> str:
    jar = run.supervisor.client.cookies
    return "; ".join(f"{name}={jar[name]}" for name in ("sessionid", "csrftoken") if name in jar)


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
    figures = {"generator": load.generator(), "seconds_per_round": seconds, "rounds": ROUNDS}
    for clients in LEVELS:
        done: dict[str, list[dict]] = {"dashboard": [], "raw": []}
        for _ in range(ROUNDS):
            for side, (url, headers) in (("dashboard", dashboard), ("raw", raw)):
                done[side].append(load.run(url, headers, clients=clients, seconds=seconds))
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
