"""The sandbox's error body, as docs/CONTRACTS.md defines it, and the JSON error handlers.

Every 4xx/5xx the API answers is

    {"error": {"type": "<type>", "message": "<one sentence>", "fields": {...}}}

`fields` is always present (empty when no single field is at fault); its keys are
the wire names as sent (`severity`, `studyInstanceUid`, `cursor`, `studyId`...).
"""

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger("sandbox")

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "method_not_allowed",
    409: "conflict_error",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "rate_limit_error",
}


def error_type(status: int) -> str:
    return ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")


def error_body(status: int, message: str, fields: dict[str, str] | None = None) -> dict:
    return {"error": {"type": error_type(status), "message": message, "fields": fields or {}}}


def should_retry(status: int) -> str:
    """The x-should-retry header: tells retrying clients (the official one honours it)
    which answers are worth retrying."""
    return "true" if status in (408, 429) or status >= 500 else "false"


def error_response(
    status: int,
    message: str,
    fields: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    response = JsonResponse(error_body(status, message, fields), status=status, headers=headers)
    response["x-should-retry"] = should_retry(status)
    return response


class ApiError(Exception):
    """Raised anywhere below a view; the endpoint wrapper turns it into the error body."""

    def __init__(
        self,
        status: int,
        message: str,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields or {}
        self.headers = headers or {}

    def response(self) -> JsonResponse:
        return error_response(self.status, self.message, self.fields, self.headers)


def invalid(message: str, fields: dict[str, str] | None = None) -> ApiError:
    return ApiError(400, message, fields)


def invalid_fields(fields: dict[str, str]) -> ApiError:
    names = ", ".join(fields)
    return ApiError(400, f"The request has invalid fields: {names}.", fields)


def not_found(message: str, fields: dict[str, str] | None = None) -> ApiError:
    return ApiError(404, message, fields)


def conflict(message: str, fields: dict[str, str] | None = None) -> ApiError:
    return ApiError(409, message, fields)


def method_not_allowed(request: HttpRequest, allowed: list[str]) -> JsonResponse:
    message = f"{request.method} is not allowed here; use {', '.join(allowed)}."
    return error_response(405, message, headers={"Allow": ", ".join(allowed)})


def internal_error() -> JsonResponse:
    return error_response(500, "The sandbox hit an unexpected error.")


# --- Handlers for the sandbox urlconf (handler400/403/404/500) -----------------------


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_response(400, "The request could not be understood.")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_response(403, "Permission denied.")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_response(404, f"No such endpoint: {request.path}.")


def server_error(request: HttpRequest) -> JsonResponse:
    return internal_error()


def jsonify_error(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Safety net for the standalone server: an HTML error page outside the viewer
    (Django's own 400 for a disallowed Host, a DEBUG technical page...) becomes the
    JSON error body, so API clients never have to parse HTML."""
    if response.status_code < 400 or request.path.startswith("/viewer/"):
        return response
    if response.get("Content-Type", "").startswith("application/json"):
        return response
    return error_response(response.status_code, _default_message(response.status_code))


def _default_message(status: int) -> str:
    if status >= 500:
        return "The sandbox hit an unexpected error."
    if status == 404:
        return "No such endpoint."
    return "The request could not be processed."
