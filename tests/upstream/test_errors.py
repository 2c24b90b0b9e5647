"""How Avara's failures become the service module's errors, whatever the body looks like."""

import httpx
import pytest
from samples import API_KEY, STUDY_ID, UID

from studies import upstream

STUDY_PATH = f"/v1/viewer/studies/{STUDY_ID}"


def sandbox_error(status, type_, message, fields=None, **kwargs):
    error = {"type": type_, "message": message}
    if fields is not None:
        error["fields"] = fields
    return httpx.Response(status, json={"error": error}, **kwargs)


def test_400_with_fields_is_validation_failed_with_snake_case_fields(avara):
    avara.post("/v1/viewer/studies").mock(
        return_value=sandbox_error(
            400,
            "invalid_request_error",
            "The study could not be created.",
            {"studyInstanceUid": "Not a DICOM UID.", "severity": "Must be normal, high or stat."},
        )
    )

    with pytest.raises(upstream.ValidationFailed) as caught:
        upstream.study_create(severity="urgent", study_description="x", study_instance_uid="a.b")

    assert caught.value.message == "The study could not be created."
    assert caught.value.field_errors == {
        "study_instance_uid": "Not a DICOM UID.",
        "severity": "Must be normal, high or stat.",
    }
    assert caught.value.status == 400


def test_422_without_body_is_validation_failed_with_generic_message(avara):
    avara.patch(STUDY_PATH).respond(422)

    with pytest.raises(upstream.ValidationFailed) as caught:
        upstream.study_update(study_id=STUDY_ID, changes={"severity": "high"})

    assert caught.value.message == "Avara rejected the request as invalid."
    assert caught.value.field_errors == {}


@pytest.mark.parametrize("status", [401, 403])
def test_refused_key_is_bad_credentials_and_never_shows_the_key(avara, status):
    avara.get(STUDY_PATH).mock(
        return_value=sandbox_error(status, "authentication_error", f"Invalid API key {API_KEY}")
    )

    with pytest.raises(upstream.BadCredentials) as caught:
        upstream.study_get(study_id=STUDY_ID)

    assert caught.value.message == (
        "The dashboard's Avara API key was refused; ask an administrator to check AVARA_API_KEY."
    )
    assert API_KEY not in str(caught.value)


def test_upstream_text_echoing_the_key_is_redacted(avara):
    avara.post("/v1/viewer/studies").mock(
        return_value=sandbox_error(409, "conflict_error", f"duplicate (key {API_KEY})")
    )

    with pytest.raises(upstream.Conflict) as caught:
        upstream.study_create(severity="high", study_description="x", study_instance_uid=UID)

    assert API_KEY not in caught.value.message
    assert caught.value.message == "duplicate (key [redacted])"


def test_404_is_not_found_with_upstream_message(avara):
    avara.get(STUDY_PATH).mock(
        return_value=sandbox_error(404, "not_found_error", "No study with that ID.")
    )

    with pytest.raises(upstream.NotFound) as caught:
        upstream.study_get(study_id=STUDY_ID)

    assert caught.value.message == "No study with that ID."


def test_409_is_conflict_with_upstream_message_and_no_retry(avara):
    route = avara.post("/v1/viewer/studies").mock(
        return_value=sandbox_error(409, "conflict_error", "A study with this UID exists.")
    )

    with pytest.raises(upstream.Conflict) as caught:
        upstream.study_create(severity="high", study_description="x", study_instance_uid=UID)

    assert caught.value.message == "A study with this UID exists."
    assert route.call_count == 1


@pytest.mark.parametrize(
    ("headers", "expected"),
    [({"Retry-After": "7"}, 7.0), ({"retry-after-ms": "1500"}, 1.5), ({}, None)],
)
def test_429_after_retries_is_rate_limited_with_retry_after(avara, headers, expected):
    route = avara.get(STUDY_PATH).respond(429, headers=headers)

    with pytest.raises(upstream.RateLimited) as caught:
        upstream.study_get(study_id=STUDY_ID)

    assert caught.value.retry_after == expected
    assert isinstance(caught.value, upstream.Unavailable)
    assert route.call_count == 3


def test_retry_after_as_http_date_in_the_past_is_zero(avara):
    avara.get(STUDY_PATH).respond(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})

    with pytest.raises(upstream.RateLimited) as caught:
        upstream.study_get(study_id=STUDY_ID)

    assert caught.value.retry_after == 0.0


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
def test_server_errors_after_retries_are_unavailable(avara, status):
    route = avara.get(STUDY_PATH).mock(
        return_value=sandbox_error(status, "api_error", "Injected fault.")
    )

    with pytest.raises(upstream.Unavailable) as caught:
        upstream.study_get(study_id=STUDY_ID)

    assert not isinstance(caught.value, upstream.RateLimited)
    assert caught.value.status == status
    assert caught.value.attempts == 3
    assert route.call_count == 3


