"""The dashboard against the raw Avara calls behind it, interleaved in one run.

- The worklist, full page and HTMX results fragment, at 100 and 25 rows, against a raw
  GET of the same upstream list. "The same" is read at the sandbox: one dashboard
  request is made inside an access-log window and its list call's query string is
  replayed raw (same filters, same key). Only if the dashboard made no list call there
  (e.g. it answered from a cache) is the query built from the known defaults; the
  figure says which.
- An inline severity save exactly as the browser sends it (POST of the row's form
  fields with its signed `t`, CSRF header, HTMX headers), against the raw calls a save
  needs: a GET of the study and a PATCH.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Callable

from benchkit.context import LIST, Run
from benchkit.stats import compare, interleave
from benchkit.web import Row, rows

PAGES = {
    # name: (dashboard path, HX-Target or None for a full page, rows, target ratio)
    "worklist_page_100": ("/?limit=100", None, 100, 1.5),
    "worklist_fragment_100": ("/?limit=100", "results", 100, 1.5),
    "worklist_page_25": ("/", None, 25, 1.3),
    "worklist_fragment_25": ("/?limit=25", "results", 25, 1.3),
}
SAVE_TARGET = 1.3


class ServerTimed:
    """A dashboard side that keeps each answer's Server-Timing: the dashboard's own work
    ("app") and its wait on Avara ("avara"), as it measured them itself."""

    PART = re.compile(r"(\w+);dur=([0-9.]+)")

    def __init__(self, call: Callable[[], object]) -> None:
        self.call = call
        self.seen: list[dict[str, float]] = []

    def __call__(self):
        answer = self.call()
        header = getattr(answer, "headers", {}).get("Server-Timing", "")
        self.seen.append({name: float(ms) for name, ms in self.PART.findall(header)})
        return answer

    def split(self, figure: dict, samples: int) -> dict:
        """Medians of the timed answers' parts, and what is left of the dashboard's median
        for the trip to it and back (client, loopback, gunicorn), which the raw call also
        pays, once, for its own trip. The parts are medians each: they need not add up."""
        timed = [parts for parts in self.seen[-samples:] if "app" in parts]
        if not timed:
            return {"error": "no Server-Timing in the answers"}
        own = statistics.median(p["app"] for p in timed)
        avara = statistics.median(p.get("avara", 0.0) for p in timed)
        total = figure["dashboard"]["median_ms"]
        return {
            "own_ms": round(own, 2),
            "avara_ms": round(avara, 2),
            "trip_ms": round(total - own - avara, 2),
            "raw_ms": figure["raw"]["median_ms"],
            "answers": len(timed),
        }


def upstream_list_query(run: Run, path: str, target: str | None, limit: int) -> tuple[str, bool]:
    """(query of the list call the dashboard makes for this page, whether it was observed)."""
    lines, answer = run.log.count(lambda: run.supervisor.get(path, htmx_target=target))
    answer.raise_for_status()
    found = len(rows(answer.text))
    if found != limit:
        raise RuntimeError(f"{path} showed {found} rows, expected {limit}")
    calls = [c for c in lines if c.method == "GET" and c.path.rstrip("/") == LIST]
    for call in calls:
        if f"limit={limit}" in call.query.split("&"):
            return call.query, True
    if calls:
        return calls[0].query, True
    return f"isCancelled=false&limit={limit}", False


def warm_queue(run: Run, visits: int = 8) -> None:
    """Build each worker's queue picture now (the queue page waits for the first one),
    so no rebuild runs behind the measurements (the title's STAT count reads it)."""
    for _ in range(visits):
        run.supervisor.get("/queue")


def worklist(run: Run) -> dict:
    warm_queue(run)
    figures = {}
    for name, (path, target, limit, max_ratio) in PAGES.items():
        query, observed = upstream_list_query(run, path, target, limit)
        dashboard = ServerTimed(lambda p=path, t=target: run.supervisor.get(p, htmx_target=t))
        sides = {"dashboard": dashboard, "raw": lambda q=query: run.api.get(f"{LIST}?{q}")}
        measured = interleave(sides, samples=run.samples)
        figure = compare(measured["dashboard"], measured["raw"], target=max_ratio)
        figure["split"] = dashboard.split(figure, run.samples)
        figure.update(dashboard_request=path, hx_target=target, upstream_query=query)
        figure["upstream_query_observed"] = observed
        figures[name] = figure
    return figures


def editable_studies(run: Run, count: int) -> list[Row]:
    """Rows of the supervisor's first page that carry a severity control and a snapshot."""
    chosen = [
        row
        for row in run.supervisor.worklist_rows("limit=100", 100)
        if row.token() and row.url_containing("/edit/severity")
    ]
    if len(chosen) < count:
        raise RuntimeError("too few rows with a severity control on the supervisor's worklist")
    return chosen[:count]


def severity_of(run: Run, study_id: str) -> str:
    return run.api.get(f"{LIST}/{study_id}").raise_for_status().json()["severity"]


def _changes(current: str) -> itertools.cycle:
    """Severities to save in turn, each one a change from the one before."""
    other = "normal" if current == "high" else "high"
    return itertools.cycle([other, current])


class InlineSave:
    """Saves a row's severity as the browser does, each save a change.

    Each save sends the snapshot of the row as it was last drawn: the one in the
    previous save's answer (the row is redrawn from it), else the row as the dashboard
    draws it now (fetched before the timed request, never inside it).
    """

    def __init__(self, run: Run, row: Row, *, current: str = "/") -> None:
        self.run, self.study_id, self.current = run, row.study_id, current
        self.url = row.url_containing("/edit/severity") or f"/studies/{row.study_id}/edit/severity"
        self.token = row.token()
        self.before = severity_of(run, row.study_id)
        self.values = _changes(self.before)

    def prepare(self) -> None:
        if self.token is None:
            fresh = self.run.supervisor.row(self.study_id)
            self.token = fresh.token() if fresh else None

    def __call__(self):
        data = {"t": self.token or "", "next": "", "value": next(self.values)}
        answer = self.run.supervisor.post(self.url, data, current=self.current)
        drawn = [r for r in rows(answer.text) if r.study_id == self.study_id]
        self.token = drawn[0].token() if drawn else None
        return answer

    def undo(self) -> None:
        self.run.api.patch(f"{LIST}/{self.study_id}", json={"severity": self.before})


def raw_save(run: Run, study_id: str) -> Callable[[], list]:
    values = _changes(severity_of(run, study_id))

    def save() -> list:
        read = run.api.get(f"{LIST}/{study_id}")
        write = run.api.patch(f"{LIST}/{study_id}", json={"severity": next(values)})
        return [read, write]

    return save


def inline_save(run: Run) -> dict:
    mine, theirs = editable_studies(run, 2)
    save = InlineSave(run, mine)
    dashboard = ServerTimed(save)
    theirs_before = severity_of(run, theirs.study_id)
    measured = interleave(
        {"dashboard": dashboard, "raw": raw_save(run, theirs.study_id)},
        samples=run.samples,
        prepare={"dashboard": save.prepare},
    )
    save.undo()
    run.api.patch(f"{LIST}/{theirs.study_id}", json={"severity": theirs_before})
    figure = compare(measured["dashboard"], measured["raw"], target=SAVE_TARGET)
    figure["split"] = dashboard.split(figure, run.samples)
    figure.update(dashboard_request=f"POST {save.url}", raw_requests="GET + PATCH of a study")
    return figure


# (name, dashboard path or None for a raw list call, raw list query)
FLOOR_SIDES = (
    ("healthz", "/healthz", None),
    ("logged_in", "/queue/next", None),
    ("raw_25", None, "isCancelled=false&limit=25"),
    ("raw_100", None, "isCancelled=false&limit=100"),
)


def floor(run: Run) -> dict:
    """What a request costs the dashboard before a page's own work, next to the raw calls.

    /healthz is gunicorn and Django answering with nothing (no session, no Avara call);
    a GET of /queue/next is a logged-in request that does nothing but send the user to
    the queue (session, user, CSRF, role checks and a redirect; the figure counts its
    Avara calls: none). A page's ratio target leaves (target - 1) x its raw call for all
    of the dashboard's own time: the budget lines say how much of it goes before a page
    starts its own work (the Avara call, decoding, rendering).
    """
    calls, answer = run.log.count(lambda: run.supervisor.get("/queue/next"))
    if answer.status_code != 302:
        raise RuntimeError(f"GET /queue/next answered {answer.status_code}, not a redirect")
    sides = {}
    for name, path, query in FLOOR_SIDES:
        if path:
            sides[name] = lambda p=path: run.supervisor.get(p)
        else:
            sides[name] = lambda q=query: run.api.get(f"{LIST}?{q}")
    measured = interleave(sides, samples=run.samples)
    figure = {name: samples.summary() for name, samples in measured.items()}
    figure["logged_in_upstream_calls"] = len(calls)
    spent = measured["logged_in"].median
    for rows_, target in ((25, PAGES["worklist_page_25"][3]), (100, PAGES["worklist_page_100"][3])):
        budget = (target - 1) * measured[f"raw_{rows_}"].median
        figure[f"budget_{rows_}"] = {
            "target_max_ratio": target,
            "own_time_budget_ms": round(budget, 3),
            "spent_by_a_logged_in_request_ms": round(spent, 3),
            "share_spent": round(spent / budget, 3) if budget else None,
        }
    return figure
