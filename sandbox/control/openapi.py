"""The control plane's OpenAPI 3.1 document, a second document beside the Viewer API's
(sandbox/openapi.py): an integrator's client is generated from that one without the
emulator's own tools. Written to sandbox/openapi-control.json by
`python -m sandbox sandbox_openapi`, served at /_sandbox/openapi.json."""

from typing import Any

from sandbox import faults
from sandbox.control import checks
from sandbox.control.views import DEFAULT_REQUESTS, MAX_REQUESTS
from sandbox.models import InvitedSource, UserLevel
from sandbox.openapi import VERSION
from sandbox.openapi_parts import TEXT, errors, json_content, nullable, query, ref
from sandbox.openapi_schemas import schemas as api_schemas


def _text(low: int, high: int) -> dict[str, Any]:
    return {"type": "string", "minLength": low, "maxLength": high, "pattern": TEXT}


def _object(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
    }
    if required:
        schema["required"] = list(required)
    return schema


def _user_write(*, create: bool) -> dict[str, Any]:
    properties = {
        "email": {"type": "string", "format": "email", "minLength": 3, "maxLength": 254},
        "firstName": _text(1, 100),
        "lastName": _text(1, 100),
        "middleName": _text(0, 100),
        "suffix1": _text(0, 100),
        "suffix2": _text(0, 100),
        "level": {"type": "string", "enum": UserLevel.values},
        "clinicRole": _text(1, 100),
        "canManageStudies": {"type": "boolean"},
        "hasDashboardAccess": {"type": "boolean"},
        "invitedSource": {"type": "string", "enum": InvitedSource.values},
        "phoneNumber": _text(0, 50),
        "createdAt": {"type": "string", "format": "date-time"},
        "lastLoginAt": nullable({"type": "string", "format": "date-time"}),
    }
    if create:
        return _object({"userId": ref("UserId")} | properties, checks.USER_REQUIRED)
    return _object(properties)


def _schemas() -> dict[str, Any]:
    return api_schemas() | _resource_schemas() | _state_schemas() | _inspection_schemas()


def _resource_schemas() -> dict[str, Any]:
    return {
        "UserCreate": _user_write(create=True),
        "UserUpdate": _user_write(create=False),
        "UserList": _object({"users": {"type": "array", "items": ref("User")}}, ("users",)),
        "CustomerCreate": _object(
            {"expressCustomerId": ref("ExpressCustomerId"), "expressCustomerName": _text(1, 200)},
            checks.CUSTOMER_REQUIRED,
        ),
        "CustomerUpdate": _object({"expressCustomerName": _text(1, 200)}),
        "CustomerList": _object(
            {"customers": {"type": "array", "items": ref("ExpressCustomerReference")}},
            ("customers",),
        ),
    }


def _study_create() -> dict[str, Any]:
    """The API's StudyCreate, plus the state only time and other clients would give."""
    create = api_schemas()["StudyCreate"]
    date_time = {"type": "string", "format": "date-time"}
    properties = {"studyId": ref("StudyId")} | create["properties"]
    properties |= {
        "studyViewerStatus": ref("StudyViewerStatus"),
        "isCancelled": {"type": "boolean"},
        "cancelledAt": nullable(date_time, "Only with isCancelled; default updatedAt."),
        "createdByUser": nullable(ref("UserId")),
        "createdAt": date_time | {"description": "Default: updatedAt, else now."},
        "updatedAt": date_time | {"description": "Default: createdAt."},
    }
    return _object(properties, checks.STUDY_REQUIRED)


def _state_schemas() -> dict[str, Any]:
    return {
        "ControlStudyCreate": _study_create(),
        "StudyTimes": _object(
            {
                "createdAt": {"type": "string", "format": "date-time"},
                "updatedAt": {"type": "string", "format": "date-time"},
            }
        )
        | {"minProperties": 1},
        "Reset": _object(
            {
                "seed": {"type": "integer", "minimum": 0, "maximum": checks.MAX_SEED},
                "studies": {"type": "integer", "minimum": 0, "maximum": checks.MAX_RESET_STUDIES},
                "now": {"type": "string", "format": "date-time"},
                "empty": {
                    "type": "boolean",
                    "description": "true: no study, user or customer at all (then no seed,"
                    " studies or now).",
                },
            }
        ),
        "ResetResult": _object(
            {name: {"type": "integer"} for name in ("studies", "users", "customers")},
            ("studies", "users", "customers"),
        ),
        "ClockAdvance": _object(
            {
                "seconds": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "maximum": checks.MAX_ADVANCE_SECONDS,
                }
            },
            checks.CLOCK_REQUIRED,
        ),
        "Clock": _object(
            {"now": ref("Timestamp"), "offsetSeconds": {"type": "number", "minimum": 0}},
            ("now", "offsetSeconds"),
        ),
    }


