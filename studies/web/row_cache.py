"""Rendered rows, reused (kept in this process: studies/infra/kept.py).

A row's HTML depends only on what it shows, on who looks and on the clock. A row is
rendered once per study and viewer with markers where its clock-driven values go (its
turnaround class, its two ages, its turnaround tag) and cut there; each time it is
shown, the values of that moment are put back in. The key holds every other value the
row prints (so a study changed upstream or a renamed assignee always make a new key:
never a stale row), the viewer's capabilities and identity (so two users with
different roles never share a row) and time zone (its tooltips print times in it). A
whole list's rows are kept under the digest of every study, the viewer's capabilities
and time zone, as shown, until the first moment one of
their clock-driven values reads differently (a second, a minute or an hour away).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime

import msgspec
from django.conf import settings
from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import mark_safe

from studies.accounts.capabilities import Capabilities
from studies.infra.kept import Kept
from studies.queue import clock_changes_at
from studies.web.presenters import (
    CLOCK_TAGS,
    age,
    age_changes_at,
    clock_state,
    row_of,
    runs_against_the_clock,
    zone_name,
)

ROW_TEMPLATE = "studies/_table.html#row"

# What of a row moves with the clock alone, in the order `_times` gives them.
_SLOTS = ("clock", "created_age", "clock_tag", "updated_age")
_MARK = "\x00"  # never in a rendered row otherwise; checked when a row is cut
_MARKERS = tuple(mark_safe(f"{_MARK}{slot}{_MARK}") for slot in range(len(_SLOTS)))  # noqa: S308
_WHOLE = "whole"  # a row whose own text holds the marker: rendered whole each time


def _times(study, now: datetime) -> tuple[str, str, str, str]:
    """The values of `_SLOTS` for this row now. Made here from numbers and fixed labels
    (never from upstream text), so they are put into the HTML as they are."""
    state = clock_state(study, now)
    return (state, age(study.created_at, now), CLOCK_TAGS[state], age(study.updated_at, now))


def _row_key(study, caps: Capabilities) -> tuple:
    assignee = study.assigned_to
    customer = study.express_customer
    return (
        study.study_id,
        study.severity,
        study.study_viewer_status,
        study.is_cancelled,
        study.study_description,
        study.study_instance_uid,
        (assignee.user_id, assignee.display_name) if assignee else None,
        customer.express_customer_name if customer else None,
        study.created_at,
        study.updated_at,
        caps,
        zone_name(),  # the tooltips print times in the viewer's zone
    )


@dataclass(frozen=True, slots=True)
class _Cut:
    """A row's HTML cut at its markers: `pieces[0]`, then for each marker the value of
    slot `order[i]` and `pieces[i + 1]`."""

    pieces: tuple[str, ...]
    order: tuple[int, ...]

    def filled(self, values: tuple[str, ...]) -> str:
        out = [self.pieces[0]]
        for slot, piece in zip(self.order, self.pieces[1:], strict=True):
            out += (values[slot], piece)
        return "".join(out)


def _cut_row(study, caps: Capabilities) -> _Cut | str:
    """The row rendered with markers for its clock-driven values, cut there; `_WHOLE` when
    the row's own text holds the marker character (an upstream string with a NUL)."""
    row = row_of(study, caps, timezone.now())
    row.clock, row.created_age, row.clock_tag, row.updated_age = _MARKERS
    html = get_template(ROW_TEMPLATE).render({"row": row, "editing": {}})
    parts = html.split(_MARK)
    order = parts[1::2]
    if len(parts) != 2 * len(_SLOTS) + 1 or sorted(order) != [str(i) for i in range(len(_SLOTS))]:
        return _WHOLE
    return _Cut(tuple(parts[0::2]), tuple(int(slot) for slot in order))


def _kept_cut(study, caps: Capabilities) -> _Cut | str:
    key = _row_key(study, caps)
    cut = _cuts.get(key)
    if cut is None:
        cut = _cut_row(study, caps)
        _cuts.put(key, cut)
    return cut


