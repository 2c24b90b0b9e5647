"""The board as a page shows it: each line's stacked bar (inline SVG, drawn here once per
line), its counts and the links behind them; a balance plan's bars before and after;
the reader caps form. (The turnaround chart: studies/web/turnaround.py.)

Every bar reads without colour: the severities are also told apart by pattern (STAT
striped, High dotted, Normal plain; templates/studies/_bars.html), each segment wide
enough carries its count, the numbers stand beside the bar as text, and the bar has a
title saying all of it in words. Links go to the board's own list of the line's
studies (`?line=...`), in queue order, counted from the same picture as the bar, so a
"3 overdue" link shows exactly those 3; that list links on to the worklist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from django import forms

from studies.board.caps import default_cap, reader_caps
from studies.board.workload import OTHERS, UNASSIGNED, Line, Workload, is_reader
from studies.queue import SEVERITY_ORDER
from studies.services.caps import CAP_MAX
from studies.services.fields import SEVERITY_LABELS
from studies.validators import small_number
from studies.web.forms import SEVERITY_CHOICES
from studies.web.presenters import age, iso, stamp

BAR_WIDTH = 240
BAR_HEIGHT = 18
_MIN_LABEL = 16  # a segment narrower than this (in bar units) carries no number
SORTS = ("load", "name")


@dataclass(frozen=True, slots=True)
class Segment:
    severity: str
    label: str
    count: int
    x: float
    width: float
    show_count: bool

    @property
    def text_x(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass(frozen=True, slots=True)
class Bar:
    segments: tuple[Segment, ...]
    cap_x: float | None
    title: str  # the bar in words


def bar_of(name: str, counts: dict[str, int], cap: int | None, scale: int) -> Bar:
    """A stacked bar of `counts` on a scale of `scale` studies to BAR_WIDTH."""
    unit = BAR_WIDTH / max(scale, 1)
    x, segments = 0.0, []
    for severity in SEVERITY_ORDER:
        count = counts.get(severity, 0)
        if not count:
            continue
        width = round(count * unit, 1)
        segments.append(
            Segment(
                severity, SEVERITY_LABELS[severity], count, round(x, 1), width, width >= _MIN_LABEL
            )
        )
        x += width
    total = sum(counts.values())
    parts = ", ".join(f"{s.count} {s.label}" for s in segments) or "none"
    title = f"{name}: {total} open ({parts})"
    cap_x = None
    if cap is not None:
        cap_x = round(min(cap * unit, BAR_WIDTH - 1), 1)
        title += f", cap {cap}"
    return Bar(tuple(segments), cap_x, title)


@dataclass(slots=True)
class BoardRow:
    key: str
    name: str
    kind: str
    href: str  # the line's studies on the board
    bar: Bar
    counts: list[tuple[str, str, int, str]]  # (severity, label, count, href)
    total: int
    cap: int | None
    over_cap: bool
    overdue: int
    overdue_href: str
    soon: int
    soon_href: str
    oldest_age: str
    oldest_iso: str
    oldest_title: str
    people: list[tuple[str, str, int]] = field(default_factory=list)


def board_link(base: str, *, sort: str, **query) -> str:
    """A link to the board showing a line's studies, keeping the sort; anchored there."""
    params = {k: v for k, v in query.items() if v}
    if sort != "load":
        params["sort"] = sort
    return f"{base}?{urlencode(params)}#studies" if params else base


def scale_of(lines) -> int:
    """The bars' common scale: the largest load or cap, so bars compare at a glance."""
    return max([1, *(max(line.total, line.cap or 0) for line in lines)])


def board_rows(board: Workload, *, sort: str, base: str, now: datetime) -> list[BoardRow]:
    """The unassigned pile first, then every reader (most loaded first, or by name),
    then the studies of anyone else. Readers' bars share one scale (the largest load or
    cap among them), so they compare at a glance; a pile's bar is drawn to its own size."""
    scale = scale_of(board.readers)
    readers = board.readers
    if sort == "load":
        readers = sorted(
            readers,
            key=lambda line: (
                -line.total,
                -line.counts["stat"],
                -line.overdue,
                line.name.casefold(),
            ),
        )
    lines = [board.unassigned, *readers]
    if board.others.total:
        lines.append(board.others)
    return [
        _row(line, scale if line.kind == "reader" else line.total, base=base, sort=sort, now=now)
        for line in lines
    ]


def _row(line: Line, scale: int, *, base: str, sort: str, now: datetime) -> BoardRow:
    def link(**query) -> str:
        return board_link(base, sort=sort, line=line.key, **query)

    counts = [
        (
            sev,
            SEVERITY_LABELS[sev],
            line.counts[sev],
            link(severity=sev) if line.counts[sev] else "",
        )
        for sev in SEVERITY_ORDER
    ]
    people = sorted(
        ((name, why, n) for name, why, n in line.people.values()), key=lambda p: (-p[2], p[0])
    )
    return BoardRow(
        key=line.key,
        name=line.name,
        kind=line.kind,
        href=link(),
        bar=bar_of(line.name, line.counts, line.cap, scale),
        counts=counts,
        total=line.total,
        cap=line.cap,
        over_cap=line.over_cap,
        overdue=line.overdue,
        overdue_href=link(clock="overdue") if line.overdue else "",
        soon=line.soon,
        soon_href=link(clock="soon") if line.soon else "",
        oldest_age=age(line.oldest, now) if line.oldest else "",
        oldest_iso=iso(line.oldest),
        oldest_title=stamp(line.oldest),
        people=people,
    )


