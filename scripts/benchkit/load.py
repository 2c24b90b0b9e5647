"""Throughput at N concurrent clients: `wrk` when installed, else threads.

wrk (Debian's package; `make bench` installs it) is a C event loop that costs a few
percent of one core at these rates, so on this 2-core machine it stays far from being
the bottleneck, which a Python load generator sharing the CPU with the servers would
not. Without it, N threads with one httpx client each stand in (and say so).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import httpx

from benchkit.stats import Samples

WRK = shutil.which("wrk")

_LUA = """
wrk.method = "GET"
{headers}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %d %d %.1f %.1f\\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95)))
end
"""


def generator() -> str:
    return "wrk" if WRK else "python threads (wrk not installed)"


def run(url: str, headers: dict[str, str], *, clients: int, seconds: float) -> dict:
    """Requests per second, p50/p95 latency (ms) and errors for `clients` connections."""
    if WRK:
        return _wrk(url, headers, clients=clients, seconds=seconds)
    return _threads(url, headers, clients=clients, seconds=seconds)


def _lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _wrk(url: str, headers: dict[str, str], *, clients: int, seconds: float) -> dict:
    lines = "\n".join(
        f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()
    )
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        script = Path(tmp) / "bench.lua"
        script.write_text(_LUA.format(headers=lines))
        threads = min(clients, 2)
        args = [WRK, "-t", str(threads), "-c", str(clients), "-d", f"{seconds:g}s"]
        args += ["--timeout", "30s", "-s", str(script), url]
        out = subprocess.run(  # noqa: S603 (wrk, fixed arguments)
            args, capture_output=True, text=True, timeout=seconds + 60, check=False
        ).stdout
    for line in out.splitlines():
        if line.startswith("BENCH "):
            n, duration_us, *errors, p50, p95 = line.split()[1:]
            return {
                "requests": int(n),
                "seconds": int(duration_us) / 1e6,
                "errors": sum(int(e) for e in errors),
                "p50_ms": float(p50) / 1000,
                "p95_ms": float(p95) / 1000,
            }
    raise RuntimeError(f"wrk printed no summary:\n{out[-2000:]}")


def _threads(url: str, headers: dict[str, str], *, clients: int, seconds: float) -> dict:
    samples = [Samples() for _ in range(clients)]
    deadline = time.perf_counter() + seconds

    def client(into: Samples) -> None:
        with httpx.Client(headers=headers, timeout=30) as http:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    status = http.get(url).status_code
                except httpx.HTTPError:
                    status = None
                ms = (time.perf_counter() - started) * 1000
                into.add(ms, status, status is not None and status < 400)

    started = time.perf_counter()
    workers = [threading.Thread(target=client, args=(s,), daemon=True) for s in samples]
    for w in workers:
        w.start()
    for w in workers:
        w.join(seconds + 60)
    elapsed = time.perf_counter() - started
    merged = Samples()
    for s in samples:
        merged.ms += s.ms
        merged.errors += s.errors
    return {
        "requests": len(merged.ms),
        "seconds": elapsed,
        "errors": merged.errors,
        "p50_ms": merged.median,
        "p95_ms": merged.p95,
    }
