"""Live refresh (issue 10): an unchanged poll, and what 50 watchers cost Avara.

Until the feature exists these figures are "n/a (not built yet)". It is taken to
exist when the worklist's HTMX results answer carries an ETag and the same request
with `If-None-Match` answers 304. Then:
- an unchanged poll (that conditional request) is timed against the raw list call,
  interleaved;
- 50 clients watch one list, each polling every POLL_SECONDS (the issue's default
  interval, 15 s; BENCH_POLL_SECONDS overrides it), their start times spread over one
  interval, for two intervals; the upstream calls counted at the sandbox in that window
  are scaled to calls per minute.
"""

from __future__ import annotations

import os
import threading
import time

import httpx

from benchkit.context import LIST, Run
from benchkit.stats import compare, interleave
from benchkit.web import Browser

NOT_BUILT = "n/a (not built yet)"
WATCHERS = 50
POLL = "/?limit=25"


def _poll(browser: Browser, etag: str | None) -> httpx.Response:
    """A poll exactly as the page's script sends it (triage.js `refresh`)."""
    headers = {"X-Triage-Refresh": "1"}
    if etag:
        headers["If-None-Match"] = etag
    return browser.get(POLL, htmx_target="results", headers=headers)


def _etag(run: Run) -> str | None:
    first = _poll(run.supervisor, None)
    etag = first.headers.get("ETag")
    if not etag:
        return None
    return etag if _poll(run.supervisor, etag).status_code == 304 else None


def _watch(browser: Browser, *, delay: float, interval: float, until: float, polls: list) -> None:
    """Poll at a fixed rate (as htmx's `every Ns` trigger does), from `delay` on."""
    etag = None
    due = time.monotonic() + delay
    while due < until:
        time.sleep(max(0.0, due - time.monotonic()))
        due += interval
        try:
            answer = _poll(browser, etag)
        except httpx.HTTPError:
            polls.append(None)
            continue
        etag = answer.headers.get("ETag", etag)
        polls.append(answer.status_code)


def _watchers(run: Run, interval: float) -> dict:
    window = 2 * interval
    polls: list[int | None] = []
    # The dashboard as shipped (list reads shared, queue picture rebuilt every 15 s);
    # sessions live in the shared database, so the supervisor's cookie works there too.
    browsers = [Browser(run.watched.url) for _ in range(WATCHERS)]
    for browser in browsers:
        browser.client.cookies = httpx.Cookies(run.supervisor.client.cookies)
    start = run.log.mark()
    until = time.monotonic() + window
    threads = [
        threading.Thread(
            target=_watch,
            args=(browser,),
            kwargs={
                "delay": i * interval / WATCHERS,
                "interval": interval,
                "until": until,
                "polls": polls,
            },
            daemon=True,
        )
        for i, browser in enumerate(browsers)
    ]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(window + 60)
    finally:
        for browser in browsers:
            browser.close()
    lines = run.log.since(start)
    lists = [c for c in lines if c.method == "GET" and c.path.rstrip("/") == LIST]
    return {
        "clients": WATCHERS,
        "poll_seconds": interval,
        "window_seconds": window,
        "polls": len(polls),
        "polls_304": polls.count(304),
        "poll_errors": sum(1 for p in polls if p is None or p >= 400),
        "upstream_list_calls_per_minute": round(len(lists) * 60 / window, 1),
        "upstream_calls_per_minute": round(len(lines) * 60 / window, 1),
    }


def live_refresh(run: Run, raw_query: str) -> dict:
    etag = _etag(run)
    if etag is None:
        return {"unchanged_poll": NOT_BUILT, "watchers_50": NOT_BUILT}
    measured = interleave(
        {
            "dashboard": lambda: _poll(run.supervisor, etag),
            "raw": lambda: run.api.get(f"{LIST}?{raw_query}"),
        },
        samples=run.samples,
    )
    poll = compare(measured["dashboard"], measured["raw"])
    poll["poll_statuses"] = measured["dashboard"].statuses
    interval = float(os.environ.get("BENCH_POLL_SECONDS", "5" if run.quick else "15"))
    return {"unchanged_poll": poll, "watchers_50": _watchers(run, interval)}
