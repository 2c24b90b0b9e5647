"""What a worklist row shows and offers, computed in Python once per row.

Permissions are decided once per page (`Capabilities`, studies/accounts/capabilities.py),
URLs are built from one prefix per row, dates are formatted here rather than by template
filters: a 100-row page stays close to the cost of the Avara call behind it. Templates
only print these values; studies/web/row_cache.py keeps rows rendered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from django.utils import timezone
from django.utils.html import format_html

from studies import validators
from studies.accounts.capabilities import PLACEHOLDER, Capabilities
from studies.queue import clock
from studies.services.fields import SEVERITY_LABELS, STATUS_LABELS
from studies.web.seen import seen_token


def short_uid(uid: str, keep: int = 8) -> str:
    """1.2.840.113619.2.55.3.6046 -> 1.2.840.…3.6046 (the full value goes in a title).

    HTML: the ellipsis is written `&hellip;`, as the worklist's templates write theirs,
    so a page whose data is ASCII stays ASCII: Python then joins and encodes its 140 kB
    as bytes, about a hundred times faster than text holding one wider character."""
    if len(uid) <= 2 * keep + 1:
        return uid
    return format_html("{}&hellip;{}", uid[:keep], uid[-keep:])


def age(value: datetime | None, now: datetime) -> str:
    """Compact elapsed time: '45s', '12m', '5h 12m', '3d 4h'."""
    if not value:
        return "—"
    seconds = int((now - value).total_seconds())
    if seconds < 60:
        return f"{max(seconds, 0)}s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if minutes < 60:
        return f"{minutes}m"
    if hours < 24:
        return f"{hours}h {minutes % 60}m"
    return f"{days}d {hours % 24}h"


def age_changes_at(value: datetime | None, now: datetime) -> float:
    """When (POSIX seconds) `age(value, ...)` will next read differently than now: each
    second below a minute, each minute below a day, then each hour."""
    if not value:
        return math.inf
    elapsed = (now - value).total_seconds()  # as age() reads it; small, so exact enough
    unit = 1 if elapsed < 60 else 60 if elapsed < 86_400 else 3600
    return now.timestamp() + (max(math.floor(elapsed / unit), 0) + 1) * unit - elapsed


def iso(value: datetime | None) -> str:
    """ISO 8601 for a `datetime` attribute, UTC written short: 2026-11-30T10:42:05Z."""
    if not value:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def zone_name() -> str:
    """The time zone times are shown in: the viewer's (studies/web/timezones.py), else
    the configured default. Part of the key of anything kept that prints a time."""
    return timezone.get_current_timezone_name()


def stamp(value: datetime | None, *, seconds: bool = True) -> str:
    """A moment for a tooltip, naming the zone: '2026-11-30 10:42:05 CET (Europe/Berlin)'."""
    if not value:
        return ""
    local = timezone.localtime(value)
    zone, short = zone_name(), local.strftime("%Z")
    when = local.strftime("%Y-%m-%d %H:%M:%S " if seconds else "%Y-%m-%d %H:%M ")
    return when + (short if short == zone else f"{short} ({zone})")


# style -> (what is shown, the precision of `datetime` and of the title: no finer than
# what is shown, so a page says no more than it shows: the lock page is the same for a
# username that exists and one that does not, to the second)
MOMENT_FORMATS = {
    "minute": ("%Y-%m-%d %H:%M", "minutes"),
    "second": ("%Y-%m-%d %H:%M:%S", "seconds"),
    "clock": ("%H:%M", "minutes"),
    "clock_s": ("%H:%M:%S", "seconds"),
}


def moment(value: datetime | None, style: str = "minute") -> str:
    """A `<time>` in the viewer's zone, the zone named on hover; "—" for no time."""
    if not value:
        return "—"
    local = timezone.localtime(value)
    shown, precision = MOMENT_FORMATS.get(style, MOMENT_FORMATS["minute"])
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        local.isoformat(timespec=precision),
        stamp(value, seconds=precision == "seconds"),
        local.strftime(shown),
    )


