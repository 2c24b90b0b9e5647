"""Reading a JSON request body: size, content type, syntax, and a top-level object.

Each problem is a clear 4xx with the sandbox error body, never a 500:
  413 request_too_large       body longer than settings.SANDBOX_MAX_BODY_BYTES
  400 invalid_request_error   empty body (whatever its Content-Type)
  415 unsupported_media_type  Content-Type other than application/json (a charset
                              parameter is allowed, and must then be utf-8)
  400 invalid_request_error   malformed JSON or invalid UTF-8, NaN or
                              Infinity, a key given twice, a body that is not an object,
                              nesting deeper than MAX_DEPTH
  400 invalid_request_error   anywhere in the decoded body (keys too): a NUL character,
                              a lone UTF-16 surrogate ("\\ud800"), or a key given twice
                              inside a nested object; reported under the top-level
                              field it sits in
"""

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest

from sandbox.errors import ApiError, invalid, invalid_fields
from sandbox.validation import text_problem

MAX_DEPTH = 32  # a valid body nests two levels (body -> metadata)
_DEEP = "is nested too deeply"


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
    _check_content(data)
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
        return json.loads(text, object_pairs_hook=_Object.of, parse_constant=_no_constants)
    except UnicodeDecodeError:
        raise invalid("The request body is not valid UTF-8.") from None
    except RecursionError:  # '[' * 20000: deeper than the decoder can go
        raise _too_deep() from None
    except ValueError as exc:
        raise invalid(f"The request body is not valid JSON: {_short(exc)}.") from None


def _too_deep(fields: dict[str, str] | None = None) -> ApiError:
    return invalid(f"The request body is nested too deeply (over {MAX_DEPTH} levels).", fields)


class _Object(dict):
    """A decoded JSON object that remembers the first key it was given twice (the
    decoder builds inner objects first, so the top-level field is known only later)."""

    duplicate: str | None = None

    @classmethod
    def of(cls, pairs: list[tuple[str, Any]]) -> "_Object":
        result = cls()
        for key, value in pairs:
            if key in result and result.duplicate is None:
                result.duplicate = key
            result[key] = value
        return result


def _check_content(data: dict[str, Any]) -> None:
    """Reject what no field may hold, naming the top-level field it sits under."""
    duplicate = getattr(data, "duplicate", None)
    if duplicate is not None:
        raise invalid(f"The key {duplicate!r} appears twice.", {_name(duplicate): "given twice"})
    errors = {}
    for key, value in data.items():
        problem = text_problem(key) or _problem_within(value)
        if problem is not None:
            errors[_name(key)] = problem
    if any(problem == _DEEP for problem in errors.values()):
        raise _too_deep(errors)
    if errors:
        raise invalid_fields(errors)


def _problem_within(value: Any) -> str | None:
    """The first problem in a decoded value (walked without recursion), or None."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return _DEEP
        if isinstance(item, str):
            problem = text_problem(item)
            if problem is not None:
                return problem
        elif isinstance(item, dict):
            duplicate = getattr(item, "duplicate", None)
            if duplicate is not None:
                return f"has the key {duplicate!r} given twice"
            stack.extend((key, depth) for key in item)
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return None


def _name(key: str) -> str:
    """A key as it can be shown in an error body (escaped if it is not clean text)."""
    return key if text_problem(key) is None else ascii(key)[1:-1]


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