@pytest.mark.parametrize(
    ("exc", "message"),
    [
        (httpx.ReadTimeout("slow"), "Avara did not answer in time; try again in a moment."),
        (httpx.ConnectTimeout("slow"), "Avara did not answer in time; try again in a moment."),
        (
            httpx.ConnectError("refused"),
            "The dashboard could not reach Avara; try again in a moment.",
        ),
        (
            httpx.RemoteProtocolError("bye"),
            "The connection to Avara failed; try again in a moment.",
        ),
    ],
)
def test_transport_failures_after_retries_are_unavailable(avara, exc, message):
    route = avara.get(STUDY_PATH).mock(side_effect=exc)

    with pytest.raises(upstream.Unavailable) as caught:
        upstream.study_get(study_id=STUDY_ID)

    assert caught.value.message == message
    assert caught.value.status is None
    assert route.call_count == 3


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        (502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"),
        (400, b"Bad Request", "text/plain"),
        (404, b"", "application/json"),
        (400, b'["a", "list"]', "application/json"),
        (400, b'{"error": {"message": 42}}', "application/json"),
    ],
)
def test_non_json_or_odd_error_bodies_get_generic_messages(avara, status, body, content_type):
    avara.get(STUDY_PATH).respond(status, content=body, headers={"Content-Type": content_type})

    with pytest.raises(upstream.UpstreamError) as caught:
        upstream.study_get(study_id=STUDY_ID)

    assert caught.value.message == type(caught.value).default_message
    assert "<html>" not in caught.value.message


@pytest.mark.parametrize(
    ("body", "message", "fields"),
    [
        (
            {"message": "Bad limit", "fields": {"limit": "Too big"}},
            "Bad limit",
            {"limit": "Too big"},
        ),
        ({"detail": "Plain detail"}, "Plain detail", {}),
        (
            {"detail": [{"loc": ["query", "isCancelled"], "msg": "not a bool"}]},
            None,
            {"is_cancelled": "not a bool"},
        ),
        (
            {"errors": [{"field": "studyDescription", "message": "Required"}]},
            None,
            {"study_description": "Required"},
        ),
        (
            {"message": "Invalid", "errors": {"assignedTo": ["Unknown user", "Not assignable"]}},
            "Invalid",
            {"assigned_to": "Unknown user; Not assignable"},
        ),
        ({"error": "Something specific"}, "Something specific", {}),
    ],
)
def test_other_json_error_shapes_are_understood(avara, body, message, fields):
    avara.get("/v1/viewer/studies").respond(400, json=body)

    with pytest.raises(upstream.ValidationFailed) as caught:
        upstream.study_list()

    assert caught.value.message == (message or upstream.ValidationFailed.default_message)
    assert caught.value.field_errors == fields


def test_long_upstream_message_is_shortened_to_one_line(avara):
    avara.get(STUDY_PATH).respond(404, json={"message": "line one\nline two " + "x" * 1000})

    with pytest.raises(upstream.NotFound) as caught:
        upstream.study_get(study_id=STUDY_ID)

    assert caught.value.message.startswith("line one line two x")
    assert len(caught.value.message) == 300


@pytest.mark.parametrize("status", [405, 415, 301])
def test_protocol_mismatch_statuses_are_bad_response(avara, status):
    avara.get(STUDY_PATH).respond(status, json={"error": {"message": "nope"}})

    with pytest.raises(upstream.BadResponse) as caught:
        upstream.study_get(study_id=STUDY_ID)

    assert f"HTTP {status}" in caught.value.message


def test_413_is_validation_failed_with_a_hint(avara):
    avara.patch(STUDY_PATH).respond(413, text="too large")

    with pytest.raises(upstream.ValidationFailed) as caught:
        upstream.study_update(study_id=STUDY_ID, changes={"metadata": {"k": "v" * 10}})

    assert caught.value.message == (
        "The request was too large for Avara; shorten the text or metadata."
    )


@pytest.mark.parametrize(
    "content",
    [b"<html>oops</html>", b'{"studies": "not a list"}', b'{"hasMore": false}', b""],
)
def test_malformed_success_body_is_bad_response(avara, content):
    avara.get("/v1/viewer/studies").respond(200, content=content)

    with pytest.raises(upstream.BadResponse) as caught:
        upstream.study_list()

    assert caught.value.message == upstream.BadResponse.default_message


def test_study_with_wrong_field_type_is_bad_response(avara, study_json):
    study_json["isCancelled"] = "no"
    avara.get(STUDY_PATH).respond(json=study_json)

    with pytest.raises(upstream.BadResponse):
        upstream.study_get(study_id=STUDY_ID)


def test_every_error_is_an_upstream_error():
    for cls in (
        upstream.NotFound,
        upstream.ValidationFailed,
        upstream.Conflict,
        upstream.Unavailable,
        upstream.RateLimited,
        upstream.BadResponse,
        upstream.BadCredentials,
    ):
        assert issubclass(cls, upstream.UpstreamError)
        assert cls is getattr(upstream.errors, cls.__name__)
