"""Balance: the plan of moves (studies/board/balance.py), checked on set loads and on
generated ones.

Whatever the loads: nobody is given more than their cap, nobody left out receives
anything, every STAT move comes before any other, each study moves at most once, and the
same picture always gives the same plan.
"""

import random
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from studies.board.balance import balance_digest, balance_plan
from studies.board.workload import UNASSIGNED, workload_of
from studies.queue import prioritised

from .factory import NOW, study, uid, user

A, B, C = uid(1), uid(2), uid(3)
READERS = [user(1), user(2), user(3)]


def room():
    """A above their cap of 5 by two; B nearly idle; C halfway; four studies waiting."""
    studies = [study(n, owner=A, waited=timedelta(hours=n)) for n in range(1, 8)]
    studies.append(study(8, "high", owner=B))
    studies += [study(n, owner=C) for n in range(9, 12)]
    studies += [
        study(20, "normal", waited=timedelta(hours=30)),  # overdue normal
        study(21, "stat", waited=timedelta(minutes=5)),
        study(22, "normal", waited=timedelta(minutes=30)),
        study(23, "high", waited=timedelta(hours=2)),
    ]
    return studies


def plan_for(studies, *, cap=5, caps=None, **choices):
    board = workload_of(studies, users=READERS, caps=caps or {}, cap=cap, now=NOW)
    return board, balance_plan(board, studies, now=NOW, **choices)


def totals(counts: dict) -> int:
    return sum(counts.values())


def test_no_reader_ends_above_their_cap():
    _, plan = plan_for(room())

    assert {key: totals(c) for key, c in plan.after.items() if key != UNASSIGNED} == {
        A: 5,
        B: 5,
        C: 5,
    }
    assert totals(plan.after[UNASSIGNED]) == 0
    assert len(plan.moves) == 6 and not plan.stays


def test_stat_first_to_the_least_loaded_then_the_longest_waiting():
    _, plan = plan_for(room())

    first = plan.moves[0]
    assert (first.study_id, first.severity, first.target) == (study(21).study_id, "stat", B)
    moved = [m.study_id for m in plan.moves]
    assert moved == [s.study_id for s in prioritised([study_of(m) for m in moved], NOW)]


def study_of(study_id: str):
    return next(s for s in room() if s.study_id == study_id)


def test_a_reader_above_cap_keeps_the_top_of_their_queue():
    studies = room()
    _, plan = plan_for(studies)

    theirs = prioritised([s for s in studies if s.assigned_to and s.assigned_to.user_id == A], NOW)
    moved_off = {m.study_id for m in plan.moves if m.source == A}
    assert moved_off == {s.study_id for s in theirs[5:]}
    assert all(m.why == "over_cap" for m in plan.moves if m.source == A)
    assert all(m.why == "unassigned" for m in plan.moves if m.source is None)


def test_the_same_picture_gives_the_same_plan_whatever_the_order():
    studies = room()
    _, plan = plan_for(studies)
    shuffled = studies[:]
    random.Random(7).shuffle(shuffled)

    _, again = plan_for(shuffled)

    assert again.moves == plan.moves
    assert again.digest == plan.digest


def test_the_digest_moves_with_the_work_the_caps_and_the_choices():
    studies = room()
    board, plan = plan_for(studies)

    assert balance_digest(board, studies) == plan.digest
    assert plan_for(studies[:-1])[1].digest != plan.digest
    assert plan_for(studies, caps={B: 4})[1].digest != plan.digest
    assert plan_for(studies, leave_out=[B])[1].digest != plan.digest


def test_readers_left_out_receive_nothing_and_those_off_shift_hand_out_everything():
    _, plan = plan_for(room(), cap=20, leave_out=[B], hand_out=[C])

    assert all(m.target not in (B, C) for m in plan.moves)
    assert {m.study_id for m in plan.moves if m.source == C} == {
        study(n).study_id for n in (9, 10, 11)
    }
    assert all(m.why == "off_shift" for m in plan.moves if m.source == C)
    assert totals(plan.after[C]) == 0
    assert totals(plan.after[B]) == 1  # left out: keeps what it has, gets nothing


def test_what_finds_no_room_stays_where_it_is():
    _, plan = plan_for(room(), cap=3)  # A 7, B 1, C 3: room only for 2, at B

    assert [m.target for m in plan.moves] == [B, B]
    assert plan.moves[0].severity == "stat"
    assert len(plan.stays) == 2 + 4  # two waiting studies, and four of A's
    assert totals(plan.after[A]) == 7  # A's excess had nowhere to go
    assert totals(plan.after[UNASSIGNED]) == 2


def test_nothing_to_do():
    studies = [study(1, owner=A), study(2, owner=B)]
    _, plan = plan_for(studies)

    assert plan.moves == [] and plan.stays == []


# --- Generated rooms ---------------------------------------------------------------------

ROOMS = st.lists(
    st.tuples(
        st.sampled_from(["stat", "high", "normal"]),
        st.sampled_from([None, A, B, C]),
        st.integers(min_value=0, max_value=60 * 48),  # minutes waited
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(
    ROOMS,
    st.dictionaries(st.sampled_from([A, B, C]), st.integers(0, 8)),
    st.sets(st.sampled_from([A, B, C])),
)
def test_invariants_of_any_plan(rows, caps, leave_out):
    studies = [
        study(n, sev, owner=owner, waited=timedelta(minutes=waited))
        for n, (sev, owner, waited) in enumerate(rows, 1)
    ]
    board, plan = plan_for(studies, cap=4, caps=caps, leave_out=leave_out)
    cap = {line.key: line.cap for line in board.readers}

    targets = [m.target for m in plan.moves]
    assert not set(targets) & leave_out
    for key, counts in plan.after.items():
        if key != UNASSIGNED and key not in leave_out and key in targets:
            assert totals(counts) <= cap[key]
    assert len({m.study_id for m in plan.moves}) == len(plan.moves)
    severities = [m.severity for m in plan.moves]
    assert severities == sorted(severities, key=lambda s: s != "stat")
    before = sum(totals(c) for c in plan.before.values())
    assert sum(totals(c) for c in plan.after.values()) == before
    assert balance_plan(board, list(reversed(studies)), now=NOW, leave_out=leave_out) == plan
