"""The queue's words and notes (studies/queue.py), each with one meaning: "overdue" as
the clock, the Overdue view, the tag and the rule's groups say it; "STAT waiting" as the
title, the banner and the quick filter count it; and a note of the dashboard's own write
laid over a picture only where it is newer than what the picture says. (The order:
test_queue_order.py; against the sandbox: tests/integration/test_queue.py.)"""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studies import queue
from studies.upstream import Study, UserRef
from studies.web.presenters import CLOCK_TAGS, clock_state

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
TURNAROUND = {"stat": 3600, "high": 4 * 3600, "normal": 24 * 3600}
READER = UserRef(user_id="usr_" + "5" * 32, email="amelia@clinic.test")


@pytest.fixture(autouse=True)
def thresholds(settings):
    settings.TRIAGE_TURNAROUND = dict(TURNAROUND)
    settings.TRIAGE_DUE_SOON = 0.75


def study(n: int = 1, *, waited: timedelta | None = timedelta(0), **fields) -> Study:
    values = {
        "study_id": f"stu_{n:032x}",
        "study_instance_uid": f"1.2.3.{n}",
        "study_description": f"Study {n}",
        "severity": "normal",
        "study_viewer_status": "incomplete",
        "is_cancelled": False,
        "created_at": None if waited is None else NOW - waited,
    }
    return Study(**(values | fields))


# --- "Overdue" ----------------------------------------------------------------------------

_edges = st.sampled_from(list(TURNAROUND.values())).flatmap(lambda t: st.integers(t - 2, t + 2))
_waits = st.one_of(st.none(), st.integers(0, 3 * 86400), _edges).map(
    lambda s: None if s is None else timedelta(seconds=s)
)
_studies = st.builds(
    lambda severity, waited, status, cancelled: study(
        severity=severity, waited=waited, study_viewer_status=status, is_cancelled=cancelled
    ),
    st.sampled_from(["stat", "high", "normal"]),
    _waits,
    st.sampled_from(["incomplete", "complete"]),
    st.booleans(),
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(_studies)
def test_overdue_means_one_thing_in_the_view_the_tag_and_the_rule(s):
    overdue = queue.is_overdue(s, NOW)

    assert overdue == (
        queue.clock(s, NOW) == "overdue"
        and s.study_viewer_status == "incomplete"
        and not s.is_cancelled
    )
    assert queue.in_view(s, "overdue", None, NOW) == overdue  # the queue's Overdue view
    assert (clock_state(s, NOW) == "overdue") == overdue  # the row's clock colour
    assert ("Overdue" in CLOCK_TAGS[clock_state(s, NOW)]) == overdue  # the row's tag
    if s.severity == "normal" and queue.is_open(s):  # the rule's "Normal studies overdue"
        assert (queue.priority_group(s, NOW) == queue.URGENT_GROUP) == overdue


def test_overdue_starts_at_the_threshold_as_the_rule_words_it():
    assert "Normal studies overdue (waiting 24 h or more)" in queue.rule_text()
    assert queue.is_overdue(study(waited=timedelta(hours=24)), NOW)
    assert not queue.is_overdue(study(waited=timedelta(hours=24) - timedelta(seconds=1)), NOW)


# --- "STAT waiting" -----------------------------------------------------------------------


def test_stat_waiting_counts_the_open_stat_studies_nobody_has_claimed():
    studies = [
        study(1, severity="stat"),
        study(2, severity="stat", waited=timedelta(hours=3)),  # overdue: still waiting
        study(3, severity="stat", assigned_to=READER),
        study(4, severity="stat", study_viewer_status="complete"),
        study(5, severity="stat", is_cancelled=True),
        study(6, severity="high"),
    ]
    snapshot = queue.Snapshot(studies=studies, built_at=NOW)

    assert [s.study_id for s in studies if queue.is_stat_waiting(s)] == [
        studies[0].study_id,
        studies[1].study_id,
    ]
    assert queue.stat_waiting(snapshot) == "2"
    snapshot.truncated = ("stat",)
    assert queue.stat_waiting(snapshot) == "2+"  # more open STAT than the picture holds


# --- Notes laid over a picture --------------------------------------------------------------

BUILT = NOW.timestamp()  # when the picture's reads started
T0 = NOW - timedelta(minutes=5)


def test_a_picture_with_a_newer_or_equal_updated_at_wins_over_a_note_however_recent():
    note = study(updated_at=T0, assigned_to=READER)  # the dashboard's claim
    for pictured_at in (T0, T0 + timedelta(milliseconds=500)):
        pictured = study(updated_at=pictured_at)  # unassigned again, from outside
        assert not queue.note_is_newer(note, BUILT + 1, pictured, BUILT)


def test_a_note_newer_than_the_picture_wins_however_old_the_note():
    note = study(updated_at=T0, assigned_to=READER)
    pictured = study(updated_at=T0 - timedelta(milliseconds=1))  # read before the claim

    assert queue.note_is_newer(note, BUILT - 3600, pictured, BUILT)


def test_without_updated_at_the_time_of_the_note_decides():
    note = study(updated_at=None, assigned_to=READER)
    pictured = study(updated_at=T0)
    margin = 5.0

    assert queue.note_is_newer(note, BUILT - margin, pictured, BUILT)  # during the reads
    assert not queue.note_is_newer(note, BUILT - margin - 0.1, pictured, BUILT)  # before
    assert queue.note_is_newer(study(updated_at=T0), BUILT + 1, None, BUILT)  # a new study
    assert not queue.note_is_newer(study(updated_at=T0), BUILT - 60, None, BUILT)  # left


def test_the_overlay_keeps_the_pictures_newer_state_and_lays_the_newer_notes(monkeypatch):
    claimed = study(1, updated_at=T0, assigned_to=READER)
    given_back = study(1, updated_at=T0 + timedelta(seconds=1))  # from outside, later
    completed = study(2, updated_at=T0 + timedelta(seconds=2), study_viewer_status="complete")
    still_open = study(2, updated_at=T0)
    notes = {s.study_id: (BUILT + 1, queue._ENCODER.encode(s)) for s in (claimed, completed)}
    monkeypatch.setattr(queue, "notes_all", lambda key: notes)

    shown = queue._overlay([given_back, still_open], BUILT)

    assert shown == [given_back]  # study 1 as Avara said later; study 2 read: gone
