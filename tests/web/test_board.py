"""The board's rows as pages draw them (studies/web/board.py): Balance's bars before and
after the plan."""

from datetime import timedelta

from board.factory import NOW, study, uid, user

from studies.board.balance import balance_plan
from studies.board.workload import UNASSIGNED, workload_of
from studies.web.board import BAR_WIDTH, plan_rows


def test_balance_bars_share_the_readers_scale_whatever_the_unassigned_pile():
    """A reader holding more than the unassigned pile (a raised cap): every reader's bar,
    now and after, fits its box, and on one scale (the pile alone is drawn to its own)."""
    big, small = uid(1), uid(2)
    studies = [study(n, owner=big, waited=timedelta(hours=n)) for n in range(1, 31)]
    studies += [study(n, owner=small) for n in range(31, 36)]
    studies += [study(n, waited=timedelta(hours=2)) for n in range(40, 43)]  # 3 waiting
    board = workload_of(studies, users=[user(1), user(2)], caps={big: 60}, cap=20, now=NOW)
    plan = balance_plan(board, studies, now=NOW)

    rows = {row["key"]: row for row in plan_rows(board, plan)}

    def end(bar) -> float:
        return max((s.x + s.width for s in bar.segments), default=0)

    for key in (big, small):
        for side in ("before", "after"):
            assert end(rows[key][side]) <= BAR_WIDTH + 0.5, (key, side)
    unit = end(rows[big]["before"]) / 30
    assert abs(end(rows[small]["before"]) - 5 * unit) < 1  # one scale for the readers
    assert abs(end(rows[UNASSIGNED]["before"]) - BAR_WIDTH) < 1  # the pile: its own
