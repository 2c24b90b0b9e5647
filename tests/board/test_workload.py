"""Who has what: the board's lines counted from the open studies (studies/board/workload.py).

Every radiologist has a line, busy or not; the unassigned pile and everyone else (other
clinic roles, ids Avara's user list does not hold) have theirs; finished and cancelled
studies are never counted; overdue and due soon are exactly the queue's clock.
"""

from datetime import timedelta

from studies.board.workload import OTHERS, UNASSIGNED, line_studies, workload_of
from studies.queue import clock, prioritised

from .factory import NOW, study, uid, user

READER, IDLE, TECH, GHOST = uid(1), uid(2), uid(3), uid(4)
USERS = [user(1), user(2), user(3, "Imaging Technologist")]  # GHOST: not in Avara's list


def board(studies, caps=None, cap=10, users=USERS):
    return workload_of(studies, users=users, caps=caps or {}, cap=cap, now=NOW)


def studies_of_a_room():
    return [
        study(1, "stat", owner=READER, waited=timedelta(minutes=70)),  # overdue (1 h)
        study(2, "high", owner=READER, waited=timedelta(hours=3, minutes=30)),  # due soon
        study(3, "normal", owner=READER),
        study(4, "normal", owner=READER, status="complete"),  # read: not counted
        study(5, "stat", owner=READER, cancelled=True),  # cancelled: not counted
        study(6, "stat"),
        study(7, "normal", waited=timedelta(days=2)),  # overdue
        study(8, "high", owner=TECH),
        study(9, "normal", owner=GHOST),
    ]


def test_every_radiologist_has_a_line_and_the_piles_have_theirs():
    shown = board(studies_of_a_room())

    assert [line.key for line in shown.readers] == [READER, IDLE]
    reader, idle = shown.readers
    assert (reader.counts, reader.total) == ({"stat": 1, "high": 1, "normal": 1}, 3)
    assert (idle.counts, idle.total) == ({"stat": 0, "high": 0, "normal": 0}, 0)
    assert shown.unassigned.key == UNASSIGNED
    assert shown.unassigned.counts == {"stat": 1, "high": 0, "normal": 1}
    assert shown.others.key == OTHERS
    assert shown.others.counts == {"stat": 0, "high": 1, "normal": 1}
    assert shown.total == 7  # 9 studies, less the completed one and the cancelled one


def test_the_others_line_says_who_and_why():
    others = board(studies_of_a_room()).others

    people = sorted(others.people.values())
    assert people == [
        ["Ada Reader03", "Imaging Technologist", 1],
        ["Ada Reader04", "not in Avara's user list", 1],
    ]


def test_overdue_and_due_soon_are_the_queue_clock():
    studies = studies_of_a_room()
    shown = board(studies)

    for line in shown.lines:
        mine = [s for s in studies if shown.key_of(s) == line.key and not s.is_cancelled]
        mine = [s for s in mine if s.study_viewer_status == "incomplete"]
        states = [clock(s, NOW) for s in mine]
        assert (line.overdue, line.soon) == (states.count("overdue"), states.count("soon"))
    reader = shown.line(READER)
    assert (reader.overdue, reader.soon) == (1, 1)
    assert reader.oldest == NOW - timedelta(hours=3, minutes=30)


def test_each_reader_has_their_own_cap_or_the_default():
    shown = board(studies_of_a_room(), caps={READER: 2}, cap=10)

    reader, idle = shown.readers
    assert (reader.cap, reader.over_cap) == (2, True)
    assert (idle.cap, idle.over_cap) == (10, False)
    assert shown.unassigned.cap is None and not shown.unassigned.over_cap


def test_a_clinic_role_spelt_otherwise_is_still_a_radiologist():
    shown = board([study(1, owner=READER)], users=[user(1, " radiologist ")])

    assert [line.key for line in shown.readers] == [READER]


def test_without_avara_user_list_every_assignee_has_a_line():
    shown = board(studies_of_a_room(), users=None)

    assert {line.key for line in shown.readers} == {READER, TECH, GHOST}
    assert shown.others.total == 0
    assert shown.unassigned.total == 2


def test_a_line_lists_its_studies_in_queue_order_narrowed_by_severity_or_clock():
    studies = studies_of_a_room()
    shown = board(studies)

    mine = line_studies(shown, studies, key=READER, now=NOW)
    assert [s.study_id for s in mine] == [
        s.study_id for s in prioritised([studies[0], studies[1], studies[2]], NOW)
    ]
    only_stat = line_studies(shown, studies, key=READER, severity="stat", now=NOW)
    assert [s.study_id for s in only_stat] == [studies[0].study_id]
    overdue = line_studies(shown, studies, key=UNASSIGNED, clock_state="overdue", now=NOW)
    assert [s.study_id for s in overdue] == [studies[6].study_id]
    assert [s.study_id for s in line_studies(shown, studies, key=OTHERS, now=NOW)] == [
        studies[7].study_id,
        studies[8].study_id,
    ]
