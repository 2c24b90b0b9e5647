"""The CSV export (issue 23): a whole filtered list streamed as a file, next to reading
the same pages from Avara directly, and the memory it takes in the dashboard's worker.

The supervisor exports the unfiltered worklist (every active study of the bench's
sandbox, so it stops at TRIAGE_EXPORT_MAX); meanwhile each worker's VmRSS is sampled
every 20 ms. Memory is flat when the worker that serves it grows by about a page of
studies, whatever the number of rows (the tests check it at 500 vs 5,000 rows).
"""

from __future__ import annotations

import threading
import time

from benchkit.context import LIST, Run
from benchkit.servers import worker_rss_kib

SAMPLE_SECONDS = 0.02


def _rss_peaks(run: Run, stop: threading.Event, peaks: dict[int, int]) -> None:
    while not stop.is_set():
        for pid, kib in worker_rss_kib(run.dashboard).items():
            peaks[pid] = max(peaks.get(pid, 0), kib)
        time.sleep(SAMPLE_SECONDS)


def export(run: Run) -> dict:
    before = worker_rss_kib(run.dashboard)
    peaks = dict(before)
    stop = threading.Event()
    sampler = threading.Thread(target=_rss_peaks, args=(run, stop, peaks), daemon=True)
    sampler.start()
    started = time.perf_counter()
    size = lines = 0
    first_byte = None
    try:
        with run.supervisor.client.stream("GET", "/export") as response:
            if response.status_code != 200:
                raise RuntimeError(f"GET /export answered {response.status_code}")
            cap = int(response.headers.get("X-Export-Max", "0"))
            for chunk in response.iter_bytes():
                first_byte = first_byte or time.perf_counter() - started
                size += len(chunk)
                lines += chunk.count(b"\n")
    finally:
        stop.set()
        sampler.join()
    seconds = time.perf_counter() - started
    studies = min(lines - 1, cap) if cap else lines - 1
    raw_seconds = _raw_paging(run, studies)
    growth = {pid: peaks[pid] - before[pid] for pid in before if pid in peaks}
    grown = max(growth, key=growth.get) if growth else None
    return {
        "studies": studies,
        "capped": bool(cap) and lines - 1 > cap,
        "cap": cap,
        "bytes": size,
        "seconds": round(seconds, 2),
        "first_byte_ms": round((first_byte or 0) * 1000, 1),
        "raw_paging_seconds": round(raw_seconds, 2),
        "ratio": round(seconds / raw_seconds, 2) if raw_seconds else None,
        "worker_rss_before_mib": round(before[grown] / 1024, 1) if grown else None,
        "worker_rss_peak_growth_mib": round(growth[grown] / 1024, 2) if grown else None,
    }


def _raw_paging(run: Run, studies: int) -> float:
    """Seconds to read as many studies from Avara as the export wrote, 100 at a time."""
    started = time.perf_counter()
    read, cursor = 0, None
    while read < studies:
        params = {"isCancelled": "false", "limit": "100", **({"cursor": cursor} if cursor else {})}
        page = run.api.get(LIST, params=params).json()
        read += len(page["studies"])
        cursor = page.get("cursor")
        if not (page.get("hasMore") and cursor):
            break
    return time.perf_counter() - started
