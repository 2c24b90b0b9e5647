"""The supervisor's board (issue 22), measured over HTTP like everything else here.

- The board page, from a built picture of BOARD_STUDIES open studies held by
  BOARD_READERS radiologists (a sandbox of its own, filled through its control plane and
  reused while it holds the same room): the dashboard's own time (its Server-Timing
  "app"), the whole answer's time, and the Avara calls all the page views made together
  (counted in that sandbox's access log): the target is under BOARD_TARGET_MS of own
  time with no Avara call.
- A bulk reassign of BULK_STUDIES studies on the main dashboard (20,000 studies): the
  action bar's form posted as a browser posts it, timed from the request to the last
  byte of the streamed results page, with the calls it made; each study is given back
  afterwards with raw calls, so the reused sandbox keeps its shape. Target: under
  BULK_TARGET_S seconds.
"""

from __future__ import annotations

import random
import re
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from benchkit.accesslog import AccessLog, breakdown
from benchkit.context import LIST, Run
from benchkit.ratios import ServerTimed
from benchkit.stats import Samples
from benchkit.web import Browser

BOARD_STUDIES = 2000
BOARD_READERS = 40
BOARD_TARGET_MS = 50.0
BULK_STUDIES = 100
BULK_TARGET_S = 10.0
CONTROL_KEY = "sk_sandbox_control_dev_0123456789"  # the sandbox's development default
PICK = re.compile(r'name="pick" value="(stu_[0-9a-f]{32}~[^"]*)"')
NONCE = re.compile(r'<form id="bulk".*?name="nonce" value="([^"]+)"', re.S)
ASSIGNEE = re.compile(
    r'<select id="bulk-assignee"[^>]*>.*?<option value="(usr_[0-9a-f]{32})"', re.S
)


def board_room(url: str, *, seed: int) -> dict:
    """Fill an empty sandbox with the room: BOARD_READERS radiologists (some busier than
    others), BOARD_STUDIES open studies (10% STAT, 20% High), one in seven unassigned,
    arrived over the last 30 hours."""
    rng = random.Random(f"bench-board/{seed}")  # noqa: S311 - demo data, reproducible
    now = datetime.now(UTC)
    headers = {"Authorization": f"Bearer {CONTROL_KEY}"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as control:
        control.post("/_sandbox/reset", json={"empty": True}).raise_for_status()
        readers = []
        for n in range(BOARD_READERS):
            body = {
                "email": f"reader{n}@board.example",
                "firstName": f"Reader{n:02d}",
                "lastName": "Board",
                "clinicRole": "Radiologist",
            }
            made = control.post("/_sandbox/users", json=body)
            made.raise_for_status()
            readers.append(made.json()["userId"])
        weights = [1 + (n % 7) for n in range(BOARD_READERS)]

        def study(n: int) -> dict:
            created = now - timedelta(seconds=rng.randrange(30 * 3600))
            stamp = created.isoformat(timespec="seconds").replace("+00:00", "Z")
            owner = None if rng.random() < 1 / 7 else rng.choices(readers, weights)[0]
            body = {
                "severity": rng.choices(["stat", "high", "normal"], [10, 20, 70])[0],
                "studyDescription": f"Board study {n}",
                "studyInstanceUid": f"1.2.826.0.1.3680043.10.999.{seed}.{n + 1}",
                "createdAt": stamp,
                "updatedAt": stamp,
            }
            return body | ({"assignedTo": owner} if owner else {})

        bodies = [study(n) for n in range(BOARD_STUDIES)]
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda b: control.post("/_sandbox/studies", json=b), bodies))
    failed = [a.status_code for a in answers if a.status_code != 201]
    if failed:
        raise RuntimeError(f"the board's room could not be made: {failed[:5]}")
    return {"studies": BOARD_STUDIES, "readers": BOARD_READERS, "seed": seed}


@dataclass
class BoardRun:
    browser: Browser  # the demo supervisor, on the dashboard in front of the board's sandbox
    log: AccessLog  # that sandbox's access log
    samples: int


def _warm(run: BoardRun) -> None:
    """The picture built, the users read, the turnaround figures worked out (in the
    background, by the first view): what a page view reads from then on."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = run.browser.get("/workload")
        page.raise_for_status()
        if "tat-table" in page.text:
            return
        time.sleep(0.5)
    raise RuntimeError("the board's turnaround figures were never worked out")


def board_page(run: BoardRun) -> dict:
    _warm(run)
    figures = {}
    for name, path in (("page", "/workload"), ("line", "/workload?line=none")):
        timed = ServerTimed(lambda p=path: run.browser.get(p))
        samples = Samples()

        def views(timed=timed, samples=samples) -> None:
            for _ in range(run.samples):
                started = time.perf_counter()
                answer = timed()
                samples.add(
                    (time.perf_counter() - started) * 1000,
                    answer.status_code,
                    answer.status_code == 200,
                )

        calls, _ = run.log.count(views)
        own = [p["app"] for p in timed.seen if "app" in p]
        figures[name] = {
            "whole_answer": samples.summary(),
            "own_ms": {"median": round(statistics.median(own), 3), "p95": round(_p95(own), 3)},
            "avara_calls": len(calls),
            "calls_breakdown": breakdown(calls),
            "bytes": len(run.browser.get(path).content),
        }
    page = figures["page"]
    page["target_own_ms"] = BOARD_TARGET_MS
    page["pass"] = page["own_ms"]["p95"] < BOARD_TARGET_MS and page["avara_calls"] == 0
    return {"studies": BOARD_STUDIES, "readers": BOARD_READERS, **figures}


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def bulk_reassign(run: Run, *, repeats: int) -> dict:
    """BULK_STUDIES unassigned studies assigned to one reader, as the action bar posts it."""
    seconds, counts, outcomes = [], [], []
    for _ in range(repeats):
        html = run.supervisor.get(f"/?assignee=none&status=incomplete&limit={BULK_STUDIES}").text
        picks, nonce, target = PICK.findall(html), NONCE.search(html), ASSIGNEE.search(html)
        if len(picks) < BULK_STUDIES or not nonce or not target:
            raise RuntimeError(
                f"the worklist offered {len(picks)} studies to tick, not {BULK_STUDIES}"
            )
        form = {
            "action": "assign",
            "assignee": target.group(1),
            "pick": picks,
            "nonce": nonce.group(1),
        }

        def send(form=form):
            started = time.perf_counter()
            answer = run.supervisor.post("/bulk", form, current="/", htmx=False)
            return answer, time.perf_counter() - started

        calls, (answer, took) = run.log.count(send)
        done = answer.text.count('class="result result-done"')
        seconds.append(took)
        counts.append(len(calls))
        outcomes.append({"status": answer.status_code, "done": done, "calls": breakdown(calls)})
        _give_back(run, [p.split("~")[0] for p in picks])
    return {
        "studies": BULK_STUDIES,
        "seconds": [round(s, 2) for s in seconds],
        "median_s": round(statistics.median(seconds), 2),
        "max_s": round(max(seconds), 2),
        "upstream_calls": counts,
        "runs": outcomes,
        "target_s": BULK_TARGET_S,
        "pass": max(seconds) < BULK_TARGET_S and all(o["done"] == BULK_STUDIES for o in outcomes),
    }


def _give_back(run: Run, study_ids: list[str]) -> None:
    """Undo, with raw calls (not counted): the studies unassigned again."""
    with ThreadPoolExecutor(8) as pool:
        list(
            pool.map(
                lambda sid: run.api.patch(f"{LIST}/{sid}", json={"assignedTo": None}), study_ids
            )
        )
