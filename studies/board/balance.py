"""Balance: a plan of moves that spreads the open work under each reader's cap.

How the plan is made (deterministic: the same picture, caps and choices give the same
moves, every tie broken by a stable key):

1. What is to be placed: every unassigned open study; for each reader above their cap,
   the studies above it that they would reach *last* in queue order (so they keep the
   top of their own queue, what they are most likely reading now); and every open study
   of a reader the supervisor marks off shift.
2. Placed in queue order (`queue.prioritised`): every STAT first, then the most overdue.
3. Each to the included reader with the fewest open studies who is still under their
   cap (ties: fewer STAT, then name, then user id). Readers left out receive nothing,
   and nobody is ever given more than their cap: what finds no room stays where it is,
   and the plan says so.

Nothing moves here. The supervisor unticks what they disagree with and applies the
rest through bulk reassign (studies/services/bulk.py), each move checked against the
assignee this plan saw. A plan carries the digest of what it was made from (`digest`):
when the open work, the readers or their caps change, applying it is refused and a new
plan is shown instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import msgspec

from studies.board.workload import UNASSIGNED, Workload, severity_of
from studies.queue import SEVERITY_ORDER, is_open, prioritised

WHY = {
    "unassigned": "Unassigned",
    "over_cap": "Above their cap",
    "off_shift": "Off shift",
}


@dataclass(frozen=True, slots=True)
class Move:
    study_id: str
    description: str
    severity: str
    created_at: datetime | None
    source: str | None  # the assignee the plan saw (None: unassigned)
    source_name: str
    target: str
    target_name: str
    why: str  # a key of WHY


@dataclass(frozen=True, slots=True)
class Stay:
    """A study the plan wanted to move but found no room for: it stays where it is."""

    study_id: str
    description: str
    severity: str
    holder_name: str
    why: str


@dataclass(slots=True)
class Plan:
    moves: list[Move]
    stays: list[Stay]
    before: dict[str, dict[str, int]]  # line key -> severity -> open studies
    after: dict[str, dict[str, int]]
    digest: str  # of everything the plan was made from (see `balance_digest`)
    leave_out: frozenset[str]
    hand_out: frozenset[str]


def balance_digest(
    board: Workload, studies, *, leave_out: Iterable[str] = (), hand_out: Iterable[str] = ()
) -> str:
    """What a plan depends on: every open study's id, severity, assignee and arrival, the
    readers and their caps, and the supervisor's choices. Equal digests, equal inputs: a
    plan made from them can still be applied as it is."""
    work = sorted(
        (
            s.study_id,
            s.severity,
            s.assigned_to.user_id if s.assigned_to else "",
            s.created_at.timestamp() if s.created_at else 0.0,
        )
        for s in studies
        if is_open(s)
    )
    readers = sorted((line.key, line.cap) for line in board.readers)
    raw = msgspec.json.encode([work, readers, sorted(leave_out), sorted(hand_out)])
    return hashlib.sha256(raw).hexdigest()[:32]


def balance_plan(
    board: Workload,
    studies,
    *,
    now: datetime,
    leave_out: Iterable[str] = (),
    hand_out: Iterable[str] = (),
) -> Plan:
    """The moves that bring every reader to their cap or below, placing the unassigned
    pile first-come by queue order (see the module's docstring)."""
    readers = {line.key: line for line in board.readers}
    hand_out = frozenset(hand_out) & readers.keys()
    leave_out = (frozenset(leave_out) & readers.keys()) | hand_out
    studies = [s for s in studies if is_open(s)]
    kept, pool = _to_place(board, studies, readers, hand_out, now)
    load = {key: _counts(kept[key]) for key in readers}
    moves, stays = _place(pool, readers, load, leave_out, now)
    before = {line.key: dict(line.counts) for line in board.readers}
    before[UNASSIGNED] = dict(board.unassigned.counts)
    stayed = {stay.study_id for stay in stays}
    after = {
        **load,
        UNASSIGNED: _counts(
            s for s, why in pool.values() if why == "unassigned" and s.study_id in stayed
        ),
    }
    return Plan(
        moves=moves,
        stays=stays,
        before=before,
        after=after,
        digest=balance_digest(board, studies, leave_out=leave_out, hand_out=hand_out),
        leave_out=leave_out,
        hand_out=hand_out,
    )


def _to_place(board: Workload, studies, readers: dict, hand_out: frozenset, now: datetime):
    """(what each reader keeps, {study id: (study, why)} to place): the unassigned pile,
    each over-cap reader's last in queue order, and everything of those off shift."""
    kept: dict[str, list] = {key: [] for key in readers}
    pool: dict[str, tuple[object, str]] = {}
    for study in studies:
        key = board.key_of(study)
        if key == UNASSIGNED:
            pool[study.study_id] = (study, "unassigned")
        elif key in readers:
            kept[key].append(study)
    for key, line in readers.items():
        own = prioritised(kept[key], now)
        if key in hand_out:
            keep, out, why = [], own, "off_shift"
        else:
            cap = line.cap if line.cap is not None else len(own)
            keep, out, why = own[:cap], own[cap:], "over_cap"
        kept[key] = keep
        pool.update((s.study_id, (s, why)) for s in out)
    return kept, pool


def _place(pool: dict, readers: dict, load: dict, leave_out: frozenset, now: datetime):
    """Each study to place, in queue order, to the least-loaded reader with room; `load`
    counts what each reader ends with (a study with no room stays with its holder)."""
    moves, stays = [], []
    for study in prioritised([s for s, _ in pool.values()], now):
        why = pool[study.study_id][1]
        source = study.assigned_to.user_id if study.assigned_to else None
        holder = readers[source].name if source in readers else "Unassigned"
        target = _least_loaded(readers, load, leave_out, source)
        if target is None:
            stays.append(Stay(study.study_id, study.study_description, study.severity, holder, why))
            if source in load:
                load[source][severity_of(study)] += 1  # it stays theirs
            continue
        load[target][severity_of(study)] += 1
        moves.append(
            Move(
                study_id=study.study_id,
                description=study.study_description,
                severity=study.severity,
                created_at=study.created_at,
                source=source,
                source_name=holder,
                target=target,
                target_name=readers[target].name,
                why=why,
            )
        )
    return moves, stays


def _counts(studies) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITY_ORDER, 0)
    for study in studies:
        counts[severity_of(study)] += 1
    return counts


def _least_loaded(readers: dict, load: dict, leave_out: frozenset, source: str | None):
    """The included reader under their cap with the fewest open studies, or None."""
    best, best_key = None, None
    for key, line in readers.items():
        if key in leave_out or key == source:
            continue
        total = sum(load[key].values())
        if line.cap is not None and total >= line.cap:
            continue
        rank = (total, load[key]["stat"], line.name.casefold(), key)
        if best_key is None or rank < best_key:
            best, best_key = key, rank
    return best
