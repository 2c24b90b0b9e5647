"""Reading a JSON request body: size, content type, syntax, and a top-level object.

Each problem is a clear 4xx with the sandbox error body, never a 500:
  413 request_too_large       body longer than settings.SANDBOX_MAX_BODY_BYTES
  400 invalid_request_error   empty body (whatever its Content-Type)
  415 unsupported_media_type  Content-Type other than application/json (a charset
                              parameter is allowed, and must then be utf-8)
  400 invalid_request_error   malformed JSON or invalid UTF-8, NaN or
                              Infinity, a key given twice, a body that is not an object
"""

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest

from sandbox.errors import ApiError, invalid


def json_object(request: HttpRequest) -> dict[str, Any]:
    """The request body as a dict, or ApiError."""
    _check_size(request)
    raw = _read(request)
    if not raw.strip():
        raise invalid("The request body is empty; send a JSON object.")
    _check_content_type(request)
    data = _parse(raw)
    if not isinstance(data, dict):
        kind = _json_kind(data)
        raise invalid(f"The request body must be a JSON object, not {kind}.")
    return data


def _check_size(request: HttpRequest) -> None:
    limit = settings.SANDBOX_MAX_BODY_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise _too_large(limit)


def _too_large(limit: int) -> ApiError:
    return ApiError(413, f"The request body is larger than the {limit} bytes allowed.")


def _check_content_type(request: HttpRequest) -> None:
    content_type = (request.content_type or "").lower()
    charset = (request.content_params.get("charset") or "utf-8").lower()
    if not content_type:
        message = "Missing Content-Type; send application/json."
    elif content_type != "application/json":
        message = f"Content-Type {content_type} is not supported; send application/json."
    elif charset not in ("utf-8", "utf8"):
        message = f"Charset {charset} is not supported; send UTF-8 JSON."
    else:
        return
    raise ApiError(415, message, {"Content-Type": "must be application/json"})


def _read(request: HttpRequest) -> bytes:
    limit = settings.SANDBOX_MAX_BODY_BYTES
    try:
        raw = request.body
    except RequestDataTooBig:
        raise _too_large(limit) from None
    if len(raw) > limit:
        raise _too_large(limit)
    return raw


def _parse(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except UnicodeDecodeError:
        raise invalid("The request body is not valid UTF-8.") from None
    except _DuplicateKey as exc:
        raise invalid(f"The key {exc.key!r} appears twice.", {exc.key: "given twice"}) from None
    except ValueError as exc:
        raise invalid(f"The request body is not valid JSON: {_short(exc)}.") from None


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _short(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return str(exc)


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return "a number"