def _inspection_schemas() -> dict[str, Any]:
    fault_properties = {
        "method": {"type": "string", "enum": list(checks.HTTP_METHODS)},
        "path": {"type": "string", "minLength": 1, "maxLength": 500, "pattern": r"^/[^\u0000]*$"},
        "status": nullable({"type": "integer", "enum": list(faults.RULE_STATUSES)}),
        "rate": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        "latencyMs": {"type": "integer", "minimum": 0, "maximum": faults.MAX_LATENCY_MS},
    }
    return {
        "RequestRecord": _object(
            {
                "id": {"type": "integer"},
                "method": {"type": "string"},
                "path": {"type": "string"},
                "query": {"type": "string"},
                "status": {"type": "integer"},
                "durationMs": {"type": "number"},
                "at": ref("Timestamp"),
            },
            ("id", "method", "path", "query", "status", "durationMs", "at"),
        ),
        "RequestList": _object(
            {"requests": {"type": "array", "items": ref("RequestRecord")}}, ("requests",)
        ),
        "FaultCreate": _object(
            fault_properties
            | {
                "count": nullable(
                    {"type": "integer", "minimum": 1, "maximum": checks.MAX_FAULT_COUNT}
                )
            },
            checks.FAULT_REQUIRED,
        ),
        "Fault": _object(
            {"faultId": _fault_id()}
            | fault_properties
            | {
                "remaining": nullable({"type": "integer", "minimum": 0}),
                "fired": {"type": "integer", "minimum": 0},
                "createdAt": ref("Timestamp"),
            },
            ("faultId", "method", "path", "status", "rate", "latencyMs", "remaining", "fired"),
        ),
        "FaultList": _object({"faults": {"type": "array", "items": ref("Fault")}}, ("faults",)),
    }


def _fault_id() -> dict[str, Any]:
    return {"type": "string", "pattern": "^flt_[0-9a-f]{32}$"}


