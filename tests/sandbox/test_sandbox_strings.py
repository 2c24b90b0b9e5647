"""Body content no field may hold, found anywhere in the decoded JSON and reported
under the top-level field it sits in: lone UTF-16 surrogates, NUL characters, a key
given twice inside `metadata`, and nesting too deep for the decoder. Never a 500."""

import json

import pytest
from sandbox_helpers import STUDIES, VALID_UID, error_of

from sandbox.models import Study

pytestmark = pytest.mark.django_db

SURROGATE = "must not contain lone UTF-16 surrogates (not valid Unicode)"
NUL = "must not contain NUL characters (\\u0000)"
BODY_ENDPOINTS = [
    ("POST", STUDIES),
    ("PATCH", f"{STUDIES}/stu_{'a' * 32}"),
    ("POST", f"{STUDIES}/cancel"),
    ("POST", f"{STUDIES}/uncancel"),
    ("POST", f"{STUDIES}/reroute-url"),
]


def create_body(**fields) -> dict:
    return {"severity": "normal", "studyDescription": "CT", "studyInstanceUid": VALID_UID} | fields


def raw_create(fragment: str, *, without: str = "") -> bytes:
    """A create body (less the field `without`) whose last member is `fragment`, written
    as raw JSON text (so escapes such as \\ud800 reach the decoder as sent)."""
    body = {name: value for name, value in create_body().items() if name != without}
    return (json.dumps(body)[:-1] + ", " + fragment + "}").encode()


def expect_400(response, fields: dict) -> dict:
    assert response.status_code == 400, response.content
    error = error_of(response)
    assert error["type"] == "invalid_request_error"
    assert error["fields"] == fields
    assert not Study.objects.exists()
    return error


@pytest.mark.parametrize(
    ("fragment", "field"),
    [
        (r'"studyDescription": "\ud800"', "studyDescription"),
        (r'"studyDescription": "CT \udfff chest"', "studyDescription"),
        (r'"metadata": {"k": "\ud800"}', "metadata"),
        (r'"metadata": {"\udc00": "v"}', "metadata"),
        (r'"metadata": {"k": ["\ud800"]}', "metadata"),
    ],
)
def test_lone_surrogate_is_400_naming_the_field(api, fragment, field):
    # Without the check: UnicodeEncodeError at save, a 500.
    raw = raw_create(fragment, without=field)
    expect_400(api.post(STUDIES, raw=raw), {field: SURROGATE})


def test_a_surrogate_pair_is_text(api):
    raw = raw_create(r'"metadata": {"emoji": "\ud83d\ude00"}')
    response = api.post(STUDIES, raw=raw)
    assert response.status_code == 201, response.content
    assert response.json()["metadata"] == {"emoji": "\U0001f600"}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"studyDescription": "CT\x00"}, "studyDescription"),
        ({"metadata": {"k": "a\x00b"}}, "metadata"),
        ({"metadata": {"k\x00": "v"}}, "metadata"),
    ],
)
def test_nul_in_a_body_string_is_400_naming_the_field(api, fields, field):
    expect_400(api.post(STUDIES, create_body(**fields)), {field: NUL})


def test_every_offending_field_is_named(api):
    body = create_body(studyDescription="\x00", metadata={"a": "\x00"})
    error = expect_400(api.post(STUDIES, body), {"studyDescription": NUL, "metadata": NUL})
    assert "studyDescription" in error["message"]


def test_bad_text_in_a_field_name_is_named_escaped(api):
    error = expect_400(api.post(STUDIES, raw=raw_create(r'"a\ud800": 1')), {"a\\ud800": SURROGATE})
    assert "\ud800" not in error["message"]


@pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS)
def test_every_body_endpoint_checks_text(api, method, path):
    response = api.send(method, path, raw=rb'{"studyId": "\ud800"}')
    expect_400(response, {"studyId": SURROGATE})
    response = api.send(method, path, {"studyInstanceUid": "1.2\x00"})
    expect_400(response, {"studyInstanceUid": NUL})


def test_patch_rejects_surrogates_and_nul_and_changes_nothing(api):
    study = api.create(metadata={"k": "v"})
    path = f"{STUDIES}/{study['studyId']}"
    response = api.patch(path, raw=rb'{"metadata": {"k": "\udbff"}}')
    assert response.status_code == 400
    assert error_of(response)["fields"] == {"metadata": SURROGATE}
    response = api.patch(path, {"studyDescription": "\x00"})
    assert error_of(response)["fields"] == {"studyDescription": NUL}
    assert api.get(path).json() == study


def test_a_key_given_twice_inside_metadata_names_metadata(api):
    raw = raw_create('"metadata": {"a": "1", "a": "2"}')
    error = expect_400(api.post(STUDIES, raw=raw), {"metadata": "has the key 'a' given twice"})
    assert "metadata" in error["message"]


def test_a_top_level_key_given_twice_is_still_named_itself(api):
    raw = b'{"metadata": {"a": "1"}, "metadata": {}}'
    error = expect_400(api.post(STUDIES, raw=raw), {"metadata": "given twice"})
    assert "appears twice" in error["message"]


@pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS)
@pytest.mark.parametrize("raw", ["[" * 20000 + "]" * 20000, '{"a":' * 20000 + "1" + "}" * 20000])
def test_deep_nesting_is_400_not_a_recursion_error(api, method, path, raw):
    response = api.send(method, path, raw=raw.encode())
    assert response.status_code == 400, response.content
    assert "nested too deeply" in error_of(response)["message"]


def test_deep_nesting_inside_a_field_names_the_field(api):
    raw = raw_create('"metadata": {"k": ' + "[" * 500 + "]" * 500 + "}")
    error = expect_400(api.post(STUDIES, raw=raw), {"metadata": "is nested too deeply"})
    assert "nested too deeply" in error["message"]


def test_ordinary_unicode_is_stored_as_sent(api):
    study = api.create(studyDescription="IRM cérébrale — 脳", metadata={"clé": "värde"})
    assert study["studyDescription"] == "IRM cérébrale — 脳"
    assert study["metadata"] == {"clé": "värde"}
