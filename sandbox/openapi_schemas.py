"""The components of the Viewer API's OpenAPI document (sandbox/openapi.py): every
field, format, enum, nullability and limit, from the constants the validation uses."""

from typing import Any

from sandbox import validation
from sandbox.models import InvitedSource, Severity, UserLevel, ViewerStatus
from sandbox.openapi_parts import ERROR_TYPES, TEXT, nullable, ref

NON_BLANK = r"^[^\u0000]*\S[^\u0000]*$"  # some non-whitespace, no NUL
UID_PATTERN = r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$"
TIMESTAMP_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$"


def _id(prefix: str, what: str) -> dict[str, Any]:
    return {
        "type": "string",
        "pattern": f"^{prefix}_[0-9a-f]{{32}}$",
        "description": f"{what}: '{prefix}_' and 32 lowercase hexadecimal characters.",
        "examples": [f"{prefix}_1234567890abcdef1234567890abcdef"],
    }


def schemas() -> dict[str, Any]:
    return (
        _value_schemas()
        | _reference_schemas()
        | {
            "Study": _study_schema(),
            "StudyPage": _page_schema("studies", "Study"),
            "User": _user_schema(),
            "UserPage": _page_schema("users", "User"),
            "StudyCreate": _study_write_schema(create=True),
            "StudyUpdate": _study_write_schema(create=False),
        }
        | _action_schemas()
        | {"Error": _error_schema()}
    )


def _value_schemas() -> dict[str, Any]:
    return {
        "StudyId": _id("stu", "Study identifier"),
        "UserId": _id("usr", "User identifier"),
        "ExpressCustomerId": _id("cus", "Express customer identifier"),
        "StudyInstanceUid": {
            "type": "string",
            "minLength": 1,
            "maxLength": validation.MAX_UID_LENGTH,
            "pattern": UID_PATTERN,
            "description": "DICOM UID: numeric components separated by dots, no leading zero"
            " in a component unless it is '0', at most 64 characters.",
            "examples": ["1.2.840.113619.2.55.3.604688119.868.1234567890.123"],
        },
        "Severity": {"type": "string", "enum": Severity.values},
        "StudyViewerStatus": {"type": "string", "enum": ViewerStatus.values},
        "Timestamp": {
            "type": "string",
            "format": "date-time",
            "pattern": TIMESTAMP_PATTERN,
            "description": "ISO 8601 UTC with milliseconds, e.g. 2024-03-15T10:30:00.000Z.",
        },
        "StudyDescription": {
            "type": "string",
            "minLength": 1,
            "maxLength": validation.MAX_DESCRIPTION_LENGTH,
            "pattern": NON_BLANK,
            "description": "Description of the study (e.g. 'Brain MRI with Contrast'); not"
            " only whitespace, no NUL character. Stored as sent.",
        },
        "Metadata": {
            "type": "object",
            "maxProperties": validation.MAX_METADATA_PAIRS,
            "propertyNames": {
                "minLength": 1,
                "maxLength": validation.MAX_METADATA_KEY,
                "pattern": TEXT,
            },
            "additionalProperties": {
                "type": "string",
                "maxLength": validation.MAX_METADATA_VALUE,
                "pattern": TEXT,
            },
            "description": "Custom key-value metadata: at most 50 pairs, keys 1-100"
            " characters, values at most 1000.",
        },
    }


def _reference_schemas() -> dict[str, Any]:
    reference_names = {
        "firstName": {"type": "string"},
        "lastName": {"type": "string"},
        "middleName": {"type": "string"},
        "suffix1": {"type": "string", "description": "Name suffix (e.g. 'MD', 'Jr.')."},
        "suffix2": {"type": "string"},
    }
    optional_text = "Omitted when empty."
    return {
        "UserReference": {
            "type": "object",
            "required": ["userId", "email"],
            "additionalProperties": False,
            "properties": {"userId": ref("UserId"), "email": {"type": "string"}}
            | {
                name: schema | {"description": optional_text}
                for name, schema in reference_names.items()
            },
        },
        "APIKeyReference": {
            "type": "object",
            "required": ["apiKeyId", "description"],
            "additionalProperties": False,
            "properties": {
                "apiKeyId": {"type": "string", "format": "uuid"},
                "description": {"type": "string"},
                "isViewerEnabled": {"type": "boolean"},
            },
        },
        "ExpressCustomerReference": {
            "type": "object",
            "required": ["expressCustomerId", "expressCustomerName"],
            "additionalProperties": False,
            "properties": {
                "expressCustomerId": ref("ExpressCustomerId"),
                "expressCustomerName": {"type": "string"},
            },
        },
    }


