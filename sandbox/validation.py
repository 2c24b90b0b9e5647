"""Every documented constraint of the Viewer API, as field -> message.

Parsers take a decoded JSON value (bodies) or a query-string value and return the
cleaned value or raise `Invalid(message)`. `check_body` and `check_query` run a
table of fields and return `(cleaned, errors)`: cleaned values keyed by model
attribute, error messages keyed by the wire (camelCase) field name.
"""

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict

from sandbox.models import InvitedSource, Severity, UserLevel, ViewerStatus

MAX_UID_LENGTH = 64
MAX_DESCRIPTION_LENGTH = 1000
MAX_METADATA_PAIRS = 50
MAX_METADATA_KEY = 100
MAX_METADATA_VALUE = 1000
MIN_LIMIT, MAX_LIMIT = 1, 100
NULL_LITERAL = "null"  # query value meaning "is null" for assignedTo / expressCustomerId

_UID_COMPONENT = re.compile(r"^(0|[1-9][0-9]*)$")
_LIMIT = re.compile(r"([0-9]+)(?:\.([0-9]*))?")  # "20", "020", "20.0", "20." (a float client)


class Invalid(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


Parser = Callable[[Any], Any]


@dataclass(frozen=True)
class Field:
    attr: str  # model attribute (snake_case) the cleaned value is stored under
    parse: Parser
    nullable: bool = False


# --- Value parsers ----------------------------------------------------------------------


def text_problem(value: str) -> str | None:
    """Why a decoded string can be neither stored nor echoed safely, or None.

    A NUL ends a string in SQLite's LIKE (so a `%00` filter matched everything) and
    PostgreSQL refuses it; a lone UTF-16 surrogate (JSON `"\\ud800"`) is not Unicode
    text at all and cannot be encoded to UTF-8."""
    if "\x00" in value:
        return "must not contain NUL characters (\\u0000)"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must not contain lone UTF-16 surrogates (not valid Unicode)"
    return None


def string(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid("must be a string")
    return value


def prefixed_id(prefix: str) -> Parser:
    pattern = re.compile(rf"^{prefix}_[0-9a-f]{{32}}$")

    def parse(value: Any) -> str:
        if not pattern.match(string(value)):
            raise Invalid(f"must be '{prefix}_' followed by 32 lowercase hexadecimal characters")
        return value

    return parse


def enum(choices: Iterable[str]) -> Parser:
    allowed = list(choices)

    def parse(value: Any) -> str:
        if string(value) not in allowed:
            raise Invalid(f"must be one of: {', '.join(allowed)}")
        return value

    return parse


def dicom_uid(value: Any) -> str:
    """DICOM UID syntax (PS3.5 9.1): numeric components separated by dots, no
    leading zero in a component unless it is "0", no empty component, <= 64 chars."""
    value = string(value)
    if not value:
        raise Invalid("must not be empty")
    if len(value) > MAX_UID_LENGTH:
        raise Invalid(f"must be at most {MAX_UID_LENGTH} characters (got {len(value)})")
    if not re.fullmatch(r"[0-9.]+", value):
        raise Invalid("must contain only digits and dots")
    for component in value.split("."):
        if not component:
            raise Invalid("must not have an empty component (no leading, trailing or double dot)")
        if not _UID_COMPONENT.match(component):
            raise Invalid(f"component '{component}' must not have a leading zero")
    return value


def description(value: Any) -> str:
    value = string(value)
    if not value:
        raise Invalid("must be at least 1 character")
    if not value.strip():
        raise Invalid("must not be only whitespace")
    if len(value) > MAX_DESCRIPTION_LENGTH:
        raise Invalid(f"must be at most {MAX_DESCRIPTION_LENGTH} characters (got {len(value)})")
    return value


def metadata(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise Invalid("must be an object of string keys to string values")
    if len(value) > MAX_METADATA_PAIRS:
        raise Invalid(f"must have at most {MAX_METADATA_PAIRS} pairs (got {len(value)})")
    for key, item in value.items():
        if not 1 <= len(key) <= MAX_METADATA_KEY:
            raise Invalid(f"keys must be 1 to {MAX_METADATA_KEY} characters (got {len(key)})")
        if not isinstance(item, str):
            raise Invalid(f"the value of '{key}' must be a string")
        if len(item) > MAX_METADATA_VALUE:
            raise Invalid(
                f"the value of '{key}' must be at most {MAX_METADATA_VALUE} characters"
                f" (got {len(item)})"
            )
    return dict(value)


def boolean_text(value: str) -> bool:
    if value not in ("true", "false"):
        raise Invalid("must be true or false")
    return value == "true"


def limit_text(value: str) -> int:
    """An integer 1-100, also written as a whole decimal ("20.0", "20."): the official
    client types `limit` as a float. "2.5", "1e2", "+5", " 5" are refused."""
    match = _LIMIT.fullmatch(value)
    whole = match[1].lstrip("0") if match else ""
    fraction = (match[2] or "") if match else ""
    # len(whole) <= 3 also keeps a 5000-digit value away from int()'s digit limit.
    if not 0 < len(whole) <= 3 or fraction.strip("0") or not MIN_LIMIT <= int(whole) <= MAX_LIMIT:
        raise Invalid(f"must be an integer from {MIN_LIMIT} to {MAX_LIMIT}")
    return int(whole)


def non_blank_text(value: str) -> str:
    if not value.strip():
        raise Invalid("must not be empty")
    return value


# --- Tables of fields -----------------------------------------------------------------

STUDY_ID = prefixed_id("stu")
USER_ID = prefixed_id("usr")
CUSTOMER_ID = prefixed_id("cus")

CREATE_FIELDS = {
    "severity": Field("severity", enum(Severity.values)),
    "studyDescription": Field("study_description", description),
    "studyInstanceUid": Field("study_instance_uid", dicom_uid),
    "assignedTo": Field("assigned_to_id", USER_ID, nullable=True),
    "expressCustomerId": Field("express_customer_id", CUSTOMER_ID, nullable=True),
    "metadata": Field("metadata", metadata, nullable=True),
}
CREATE_REQUIRED = ("severity", "studyDescription", "studyInstanceUid")

UPDATE_FIELDS = {
    "assignedTo": Field("assigned_to_id", USER_ID, nullable=True),
    "metadata": Field("metadata", metadata, nullable=True),
    "severity": Field("severity", enum(Severity.values)),
    "studyDescription": Field("study_description", description),
    "studyViewerStatus": Field("study_viewer_status", enum(ViewerStatus.values)),
}

LOOKUP_FIELDS = {
    "studyId": Field("study_id", STUDY_ID),
    "studyInstanceUid": Field("study_instance_uid", dicom_uid),
}

STUDY_QUERY = {
    "assignedTo": Field("assigned_to_id", USER_ID, nullable=True),
    "expressCustomerId": Field("express_customer_id", CUSTOMER_ID, nullable=True),
    "isCancelled": Field("is_cancelled", boolean_text),
    "severity": Field("severity", enum(Severity.values)),
    "studyDescription": Field("study_description", non_blank_text),
    "studyViewerStatus": Field("study_viewer_status", enum(ViewerStatus.values)),
    "limit": Field("limit", limit_text),
    "cursor": Field("cursor", non_blank_text),
}

USER_QUERY = {
    "email": Field("email", non_blank_text),
    "firstName": Field("first_name", non_blank_text),
    "lastName": Field("last_name", non_blank_text),
    "level": Field("level", enum(UserLevel.values)),
    "invitedSource": Field("invited_source", enum(InvitedSource.values)),
    "limit": Field("limit", limit_text),
    "cursor": Field("cursor", non_blank_text),
}


# --- Running a table -------------------------------------------------------------------


def check_body(
    data: Mapping[str, Any], fields: Mapping[str, Field], required: Iterable[str] = ()
) -> tuple[dict[str, Any], dict[str, str]]:
    """Clean a JSON object against `fields`: unknown keys, missing required keys,
    nulls where not allowed and bad values all become errors."""
    errors = {name: "is not a recognised field" for name in data if name not in fields}
    errors |= {name: "is required" for name in required if name not in data}
    cleaned: dict[str, Any] = {}
    for name, field in fields.items():
        if name not in data or name in errors:
            continue
        try:
            cleaned[field.attr] = _clean(field, data[name], null_value=None)
        except Invalid as exc:
            errors[name] = exc.message
    return cleaned, errors


def check_query(query: QueryDict, fields: Mapping[str, Field]) -> tuple[dict, dict[str, str]]:
    """Clean query parameters: unknown or repeated parameters are errors, and the
    literal `null` means "is null" where the field is nullable."""
    errors = {name: "is not a recognised query parameter" for name in query if name not in fields}
    cleaned: dict[str, Any] = {}
    for name, field in fields.items():
        values = query.getlist(name)
        if not values:
            continue
        if len(values) > 1:
            errors[name] = "must be given at most once"
            continue
        problem = text_problem(values[0])
        if problem is not None:
            errors[name] = problem
            continue
        try:
            cleaned[field.attr] = _clean(field, values[0], null_value=NULL_LITERAL)
        except Invalid as exc:
            errors[name] = exc.message
    return cleaned, errors


def check_path_id(value: str, parse: Parser) -> str | None:
    """The message for a malformed path identifier, or None when it is well formed."""
    try:
        parse(value)
    except Invalid as exc:
        return exc.message
    return None


def _clean(field: Field, value: Any, *, null_value: str | None) -> Any:
    if value == null_value:
        if field.nullable:
            return None
        if value is None:
            raise Invalid("must not be null")
    return field.parse(value)


def check_lookup(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """cancel / uncancel / reroute-url: studyId or studyInstanceUid, at least one.
    (When both are given, naming the same study is checked against the data.)"""
    cleaned, errors = check_body(data, LOOKUP_FIELDS)
    if not errors and not cleaned:
        message = "studyId or studyInstanceUid is required"
        errors = {"studyId": message, "studyInstanceUid": message}
    return cleaned, errors
