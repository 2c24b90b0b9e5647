"""The upstream side: the sandbox's list cost by depth and filter; decoding a page.

Paging: for each filter, the first page of 100 and the page 100 deep (or the deepest
that exists, reached by following cursors), all six requests interleaved in one loop,
so the ratios (deep / first, filtered first / unfiltered first) compare like with like.

Decoding: one page of 100 studies as the sandbox sends it, decoded by the dashboard's
msgspec models and by the official SDK's pydantic models, interleaved. This is the one
figure that imports code: it times the two decoders in this process.
"""

from __future__ import annotations

import json
import os

from benchkit.context import LIST, Run
from benchkit.stats import Samples, interleave, ratio

FILTERS = {
    "no filter": {},
    "severity=normal": {"severity": "normal"},
    "description=myocardial": {"studyDescription": "myocardial"},
}
DEPTH = 100


def _deep_cursor(run: Run, params: dict) -> tuple[str | None, int]:
    """The cursor of the page DEPTH pages in (or the deepest page), and its number."""
    cursor, page = None, 1
    while page < DEPTH:
        query = {**params, "cursor": cursor} if cursor else params
        body = run.api.get(LIST, params=query).raise_for_status().json()
        if not body.get("hasMore") or not body.get("cursor"):
            break
        cursor, page = body["cursor"], page + 1
    return cursor, page


def paging(run: Run) -> dict:
    sides, pages = {}, {}
    for label, extra in FILTERS.items():
        params = {"limit": 100, **extra}
        cursor, pages[label] = _deep_cursor(run, params)
        deep = {**params, "cursor": cursor} if cursor else params
        sides[f"{label}|first"] = lambda p=params: run.api.get(LIST, params=p)
        sides[f"{label}|deep"] = lambda p=deep: run.api.get(LIST, params=p)
    measured = interleave(sides, samples=run.samples)
    unfiltered = measured["no filter|first"]
    figures = {}
    for label in FILTERS:
        first, deep = measured[f"{label}|first"], measured[f"{label}|deep"]
        figures[label] = {
            "first_page": first.summary(),
            "deep_page": deep.summary(),
            "deep_page_number": pages[label],
            "deep_over_first": round(ratio(deep.median, first.median), 3),
            "first_over_unfiltered_first": round(ratio(first.median, unfiltered.median), 3),
        }
    return figures


def decode_cost(run: Run) -> dict:
    body = run.api.get(LIST, params={"limit": 100}).raise_for_status().content
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    try:
        from studies.upstream import wire  # the dashboard's models (pure msgspec)
    except Exception as exc:
        return {"skipped": f"the dashboard's wire models could not be imported: {exc}"}
    sides = {"msgspec": lambda: wire.STUDY_PAGE.decode(body) is not None}
    try:
        from avara.types.viewer.study_list_response import StudyListResponse
    except ImportError:
        StudyListResponse = None
    if StudyListResponse is not None:

        def sdk() -> bool:
            data = json.loads(body)
            return bool([StudyListResponse.model_validate(s) for s in data["studies"]])

        sides["sdk_pydantic"] = sdk
    measured = interleave(sides, samples=max(run.samples, 100) * 2, warmup=10)
    figure = {name: _ms(s) for name, s in measured.items()}
    figure["studies"] = 100
    figure["body_bytes"] = len(body)
    if "sdk_pydantic" in measured:
        figure["sdk_over_msgspec"] = round(
            ratio(measured["sdk_pydantic"].median, measured["msgspec"].median), 1
        )
    else:
        figure["sdk_pydantic"] = "n/a (the official avara client is not installed)"
    return figure


def _ms(samples: Samples) -> dict:
    return {"median_ms": round(samples.median, 4), "p95_ms": round(samples.p95, 4)}