def board_state(rows: list[BoardRow]) -> list:
    """Everything the board's lines print, for the page's ETag."""
    return [
        (r.key, r.name, r.total, r.cap, [c[2] for c in r.counts], r.overdue, r.soon, r.oldest_age)
        for r in rows
    ]


def worklist_link(worklist: str, *, key: str, severity: str = "") -> str:
    """The same line in the worklist (Avara's list, newest first), where it has a filter:
    a reader or the unassigned pile (not the others, nor overdue: the worklist has no
    such filter)."""
    if key == OTHERS:
        return ""
    query = {"assignee": key, "status": "incomplete"}
    if severity:
        query["severity"] = severity
    return f"{worklist}?{urlencode(query)}"


def line_heading(line: Line, *, severity: str, clock_state: str) -> str:
    narrowed = []
    if severity:
        narrowed.append(SEVERITY_LABELS.get(severity, severity))
    if clock_state:
        narrowed.append({"overdue": "overdue", "soon": "due soon"}[clock_state])
    what = "open studies" + (f" ({', '.join(narrowed)})" if narrowed else "")
    if line.key == UNASSIGNED:
        return "Unassigned " + what
    if line.key == OTHERS:
        return "Studies assigned to others than radiologists: " + what
    return f"{line.name}: {what}"


class BoardFilterForm(forms.Form):
    """The board's query: the sort, and which line's studies to list (narrowed by severity
    or clock). Anything invalid is ignored (the default shows)."""

    sort = forms.ChoiceField(required=False, choices=[(s, s) for s in SORTS])
    line = forms.RegexField(required=False, regex=r"^(none|other|usr_[0-9a-f]{32})$")
    severity = forms.ChoiceField(required=False, choices=SEVERITY_CHOICES)
    clock = forms.ChoiceField(required=False, choices=[("overdue", "overdue"), ("soon", "soon")])
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)

    def value(self, name: str, default=""):
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return self.cleaned_data.get(name) or default


# --- Balance ----------------------------------------------------------------------------------


def plan_rows(board: Workload, plan) -> list[dict]:
    """Each reader's bar before and after the plan (and the unassigned pile's), on one
    scale; the readers the plan changes first."""
    after_totals = [sum(plan.after.get(line.key, line.counts).values()) for line in board.readers]
    scale = max(scale_of(board.readers), *after_totals, 1)
    rows = []
    for line in [board.unassigned, *board.readers]:
        before = plan.before.get(line.key, line.counts)
        after = plan.after.get(line.key, before)
        # The pile is drawn to its own size, as on the board; the readers share `scale`.
        size = scale if line.kind == "reader" else max(sum(before.values()), 1)
        rows.append(
            {
                "key": line.key,
                "name": line.name,
                "cap": line.cap,
                "before": bar_of(f"{line.name} now", before, line.cap, size),
                "after": bar_of(f"{line.name} after the moves", after, line.cap, size),
                "before_total": sum(before.values()),
                "after_total": sum(after.values()),
                "left_out": line.key in plan.leave_out,
                "off_shift": line.key in plan.hand_out,
            }
        )
    return sorted(
        rows, key=lambda r: (r["before_total"] == r["after_total"], r["key"] != UNASSIGNED)
    )


# --- Reader caps (the Accounts page) -----------------------------------------------------------


def reader_cap_rows(users, problem: str | None, *, data=None) -> dict:
    """The caps form: one number per radiologist (blank: the default). With `data` (a
    POST), the values read from it, {user id: cap or None}, and the errors by user id."""
    own = reader_caps()
    rows, values, errors, names = [], {}, {}, {}
    for user in users:
        if not is_reader(user):
            continue
        names[user.user_id] = user.display_name
        shown = "" if user.user_id not in own else str(own[user.user_id])
        if data is not None:
            shown = str(data.get(f"cap-{user.user_id}", "")).strip()[:6]
            if not shown:
                values[user.user_id] = None
            elif (cap := small_number(shown, digits=6)) is not None and cap <= CAP_MAX:
                values[user.user_id] = cap
            else:
                errors[user.user_id] = (
                    f"A whole number from 0 to {CAP_MAX}, or blank for the default."
                )
        rows.append(
            {
                "user_id": user.user_id,
                "name": user.display_name,
                "value": shown,
                "error": errors.get(user.user_id, ""),
            }
        )
    return {
        "rows": rows,
        "values": values,
        "errors": errors,
        "names": names,
        "default": default_cap(),
        "problem": problem,
    }
