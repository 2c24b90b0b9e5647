"""The counts a list page prints beside its rows (the pager's, the queue's total above the
rows, the STAT banner's), sent again out of band (hx-swap-oob) with every answer that
changes a row, so a page never says "Page 1 · 2 studies" over an empty table, nor keeps an
old STAT count until the next poll.

Where each count comes from:
- The queue's: the shared picture of the open work (studies/queue.py), with the
  dashboard's own writes laid over it, so the write being answered is in it; reading it
  costs no Avara call while it is fresh, and none is made for it when it is not.
- The worklist's pager counts the rows on the page: the page tells (the `X-Triage-Rows`
  header its script sends with every request), the answer says one fewer when the row
  left. Its STAT count, the title's, from the same picture, read once and never waited for.
"STAT waiting" has one meaning everywhere: `queue.is_stat_waiting`.
"""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse, QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from studies import upstream
from studies.accounts.capabilities import Capabilities
from studies.queue import in_view, queue_snapshot, stat_waiting
from studies.selectors import open_count
from studies.validators import small_number
from studies.web.forms import QueueFilterForm, WorklistFilterForm, cursor_trail, list_filters
from studies.web.seen import seen_read
from studies.web.totals import snapshot_total, snapshot_trusted

QUEUE_PAGE_SIZE = 50
ROWS_HEADER = "X-Triage-Rows"
NOTHING_LEFT = "Nothing left on this page."


def page_of(request) -> tuple[str, QueryDict]:
    """The path and query of the page an HTMX request came from ("" when unknown)."""
    try:
        parts = urlsplit(request.htmx.current_url_abs_path or "")
    except ValueError:  # a hostile HX-Current-URL header
        return "", QueryDict()
    return parts.path, QueryDict(parts.query)


def shown(studies, show: str, me: str | None, now) -> list:
    """The open studies the queue lists for this view ("all", "mine", ...)."""
    return [s for s in studies if in_view(s, show, me, now)]


def _rows_shown(request) -> int | None:
    """How many rows the page showed (its script says so), or None when not said."""
    raw = request.headers.get(ROWS_HEADER, "")
    return small_number(raw, digits=4)


def _picture_now():
    """The shared picture if there is one fresh enough to serve, else None: counts sent
    beside a row's answer never wait for Avara (a rebuild is started meanwhile)."""
    try:
        return queue_snapshot(wait=False)
    except upstream.UpstreamError:
        return None


def _queue_counts(request, query: QueryDict, *, rows: int | None) -> dict | None:
    snapshot = _picture_now()
    if snapshot is None:
        return None
    caps = Capabilities.of(request.user)
    form = QueueFilterForm(query)
    count = len(shown(snapshot.studies, form.value("show", "all"), caps.me, timezone.now()))
    pages = max(1, math.ceil(count / QUEUE_PAGE_SIZE))
    number = min(form.value("page", 1), pages)  # as the queue's Paginator.get_page reads it
    on_page = max(0, min(QUEUE_PAGE_SIZE, count - (number - 1) * QUEUE_PAGE_SIZE))
    if rows is not None:  # the rows the page holds now (a row that left is not replaced)
        on_page = min(rows, on_page)
    total = snapshot_total(shown=on_page, count=count, snapshot=snapshot)
    return {
        "template": "studies/queue.html#pager-count",
        "pager": {"page_number": number, "num_pages": pages, "total": total},
        "total": total,
        "stat_waiting": stat_waiting(snapshot),
    }


def _worklist_counts(request, query: QueryDict, *, rows: int | None) -> dict:
    counts: dict = {"template": "studies/worklist.html#pager-count", "stat_waiting": None}
    snapshot = _picture_now()  # read once, for the total and the STAT count
    if rows is not None:
        counts["pager"] = {"page_number": cursor_trail(query)[1], "shown": rows}
        total = _worklist_total(request, query, rows=rows, snapshot=snapshot)
        if total is not None:
            counts["total"] = total
    if settings.TRIAGE_TITLE_COUNTS and snapshot is not None:
        counts["stat_waiting"] = stat_waiting(snapshot)
    return counts


