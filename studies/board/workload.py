"""Who has what: the open work per radiologist, counted from the shared queue snapshot.

Radiologists are the Avara users whose clinic role is "Radiologist" (Avara's users API
says so; it says nothing about shifts or availability). Every one of them has a line,
with nothing open or not; then a line for the unassigned pile, and one for studies
assigned to anyone else: people of another clinic role, or user ids Avara's user list
does not hold. Open means what the queue means (`queue.is_open`: still to be read, not
cancelled); overdue and due soon are the queue's clock (`queue.clock`), so the board,
the queue and the rows never disagree about a study.

No Avara call here: the snapshot and the users directory are shared by every process
(studies/queue.py, studies/upstream/users.py), so a page view costs the store reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from studies import directory
from studies.board.caps import default_cap, reader_caps
from studies.queue import SEVERITY_ORDER, Snapshot, clock, is_open, prioritised, queue_snapshot

READER_ROLE = "Radiologist"
UNASSIGNED = "none"  # the line of the unassigned pile (as the worklist's assignee filter)
OTHERS = "other"  # the line of studies assigned to anyone who is not a radiologist
CLOCKS = ("overdue", "soon")


def is_reader(user) -> bool:
    """A radiologist, as Avara's users API says (its clinicRole)."""
    return (user.clinic_role or "").strip().casefold() == READER_ROLE.casefold()


def severity_of(study) -> str:
    """STAT, High, or Normal (a severity Avara may add later counts as Normal, as the
    queue ranks it)."""
    return study.severity if study.severity in SEVERITY_ORDER else "normal"


@dataclass(slots=True)
class Line:
    """One line of the board: a reader, the unassigned pile, or everyone else."""

    key: str  # the reader's Avara user id, UNASSIGNED or OTHERS
    name: str
    kind: str  # "reader", "unassigned" or "other"
    cap: int | None = None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SEVERITY_ORDER, 0))
    overdue: int = 0
    soon: int = 0
    oldest: datetime | None = None  # when the longest-waiting open study arrived
    # For the "other" line: user id -> [name, why they are here, studies].
    people: dict[str, list] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def over_cap(self) -> bool:
        return self.cap is not None and self.total > self.cap

    def add(self, study, now: datetime) -> None:
        self.counts[severity_of(study)] += 1
        state = clock(study, now)
        if state == "overdue":
            self.overdue += 1
        elif state == "soon":
            self.soon += 1
        if study.created_at is not None and (self.oldest is None or study.created_at < self.oldest):
            self.oldest = study.created_at


@dataclass(slots=True)
class Workload:
    readers: list[Line]  # every radiologist, by name
    unassigned: Line
    others: Line
    default_cap: int
    directory_problem: str | None = None  # Avara's user list could not be read
    reader_keys: frozenset[str] = frozenset()

    @property
    def lines(self) -> list[Line]:
        return [*self.readers, self.unassigned, self.others]

    @property
    def total(self) -> int:
        return sum(line.total for line in self.lines)

    def key_of(self, study) -> str:
        """The line a study is counted on."""
        owner = study.assigned_to.user_id if study.assigned_to else None
        if owner is None:
            return UNASSIGNED
        return owner if owner in self.reader_keys else OTHERS

    def line(self, key: str) -> Line | None:
        return next((line for line in self.lines if line.key == key), None)


def workload_of(
    studies,
    *,
    users: list | None,
    caps: dict[str, int],
    cap: int,
    now: datetime,
    directory_problem: str | None = None,
) -> Workload:
    """The board for these open studies. `users`: Avara's users (None when they could
    not be read: every assignee then gets a line of their own, named from the studies,
    since who is a radiologist cannot be told). `caps`: readers' own caps; `cap` the
    default."""
    readers: dict[str, Line] = {}
    known: dict[str, object] = {}
    if users is not None:
        for user in users:
            known[user.user_id] = user
            if is_reader(user):
                readers[user.user_id] = Line(
                    user.user_id, user.display_name, "reader", caps.get(user.user_id, cap)
                )
    unassigned = Line(UNASSIGNED, "Unassigned", "unassigned")
    others = Line(OTHERS, "Others", "other")
    for study in studies:
        if not is_open(study):
            continue
        owner = study.assigned_to
        if owner is None:
            unassigned.add(study, now)
            continue
        line = readers.get(owner.user_id)
        if line is None and users is None:
            line = readers[owner.user_id] = Line(
                owner.user_id, owner.display_name, "reader", caps.get(owner.user_id, cap)
            )
        if line is None:
            others.add(study, now)
            _count_other(others, owner, known.get(owner.user_id))
            continue
        line.add(study, now)
    ordered = sorted(readers.values(), key=lambda line: (line.name.casefold(), line.key))
    return Workload(ordered, unassigned, others, cap, directory_problem, frozenset(readers))


def _count_other(others: Line, owner, user) -> None:
    why = (user.clinic_role or "no clinic role") if user is not None else "not in Avara's user list"
    entry = others.people.setdefault(owner.user_id, [owner.display_name, why, 0])
    entry[2] += 1


def workload_now(*, now: datetime, max_age: float | None = None) -> tuple[Workload, Snapshot]:
    """The board as the shared picture shows it now: the snapshot, the users directory
    (both shared; no Avara call while they are fresh) and the caps (one query).
    `max_age`: the oldest picture to use (queue_snapshot's; Balance's Apply).

    Raises upstream.UpstreamError when there is no picture and Avara cannot give one."""
    snapshot = queue_snapshot(max_age=max_age)
    users, problem = directory.users_or_empty()
    board = workload_of(
        snapshot.studies,
        users=None if problem else users,
        caps=reader_caps(),
        cap=default_cap(),
        now=now,
        directory_problem=problem,
    )
    return board, snapshot


def line_studies(
    board: Workload,
    studies,
    *,
    key: str,
    severity: str = "",
    clock_state: str = "",
    now: datetime,
) -> list:
    """The open studies a line counts (`severity`, `clock_state` narrow it), in queue
    order: what a reader will reach first comes first."""
    chosen = [
        s
        for s in studies
        if is_open(s)
        and board.key_of(s) == key
        and (not severity or severity_of(s) == severity)
        and (not clock_state or clock(s, now) == clock_state)
    ]
    return prioritised(chosen, now)
