"""What the control plane accepts: field tables in the style of sandbox/validation.py
(wire name -> Field(model attribute, parser)), run by validation.check_body."""

from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from sandbox import faults
from sandbox.models import InvitedSource, UserLevel, ViewerStatus
from sandbox.validation import (
    CREATE_FIELDS,
    CREATE_REQUIRED,
    CUSTOMER_ID,
    STUDY_ID,
    USER_ID,
    Field,
    Invalid,
    Parser,
    enum,
    prefixed_id,
    string,
    text_problem,
)

MAX_SEED = 2**32 - 1
MAX_RESET_STUDIES = 100_000
MAX_ADVANCE_SECONDS = 10 * 365 * 86_400
MAX_FAULT_COUNT = 1_000_000
HTTP_METHODS = ("*", "GET", "HEAD", "POST", "PATCH", "PUT", "DELETE", "OPTIONS")


def text(min_length: int, max_length: int) -> Parser:
    """Any Unicode text (hostile strings welcome) within the length bounds."""

    def parse(value: Any) -> str:
        value = string(value)
        if not min_length <= len(value) <= max_length:
            raise Invalid(f"must be {min_length} to {max_length} characters (got {len(value)})")
        problem = text_problem(value)
        if problem is not None:
            raise Invalid(problem)
        return value

    return parse


def email(value: Any) -> str:
    value = text(3, 254)(value)
    try:
        validate_email(value)
    except ValidationError:
        raise Invalid("must be an email address") from None
    return value


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid("must be true or false")
    return value


def integer(minimum: int, maximum: int) -> Parser:
    def parse(value: Any) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # JSON has one number type: 5.0 is the integer 5
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid("must be an integer")
        if not minimum <= value <= maximum:
            raise Invalid(f"must be from {minimum} to {maximum}")
        return value

    return parse


def number(minimum: float, maximum: float, *, exclusive_minimum: bool = False) -> Parser:
    def parse(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Invalid("must be a number")
        low_ok = value > minimum if exclusive_minimum else value >= minimum
        if not low_ok or value > maximum:
            low = f"above {minimum}" if exclusive_minimum else f"from {minimum}"
            raise Invalid(f"must be a number {low} to {maximum}")
        return float(value)

    return parse


def timestamp(value: Any) -> datetime:
    """ISO 8601 with a time zone, e.g. 2024-03-15T10:30:00.000Z."""
    value = string(value)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid("must be an ISO 8601 date-time, e.g. 2024-03-15T10:30:00.000Z") from None
    if parsed.tzinfo is None:
        raise Invalid("must include a time zone (Z or an offset)")
    try:
        # Stored in UTC: PostgreSQL refuses offsets beyond +-15:59 that Python accepts.
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+05:00 is before year 1 in UTC
        raise Invalid("must be a date-time from year 1 to 9999 in UTC") from None


def fault_status(value: Any) -> int:
    allowed = faults.RULE_STATUSES
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
        raise Invalid(f"must be one of {', '.join(map(str, allowed))}, or null")
    return value


def path_glob(value: Any) -> str:
    value = text(1, 500)(value)
    if not value.startswith("/"):
        raise Invalid("must start with / (a glob such as /v1/viewer/studies/*)")
    return value


USER_FIELDS = {
    "userId": Field("user_id", USER_ID),
    "email": Field("email", email),
    "firstName": Field("first_name", text(1, 100)),
    "lastName": Field("last_name", text(1, 100)),
    "middleName": Field("middle_name", text(0, 100)),
    "suffix1": Field("suffix1", text(0, 100)),
    "suffix2": Field("suffix2", text(0, 100)),
    "level": Field("level", enum(UserLevel.values)),
    "clinicRole": Field("clinic_role", text(1, 100)),
    "canManageStudies": Field("can_manage_studies", boolean),
    "hasDashboardAccess": Field("has_dashboard_access", boolean),
    "invitedSource": Field("invited_source", enum(InvitedSource.values)),
    "phoneNumber": Field("phone_number", text(0, 50)),
    "createdAt": Field("created_at", timestamp),
    "lastLoginAt": Field("last_login_at", timestamp, nullable=True),
}
USER_REQUIRED = ("email", "firstName", "lastName")
USER_UPDATE_FIELDS = {name: field for name, field in USER_FIELDS.items() if name != "userId"}

CUSTOMER_FIELDS = {
    "expressCustomerId": Field("customer_id", CUSTOMER_ID),
    "expressCustomerName": Field("name", text(1, 200)),
}
CUSTOMER_REQUIRED = ("expressCustomerName",)
CUSTOMER_UPDATE_FIELDS = {"expressCustomerName": CUSTOMER_FIELDS["expressCustomerName"]}

STUDY_TIME_FIELDS = {
    "createdAt": Field("created_at", timestamp),
    "updatedAt": Field("updated_at", timestamp),
}

# A study in any state, in one call: the API's create fields (with its rules), plus what
# only time, other clients or Avara's own UI would give a study.
STUDY_FIELDS = {
    "studyId": Field("study_id", STUDY_ID),
    **CREATE_FIELDS,
    "studyViewerStatus": Field("study_viewer_status", enum(ViewerStatus.values)),
    "isCancelled": Field("is_cancelled", boolean),
    "cancelledAt": Field("cancelled_at", timestamp, nullable=True),
    "createdByUser": Field("created_by_user_id", USER_ID, nullable=True),
    **STUDY_TIME_FIELDS,
}
STUDY_REQUIRED = CREATE_REQUIRED

RESET_FIELDS = {
    "seed": Field("seed", integer(0, MAX_SEED)),
    "studies": Field("studies", integer(0, MAX_RESET_STUDIES)),
    "now": Field("now", timestamp),
    "empty": Field("empty", boolean),
}

CLOCK_FIELDS = {"seconds": Field("seconds", number(0, MAX_ADVANCE_SECONDS, exclusive_minimum=True))}
CLOCK_REQUIRED = ("seconds",)

FAULT_FIELDS = {
    "method": Field("method", enum(HTTP_METHODS)),
    "path": Field("path", path_glob),
    "status": Field("status", fault_status, nullable=True),
    "rate": Field("rate", number(0, 1, exclusive_minimum=True)),
    "latencyMs": Field("latency_ms", integer(0, faults.MAX_LATENCY_MS)),
    "count": Field("remaining", integer(1, MAX_FAULT_COUNT), nullable=True),
}
FAULT_REQUIRED = ("path",)
FAULT_ID = prefixed_id("flt")
