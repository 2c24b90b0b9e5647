"""Turnaround at a glance, as the board shows it: a small SVG chart per severity (a
column a day, its height the share completed within target, each with a title saying
its figures in words) and the tables beside it, from the figures the board keeps
(studies/board/turnaround.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from studies.queue import SEVERITY_ORDER
from studies.services.fields import SEVERITY_LABELS

CHART_HEIGHT = 40
COLUMN_WIDTH = 26
COLUMN_GAP = 6


def duration(seconds: float | None) -> str:
    """'42 min', '3 h 10 min', '2 d 4 h'; '—' for none."""
    if seconds is None:
        return "—"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{max(minutes, 0)} min" if seconds >= 60 else f"{int(seconds)} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def percent(share: float | None) -> str:
    return "—" if share is None else f"{math.floor(share * 100 + 0.5)} %"


@dataclass(frozen=True, slots=True)
class DayColumn:
    x: float
    y: float
    height: float
    title: str
    empty: bool

    @property
    def x2(self) -> float:
        return self.x + COLUMN_WIDTH


def turnaround_view(report) -> dict | None:
    """The chart's columns and the tables' rows, from the kept figures (None: not yet)."""
    if report is None:
        return None
    names = [d.strftime("%a %-d %b") for d in report.days]
    rows = [_severity_row(report, severity, names) for severity in SEVERITY_ORDER]
    built = datetime.fromtimestamp(report.built_at, tz=timezone.get_current_timezone())
    return {
        "rows": rows,
        "day_rows": [(name, [row["daily"][n] for row in rows]) for n, name in enumerate(names)],
        "days": names,
        "width": len(names) * (COLUMN_WIDTH + COLUMN_GAP) - COLUMN_GAP,
        "height": CHART_HEIGHT,
        "column_width": COLUMN_WIDTH,
        "from_audit": report.from_audit,
        "from_updated": report.from_updated,
        "built_hm": timezone.localtime(built).strftime("%H:%M"),
        "built_iso": built.isoformat(),
        "read_back_to": report.read_back_to,
        "truncated": report.truncated,
        "first_day": names[0] if names else "",
        "last_day": names[-1] if names else "",
    }


def _severity_row(report, severity: str, names: list[str]) -> dict:
    label, total = SEVERITY_LABELS[severity], report.by_severity[severity]
    limit = duration(report.thresholds.get(severity))
    days = report.by_day[severity]
    shares = "; ".join(
        f"{names[n]} {percent(f.share) if f.completed else 'none'}" for n, f in enumerate(days)
    )
    return {
        "severity": severity,
        "label": label,
        "limit": limit,
        "summary": f"{label} completed within {limit}, by day: {shares}",
        "completed": total.completed,
        "within": total.within,
        "share": percent(total.share),
        "median": duration(total.median_seconds),
        "columns": [_column(n, f, f"{names[n]}: ", label, limit) for n, f in enumerate(days)],
        "daily": [_day_text(f) for f in days],
    }


def _column(n: int, figures, day: str, label: str, limit: str) -> DayColumn:
    share = figures.share
    height = round(CHART_HEIGHT * share, 1) if share is not None else 0.0
    if figures.completed:
        title = (
            f"{day}{figures.within} of {figures.completed} {label} within {limit} "
            f"({percent(share)}), median {duration(figures.median_seconds)}"
        )
    else:
        title = f"{day}no {label} study completed"
    return DayColumn(
        x=n * (COLUMN_WIDTH + COLUMN_GAP),
        y=round(CHART_HEIGHT - height, 1),
        height=max(height, 1.0) if figures.completed else 0.0,
        title=title,
        empty=not figures.completed,
    )


def _day_text(figures) -> str:
    if not figures.completed:
        return "—"
    return (
        f"{figures.within} / {figures.completed} ({percent(figures.share)}), "
        f"{duration(figures.median_seconds)}"
    )
