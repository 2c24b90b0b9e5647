"""What a list says of how many studies its filters match (studies/web/totals.py):
exact where the open work's picture knows, else "more than" what paging has seen;
never fewer than there are, never a number the picture cannot vouch for."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from studies import upstream
from studies.web.forms import MAX_CURSOR_TRAIL
from studies.web.totals import Total, snapshot_total, worklist_total

OPEN = {"study_viewer_status": "incomplete", "is_cancelled": False}


def _study(n: int, severity: str = "stat", assignee: str | None = None):
    ref = SimpleNamespace(user_id=assignee) if assignee else None
    return SimpleNamespace(
        study_id=f"stu_{n:032x}",
        severity=severity,
        study_viewer_status="incomplete",
        is_cancelled=False,
        assigned_to=ref,
        express_customer=None,
        study_description="CT",
    )


def _snapshot(studies, *, truncated=(), age=1.0):
    built = datetime(2026, 12, 7, 10, 42, 5, tzinfo=UTC)
    return SimpleNamespace(
        studies=studies, truncated=truncated, bound=2000, age_seconds=age, built_at=built
    )


def _total(filters, *, shown=25, has_more=True, trail=(), page_number=1, snapshot=None):
    return worklist_total(
        filters=filters,
        trail=list(trail),
        page_number=page_number,
        limit=25,
        shown=shown,
        has_more=has_more,
        snapshot=snapshot,
    )


def test_within_the_open_work_the_count_is_exact():
    snapshot = _snapshot([_study(n) for n in range(230)] + [_study(999, "high")])

    total = _total({**OPEN, "severity": "stat"}, snapshot=snapshot)

    assert (total.exact, total.text) == (True, "25 of 230 studies")
    assert "10:42:05" in total.title


@pytest.mark.parametrize(
    "filters",
    [
        {},  # completed studies too
        {"study_viewer_status": "incomplete", "is_cancelled": None},  # cancelled too
        {"study_viewer_status": "complete", "is_cancelled": False},
        {**OPEN, "study_description": "ct"},  # Avara's matching, not ours
    ],
    ids=["everything", "cancelled-too", "completed", "description"],
)
def test_beyond_the_open_work_it_is_what_paging_has_seen(filters):
    snapshot = _snapshot([_study(n) for n in range(230)])

    total = _total(filters, snapshot=snapshot, trail=["c1", "c2", "c3"], page_number=4)

    assert (total.exact, total.text) == (False, "25 of more than 100 studies")


def test_the_last_page_knows_the_count_whatever_the_filters():
    total = _total({}, shown=7, has_more=False, trail=["c1"], page_number=2)

    assert (total.exact, total.text) == (True, "7 of 32 studies")


def test_one_study_is_one_study():
    assert _total({}, shown=1, has_more=False).text == "1 study"
    assert snapshot_total(shown=1, count=1, snapshot=_snapshot([])).text == "1 study"
    assert Total(0, count=0).text == "0 studies"


def test_a_picture_that_disagrees_with_the_page_is_not_believed():
    """The picture says 20, but this page shows 25 and Avara says there are more: the
    picture is older than the page, so it is paging's word that stands."""
    snapshot = _snapshot([_study(n) for n in range(20)])

    total = _total({**OPEN}, snapshot=snapshot)

    assert total.text == "25 of more than 25 studies"


def test_a_picture_too_old_or_holding_part_of_the_open_work_is_not_used():
    studies = [_study(n) for n in range(230)]

    old = _total({**OPEN}, snapshot=_snapshot(studies, age=3600))
    truncated = _total({**OPEN}, snapshot=_snapshot(studies, truncated=("stat",)))
    other_severity = _total(
        {**OPEN, "severity": "high"},
        snapshot=_snapshot([_study(n, "high") for n in range(40)], truncated=("stat",)),
    )

    assert old.text == truncated.text == "25 of more than 25 studies"
    assert other_severity.text == "25 of 40 studies"  # its severity is whole


def test_a_page_number_is_counted_from_the_cursors_not_taken_from_the_url():
    """?p=50 with one cursor in the URL is page 2: a hand-made URL cannot inflate it."""
    forged = _total({}, trail=["c1"], page_number=50)
    long_trail = _total({}, trail=[f"c{i}" for i in range(MAX_CURSOR_TRAIL)], page_number=70)

    assert forged.text == "25 of more than 50 studies"
    assert long_trail.text == "25 of more than 1,750 studies"  # trimmed: the number stands


def test_mine_and_unassigned_are_counted_by_their_own_filter():
    me = "usr_" + "1" * 32
    snapshot = _snapshot(
        [_study(n, assignee=me) for n in range(30)] + [_study(100 + n) for n in range(40)]
    )

    mine = _total({**OPEN, "assigned_to": me}, snapshot=snapshot)
    nobody = _total({**OPEN, "assigned_to": upstream.NULL}, snapshot=snapshot)

    assert (mine.text, nobody.text) == ("25 of 30 studies", "25 of 40 studies")


def test_a_truncated_picture_says_at_least():
    snapshot = _snapshot([], truncated=("normal",))

    assert snapshot_total(shown=50, count=6000, snapshot=snapshot).text == (
        "50 of at least 6,000 studies"
    )
    assert snapshot_total(shown=0, count=0, snapshot=snapshot).text == "0 of at least 0 studies"
