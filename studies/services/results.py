"""What a write service answers: a small value the view turns into a page or a fragment.

Never an HTTP response: the same result serves a row swap, a full page, a bulk action
or a management command.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from studies.models import AuditOutcome


class Outcome(StrEnum):
    APPLIED = "applied"  # Avara has the change (or the study was created, or the link made)
    UNCHANGED = "unchanged"  # the study already held what the user asked for; nothing sent
    REFUSED = "refused"  # the dashboard's rules or Avara said no; nothing written
    CONFLICT = "conflict"  # someone changed a field the user was changing; nothing written
    NOT_APPLIED = "not_applied"  # Avara could not be asked, or a read shows it did not land
    UNKNOWN = "unknown"  # sent, and even a fresh read cannot tell whether it landed

    @property
    def audit(self) -> AuditOutcome:
        if self is Outcome.UNCHANGED:
            return AuditOutcome.NOT_APPLIED
        return AuditOutcome(self.value)


class Reason(StrEnum):
    """Why a write did not apply, for the view to pick a status code and a tone."""

    FORBIDDEN = "forbidden"  # the user's role may not do this (to this study)
    INVALID = "invalid"  # a value Avara or the dashboard does not accept
    NOT_FOUND = "not_found"
    CANCELLED = "cancelled"  # the study is cancelled (or, for a restore, is not)
    BUSY = "busy"  # another dashboard write of the same study did not finish in time
    TAKEN = "taken"  # a claim lost: someone else has the study
    UNAVAILABLE = "unavailable"  # Avara down, slow or rate limiting
    BAD_UPSTREAM = "bad_upstream"  # Avara refused our key, or answered what we cannot use
    DUPLICATE = "duplicate"  # a create whose Study Instance UID exists


@dataclass(frozen=True, slots=True)
class FieldConflict:
    """One field someone else changed between the user's look and the user's save."""

    field: str
    label: str
    now: str  # the current value, as a person reads it
    wanted: str  # what the user chose
    when: str = ""  # "10:42", or "29 Nov 10:42" when not today
    by: str = ""  # who, when the dashboard's own audit trail knows

    @property
    def message(self) -> str:
        text = f"{self.label} is now {self.now}"
        if self.when:
            text += f", set {self.when}"
        if self.by:
            text += f" by {self.by}"
        return text + "."


@dataclass(frozen=True, slots=True)
class WriteResult:
    outcome: Outcome
    message: str  # one sentence for the user, safe to show
    study: object | None = None  # the study as it now is, when known (a fresh read)
    reason: Reason | None = None
    conflicts: tuple[FieldConflict, ...] = ()
    field_errors: Mapping[str, str] = field(default_factory=dict)
    # For a conflict: whether the user's role lets them apply their choice over the
    # new value (a radiologist may not take a study someone else claimed).
    can_override: bool = False
    url: str = ""  # the viewer link, for study_viewer_link
    undo: str = ""  # a cancel that applied: its author's Undo token (studies/services/undo.py)

    @property
    def ok(self) -> bool:
        return self.outcome in (Outcome.APPLIED, Outcome.UNCHANGED)