def _action_schemas() -> dict[str, Any]:
    return {
        "StudyLookup": {
            "type": "object",
            "additionalProperties": False,
            "minProperties": 1,
            "properties": {
                "studyId": ref("StudyId"),
                "studyInstanceUid": ref("StudyInstanceUid"),
            },
            "description": "studyId or studyInstanceUid (at least one; both must then name"
            " the same study).",
        },
        "ActionResult": {
            "type": "object",
            "required": ["success", "message"],
            "additionalProperties": False,
            "properties": {"success": {"type": "boolean"}, "message": {"type": "string"}},
        },
        "RerouteUrl": {
            "type": "object",
            "required": ["url"],
            "additionalProperties": False,
            "properties": {"url": {"type": "string", "format": "uri"}},
        },
    }


def _error_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["type", "message", "fields"],
                "additionalProperties": False,
                "properties": {
                    "type": {"type": "string", "enum": ERROR_TYPES},
                    "message": {"type": "string", "minLength": 1},
                    "fields": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                        "description": "Wire field name (as sent) -> what is wrong with"
                        " it; {} when no single field is at fault.",
                    },
                },
            }
        },
    }


def _study_schema() -> dict[str, Any]:
    properties = {
        "studyId": ref("StudyId"),
        "studyInstanceUid": ref("StudyInstanceUid"),
        "studyDescription": {"type": "string"},
        "severity": ref("Severity"),
        "studyViewerStatus": ref("StudyViewerStatus"),
        "isCancelled": {"type": "boolean"},
        "cancelledAt": nullable(ref("Timestamp")),
        "createdAt": nullable(ref("Timestamp")),
        "updatedAt": nullable(ref("Timestamp")),
        "assignedTo": nullable(ref("UserReference")),
        "createdByApiKey": nullable(ref("APIKeyReference")),
        "createdByUser": nullable(ref("UserReference")),
        "expressCustomer": nullable(ref("ExpressCustomerReference")),
        "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
    }
    return {
        "type": "object",
        "description": "A study. The sandbox always sends every key (the reference marks"
        " assignedTo, createdByApiKey, createdByUser, expressCustomer and metadata"
        " optional); createdAt and updatedAt are never null here.",
        "required": list(properties),
        "additionalProperties": False,
        "properties": properties,
    }


def _user_schema() -> dict[str, Any]:
    properties = {
        "userId": ref("UserId"),
        "email": {"type": "string"},
        "firstName": {"type": "string"},
        "lastName": {"type": "string"},
        "middleName": {"type": "string", "description": "Omitted when empty."},
        "suffix1": {"type": "string", "description": "Omitted when empty."},
        "suffix2": {"type": "string", "description": "Omitted when empty."},
        "level": {"type": "string", "enum": UserLevel.values},
        "clinicRole": {"type": "string"},
        "canManageStudies": {"type": "boolean"},
        "hasDashboardAccess": {"type": "boolean"},
        "invitedSource": {"type": "string", "enum": InvitedSource.values},
        "phoneNumber": {"type": "string", "description": "Omitted when empty."},
        "createdAt": ref("Timestamp"),
        "lastLoginAt": nullable(ref("Timestamp")),
    }
    optional = {"middleName", "suffix1", "suffix2", "phoneNumber"}
    return {
        "type": "object",
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
        "properties": properties,
    }


def _page_schema(key: str, item: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": [key, "cursor", "hasMore"],
        "additionalProperties": False,
        "properties": {
            key: {"type": "array", "items": ref(item), "maxItems": validation.MAX_LIMIT},
            "cursor": {
                "type": ["string", "null"],
                "description": "Opaque; send it back with the same filters for the next"
                " page. null when hasMore is false.",
            },
            "hasMore": {"type": "boolean"},
        },
    }


def _study_write_schema(*, create: bool) -> dict[str, Any]:
    properties = {
        "severity": ref("Severity"),
        "studyDescription": ref("StudyDescription"),
        "assignedTo": nullable(ref("UserId"), "null unassigns (update) / none (create)."),
        "metadata": nullable(ref("Metadata"), "null clears it; an object replaces it whole."),
    }
    if create:
        properties |= {
            "studyInstanceUid": ref("StudyInstanceUid"),
            "expressCustomerId": nullable(ref("ExpressCustomerId")),
        }
        return {
            "type": "object",
            "required": ["severity", "studyDescription", "studyInstanceUid"],
            "additionalProperties": False,
            "properties": properties,
        }
    properties["studyViewerStatus"] = ref("StudyViewerStatus")
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "description": "Only the fields given change; {} or unchanged values leave"
        " updatedAt as it was.",
    }
