"""Inline edits when Avara fails 20% of requests: how many succeed, and are any lost?

A second sandbox (same database, SANDBOX_FAULT_RATE=0.2: 500, 503 or 429 before any
state change) and a second dashboard pointed at it. The rows and their signed
snapshots are read from the first (healthy) dashboard; each study's severity is then
changed once through the second, by a few clients at a time, as the browser sends it.
Every study is then read back from the healthy sandbox, and the faulty sandbox's
access log says how many PATCHes of each study it accepted.

Outcome of each edit:
- succeeded: the user was told it was saved, and it was;
- failed: the user was told it was not saved, and it was not (honest, but a failure);
- lost: told saved, but the study does not have the value;
- misreported: told not saved (or unknown), but the value landed;
- applied twice (counted apart): the sandbox accepted more than one PATCH for it.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass

import httpx

from benchkit.accesslog import AccessLog
from benchkit.context import LIST, Run
from benchkit.servers import Server
from benchkit.stats import Samples
from benchkit.web import Browser, Row

TARGET = 0.995
NEXT = {"normal": "high", "high": "stat", "stat": "normal"}
CLIENTS = 4


@dataclass
class Edit:
    row: Row
    before: str
    wanted: str
    status: int | None = None
    told_saved: bool = False
    toast: str = ""
    ms: float = 0.0


def _told_saved(answer: httpx.Response) -> tuple[bool, str]:
    """What the user was told: a 2xx whose toast (if any) is not a warning or an error."""
    trigger = answer.headers.get("HX-Trigger", "")
    level, message = "", ""
    try:
        toast = json.loads(trigger).get("toast", {}) if trigger else {}
        level, message = toast.get("level", ""), toast.get("message", "")
    except (ValueError, AttributeError):
        pass
    return answer.is_success and level not in ("error", "warning"), message or level


def _plan(run: Run, count: int) -> list[Edit]:
    rows = [r for r in run.supervisor.worklist_rows("limit=100", count + 50) if r.token()]
    edits = []
    for row in rows:
        study = run.api.get(f"{LIST}/{row.study_id}").raise_for_status().json()
        if not study["isCancelled"]:
            edits.append(Edit(row, study["severity"], NEXT[study["severity"]]))
        if len(edits) == count:
            break
    return edits


def _send(faulty: Server, cookies: httpx.Cookies, csrf: str, queue: list[Edit]) -> None:
    browser = Browser(faulty.url)
    browser.client.cookies = httpx.Cookies(cookies)
    browser.csrf = csrf
    try:
        while True:
            try:
                edit = queue.pop()
            except IndexError:
                return
            url = edit.row.url_containing("/edit/severity") or (
                f"/studies/{edit.row.study_id}/edit/severity"
            )
            data = {"t": edit.row.token() or "", "next": "", "value": edit.wanted}
            started = time.perf_counter()
            try:
                answer = browser.post(url, data, current="/?limit=100")
                edit.status = answer.status_code
                edit.told_saved, edit.toast = _told_saved(answer)
            except httpx.HTTPError as exc:
                edit.toast = type(exc).__name__
            edit.ms = (time.perf_counter() - started) * 1000
    finally:
        browser.close()


def _verdict(run: Run, edits: list[Edit], patches: Counter) -> dict:
    outcomes: Counter = Counter()
    for edit in edits:
        now = run.api.get(f"{LIST}/{edit.row.study_id}").raise_for_status().json()["severity"]
        landed = now == edit.wanted
        if edit.told_saved:
            outcomes["succeeded" if landed else "lost"] += 1
        else:
            outcomes["misreported" if landed else "failed"] += 1
        if patches[edit.row.study_id] > 1:
            outcomes["applied_twice"] += 1
    return {k: outcomes[k] for k in ("succeeded", "failed", "lost", "misreported", "applied_twice")}


def edits_under_faults(run: Run, faulty: Server, faulty_log: AccessLog, *, count: int) -> dict:
    edits = _plan(run, count)
    queue = list(reversed(edits))
    start = faulty_log.mark()
    cookies, csrf = run.supervisor.client.cookies, run.supervisor.csrf
    workers = [
        threading.Thread(target=_send, args=(faulty, cookies, csrf, queue), daemon=True)
        for _ in range(CLIENTS)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(600)
    lines = faulty_log.since(start, settle=0.2)
    patches = Counter(
        line.path.rsplit("/", 1)[-1]
        for line in lines
        if line.method == "PATCH" and 200 <= line.status < 300
    )
    figure = _verdict(run, edits, patches)
    for edit in edits:  # leave the reused database as it was
        run.api.patch(f"{LIST}/{edit.row.study_id}", json={"severity": edit.before})
    waited = Samples(ms=[e.ms for e in edits])
    figure.update(
        edits=len(edits),
        success_rate=round(figure["succeeded"] / len(edits), 4) if edits else 0.0,
        target_min_rate=TARGET,
        dashboard_statuses=dict(Counter(str(e.status) for e in edits)),
        upstream_answers=dict(Counter(str(line.status) for line in lines)),
        wait_ms={
            "median": round(waited.median, 1),
            "p95": round(waited.p95, 1),
            "max": round(max(waited.ms, default=0), 1),
        },
        fault_rate=0.2,
        clients=CLIENTS,
    )
    figure["pass"] = bool(
        figure["success_rate"] >= TARGET and figure["lost"] == 0 and figure["applied_twice"] == 0
    )
    return figure
