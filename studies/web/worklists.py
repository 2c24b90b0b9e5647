"""Saved worklists as pages use them: the filters a list keeps (its normalised query),
checked again each time it is used, what it shows in words, and its count.

A saved list keeps the filters of the worklist or the queue as a query string holding
only what narrows the list (no page, no cursor, no default), in one order, so the same
view saved twice reads the same. When it is used, the query is validated again with
the same form the page uses, and with the user's role: what no longer applies (a
malformed value, a filter this role may not use) is named, and left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from studies import validators
from studies.accounts.roles import RADIOLOGIST
from studies.queue import in_view
from studies.selectors import open_count, open_studies_found
from studies.web.forms import (
    CANCELLED_CHOICES,
    QUEUE_SHOWS,
    SEVERITY_CHOICES,
    STATUS_CHOICES,
    QueueFilterForm,
    WorklistFilterForm,
    list_filters,
)

# The worklist's filters a saved list keeps, in this order; and their defaults.
WORKLIST_KEYS = ("q", "severity", "status", "assignee", "customer", "cancelled", "limit")
DEFAULTS = {"cancelled": "active", "limit": 25}
LABELS = {
    "q": "Search",
    "severity": "Severity",
    "status": "Status",
    "assignee": "Assignee",
    "customer": "Customer",
    "cancelled": "Show",
    "limit": "Per page",
    "show": "Show",
}
PAGE_NAMES = {"worklist": "Worklist", "queue": "Queue"}


def filters_of(query: QueryDict) -> str:
    """The filters of a page's query (not its page or cursors), for "Save view" to post
    (normalised when saved)."""
    kept = [(k, v) for k in (*WORKLIST_KEYS, "show") for v in query.getlist(k)[:1] if v]
    return urlencode(kept)


def normal_query(page: str, query: QueryDict) -> tuple[str, list[str]]:
    """(the normalised query, the problems): the filters of `query` that the page's form
    accepts, in one order and without defaults; each refused one named."""
    if page == "queue":
        form = QueueFilterForm(query)
        form.is_valid()
        problems = _problems(form, ("show",))
        show = form.cleaned_data.get("show") or "all"
        return (urlencode([("show", show)]) if show != "all" else ""), problems
    form = WorklistFilterForm(query)
    form.is_valid()
    pairs = []
    for key in WORKLIST_KEYS:
        value = form.cleaned_data.get(key)
        if key in form.errors or value in (None, "") or value == DEFAULTS.get(key):
            continue
        pairs.append((key, str(value)))
    return urlencode(pairs), _problems(form, WORKLIST_KEYS)


def _problems(form, keys) -> list[str]:
    return [f"{LABELS[k]}: {' '.join(form.errors[k])}" for k in keys if k in form.errors]


@dataclass(frozen=True, slots=True)
class Checked:
    """A saved list as it can be used now: its URL (what still applies) and the
    problems with what it kept (empty when it all still applies)."""

    url: str
    problems: tuple[str, ...]


def saved_checked(saved, caps) -> Checked:
    """Validate a saved list's filters again, for this user's role."""
    query, problems = normal_query(saved.page, QueryDict(saved.query))
    params = QueryDict(query, mutable=True)
    if saved.page == "worklist":
        if params.get("cancelled") and not caps.see_cancelled:
            problems.append("Show: your role does not see cancelled studies.")
            params.pop("cancelled")
        if params.get("assignee") == "me" and not caps.me:
            problems.append("Assignee: your account is not linked to an Avara user.")
            params.pop("assignee")
    base = reverse("studies:queue" if saved.page == "queue" else "studies:worklist")
    encoded = params.urlencode()
    return Checked(url=f"{base}?{encoded}" if encoded else base, problems=tuple(problems))


def saved_summary(saved, *, users: dict[str, str], customers: dict[str, str]) -> str:
    """What a saved list shows, in words: "Worklist: STAT, To read, Assigned to me"."""
    params = QueryDict(saved.query)
    words = []
    if saved.page == "queue":
        show = params.get("show", "all")
        words.append(dict(QUEUE_SHOWS).get(show, show))
    for key in WORKLIST_KEYS if saved.page == "worklist" else ():
        value = params.get(key)
        if value:
            words.append(_word(key, value, users, customers))
    return f"{PAGE_NAMES.get(saved.page, saved.page)}: {', '.join(words) or 'everything'}"


def _word(key: str, value: str, users: dict, customers: dict) -> str:
    if key == "q":
        return f"search \u201c{value}\u201d"
    if key == "severity":
        return dict(SEVERITY_CHOICES).get(value, value)
    if key == "status":
        return dict(STATUS_CHOICES).get(value, value)
    if key == "cancelled":
        return {"cancelled": "cancelled only", "all": "cancelled too"}.get(
            value, dict(CANCELLED_CHOICES).get(value, value)
        )
    if key == "assignee":
        if value == "me":
            return "assigned to me"
        return "unassigned" if value == "none" else f"assigned to {users.get(value, value)}"
    if key == "customer":
        return "no customer" if value == "none" else customers.get(value, value)
    return f"{value} per page"


def saved_count(saved, *, snapshot, caps, now=None) -> int | None:
    """How many studies a saved list shows now, when the queue snapshot knows: a queue
    view, or worklist filters within the open work (studies/web/totals.py); else None.
    Counted from the snapshot already read: no Avara call, no store round trip."""
    if snapshot is None or snapshot.truncated:
        return None
    params = QueryDict(saved.query)
    if saved.page == "queue":
        show = QueueFilterForm(params).value("show", "all")
        now = now or timezone.now()
        return sum(1 for s in snapshot.studies if in_view(s, show, caps.me, now))
    form = WorklistFilterForm(params)
    if form.value("assignee") == "me" and not caps.me:
        return None
    filters = list_filters(form, me=caps.me, can_see_cancelled=caps.see_cancelled)
    q = form.value("q")
    fragment = validators.id_fragment(q) if q and not validators.is_study_id(q) else None
    if fragment is not None:
        return len(open_studies_found(studies=snapshot.studies, fragment=fragment, filters=filters))
    return open_count(snapshot=snapshot, filters=filters)


# --- Where each role lands when it has chosen no list ------------------------------------


def landing_default(caps, *, mine_open: bool = False) -> tuple[str, str]:
    """(URL, words) of the role's default landing page.

    - Radiologists: the queue, their own open studies first: the queue's "Mine" view
      when they have open studies of their own (`mine_open`), else everyone's.
    - Supervisors: the workload board (who has what), else the worklist.
    - Admins: the worklist with cancelled studies shown (what only they can restore).
    """
    if caps.role == RADIOLOGIST or (caps.assign_self and not caps.assign_any):
        queue = reverse("studies:queue")
        words = "the queue: your own open studies (Mine) when you have some, else everyone's"
        return (f"{queue}?show=mine" if mine_open else queue), words
    if caps.see_cancelled:
        worklist = reverse("studies:worklist")
        return f"{worklist}?cancelled=all", "the worklist, cancelled studies shown"
    if caps.workload:
        return reverse("studies:workload"), "the workload board: who has what"
    return reverse("studies:worklist"), "the worklist"