def _shown(cut: _Cut | str, study, caps: Capabilities, now: datetime) -> str:
    if cut is _WHOLE:
        return get_template(ROW_TEMPLATE).render({"row": row_of(study, caps, now), "editing": {}})
    return cut.filled(_times(study, now))


def list_digest(studies) -> str:
    """A digest of every value of every study as decoded from Avara: equal digests, equal
    lists. Stable across processes (the ETag uses it too)."""
    return hashlib.sha256(msgspec.json.encode(list(studies))).hexdigest()


def _next_change(study, now: datetime) -> float:
    """When (POSIX seconds) any of `_times(study, ...)` will next differ from now's."""
    at = min(age_changes_at(study.created_at, now), age_changes_at(study.updated_at, now))
    return min(at, clock_changes_at(study, now)) if runs_against_the_clock(study) else at


@dataclass(frozen=True, slots=True)
class _Window:
    """What was worked out for a list at `since`, good until `until` (POSIX seconds): the
    first moment one of its clock-driven values reads differently."""

    since: float
    until: float

    def shows(self, now: datetime) -> bool:
        return self.since <= now.timestamp() < self.until


@dataclass(frozen=True, slots=True)
class _RowSet(_Window):
    """A whole list's rows: cut, and as shown."""

    cuts: tuple
    html: str


@dataclass(frozen=True, slots=True)
class _ClockSet(_Window):
    """Each row's turnaround state."""

    clocks: tuple[str, ...]


# Rows kept per process: one per study and viewer (about 1.4 kB each), and the rows of
# up to ROW_SETS whole lists (a page polled or reloaded by many people costs one lookup
# instead of one per row).
ROWS = 20_000
ROW_SETS = 64
# A kept list stops being shown this long before its clock-driven values change, so that
# rounding in the times never lets it show a value a moment too long.
_EARLY = 0.001
_cuts = Kept(ROWS)
_row_sets = Kept(ROW_SETS)


def _clock_rule() -> tuple:
    return (tuple(settings.TRIAGE_TURNAROUND.items()), settings.TRIAGE_DUE_SOON)


def rendered_rows(
    studies,
    user,
    *,
    caps: Capabilities | None = None,
    digest: str | None = None,
    now: datetime | None = None,
) -> str:
    """The worklist/queue rows as one piece of HTML, each row as `ROW_TEMPLATE` renders it
    at `now` (default: now; a page passes the moment its ETag is worked out at, so the
    two agree). `digest` is `list_digest(studies)` when the caller already has it."""
    caps = caps or Capabilities.of(user)
    now = now or timezone.now()
    studies = list(studies)
    key = (digest or list_digest(studies), caps, _clock_rule(), zone_name())
    kept = _row_sets.get(key)
    if kept is not None and kept.shows(now):
        return kept.html
    cuts = kept.cuts if kept else tuple(_kept_cut(study, caps) for study in studies)
    html = mark_safe(  # noqa: S308 - rendered rows, and values made by _times
        "\n".join(_shown(cut, s, caps, now) for cut, s in zip(cuts, studies, strict=True))
    )
    until = min((_next_change(s, now) for s in studies), default=math.inf)
    _row_sets.put(key, _RowSet(now.timestamp(), until - _EARLY, cuts, html))
    return html


_clock_sets = Kept(ROW_SETS)


def list_clocks(studies, now: datetime, *, digest: str | None = None) -> tuple[str, ...]:
    """Each study's turnaround state as its row shows it ("ok" unless it is still to be
    read), kept for the list until the first moment one of them changes."""
    studies = list(studies)
    key = (digest or list_digest(studies), _clock_rule())
    kept = _clock_sets.get(key)
    if kept is not None and kept.shows(now):
        return kept.clocks
    clocks = tuple(clock_state(study, now) for study in studies)
    running = (clock_changes_at(study, now) for study in studies if runs_against_the_clock(study))
    until = min(running, default=math.inf) - _EARLY
    _clock_sets.put(key, _ClockSet(now.timestamp(), until, clocks))
    return clocks
