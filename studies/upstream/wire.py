"""Avara's JSON as typed values: msgspec Structs, snake_case here, camelCase on the wire.

Each type is decoded in one pass by a reusable `msgspec.json.Decoder` (below). Unknown
fields are ignored (Avara may add some); a missing required field or a wrong type
raises, which the service module turns into `BadResponse`.

Enumerated values (severity, studyViewerStatus, level, ...) are kept as plain `str`
so that a value Avara adds later does not make a whole page unreadable; the known
values are listed in the constants below.

Timestamps are always timezone-aware once decoded. One without a zone (e.g.
"2024-01-01T00:00:00", no "Z") is taken as UTC rather than refused: Avara documents
and sends UTC, so a missing zone almost surely means UTC written carelessly, while
refusing it would make a whole worklist page unreadable over one field (the same
reasoning as for enums above). A warning is logged the first time it happens, in case
the times are ever not UTC. Aware timestamps are kept as sent.
"""

from __future__ import annotations

import functools
import logging
from datetime import UTC, datetime

import msgspec

log = logging.getLogger("studies.upstream")

SEVERITIES = ("normal", "high", "stat")
VIEWER_STATUSES = ("incomplete", "complete")
USER_LEVELS = ("owner", "admin", "member")
INVITED_SOURCES = ("dashboard", "api")


class _Wire(
    msgspec.Struct, rename="camel", kw_only=True, omit_defaults=True, forbid_unknown_fields=False
):
    """Base: configuration shared by every wire type (inherited by subclasses).

    Decoding is hot (a page of 100 studies holds some 350 structs), so only the types
    with timestamps run a `__post_init__`, and it reads their fields directly: half the
    cost of decoding a page went to a generic one on every struct."""


def _aware(value: datetime | None) -> datetime | None:
    """A timestamp Avara sent without a zone, taken as UTC (see the module docstring)."""
    if value is None or value.tzinfo is not None:
        return value
    _warn_naive_timestamp()
    return value.replace(tzinfo=UTC)


def _naive(*values: datetime | None) -> bool:
    return any(value is not None and value.tzinfo is None for value in values)


@functools.cache
def _warn_naive_timestamp() -> None:
    log.warning("Avara sent a timestamp without a timezone; treating it (and later ones) as UTC")


def display_name(
    *,
    email: str,
    first_name: str | None,
    middle_name: str | None,
    last_name: str | None,
    suffix1: str | None,
    suffix2: str | None,
) -> str:
    """ "John R. Smith, MD, FACR"; the email address when there is no first or last name."""
    first, last = (first_name or "").strip(), (last_name or "").strip()
    if not first and not last:
        return email
    middle = (middle_name or "").strip()
    initial = f"{middle[0].upper()}." if middle else ""
    name = " ".join(part for part in (first, initial, last) if part)
    suffixes = [s.strip() for s in (suffix1, suffix2) if s and s.strip()]
    return ", ".join([name, *suffixes])


class _Named(_Wire, kw_only=True):
    """Fields and `.display_name` shared by a user and a reference to one."""

    user_id: str
    email: str
    first_name: str | None = None
    last_name: str | None = None
    middle_name: str | None = None
    suffix1: str | None = None
    suffix2: str | None = None

    @property
    def display_name(self) -> str:
        return display_name(
            email=self.email,
            first_name=self.first_name,
            middle_name=self.middle_name,
            last_name=self.last_name,
            suffix1=self.suffix1,
            suffix2=self.suffix2,
        )


class UserRef(_Named, kw_only=True):
    """A user as referenced from a study (assignedTo, createdByUser); names optional."""


class ApiKeyRef(_Wire, kw_only=True):
    api_key_id: str
    description: str
    is_viewer_enabled: bool | None = None


class CustomerRef(_Wire, kw_only=True):
    express_customer_id: str
    express_customer_name: str


class Study(_Wire, kw_only=True):
    study_id: str
    study_instance_uid: str
    study_description: str
    severity: str
    study_viewer_status: str
    is_cancelled: bool
    cancelled_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    assigned_to: UserRef | None = None
    created_by_api_key: ApiKeyRef | None = None
    created_by_user: UserRef | None = None
    express_customer: CustomerRef | None = None
    # Never None once built: missing or null on the wire becomes {}.
    metadata: dict[str, str] | None = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.metadata is None:
            self.metadata = {}
        created, updated, cancelled = self.created_at, self.updated_at, self.cancelled_at
        if (
            (created is not None and created.tzinfo is None)
            or (updated is not None and updated.tzinfo is None)
            or (cancelled is not None and cancelled.tzinfo is None)
        ):  # spelt out: this runs for every study of every page
            self.created_at, self.updated_at = _aware(created), _aware(updated)
            self.cancelled_at = _aware(cancelled)


class User(_Named, kw_only=True):
    """A Viewer user (list/retrieve users). Required fields follow Avara's official client."""

    first_name: str  # type: ignore[assignment]  # required here, optional on UserRef
    last_name: str  # type: ignore[assignment]
    level: str
    clinic_role: str
    can_manage_studies: bool
    has_dashboard_access: bool
    invited_source: str
    phone_number: str | None = None
    created_at: datetime | None = None
    last_login_at: datetime | None = None

    def __post_init__(self) -> None:
        if _naive(self.created_at, self.last_login_at):
            self.created_at = _aware(self.created_at)
            self.last_login_at = _aware(self.last_login_at)


class _Page(_Wire, kw_only=True):
    cursor: str | None = None
    # Never None once built: missing means "more if there is a cursor"; a page claiming
    # more without a cursor cannot be followed, so it counts as the last one.
    has_more: bool | None = None

    def __post_init__(self) -> None:
        self.has_more = bool(self.cursor) and self.has_more is not False


class StudyPage(_Page, kw_only=True):
    studies: list[Study]


class UserPage(_Page, kw_only=True):
    users: list[User]


class ActionResult(_Wire, kw_only=True):
    """The answer to cancel / uncancel."""

    success: bool
    message: str | None = None


class RerouteUrl(_Wire, kw_only=True):
    url: str


STUDY = msgspec.json.Decoder(Study)
STUDY_PAGE = msgspec.json.Decoder(StudyPage)
USER = msgspec.json.Decoder(User)
USER_PAGE = msgspec.json.Decoder(UserPage)
USERS = msgspec.json.Decoder(list[User])
ACTION_RESULT = msgspec.json.Decoder(ActionResult)
REROUTE_URL = msgspec.json.Decoder(RerouteUrl)
ENCODER = msgspec.json.Encoder()
