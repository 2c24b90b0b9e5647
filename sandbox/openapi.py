"""The OpenAPI 3.1 document of the sandbox's Viewer API, built from the same constants
the validation uses, so the document and the behaviour cannot drift apart unnoticed.

`python -m sandbox sandbox_openapi` writes it to sandbox/openapi.json (checked in); the
sandbox serves that file at /openapi.json; tests/sandbox/test_sandbox_openapi.py
checks the file equals what this module builds and validates as OpenAPI 3.1, and
schemathesis fuzzes the running sandbox against it. The control plane has its own
document (sandbox/control/openapi.py, served at /_sandbox/openapi.json).
"""

from typing import Any

from sandbox import faults, validation
from sandbox.models import InvitedSource, UserLevel
from sandbox.openapi_parts import body, errors, json_content, query, ref
from sandbox.openapi_schemas import NON_BLANK, schemas

VERSION = "1.0.0"


def _null_or(prefix: str, what: str) -> dict[str, Any]:
    return {
        "type": "string",
        "pattern": f"^({prefix}_[0-9a-f]{{32}}|null)$",
        "description": f"{what}, or the literal 'null' for none.",
    }


def _list_parameters(filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        *filters,
        query(
            "limit",
            {"type": "integer", "minimum": validation.MIN_LIMIT, "maximum": validation.MAX_LIMIT},
            "Page size, 1-100 (default 20). A whole decimal such as 20.0 is accepted.",
        ),
        query("cursor", {"type": "string", "minLength": 1}, "The previous page's cursor."),
    ]


def _study_path(parameter: str, schema: str) -> list[dict[str, Any]]:
    return [{"name": parameter, "in": "path", "required": True, "schema": ref(schema)}]


TEXT_FILTER = {"type": "string", "minLength": 1, "pattern": NON_BLANK}
STUDY_OK = {"200": json_content("The study.", "Study")}
ACTION_OK = {"200": json_content("success false: already in that state.", "ActionResult")}


def _paths() -> dict[str, Any]:
    return {**_study_paths(), **_action_paths(), **_user_paths(), **_public_paths()}


def _study_paths() -> dict[str, Any]:
    study_filters = [
        query("assignedTo", _null_or("usr", "Assigned user")),
        query("expressCustomerId", _null_or("cus", "Express customer")),
        query("isCancelled", {"type": "boolean"}),
        query("severity", ref("Severity")),
        query("studyDescription", TEXT_FILTER, "Case-insensitive contains."),
        query("studyViewerStatus", ref("StudyViewerStatus")),
    ]
    return {
        "/v1/viewer/studies": {
            "get": {
                "operationId": "listStudies",
                "summary": "List studies, newest createdAt first (studyId breaks ties).",
                "parameters": _list_parameters(study_filters),
                "responses": {"200": json_content("A page.", "StudyPage")} | errors(400),
            },
            "post": {
                "operationId": "createStudy",
                "summary": "Create a study.",
                "requestBody": body("StudyCreate"),
                "responses": {"201": json_content("The study.", "Study")}
                | errors(400, 409, 413, 415),
            },
        },
        "/v1/viewer/studies/{studyId}": {
            "parameters": _study_path("studyId", "StudyId"),
            "get": {
                "operationId": "retrieveStudy",
                "summary": "A study by its id.",
                "responses": STUDY_OK | errors(400, 404),
            },
            "patch": {
                "operationId": "updateStudy",
                "summary": "Change the given fields; 409 when the study is cancelled.",
                "requestBody": body("StudyUpdate"),
                "responses": STUDY_OK | errors(400, 404, 409, 413, 415),
            },
        },
        "/v1/viewer/studies/by-uid/{studyInstanceUid}": {
            "parameters": _study_path("studyInstanceUid", "StudyInstanceUid"),
            "get": {
                "operationId": "retrieveStudyByUid",
                "summary": "A study by its DICOM Study Instance UID.",
                "responses": STUDY_OK | errors(400, 404),
            },
        },
    }