@dataclass(slots=True)
class Row:
    """One study as a worklist row (also used by the study page for its controls)."""

    study: object
    id: str
    url: str  # the study page; other actions are url + "/edit/severity", "/claim", ...
    seen: str  # the signed token of what the row shows (studies/web/seen.py)
    severity_label: str
    status_label: str
    assignee: str
    mine: bool
    uid_short: str
    created_iso: str
    created_title: str
    created_age: str
    updated_iso: str
    updated_title: str
    updated_age: str
    can_severity: bool
    can_assign: bool
    can_status: bool
    can_open: bool
    can_claim: bool
    can_complete: bool
    can_cancel: bool
    can_restore: bool
    can_skip: bool = False
    clock: str = "ok"  # turnaround: "ok", "soon" or "overdue" (open studies only)
    clock_tag: str = ""  # "Due soon" or "Overdue" as the row prints it after the age


CLOCK_TAGS = {
    "ok": "",
    "soon": format_html(' <span class="tag">{}</span>', "Due soon"),
    "overdue": format_html(' <span class="tag">{}</span>', "Overdue"),
}


def row_of(study, caps: Capabilities, now: datetime) -> Row:
    """The row for one study. An id that is not a well-formed study id (Avara should
    never send one) gets no links or controls: nothing is built from it."""
    linkable = validators.is_study_id(study.study_id)
    active = linkable and not study.is_cancelled
    owner = study.assigned_to.user_id if study.assigned_to else None
    mine = bool(caps.me) and owner == caps.me
    return Row(
        study=study,
        id=study.study_id,
        url=caps.study_url.replace(PLACEHOLDER, quote(study.study_id)) if linkable else "",
        # Cancelled rows carry one too: ticked for a bulk edit, the service then says
        # "restore it first" rather than that the page was damaged.
        seen=seen_token(study) if linkable else "",
        severity_label=SEVERITY_LABELS.get(study.severity, study.severity),
        status_label=STATUS_LABELS.get(study.study_viewer_status, study.study_viewer_status),
        assignee=study.assigned_to.display_name if study.assigned_to else "Unassigned",
        mine=mine,
        uid_short=short_uid(study.study_instance_uid),
        created_iso=iso(study.created_at),
        created_title=_titled("Created", study.created_at),
        created_age=age(study.created_at, now),
        updated_iso=iso(study.updated_at),
        updated_title=_titled("Updated", study.updated_at),
        updated_age=age(study.updated_at, now),
        can_severity=active and caps.severity,
        can_assign=active
        and (caps.assign_any or (caps.assign_self and bool(caps.me) and owner in (None, caps.me))),
        can_status=active and caps.status and (caps.assign_any or mine),
        can_open=active and caps.open_viewer,
        can_claim=active and caps.assign_self and bool(caps.me) and owner is None,
        can_complete=active and caps.status and mine and study.study_viewer_status == "incomplete",
        can_cancel=active and caps.cancel,
        can_restore=linkable and study.is_cancelled and caps.restore,
        can_skip=active
        and caps.assign_self
        and bool(caps.me)
        and owner in (None, caps.me)
        and study.study_viewer_status == "incomplete"
        and caps.skip,
        **_turnaround(study, now),
    )


def _titled(what: str, value: datetime | None) -> str:
    return f"{what} {stamp(value)}" if value else ""


def _turnaround(study, now: datetime) -> dict:
    state = clock_state(study, now)
    return {"clock": state, "clock_tag": CLOCK_TAGS[state]}


def runs_against_the_clock(study) -> bool:
    """Only studies still to be read run against the clock."""
    return not study.is_cancelled and study.study_viewer_status == "incomplete"


def clock_state(study, now: datetime) -> str:
    return clock(study, now) if runs_against_the_clock(study) else "ok"
