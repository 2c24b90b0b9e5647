"""Upstream calls per user action, counted where they land: the sandbox's access log.

Each action is done as the browser does it, several times on different studies; the
figure is the list of counts and a breakdown of the first. Side effects are undone
with raw calls afterwards (unassign, uncancel), outside the counting window, so the
reused sandbox database keeps its shape.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable

import httpx

from benchkit.accesslog import breakdown
from benchkit.context import LIST, Run
from benchkit.ratios import InlineSave, editable_studies
from benchkit.web import Browser, Row, read_markup

REPEAT = 3


def _counted(run: Run, actions: list[Callable[[], httpx.Response]], ok: set[int]) -> dict:
    if not actions:
        raise LookupError("the page showed no control for it")
    counts, first, statuses = [], None, []
    for action in actions:
        lines, answer = run.log.count(action)
        counts.append(len(lines))
        statuses.append(answer.status_code)
        first = first if first is not None else breakdown(lines)
    return {
        "calls": counts,
        "median": statistics.median(counts) if counts else None,
        "first_breakdown": first,
        "statuses": statuses,
        "all_succeeded": all(s in ok for s in statuses),
    }


def _form_post(browser: Browser, form, *, current: str, target: str | None, htmx: bool = True):
    url = form.hx_post or form.action
    fields = {k: v for k, v in form.inputs.items() if k != "csrfmiddlewaretoken"}
    return browser.post(url, fields, current=current, target=target, htmx=htmx)


def _page_views(run: Run) -> dict:
    views = [lambda: run.supervisor.get("/") for _ in range(REPEAT + 2)]
    return _counted(run, views, {200})


def _fragments(run: Run) -> dict:
    get = run.supervisor.get
    views = [lambda: get("/?limit=25", htmx_target="results") for _ in range(REPEAT + 2)]
    return _counted(run, views, {200})


def _edits(run: Run) -> dict:
    saves = [InlineSave(run, row) for row in editable_studies(run, REPEAT + 2)[2:]]
    figure = _counted(run, list(saves), {200})
    for save in saves:
        save.undo()
    return figure


def _claims(run: Run) -> dict:
    current = "/?assignee=none"
    claimable = []
    for row in run.radiologist.worklist_rows("assignee=none&limit=25", 25):
        link = row.post_link("/claim")
        if link:
            claimable.append((row, link))
    actions = [
        lambda r=row, u=link: run.radiologist.post(
            u, {"t": r.token() or ""}, current=current, target=f"study-{r.study_id}"
        )
        for row, link in claimable[:REPEAT]
    ]
    figure = _counted(run, actions, {200})
    for row, _ in claimable[:REPEAT]:
        run.api.patch(f"{LIST}/{row.study_id}", json={"assignedTo": None})
    figure["as"] = "radiologist (the Claim button)"
    return figure


def _cancel_form(run: Run, row: Row):
    """The confirmation the row's Cancel… link opens (GET, outside the window)."""
    link = row.url_containing("/cancel") or f"/studies/{row.study_id}/cancel"
    confirm = run.supervisor.get(link, htmx_target="")
    for form in read_markup(confirm.text).forms:
        if "/cancel" in (form.hx_post or form.action):
            return form
    return None


def _cancels(run: Run) -> dict:
    targets = [r for r in run.supervisor.worklist_rows("limit=25", 25)][-REPEAT:]
    forms = [(row, _cancel_form(run, row)) for row in targets]
    actions = [
        lambda r=row, f=form: _form_post(run.supervisor, f, current="/", target=None)
        for row, form in forms
        if form is not None
    ]
    figure = _counted(run, actions, {200})
    for row, _ in forms:
        run.api.post(f"{LIST}/uncancel", json={"studyId": row.study_id})
    figure["counted"] = "the confirming POST (opening the confirmation is not counted)"
    return figure


def _viewer_links(run: Run) -> dict:
    targets = run.supervisor.worklist_rows("limit=25", 25)[:REPEAT]
    actions = []
    for row in targets:
        link = row.url_containing("/viewer")
        if link is not None:  # the script POSTs it to a new tab, as a plain form would
            actions.append(
                lambda u=link: run.supervisor.post(u, {}, current="/", target=None, htmx=False)
            )
    return _counted(run, actions, {302, 303})


ACTIONS = {
    "page_view": _page_views,
    "results_fragment": _fragments,
    "edit": _edits,
    "claim": _claims,
    "cancel": _cancels,
    "viewer_link": _viewer_links,
}


def upstream_calls(run: Run) -> dict:
    figures = {}
    for name, count in ACTIONS.items():
        try:
            figures[name] = count(run)
        except Exception as exc:  # one action that cannot be done says why, in its place
            figures[name] = {"error": f"{type(exc).__name__}: {exc}"}
    return figures