def _action_paths() -> dict[str, Any]:
    return {
        "/v1/viewer/studies/cancel": {
            "post": {
                "operationId": "cancelStudy",
                "summary": "Cancel a study (success false if it already is).",
                "requestBody": body("StudyLookup"),
                "responses": ACTION_OK | errors(400, 404, 413, 415),
            }
        },
        "/v1/viewer/studies/uncancel": {
            "post": {
                "operationId": "uncancelStudy",
                "summary": "Restore a cancelled study (success false if it is not).",
                "requestBody": body("StudyLookup"),
                "responses": ACTION_OK | errors(400, 404, 413, 415),
            }
        },
        "/v1/viewer/studies/reroute-url": {
            "post": {
                "operationId": "rerouteStudyUrl",
                "summary": "A signed, time-limited URL of the sandbox's viewer page.",
                "requestBody": body("StudyLookup"),
                "responses": {"200": json_content("The URL.", "RerouteUrl")}
                | errors(400, 404, 413, 415),
            }
        },
    }


def _user_paths() -> dict[str, Any]:
    user_filters = [
        query("email", TEXT_FILTER, "Exact, case-insensitive."),
        query("firstName", TEXT_FILTER, "Case-insensitive contains."),
        query("lastName", TEXT_FILTER, "Case-insensitive contains."),
        query("level", {"type": "string", "enum": UserLevel.values}),
        query("invitedSource", {"type": "string", "enum": InvitedSource.values}),
    ]
    return {
        "/v1/viewer/users": {
            "get": {
                "operationId": "listUsers",
                "summary": "List users, newest createdAt first.",
                "parameters": _list_parameters(user_filters),
                "responses": {"200": json_content("A page.", "UserPage")} | errors(400),
            }
        },
        "/v1/viewer/users/{userId}": {
            "parameters": _study_path("userId", "UserId"),
            "get": {
                "operationId": "retrieveUser",
                "summary": "A user by id.",
                "responses": {"200": json_content("The user.", "User")} | errors(400, 404),
            },
        },
    }


def _html(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def _public_paths() -> dict[str, Any]:
    """What needs no API key: this document and the viewer page a reroute URL opens."""
    return {
        "/openapi.json": {
            "get": {
                "operationId": "openapiDocument",
                "summary": "This document.",
                "security": [],
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1.",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
        "/viewer/studies/{studyId}": {
            "get": {
                "operationId": "viewerPage",
                "summary": "The viewer page a reroute URL opens (HTML, no API key).",
                "security": [],
                "parameters": [
                    {
                        "name": "studyId",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    query("token", {"type": "string"}, "The token in the reroute URL."),
                ],
                "responses": {
                    "200": _html("The study."),
                    "403": _html("Missing, tampered, expired or other-study token."),
                    "404": _html("The study no longer exists."),
                },
            }
        },
    }


DESCRIPTION = f"""A local, stateful, validating emulator of Avara's Viewer API (sandbox/README.md).

Every /v1/ request needs `Authorization: Bearer <key>` (development key
`sk_sandbox_dev_0123456789abcdef`). HEAD is served wherever GET is. A trailing slash
is optional on every path. Unknown body fields, unknown or repeated query parameters,
and query parameters on operations that take none are 400s. Request bodies are JSON
objects of at most {{max_body}} bytes (`Content-Type: application/json`).

Any /v1/ operation may answer an injected fault (429 with Retry-After, 500, 502, 503,
504) when faults are configured: by settings, by the per-request headers
`X-Sandbox-Fault` (429, 500 or 503) and `X-Sandbox-Latency-Ms` (0-{faults.MAX_LATENCY_MS}),
or at run time through the control plane (/_sandbox/openapi.json).
"""


def document(*, max_body: int = 256 * 1024) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Avara Viewer API sandbox",
            "version": VERSION,
            "description": DESCRIPTION.replace("{max_body}", str(max_body)),
        },
        "servers": [{"url": "http://127.0.0.1:8001", "description": "make sandbox"}],
        "security": [{"bearerAuth": []}],
        "paths": _paths(),
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "description": "An API key."}
            },
        },
    }
