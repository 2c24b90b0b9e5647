"""Turnaround at a glance (studies/board/turnaround.py): the figures against values worked
out by hand on a fixed set, at a fixed moment (the test's clock: NOW, Monday 7 December
2026, 12:00 UTC; the dashboard's time zone is UTC here).

Thresholds are the queue's: STAT 1 h, High 4 h, Normal 24 h.
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from view_helpers import STUDIES, page_json, study_json

from studies.board import turnaround
from studies.board.turnaround import (
    AUDIT,
    UPDATED,
    Completion,
    audit_completions,
    completions_of,
    turnaround_of,
)
from studies.models import AuditAction, AuditEntry, AuditOutcome

from .factory import NOW, study

THRESHOLDS = {"stat": 3600, "high": 4 * 3600, "normal": 24 * 3600}
H, M = 3600, 60


def done(n: int, severity: str, *, waited: float, days_ago: int = 0, source: str = UPDATED):
    """Study n, completed `days_ago` days before NOW (at 09:00 that day), `waited` seconds
    after it arrived."""
    completed = NOW.replace(hour=9) - timedelta(days=days_ago)
    return Completion(
        f"stu_{n:032x}", severity, completed - timedelta(seconds=waited), completed, source
    )


FIXTURE = [
    # STAT: 30 min and 50 min today, 2 h yesterday -> 2 of 3 within 1 h, median 50 min.
    done(1, "stat", waited=30 * M),
    done(2, "stat", waited=50 * M, source=AUDIT),
    done(3, "stat", waited=2 * H, days_ago=1),
    # High: 3 h and 5 h, three days ago -> 1 of 2 within 4 h, median 4 h.
    done(4, "high", waited=3 * H, days_ago=3),
    done(5, "high", waited=5 * H, days_ago=3),
    # Normal: 10 h six days ago (the window's first day) -> 1 of 1, median 10 h.
    done(6, "normal", waited=10 * H, days_ago=6),
    # Left out: seven days ago is before the window; a time after NOW cannot be yet.
    done(7, "normal", waited=H, days_ago=7),
    Completion("stu_" + "8" * 32, "stat", NOW, NOW + timedelta(hours=1), UPDATED),
]


def test_the_figures_are_the_ones_worked_out_by_hand():
    report = turnaround_of(FIXTURE, now=NOW, days=7, thresholds=THRESHOLDS)

    stat, high, normal = (report.by_severity[s] for s in ("stat", "high", "normal"))
    assert (stat.completed, stat.within, stat.median_seconds) == (3, 2, 50 * M)
    assert stat.share == pytest.approx(2 / 3)
    assert (high.completed, high.within, high.median_seconds, high.share) == (2, 1, 4 * H, 0.5)
    assert (normal.completed, normal.within, normal.median_seconds) == (1, 1, 10 * H)
    assert (report.from_audit, report.from_updated) == (1, 5)


def test_each_day_has_its_own_figures_today_last():
    report = turnaround_of(FIXTURE, now=NOW, days=7, thresholds=THRESHOLDS)

    assert [d.isoformat() for d in report.days] == [
        "2026-12-01",
        "2026-12-02",
        "2026-12-03",
        "2026-12-04",
        "2026-12-05",
        "2026-12-06",
        "2026-12-07",
    ]
    assert [f.completed for f in report.by_day["stat"]] == [0, 0, 0, 0, 0, 1, 2]
    assert [f.within for f in report.by_day["stat"]] == [0, 0, 0, 0, 0, 0, 2]
    assert report.by_day["high"][3].median_seconds == 4 * H
    assert report.by_day["normal"][0].share == 1.0
    assert report.by_day["normal"][1].share is None  # nothing completed that day


def test_a_day_is_the_dashboards_local_day(settings):
    settings.TIME_ZONE = "America/New_York"  # 09:00 UTC today is 04:00 there, same day
    late = done(9, "stat", waited=10 * M, days_ago=0)
    early = Completion(late.study_id, "stat", late.created_at, NOW.replace(hour=3), UPDATED)

    report = turnaround_of([early], now=NOW, days=7, thresholds=THRESHOLDS)

    assert [f.completed for f in report.by_day["stat"]][-2:] == [1, 0]  # 22:00 yesterday there


def test_completion_comes_from_the_audit_where_it_has_one():
    finished = study(1, "stat", status="complete", waited=timedelta(hours=3), updated=NOW)
    elsewhere = study(2, "high", status="complete", waited=timedelta(hours=5), updated=NOW)
    open_one = study(3, "stat")
    cancelled = study(4, "stat", status="complete", cancelled=True)
    audited = NOW - timedelta(hours=2, minutes=30)

    found = completions_of([finished, elsewhere, open_one, cancelled], {finished.study_id: audited})

    assert [(c.study_id, c.completed_at, c.source) for c in found] == [
        (finished.study_id, audited, AUDIT),
        (elsewhere.study_id, NOW, UPDATED),
    ]


@pytest.mark.django_db
def test_the_audit_remembers_the_last_completion_unless_it_was_reopened(django_user_model):
    since = NOW - timedelta(days=14)

    def entry(study_id: str, status: str, at, outcome=AuditOutcome.APPLIED):
        made = AuditEntry.objects.create(
            actor_username="x",
            action=AuditAction.UPDATE,
            study_id=study_id,
            after={"study_viewer_status": status},
            accepted=outcome == AuditOutcome.APPLIED,
            outcome=outcome,
        )
        AuditEntry.objects.filter(pk=made.pk).update(created_at=at)

    entry("stu_a", "complete", NOW - timedelta(hours=5))
    entry("stu_a", "complete", NOW - timedelta(hours=1))  # completed again: the later one
    entry("stu_b", "complete", NOW - timedelta(hours=4))
    entry("stu_b", "incomplete", NOW - timedelta(hours=3))  # reopened: forgotten
    entry("stu_c", "complete", NOW - timedelta(hours=2), outcome=AuditOutcome.CONFLICT)
    entry("stu_d", "complete", NOW - timedelta(days=20))  # before the window

    assert audit_completions(since=since) == {"stu_a": NOW - timedelta(hours=1)}


@pytest.mark.django_db
def test_built_in_the_background_once_then_read_from_the_store(avara, settings, monkeypatch):
    """Avara's completed studies are read back to arrivals one window before the window
    (newest first), and the figures kept: a page view reads them, never Avara."""
    settings.TRIAGE_TURNAROUND_SECONDS = 300
    monkeypatch.setattr(turnaround.timezone, "now", lambda: NOW)
    recent = study_json(
        1,
        severity="stat",
        studyViewerStatus="complete",
        createdAt="2026-12-07T10:00:00Z",
        updatedAt="2026-12-07T10:40:00Z",
    )
    old = study_json(
        2,
        studyViewerStatus="complete",
        createdAt="2026-11-20T10:00:00Z",
        updatedAt="2026-11-20T12:00:00Z",
    )
    route = avara.get(STUDIES).respond(json=page_json(recent, old, cursor="MORE", has_more=True))

    built = turnaround.turnaround_build()
    kept = turnaround.turnaround_report()

    assert route.call_count == 1  # the page reached arrivals before 24 Nov: no second page
    query = dict(route.calls[0].request.url.params)
    assert query["studyViewerStatus"] == "complete" and query["isCancelled"] == "false"
    assert built.by_severity["stat"].completed == 1
    assert built.by_severity["stat"].median_seconds == 40 * M
    assert kept.built_at == built.built_at and route.call_count == 1
    cache.clear()