def _body(schema: str, *, required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": ref(schema)}}}


def _path_id(name: str, schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": name, "in": "path", "required": True, "schema": schema}]


GONE = {"204": {"description": "Done; no body."}}
BODY_ERRORS = (400, 413, 415)


def _op(operation_id: str, summary: str, responses: dict, **extra: Any) -> dict[str, Any]:
    return {"operationId": operation_id, "summary": summary, "responses": responses} | extra


def _request_filters() -> list[dict[str, Any]]:
    return [
        query("method", {"type": "string", "enum": list(checks.HTTP_METHODS[1:])}),
        query("path", {"type": "string", "pattern": r"^/[^\u0000]*$"}, "Exact path."),
        query("pathPrefix", {"type": "string", "pattern": r"^/[^\u0000]*$"}),
        query("status", {"type": "integer", "minimum": 100, "maximum": 599}),
        query("after", {"type": "integer", "minimum": 0}, "Only requests with a larger id."),
        query(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": MAX_REQUESTS},
            f"Default {DEFAULT_REQUESTS}; oldest first.",
        ),
    ]


def _paths() -> dict[str, Any]:
    return {**_resource_paths(), **_state_paths(), **_inspection_paths()}


def _resource_paths() -> dict[str, Any]:
    user = json_content("The user.", "User")
    customer = json_content("The customer.", "ExpressCustomerReference")
    return {
        "/_sandbox/users": {
            "get": _op(
                "controlListUsers",
                "Every user.",
                {"200": json_content("Users.", "UserList")} | errors(400, faults=False),
            ),
            "post": _op(
                "controlCreateUser",
                "Create a user (any text in names).",
                {"201": user} | errors(*BODY_ERRORS, 409, faults=False),
                requestBody=_body("UserCreate"),
            ),
        },
        "/_sandbox/users/{userId}": {
            "parameters": _path_id("userId", ref("UserId")),
            "patch": _op(
                "controlUpdateUser",
                "Change the given fields.",
                {"200": user} | errors(*BODY_ERRORS, 404, 409, faults=False),
                requestBody=_body("UserUpdate"),
            ),
            "delete": _op(
                "controlDeleteUser",
                "Remove a user no study refers to.",
                GONE | errors(400, 404, 409, faults=False),
            ),
        },
        "/_sandbox/customers": {
            "get": _op(
                "controlListCustomers",
                "Every Express customer.",
                {"200": json_content("Customers.", "CustomerList")} | errors(400, faults=False),
            ),
            "post": _op(
                "controlCreateCustomer",
                "Create an Express customer.",
                {"201": customer} | errors(*BODY_ERRORS, 409, faults=False),
                requestBody=_body("CustomerCreate"),
            ),
        },
        "/_sandbox/customers/{expressCustomerId}": {
            "parameters": _path_id("expressCustomerId", ref("ExpressCustomerId")),
            "patch": _op(
                "controlUpdateCustomer",
                "Rename.",
                {"200": customer} | errors(*BODY_ERRORS, 404, faults=False),
                requestBody=_body("CustomerUpdate"),
            ),
            "delete": _op(
                "controlDeleteCustomer",
                "Remove a customer no study refers to.",
                GONE | errors(400, 404, 409, faults=False),
            ),
        },
    }


def _state_paths() -> dict[str, Any]:
    clock = {"200": json_content("The sandbox's clock.", "Clock")}
    return {
        "/_sandbox/studies": {
            "post": _op(
                "controlCreateStudy",
                "A study in any state, in one write (the API's create rules, no key"
                " recorded); times not after the sandbox's now, createdAt <= updatedAt.",
                {"201": json_content("The study.", "Study")}
                | errors(*BODY_ERRORS, 409, faults=False),
                requestBody=_body("ControlStudyCreate"),
            ),
        },
        "/_sandbox/studies/{studyId}": {
            "parameters": _path_id("studyId", ref("StudyId")),
            "delete": _op(
                "controlDeleteStudy",
                "Remove a study (as if deleted at Avara).",
                GONE | errors(400, 404, faults=False),
            ),
            "patch": _op(
                "controlSetStudyTimes",
                "Set createdAt and/or updatedAt (not after the sandbox's now; createdAt <="
                " updatedAt). Nothing else changes.",
                {"200": json_content("The study.", "Study")}
                | errors(*BODY_ERRORS, 404, faults=False),
                requestBody=_body("StudyTimes"),
            ),
        },
        "/_sandbox/reset": {
            "post": _op(
                "controlReset",
                "Replace every study, user and customer by a seed's (or by nothing:"
                " empty); clock to real time; no faults; empty request log.",
                {"200": json_content("What was seeded.", "ResetResult")}
                | errors(*BODY_ERRORS, faults=False),
                requestBody=_body("Reset", required=False),
            ),
        },
        "/_sandbox/clock": {
            "get": _op("controlClock", "The sandbox's clock.", clock | errors(400, faults=False)),
            "delete": _op(
                "controlClockReset", "Back to real time.", clock | errors(400, faults=False)
            ),
        },
        "/_sandbox/clock/advance": {
            "post": _op(
                "controlClockAdvance",
                "Move the clock forward.",
                clock | errors(*BODY_ERRORS, faults=False),
                requestBody=_body("ClockAdvance"),
            ),
        },
    }


def _inspection_paths() -> dict[str, Any]:
    return {
        "/_sandbox/requests": {
            "get": _op(
                "controlListRequests",
                "Requests the sandbox answered, oldest first (not the control plane's).",
                {"200": json_content("Requests.", "RequestList")} | errors(400, faults=False),
                parameters=_request_filters(),
            ),
            "delete": _op(
                "controlClearRequests", "Empty the request log.", GONE | errors(400, faults=False)
            ),
        },
        "/_sandbox/faults": {
            "get": _op(
                "controlListFaults",
                "Run-time faults.",
                {"200": json_content("Faults.", "FaultList")} | errors(400, faults=False),
            ),
            "post": _op(
                "controlCreateFault",
                "Add a fault: requests matching method and path glob get the status and/or"
                " latency, with probability rate, count times (null: until removed).",
                {"201": json_content("The fault.", "Fault")} | errors(*BODY_ERRORS, faults=False),
                requestBody=_body("FaultCreate"),
            ),
            "delete": _op(
                "controlClearFaults", "Remove every fault.", GONE | errors(400, faults=False)
            ),
        },
        "/_sandbox/faults/{faultId}": {
            "parameters": _path_id("faultId", _fault_id()),
            "delete": _op(
                "controlDeleteFault", "Remove a fault.", GONE | errors(400, 404, faults=False)
            ),
        },
        "/_sandbox/openapi.json": {
            "get": _op(
                "controlOpenapiDocument",
                "This document.",
                {
                    "200": {
                        "description": "OpenAPI 3.1.",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
                security=[],
            ),
        },
    }


DESCRIPTION = """The sandbox's control plane (sandbox/README.md, "Control plane"): set up and
inspect the emulator from tests. Every operation needs `Authorization: Bearer <control key>`
(SANDBOX_CONTROL_KEY; development default `sk_sandbox_control_dev_0123456789`); API keys
are refused here and the control key is refused by the API. Errors use the API's error
body. Faults never apply here.
"""


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Avara sandbox control plane",
            "version": VERSION,
            "description": DESCRIPTION,
        },
        "servers": [{"url": "http://127.0.0.1:8001", "description": "make sandbox"}],
        "security": [{"controlKey": []}],
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                "controlKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "SANDBOX_CONTROL_KEY.",
                }
            },
        },
    }