def _worklist_total(request, query: QueryDict, *, rows: int, snapshot):
    """The worklist's total once a row left, where the open work in the shared picture
    can count its filters (as studies/web/totals.py does for the page); else None, and
    the next read of the page says it."""
    form = WorklistFilterForm(query)
    if not form.is_valid() or form.value("q"):
        return None
    caps = Capabilities.of(request.user)
    filters = list_filters(form, me=caps.me, can_see_cancelled=caps.see_cancelled)
    if snapshot is None or not snapshot_trusted(snapshot):
        return None
    count = open_count(snapshot=snapshot, filters=filters)
    seen = (cursor_trail(query)[1] - 1) * form.value("limit", 25) + rows
    if count is None or count < seen:  # never fewer than the pages show
        return None
    return snapshot_total(shown=rows, count=count, snapshot=snapshot)


def counts_oob(request, *, change: int) -> str:
    """The page's counts as out-of-band pieces for an answer that changed a row ("" when
    the page is no list, or nothing can be said): the pager's text, the STAT banner (its
    number feeds the title), and the empty-table line when the last row left. `change`:
    the rows the answer adds to the page (-1: one left it; +1: one came back)."""
    path, query = page_of(request)
    shown_before = _rows_shown(request)
    rows = None if shown_before is None or not change else max(shown_before + change, 0)
    if path == reverse("studies:queue"):
        counts = _queue_counts(request, query, rows=rows)
    elif path == reverse("studies:worklist"):
        counts = _worklist_counts(request, query, rows=rows)
    else:
        return ""
    if counts is None:
        return ""
    pieces = []
    if "pager" in counts:
        context = {**counts["pager"], "oob": True}
        pieces.append(render_to_string(counts["template"], context, request=request))
    if "total" in counts:  # the total above the rows says what the pager says
        context = {"total": counts["total"], "oob": True}
        pieces.append(render_to_string("studies/_counts.html#list-total", context, request=request))
    if counts["stat_waiting"] is not None:
        pieces.append(stat_banner(request, counts["stat_waiting"]))
    if rows == 0:
        pieces.append(render_to_string("studies/_counts.html#nothing-left", {"text": NOTHING_LEFT}))
    # Each in a <template> of its own: the answer may be a table row, which a <div> may
    # not follow, and a template's content is parsed by its first tag (a <tbody> after a
    # <div> would be dropped).
    return "".join(f"<template>{piece}</template>" for piece in pieces)


def _stat_then_or_now(request, study) -> bool:
    """Whether the study is STAT, or was in the row the user acted on (its token; an
    unreadable one counts as yes)."""
    if study.severity == "stat":
        return True
    token = request.POST.get("t") or request.GET.get("t") or ""
    seen = seen_read(token, study_id=study.study_id) if token else None
    return seen is None or seen["severity"] == "stat"


def stat_banner(request, count: str | None, *, oob: bool = True) -> str:
    """The STAT banner (its `data-stat` feeds the page title): studies/_counts.html."""
    context = {"stat_waiting": count, "oob": oob}
    return render_to_string("studies/_counts.html#stat-banner", context, request=request)


def with_counts(request, response: HttpResponse, *, change: int = 0, study=None) -> HttpResponse:
    """`response` (a row redrawn, taken out or back) with the page's counts out of band.
    A row redrawn in its place (`change` 0) of a `study` that is no STAT and was none when
    the row was drawn moves no count (the rows on the page and "STAT waiting" are as they
    were): nothing is added, and the picture is not read for it."""
    if change == 0 and study is not None and not _stat_then_or_now(request, study):
        return response
    extra = counts_oob(request, change=change)
    if extra:
        response.content = response.content + extra.encode()
    return response
