"""The queue's order, proved over random queues and clocks (studies/queue.py).

Three groups: every STAT study; then High together with the Normal studies past their
threshold; then the other Normal studies. Within a group, the earliest due first (due =
created + the threshold of the study's own severity). The invariants a radiologist can
check on the page are asserted for any queue hypothesis can think of, at any moment.
"""

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studies.queue import due_at, prioritised, rule_text
from studies.upstream import Study

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
TURNAROUND = {"stat": 3600, "high": 4 * 3600, "normal": 24 * 3600}


@pytest.fixture(autouse=True)
def thresholds(settings):
    settings.TRIAGE_TURNAROUND = dict(TURNAROUND)
    settings.TRIAGE_DUE_SOON = 0.75


def study(n: int, severity: str, waited: timedelta | None) -> Study:
    return Study(
        study_id=f"stu_{n:032x}",
        study_instance_uid=f"1.2.3.{n}",
        study_description=f"Study {n}",
        severity=severity,
        study_viewer_status="incomplete",
        is_cancelled=False,
        created_at=None if waited is None else NOW - waited,
    )


# Ages from a second to ten days, often right at a threshold (the edges matter most),
# sometimes none at all (Avara gave no creation time).
_edges = st.sampled_from([3600, 4 * 3600, 24 * 3600]).flatmap(lambda t: st.integers(t - 2, t + 2))
_ages = st.one_of(st.none(), st.integers(0, 10 * 86400), _edges).map(
    lambda s: None if s is None else timedelta(seconds=s)
)
_queues = st.lists(
    st.tuples(st.sampled_from(["stat", "high", "normal"]), _ages), min_size=0, max_size=60
).map(lambda items: [study(n, sev, age) for n, (sev, age) in enumerate(items)])
_clocks = st.integers(-3600, 3 * 86400).map(lambda s: NOW + timedelta(seconds=s))


def overdue(s: Study, now: datetime) -> bool:
    return s.created_at is not None and now >= s.created_at + timedelta(
        seconds=TURNAROUND[s.severity]
    )


def group(s: Study, now: datetime) -> int:
    if s.severity == "stat":
        return 0
    return 1 if s.severity == "high" or overdue(s, now) else 2


@settings(max_examples=300, deadline=None, derandomize=True)
@given(queue=_queues, now=_clocks)
def test_the_order_keeps_every_invariant(queue, now):
    ordered = prioritised(queue, now)

    assert sorted(s.study_id for s in ordered) == sorted(s.study_id for s in queue)
    severities = [s.severity for s in ordered]
    # Every STAT precedes every non-STAT: nothing rises into the STAT group.
    first_other = next((i for i, sev in enumerate(severities) if sev != "stat"), len(ordered))
    assert "stat" not in severities[first_other:]
    # A Normal study precedes a High one only if it is overdue and due earlier.
    for i, earlier in enumerate(ordered):
        for later in ordered[i + 1 :]:
            if earlier.severity == "normal" and later.severity == "high":
                assert overdue(earlier, now), (earlier, later)
                assert due_at(earlier) < due_at(later), (earlier, later)
    # Groups never interleave, and within a group due times never decrease.
    groups = [group(s, now) for s in ordered]
    assert groups == sorted(groups)
    for a, b in itertools.pairwise(ordered):
        if group(a, now) == group(b, now):
            assert due_at(a) <= due_at(b), (a, b)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(queue=_queues, now=_clocks, seed=st.integers(0, 2**32 - 1))
def test_the_order_does_not_depend_on_how_avara_listed_the_studies(queue, now, seed):
    shuffled = list(queue)
    random.Random(seed).shuffle(shuffled)
    assert prioritised(shuffled, now) == prioritised(queue, now)


def test_a_brand_new_stat_leads_forty_overdue_high_studies():
    """The reading room's complaint: a new STAT was 66th behind overdue High studies."""
    old_high = [study(n, "high", timedelta(days=6, hours=n)) for n in range(40)]
    new_stat = study(99, "stat", timedelta(seconds=5))
    assert prioritised([*old_high, new_stat], NOW)[0] is new_stat


def test_the_most_overdue_leads_its_group():
    high_late_1h = study(1, "high", timedelta(hours=5))  # due 1 h ago
    normal_late_3h = study(2, "normal", timedelta(hours=27))  # due 3 h ago
    high_fresh = study(3, "high", timedelta(minutes=10))
    normal_fresh = study(4, "normal", timedelta(hours=1))
    stat_fresh = study(5, "stat", timedelta(minutes=1))
    stat_late = study(6, "stat", timedelta(hours=2))
    order = prioritised(
        [high_late_1h, normal_late_3h, high_fresh, normal_fresh, stat_fresh, stat_late], NOW
    )
    assert order == [stat_late, stat_fresh, normal_late_3h, high_late_1h, high_fresh, normal_fresh]


def test_the_rule_says_the_configured_thresholds(settings):
    settings.TRIAGE_TURNAROUND = {"stat": 1800, "high": 2 * 3600, "normal": 48 * 3600}
    text = rule_text()
    assert "Every STAT study comes first" in text
    assert "30 min for STAT" in text and "2 h for High" in text and "48 h for Normal" in text
