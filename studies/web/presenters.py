"""What a worklist row shows and offers, computed in Python once per row.

Permissions are decided once per page (`Capabilities`), URLs are built from one prefix
per row, dates are formatted here rather than by template filters: a 100-row page stays
close to the cost of the Avara call behind it. Templates only print these values.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

import msgspec
from django.conf import settings
from django.core.cache import cache
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from studies import validators
from studies.accounts.roles import role_of
from studies.infra.kept import Kept
from studies.infra.shared import accounts_generation
from studies.queue import clock, clock_changes_at
from studies.services.fields import SEVERITY_LABELS, STATUS_LABELS
from studies.web.context_processors import me_of
from studies.web.seen import seen_token

PLACEHOLDER = "stu_" + "0" * 32
ROW_TEMPLATE = "studies/_table.html#row"
# Capabilities this process has seen, by their versioned key (see Capabilities.of), for
# as long as the shared store keeps them.
CAPS_SECONDS = 300
_caps_kept = Kept(2_000, seconds=CAPS_SECONDS)


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What the user's role allows, looked up once per request."""

    me: str | None
    severity: bool
    assign_any: bool
    assign_self: bool
    status: bool
    open_viewer: bool
    cancel: bool
    restore: bool
    see_cancelled: bool
    study_url: str  # "/studies/" + PLACEHOLDER, to be filled per row
    role: str | None = None
    details: bool = False  # description and metadata
    create: bool = False
    view_audit: bool = False
    manage_accounts: bool = False
    skip: bool = False  # Skip is offered on the queue only

    @classmethod
    def of(cls, user) -> Capabilities:
        """The user's capabilities: worked out once per request (kept on the user object)
        and shared between requests in the cache until an account changes. Only what
        pages offer comes from here; the services check permissions afresh on every write.
        """
        known = getattr(user, "_triage_caps", None)
        if known is not None:
            return known
        key = None
        if user.is_authenticated:  # date_joined: a reused primary key is another person
            joined = user.date_joined.timestamp() if user.date_joined else 0
            generation = getattr(user, "_triage_generation", None) or accounts_generation()
            key = f"triage:caps:{generation}:{user.pk}:{joined}"
        # The key names the accounts' generation, whose numbers are never reused (see
        # studies/infra/shared.py): this process keeps what it holds too, about as long as the
        # shared store does, and asks the store only when it has not got it.
        if key is None:
            caps = cls._work_out(user)
        elif (caps := _caps_kept.get(key)) is None:
            caps = cache.get(key)
            if caps is None:
                caps = cls._work_out(user)
                cache.set(key, caps, timeout=CAPS_SECONDS)
            _caps_kept.put(key, caps)
        user._triage_caps = caps
        return caps

    @classmethod
    def _work_out(cls, user) -> Capabilities:
        perms = user.get_all_permissions() if user.is_authenticated else set()

        def has(codename: str) -> bool:
            return f"studies.{codename}" in perms

        return cls(
            me=me_of(user),
            severity=has("change_severity"),
            assign_any=has("assign_any"),
            assign_self=has("assign_self"),
            status=has("change_viewer_status"),
            open_viewer=has("open_viewer"),
            cancel=has("cancel_study"),
            restore=has("uncancel_study"),
            see_cancelled=has("view_cancelled"),
            study_url=reverse("studies:detail", args=[PLACEHOLDER]),
            role=role_of(user) if user.is_authenticated else None,
            details=has("change_details"),
            create=has("create_study"),
            view_audit=has("view_audit"),
            manage_accounts=has("manage_accounts"),
        )


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


def stamp(value: datetime | None) -> str:
    """A timestamp for a tooltip, in the dashboard's time zone: '2026-11-30 10:42 UTC'."""
    if not value:
        return ""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z")


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


_CLOCK_TAGS = {
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
        seen=seen_token(study) if active else "",
        severity_label=SEVERITY_LABELS.get(study.severity, study.severity),
        status_label=STATUS_LABELS.get(study.study_viewer_status, study.study_viewer_status),
        assignee=study.assigned_to.display_name if study.assigned_to else "Unassigned",
        mine=mine,
        uid_short=short_uid(study.study_instance_uid),
        created_iso=iso(study.created_at),
        created_title=stamp(study.created_at),
        created_age=age(study.created_at, now),
        updated_iso=iso(study.updated_at),
        updated_title=stamp(study.updated_at),
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


def _turnaround(study, now: datetime) -> dict:
    state = _clock_state(study, now)
    return {"clock": state, "clock_tag": _CLOCK_TAGS[state]}


def _running(study) -> bool:
    """Only studies still to be read run against the clock."""
    return not study.is_cancelled and study.study_viewer_status == "incomplete"


def _clock_state(study, now: datetime) -> str:
    return clock(study, now) if _running(study) else "ok"


# --- Rendered rows, reused (kept in this process: studies/infra/kept.py) ----------------------
# A row's HTML depends only on what it shows, on who looks and on the clock. A row is
# rendered once per study and viewer with markers where its clock-driven values go (its
# turnaround class, its two ages, its turnaround tag) and cut there; each time it is
# shown, the values of that moment are put back in. The key holds every other value the
# row prints (so a study changed upstream or a renamed assignee always make a new key:
# never a stale row) and the viewer's capabilities and identity (so two users with
# different roles never share a row). A whole list's rows are kept under the digest of
# every study and the viewer's capabilities, as shown, until the first moment one of
# their clock-driven values reads differently (a second, a minute or an hour away).

# What of a row moves with the clock alone, in the order `_times` gives them.
_SLOTS = ("clock", "created_age", "clock_tag", "updated_age")
_MARK = "\x00"  # never in a rendered row otherwise; checked when a row is cut
_MARKERS = tuple(mark_safe(f"{_MARK}{slot}{_MARK}") for slot in range(len(_SLOTS)))  # noqa: S308
_WHOLE = "whole"  # a row whose own text holds the marker: rendered whole each time


def _times(study, now: datetime) -> tuple[str, str, str, str]:
    """The values of `_SLOTS` for this row now. Made here from numbers and fixed labels
    (never from upstream text), so they are put into the HTML as they are."""
    state = _clock_state(study, now)
    return (state, age(study.created_at, now), _CLOCK_TAGS[state], age(study.updated_at, now))


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
    return min(at, clock_changes_at(study, now)) if _running(study) else at


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
    key = (digest or list_digest(studies), caps, _clock_rule())
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
    clocks = tuple(_clock_state(study, now) for study in studies)
    running = (clock_changes_at(study, now) for study in studies if _running(study))
    until = min(running, default=math.inf) - _EARLY
    _clock_sets.put(key, _ClockSet(now.timestamp(), until, clocks))
    return clocks
