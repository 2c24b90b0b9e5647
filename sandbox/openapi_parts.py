"""Building blocks shared by the sandbox's two OpenAPI documents (sandbox/openapi.py for
the Viewer API, sandbox/control/openapi.py for the control plane)."""

from typing import Any

from sandbox.errors import ERROR_TYPES as _TYPES

TEXT = r"^[^\u0000]*$"  # any text without a NUL character
ERROR_TYPES = sorted({*_TYPES.values(), "api_error"})
FAULT_STATUSES = (429, 500, 502, 503, 504)

REASONS = {
    400: "Invalid request: validation of the body, the query or a path id (see fields).",
    401: "Missing, malformed or unknown key.",
    404: "No such resource (well-formed id that names nothing).",
    409: "Conflict with the current state.",
    413: "Body larger than the limit.",
    415: "Body without Content-Type: application/json.",
    429: "Rate limited (an injected fault).",
    500: "Internal error (an injected fault).",
    502: "Bad gateway (an injected fault).",
    503: "Unavailable (an injected fault).",
    504: "Gateway timeout (an injected fault).",
}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict[str, Any], description: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"oneOf": [schema, {"type": "null"}]}
    if description:
        result["description"] = description
    return result


def query(name: str, schema: dict[str, Any], description: str | None = None) -> dict[str, Any]:
    parameter: dict[str, Any] = {"name": name, "in": "query", "required": False, "schema": schema}
    if description:
        parameter["description"] = description
    return parameter


def json_content(description: str, schema: str, headers: dict | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": ref(schema)}},
    }
    if headers:
        response["headers"] = headers
    return response


def body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": ref(schema)}}}


def _header(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"required": True, "description": description, "schema": schema or {"type": "string"}}


def error_response(status: int) -> dict[str, Any]:
    retry = "true" if status in (408, 429) or status >= 500 else "false"
    headers = {
        "x-should-retry": _header(
            "Whether a client should retry.", {"type": "string", "enum": [retry]}
        )
    }
    if status == 401:
        headers["WWW-Authenticate"] = _header("Bearer challenge.")
    if status == 429:
        headers["Retry-After"] = _header(
            "Seconds to wait.", {"type": "string", "pattern": "^[0-9]+$"}
        )
    return json_content(REASONS[status], "Error", headers)


def errors(*statuses: int, faults: bool = True) -> dict[str, Any]:
    """The error responses of an operation: the given statuses, 401, and the injected
    fault statuses (unless faults=False, e.g. for the control plane)."""
    wanted = {*statuses, 401, *(FAULT_STATUSES if faults else (500,))}
    return {str(status): error_response(status) for status in sorted(wanted)}
