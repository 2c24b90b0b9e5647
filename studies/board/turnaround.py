"""Turnaround at a glance: for each of the last TRIAGE_TURNAROUND_DAYS days and each
severity, how many studies were completed, the share completed within their threshold
(the queue's: STAT 1 h, High 4 h, Normal 24 h, settings.TRIAGE_TURNAROUND) and the median
time from arrival to completion.

Where the times come from. Arrival is Avara's `createdAt`. Avara keeps no completion
time, so completion is:
- the dashboard's own audit where it has one: the last applied change of the viewer
  status to complete (unless a later one set it back);
- otherwise Avara's `updatedAt` on the completed study: its *last change*, which is its
  completion only if nothing changed after it (the page labels these).

Reading the completed studies costs one Avara list call per 100 (newest arrivals first,
back to arrivals TRIAGE_TURNAROUND_DAYS before the window, at most TRIAGE_TURNAROUND_MAX),
so the figures are worked out in the background, at most every TRIAGE_TURNAROUND_SECONDS,
by one process at a time (a lock in the shared store), and kept in the shared store:
a page view only reads them. While none exist yet the page says they are being worked out.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from studies import upstream
from studies.infra.background import build_in_background
from studies.infra.locks import lock_release, lock_take
from studies.models import AuditAction, AuditEntry, AuditOutcome
from studies.queue import SEVERITY_ORDER

REPORT_KEY = "triage:turnaround:v1"
_LOCK = f"{REPORT_KEY}:building"
AUDIT, UPDATED = "audit", "updated"


@dataclass(frozen=True, slots=True)
class Completion:
    study_id: str
    severity: str
    created_at: datetime
    completed_at: datetime
    source: str  # AUDIT or UPDATED


@dataclass(frozen=True, slots=True)
class Figures:
    completed: int = 0
    within: int = 0
    median_seconds: float | None = None

    @property
    def share(self) -> float | None:
        return self.within / self.completed if self.completed else None


@dataclass(slots=True)
class Report:
    days: list[date]  # oldest first, the last is today (the dashboard's time zone)
    by_severity: dict[str, Figures]
    by_day: dict[str, list[Figures]]  # severity -> one per day, as `days`
    from_audit: int
    from_updated: int
    built_at: float  # POSIX seconds
    read_back_to: datetime | None = None  # arrivals before this were not read
    truncated: bool = False  # stopped at TRIAGE_TURNAROUND_MAX studies
    thresholds: dict[str, int] = field(default_factory=dict)


def turnaround_of(
    completions: Iterable[Completion], *, now: datetime, days: int, thresholds: dict[str, int]
) -> Report:
    """The figures for the completions of the last `days` local days (today included)."""
    today = timezone.localdate(now)
    wanted = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
    index = {day: n for n, day in enumerate(wanted)}
    waits: dict[str, list[float]] = {s: [] for s in SEVERITY_ORDER}
    daily: dict[str, list[list[float]]] = {s: [[] for _ in wanted] for s in SEVERITY_ORDER}
    sources = {AUDIT: 0, UPDATED: 0}
    for done in completions:
        day = index.get(timezone.localdate(done.completed_at))
        if day is None or done.completed_at > now:
            continue
        severity = done.severity if done.severity in SEVERITY_ORDER else "normal"
        wait = max(0.0, (done.completed_at - done.created_at).total_seconds())
        waits[severity].append(wait)
        daily[severity][day].append(wait)
        sources[done.source] += 1
    limit = {s: thresholds.get(s, thresholds["normal"]) for s in SEVERITY_ORDER}
    return Report(
        days=wanted,
        by_severity={s: _figures(waits[s], limit[s]) for s in SEVERITY_ORDER},
        by_day={s: [_figures(w, limit[s]) for w in daily[s]] for s in SEVERITY_ORDER},
        from_audit=sources[AUDIT],
        from_updated=sources[UPDATED],
        built_at=now.timestamp(),
        thresholds=limit,
    )


def _figures(waits: list[float], limit: int) -> Figures:
    if not waits:
        return Figures()
    return Figures(
        completed=len(waits),
        within=sum(1 for w in waits if w <= limit),
        median_seconds=statistics.median(waits),
    )


def completions_of(studies, audit_times: dict[str, datetime]) -> list[Completion]:
    """Each completed, active study with its completion time: the audit's where it has
    one, else `updatedAt`. Studies without an arrival or any completion time are left out."""
    found = []
    for study in studies:
        if study.study_viewer_status != "complete" or study.is_cancelled:
            continue
        when, source = audit_times.get(study.study_id), AUDIT
        if when is None:
            when, source = study.updated_at, UPDATED
        if study.created_at is None or when is None:
            continue
        found.append(Completion(study.study_id, study.severity, study.created_at, when, source))
    return found


def audit_completions(*, since: datetime) -> dict[str, datetime]:
    """{study id: when the dashboard last marked it complete}, from its own audit trail
    (applied changes of the viewer status since `since`; one set back to "to read" later
    forgets the earlier completion)."""
    entries = (
        AuditEntry.objects.filter(
            action=AuditAction.UPDATE,
            outcome=AuditOutcome.APPLIED,
            created_at__gte=since,
            after__has_key="study_viewer_status",
        )
        .order_by("created_at", "id")
        .values_list("study_id", "after", "created_at")
    )
    times: dict[str, datetime] = {}
    for study_id, after, created_at in entries.iterator():
        status = after.get("study_viewer_status") if isinstance(after, dict) else None
        if status == "complete":
            times[study_id] = created_at
        elif status == "incomplete":
            times.pop(study_id, None)
    return times


def _read_completed(*, back_to: datetime, most: int) -> tuple[list, bool]:
    """Completed, active studies, newest arrivals first, until one arrived before
    `back_to` (Avara lists by arrival, newest first) or `most` were read."""
    studies, cursor = [], None
    while True:
        page = upstream.study_list(
            study_viewer_status="complete", is_cancelled=False, cursor=cursor, limit=100
        )
        studies.extend(page.studies)
        oldest = min((s.created_at for s in page.studies if s.created_at), default=None)
        if not (page.has_more and page.cursor) or (oldest is not None and oldest < back_to):
            return studies, False
        if len(studies) >= most:
            return studies, True
        cursor = page.cursor


def turnaround_build(*, now: datetime | None = None) -> Report:
    """Work the figures out now (Avara list calls, one audit query) and keep them."""
    now = now or timezone.now()
    days = max(1, settings.TRIAGE_TURNAROUND_DAYS)
    today = timezone.localdate(now)
    start = timezone.make_aware(
        datetime.combine(today - timedelta(days=days - 1), datetime.min.time())
    )
    back_to = start - timedelta(days=days)
    studies, truncated = _read_completed(back_to=back_to, most=settings.TRIAGE_TURNAROUND_MAX)
    times = audit_completions(since=back_to)
    report = turnaround_of(
        completions_of(studies, times),
        now=now,
        days=days,
        thresholds=settings.TRIAGE_TURNAROUND,
    )
    report.read_back_to, report.truncated = back_to, truncated
    report.built_at = time.time()  # how old the figures are, on the store's clock
    cache.set(REPORT_KEY, report, timeout=max(settings.TRIAGE_TURNAROUND_SECONDS * 12, 3600))
    return report


def turnaround_report() -> Report | None:
    """The figures kept in the shared store; older than TRIAGE_TURNAROUND_SECONDS, they are
    worked out again in the background (one process at a time) while these are shown.
    None while none have been worked out yet. With TRIAGE_QUEUE_BACKGROUND off (tests),
    they are worked out in the request instead."""
    stored = cache.get(REPORT_KEY)
    if stored is not None and time.time() - stored.built_at <= settings.TRIAGE_TURNAROUND_SECONDS:
        return stored
    token = lock_take(_LOCK, seconds=300)
    if token is None:
        return stored  # another process is working them out
    if not settings.TRIAGE_QUEUE_BACKGROUND:
        try:
            return turnaround_build()
        except upstream.UpstreamError:
            return stored
        finally:
            lock_release(_LOCK, token)
    build_in_background(turnaround_build, lock=_LOCK, token=token, what="The turnaround figures")
    return stored
