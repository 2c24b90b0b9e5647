"""Hostile or malformed upstream answers end in the module's errors, never in a 500."""

import math
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest
from samples import API_KEY, STUDY_ID, USER_ID, user_json

from studies import upstream
from studies.upstream import errors

STUDY_PATH = f"/v1/viewer/studies/{STUDY_ID}"
STUDIES = "/v1/viewer/studies"

DEEP = b"[" * 100_000 + b"]" * 100_000
OVERFLOWING_DATE = "Fri, 31 Dec 99999999999999999999 23:59:59 GMT"  # OverflowError in stdlib


def assert_safe(error: upstream.UpstreamError) -> None:
    text = str(error)
    assert text == error.message
    assert text and "\n" not in text and "\r" not in text
    assert API_KEY not in text


def raw(status: int, content: bytes, **headers: str) -> httpx.Response:
    return httpx.Response(
        status, content=content, headers={"Content-Type": "application/json", **headers}
    )


# --- 1, 2, 5: hostile success bodies -> BadResponse ------------------------------------

HOSTILE_BODIES = {
    "invalid_utf8": b'{"studies": [], "cursor": "\xff\xfe"}',
    "deep_nesting": DEEP,
    "deep_nesting_in_unknown_field": b'{"studies": [], "extra": ' + DEEP + b"}",
    "huge_integer": b'{"studies": [], "hasMore": ' + b"9" * 5000 + b"}",
    "huge_float": b'{"studies": [], "hasMore": 1e999999}',
    "lone_surrogate": b'{"studies": [], "cursor": "\\udc00"}',
    "truncated": b'{"studies": [',
    "trailing_garbage": b'{"studies": []} <html>',
    "empty": b"",
    "top_level_array": b"[]",
    "null": b"null",
    "html": b"<html><body>502 Bad Gateway</body></html>",
    "nul_bytes": b"\x00" * 64,
    "bad_date": (
        b'{"studies": [{"studyId": "s", "studyInstanceUid": "1", "studyDescription": "d",'
        b' "severity": "high", "studyViewerStatus": "complete", "isCancelled": false,'
        b' "createdAt": "99999-01-01T00:00:00Z"}]}'
    ),
}


# Error bodies are decoded untyped, so every byte counts (a typed success decode skips
# unknown fields unread, which makes invalid UTF-8 there harmless).
HOSTILE_ERROR_BODIES = HOSTILE_BODIES | {
    "invalid_utf8_in_unknown_field": b'{"studies": [], "note": "caf\xe9"}',
    "invalid_utf8_in_key": b'{"\xff": 1, "error": {"message": "x"}}',
}


@pytest.mark.parametrize("content", HOSTILE_BODIES.values(), ids=HOSTILE_BODIES.keys())
def test_hostile_success_body_is_bad_response(avara, content):
    avara.get(STUDIES).mock(return_value=raw(200, content))

    with pytest.raises(upstream.BadResponse) as caught:
        upstream.study_list()

    assert caught.value.message == upstream.BadResponse.default_message
    assert_safe(caught.value)


@pytest.mark.parametrize("content", [HOSTILE_BODIES["invalid_utf8"], DEEP])
def test_hostile_single_study_body_is_bad_response(avara, content):
    avara.get(STUDY_PATH).mock(return_value=raw(200, content))

    with pytest.raises(upstream.BadResponse) as caught:
        upstream.study_get(study_id=STUDY_ID)

    assert_safe(caught.value)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, upstream.ValidationFailed),
        (404, upstream.NotFound),
        (409, upstream.Conflict),
        (503, upstream.Unavailable),
    ],
)
@pytest.mark.parametrize("content", HOSTILE_ERROR_BODIES.values(), ids=HOSTILE_ERROR_BODIES.keys())
def test_hostile_error_body_keeps_the_status_error_with_default_message(
    avara, settings, status, expected, content
):
    settings.AVARA_MAX_RETRIES = 0
    avara.get(STUDY_PATH).mock(return_value=raw(status, content))

    with pytest.raises(expected) as caught:
        upstream.study_get(study_id=STUDY_ID)

    assert caught.value.message == expected.default_message
    assert caught.value.status == status
    assert_safe(caught.value)


def test_error_body_with_invalid_utf8_and_the_key_never_shows_the_key(avara):
    content = b'{"error": {"message": "bad key ' + API_KEY.encode() + b' \xff"}}'
    avara.get(STUDY_PATH).mock(return_value=raw(404, content))

    with pytest.raises(upstream.NotFound) as caught:
        upstream.study_get(study_id=STUDY_ID)

    assert_safe(caught.value)


# --- 3: Retry-After values that are not sane numbers -----------------------------------


