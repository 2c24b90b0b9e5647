"""Request bodies that are not a JSON object: a clear 4xx on every endpoint, never a 500."""

import pytest
from sandbox_helpers import STUDIES, error_of

from sandbox.models import Study

pytestmark = pytest.mark.django_db

BODY_ENDPOINTS = [
    ("POST", STUDIES),
    ("PATCH", f"{STUDIES}/stu_{'a' * 32}"),
    ("POST", f"{STUDIES}/cancel"),
    ("POST", f"{STUDIES}/uncancel"),
    ("POST", f"{STUDIES}/reroute-url"),
]
VALID = b'{"severity": "normal", "studyDescription": "CT", "studyInstanceUid": "1.2.3"}'


@pytest.fixture(params=BODY_ENDPOINTS, ids=lambda e: f"{e[0]} {e[1][:30]}")
def endpoint(request):
    return request.param


def expect(response, status: int, error_type: str, fragment: str) -> dict:
    assert response.status_code == status, response.content
    error = error_of(response)
    assert error["type"] == error_type
    assert fragment in error["message"]
    assert not Study.objects.exists()
    return error


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b'{"severity": ', "not valid JSON"),
        (b"{'severity': 'high'}", "not valid JSON"),
        (b'{"a": 1,}', "not valid JSON"),
        (b'{"a": NaN}', "NaN is not a JSON value"),
        (b'{"a": Infinity}', "Infinity is not a JSON value"),
        (b'{"a": "\xff"}', "not valid UTF-8"),
    ],
)
def test_malformed_json(api, endpoint, raw, fragment):
    method, path = endpoint
    expect(api.send(method, path, raw=raw), 400, "invalid_request_error", fragment)


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (b"[]", "an array"),
        (b'[{"severity": "high"}]', "an array"),
        (b'"study"', "a string"),
        (b"5", "a number"),
        (b"true", "a boolean"),
        (b"null", "null"),
    ],
)
def test_body_must_be_an_object(api, endpoint, raw, kind):
    method, path = endpoint
    response = api.send(method, path, raw=raw)
    expect(response, 400, "invalid_request_error", f"must be a JSON object, not {kind}")


@pytest.mark.parametrize("raw", [b"", b"   \n"])
def test_empty_body(api, endpoint, raw):
    method, path = endpoint
    expect(api.send(method, path, raw=raw), 400, "invalid_request_error", "body is empty")


def test_key_given_twice(api, endpoint):
    method, path = endpoint
    raw = b'{"studyId": "a", "studyId": "b"}'
    error = expect(api.send(method, path, raw=raw), 400, "invalid_request_error", "appears twice")
    assert error["fields"] == {"studyId": "given twice"}


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/jsonp", "text/json"],
)
def test_wrong_content_type_is_415(api, endpoint, content_type):
    method, path = endpoint
    response = api.send(method, path, raw=VALID, content_type=content_type)
    error = expect(response, 415, "unsupported_media_type", "is not supported")
    assert error["fields"] == {"Content-Type": "must be application/json"}


def test_missing_content_type_is_415(api, endpoint):
    method, path = endpoint
    response = api.send(method, path, raw=VALID, content_type="")
    expect(response, 415, "unsupported_media_type", "Missing Content-Type")


def test_non_utf8_charset_is_415(api):
    response = api.post(STUDIES, raw=VALID, content_type="application/json; charset=latin-1")
    expect(response, 415, "unsupported_media_type", "latin-1")


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=utf-8", "application/json;charset=UTF-8", "Application/JSON"],
)
def test_json_content_type_variants_are_accepted(api, content_type):
    response = api.post(STUDIES, raw=VALID, content_type=content_type)
    assert response.status_code == 201, response.content


def test_oversized_body_is_413(api, endpoint, settings):
    settings.SANDBOX_MAX_BODY_BYTES = 64
    method, path = endpoint
    raw = b'{"studyDescription": "' + b"x" * 100 + b'"}'
    expect(api.send(method, path, raw=raw), 413, "request_too_large", "larger than the 64 bytes")


def test_body_at_the_size_limit_is_read(api, settings):
    settings.SANDBOX_MAX_BODY_BYTES = len(VALID)
    assert api.post(STUDIES, raw=VALID).status_code == 201


def test_query_parameters_on_a_body_endpoint_are_rejected(api):
    response = api.post(f"{STUDIES}?dryRun=true", raw=VALID)
    error = expect(response, 400, "invalid_request_error", "dryRun")
    assert error["fields"] == {"dryRun": "is not a recognised query parameter"}