def headers(name: str, value: str) -> httpx.Headers:
    return httpx.Headers([(name.encode(), value.encode())])


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("retry-after-ms", "inf", None),
        ("retry-after-ms", "-inf", None),
        ("retry-after-ms", "nan", None),
        ("retry-after-ms", "-1500", None),
        ("retry-after-ms", "1e308", errors.MAX_RETRY_AFTER),
        ("retry-after-ms", "9" * 5000, None),  # float() gives inf
        ("retry-after-ms", "1500", 1.5),
        ("retry-after", "Infinity", None),
        ("retry-after", "NaN", None),
        ("retry-after", "-5", None),
        ("retry-after", "1e20", errors.MAX_RETRY_AFTER),
        ("retry-after", "Fri, 31 Dec 9999 23:59:59 GMT", errors.MAX_RETRY_AFTER),
        ("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT", 0.0),  # passed: retry now
        ("retry-after", OVERFLOWING_DATE, None),
        ("retry-after", "Fri, 31 Dec 2024 23:59:59 +99999999999999999999", None),
        ("retry-after", "soon", None),
        ("retry-after", "7", 7.0),
    ],
)
def test_retry_after_seconds_is_finite_non_negative_and_capped(name, value, expected):
    seconds = errors.retry_after_seconds(headers(name, value))

    assert seconds == expected
    if seconds is not None:
        assert math.isfinite(seconds) and 0 <= seconds <= errors.MAX_RETRY_AFTER
        int(seconds)  # what a view does with it


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("retry-after-ms", "inf", None),
        ("retry-after-ms", "nan", None),
        ("retry-after-ms", "-20", None),
        ("retry-after-ms", "1e308", errors.MAX_RETRY_AFTER),
        ("Retry-After", "inf", None),
        ("Retry-After", "-3", None),
        ("Retry-After", "99999999999", errors.MAX_RETRY_AFTER),
        ("Retry-After", OVERFLOWING_DATE, None),
    ],
)
def test_429_with_absurd_retry_after_is_rate_limited_with_a_usable_wait(
    avara, sleeps, settings, name, value, expected
):
    avara.get(STUDY_PATH).mock(return_value=raw(429, b"", **{name: value}))

    with pytest.raises(upstream.RateLimited) as caught:
        upstream.study_get(study_id=STUDY_ID)

    assert caught.value.retry_after == expected
    assert caught.value.attempts == settings.AVARA_MAX_RETRIES + 1
    assert all(math.isfinite(s) and 0 <= s <= settings.AVARA_RETRY_MAX_BACKOFF for s in sleeps)
    assert_safe(caught.value)


def test_retry_layer_survives_an_overflowing_retry_after_date(avara, study_json, sleeps):
    # httpx-retries alone lets OverflowError escape from this header (it catches
    # ValueError only); the transport seam drops the header before it gets there.
    route = avara.get(STUDY_PATH)
    route.side_effect = [
        raw(503, b"", **{"Retry-After": OVERFLOWING_DATE}),
        httpx.Response(200, json=study_json),
    ]

    study = upstream.study_get(study_id=STUDY_ID)

    assert study.study_id == STUDY_ID
    assert route.call_count == 2
    assert sleeps == [0.0]  # header dropped: plain backoff (0 in tests)


def test_retry_layer_gets_an_http_date_as_whole_seconds(avara, study_json, sleeps, settings):
    settings.AVARA_RETRY_MAX_BACKOFF = 60.0
    settings.AVARA_CALL_DEADLINE = 120.0  # the deadline would cap the wait: not tested here
    when = datetime.now(UTC) + timedelta(seconds=30)
    route = avara.get(STUDY_PATH)
    route.side_effect = [
        raw(429, b"", **{"Retry-After": when.strftime("%a, %d %b %Y %H:%M:%S GMT")}),
        httpx.Response(200, json=study_json),
    ]

    upstream.study_get(study_id=STUDY_ID)

    assert len(sleeps) == 1 and 28 <= sleeps[0] <= 31 and sleeps[0] == int(sleeps[0])


# --- 4: timestamps without a timezone are taken as UTC ---------------------------------


def test_naive_study_timestamps_are_taken_as_utc(avara, study_json):
    study_json.update(
        createdAt="2024-01-01T00:00:00",
        updatedAt="2024-01-02T03:04:05.123456",
        cancelledAt="2024-01-03T00:00:00+02:00",  # aware: kept as sent
    )
    avara.get(STUDIES).respond(json={"studies": [study_json], "hasMore": False})

    (study,) = upstream.study_list().studies

    assert study.created_at == datetime(2024, 1, 1, tzinfo=UTC)
    assert study.created_at.tzinfo is UTC
    assert study.updated_at == datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
    assert study.cancelled_at.utcoffset() == timedelta(hours=2)
    assert study.cancelled_at == datetime(2024, 1, 3, tzinfo=timezone(timedelta(hours=2)))
    # What a template does: compare with an aware "now" without a TypeError.
    assert study.created_at < study.updated_at < datetime.now(UTC)


def test_naive_user_timestamps_are_taken_as_utc(avara):
    body = user_json(1, createdAt="2024-01-02T03:04:05", lastLoginAt="2024-05-06T07:08:09")
    avara.get(f"/v1/viewer/users/{USER_ID}").respond(json=body)

    user = upstream.user_get(user_id=USER_ID)

    assert user.created_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert user.last_login_at == datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
