"""Retries (through httpx-retries), and the POST recoveries that make them safe."""

import httpx
import pytest
from samples import STUDY_ID, UID, USER_ID

from studies import upstream
from studies.upstream import client

STUDY_PATH = f"/v1/viewer/studies/{STUDY_ID}"


def test_503_then_200_returns_the_result_after_two_attempts(avara, study_json, sleeps):
    route = avara.get(STUDY_PATH)
    route.side_effect = [httpx.Response(503), httpx.Response(200, json=study_json)]

    with upstream.record_calls() as calls:
        study = upstream.study_get(study_id=STUDY_ID)

    assert study.study_id == STUDY_ID
    assert route.call_count == 2
    assert [(c.status, c.attempts) for c in calls] == [(200, 2)]
    assert sleeps == [0.0]  # AVARA_RETRY_BACKOFF=0: no backoff wait


def test_429_retry_after_is_honoured(avara, study_json, sleeps):
    route = avara.get(STUDY_PATH)
    route.side_effect = [
        httpx.Response(429, headers={"Retry-After": "3"}),
        httpx.Response(200, json=study_json),
    ]

    upstream.study_get(study_id=STUDY_ID)

    assert route.call_count == 2
    assert sleeps == [3.0]


def test_retry_after_is_capped_by_max_backoff(avara, study_json, sleeps, settings):
    settings.AVARA_RETRY_MAX_BACKOFF = 2.0
    route = avara.get(STUDY_PATH)
    route.side_effect = [
        httpx.Response(429, headers={"Retry-After": "120"}),
        httpx.Response(200, json=study_json),
    ]

    upstream.study_get(study_id=STUDY_ID)

    assert sleeps == [2.0]


def test_backoff_grows_exponentially_from_settings(avara, sleeps, settings, monkeypatch):
    monkeypatch.setattr("httpx_retries.retry.random.uniform", lambda low, high: high)
    settings.AVARA_RETRY_BACKOFF = 0.5
    settings.AVARA_MAX_RETRIES = 3
    avara.get(STUDY_PATH).respond(503)

    with pytest.raises(upstream.Unavailable):
        upstream.study_get(study_id=STUDY_ID)

    assert sleeps == [1.0, 2.0, 4.0]


def test_connection_error_then_success(avara, study_json):
    route = avara.get(STUDY_PATH)
    route.side_effect = [httpx.ConnectError("refused"), httpx.Response(200, json=study_json)]

    assert upstream.study_get(study_id=STUDY_ID).study_id == STUDY_ID
    assert route.call_count == 2


def test_exhausted_retries_raise_unavailable_with_attempt_count(avara, settings):
    settings.AVARA_MAX_RETRIES = 4
    route = avara.get(STUDY_PATH).respond(503)

    with upstream.record_calls() as calls, pytest.raises(upstream.Unavailable) as caught:
        upstream.study_get(study_id=STUDY_ID)

    assert route.call_count == 5
    assert caught.value.attempts == 5
    assert [(c.status, c.attempts) for c in calls] == [(503, 5)]


def test_zero_retries_sends_once(avara, settings):
    settings.AVARA_MAX_RETRIES = 0
    route = avara.get(STUDY_PATH).respond(503)

    with pytest.raises(upstream.Unavailable):
        upstream.study_get(study_id=STUDY_ID)

    assert route.call_count == 1


def test_4xx_answers_are_not_retried(avara):
    route = avara.get(STUDY_PATH).respond(404)

    with pytest.raises(upstream.NotFound):
        upstream.study_get(study_id=STUDY_ID)

    assert route.call_count == 1


def test_patch_is_retried(avara, study_json):
    route = avara.patch(STUDY_PATH)
    route.side_effect = [httpx.ReadTimeout("slow"), httpx.Response(200, json=study_json)]

    upstream.study_update(study_id=STUDY_ID, changes={"severity": "stat"})

    assert route.call_count == 2
    assert [c.request.content for c in route.calls] == [b'{"severity":"stat"}'] * 2


def test_reroute_post_is_retried(avara):
    route = avara.post("/v1/viewer/studies/reroute-url")
    route.side_effect = [httpx.Response(502), httpx.Response(200, json={"url": "http://v/1"})]

    assert upstream.study_reroute_url(study_id=STUDY_ID) == "http://v/1"
    assert route.call_count == 2


# --- POST create: a retry that meets its own earlier success ---------------------------------


def test_create_whose_answer_was_lost_returns_the_stored_study(avara, study_json):
    create = avara.post("/v1/viewer/studies")
    create.side_effect = [
        httpx.ReadTimeout("answer lost"),
        httpx.Response(409, json={"error": {"type": "conflict_error", "message": "exists"}}),
    ]
    lookup = avara.get(f"/v1/viewer/studies/by-uid/{UID}").respond(json=study_json)
    study_json["assignedTo"]["userId"] = USER_ID

    study = upstream.study_create(
        severity="high",
        study_description="CT Chest/Abdomen/Pelvis",
        study_instance_uid=UID,
        assigned_to=USER_ID,
        express_customer_id=study_json["expressCustomer"]["expressCustomerId"],
        metadata=study_json["metadata"],
    )

    assert study.study_id == STUDY_ID
    assert create.call_count == 2
    assert lookup.call_count == 1


def test_create_retry_conflicting_with_a_different_study_stays_conflict(avara, study_json):
    create = avara.post("/v1/viewer/studies")
    create.side_effect = [httpx.Response(503), httpx.Response(409, json={"message": "exists"})]
    avara.get(f"/v1/viewer/studies/by-uid/{UID}").respond(json=study_json)

    with pytest.raises(upstream.Conflict) as caught:
        upstream.study_create(severity="normal", study_description="Other", study_instance_uid=UID)

    assert caught.value.message == "exists"
    assert caught.value.attempts == 2


def test_create_conflict_on_first_attempt_does_not_look_up(avara):
    avara.post("/v1/viewer/studies").respond(409, json={"message": "exists"})
    lookup = avara.get(f"/v1/viewer/studies/by-uid/{UID}")

    with pytest.raises(upstream.Conflict):
        upstream.study_create(severity="high", study_description="x", study_instance_uid=UID)

    assert lookup.call_count == 0


# --- POST cancel / uncancel: "already done" after a retry is our own success ------------------


def test_cancel_retried_into_already_cancelled_counts_as_success(avara, study_json):
    cancel = avara.post("/v1/viewer/studies/cancel")
    cancel.side_effect = [
        httpx.RemoteProtocolError("connection dropped"),
        httpx.Response(200, json={"success": False, "message": "Study is already cancelled"}),
    ]
    study_json.update(isCancelled=True, cancelledAt="2024-03-16T00:00:00Z")
    check = avara.get(STUDY_PATH).respond(json=study_json)

    result = upstream.study_cancel(study_id=STUDY_ID)

    assert result.success is True
    assert cancel.call_count == 2 and check.call_count == 1


def test_uncancel_refused_after_retry_stays_refused_when_state_differs(avara, study_json):
    uncancel = avara.post("/v1/viewer/studies/uncancel")
    uncancel.side_effect = [
        httpx.Response(503),
        httpx.Response(200, json={"success": False, "message": "Study is not cancelled"}),
    ]
    study_json["isCancelled"] = True  # still cancelled: the refusal was real
    avara.get(STUDY_PATH).respond(json=study_json)

    result = upstream.study_uncancel(study_id=STUDY_ID)

    assert (result.success, result.message) == (False, "Study is not cancelled")


def test_cancel_refused_on_first_attempt_is_returned_without_a_check(avara):
    avara.post("/v1/viewer/studies/cancel").respond(json={"success": False, "message": "No."})
    check = avara.get(STUDY_PATH)

    result = upstream.study_cancel(study_id=STUDY_ID)

    assert (result.success, result.message) == (False, "No.")
    assert check.call_count == 0


# --- the same stack with an injected transport (no respx) ------------------------------------


def test_injected_mock_transport_goes_through_the_retry_layer(study_json, settings):
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            return httpx.Response(504)
        return httpx.Response(200, json=study_json)

    client.set_client(client.build_client(transport=httpx.MockTransport(handler)))

    study = upstream.study_get(study_id=STUDY_ID)

    assert study.study_id == STUDY_ID
    assert len(seen) == 2
    assert seen[0].headers["authorization"] == f"Bearer {settings.AVARA_API_KEY}"
    assert str(seen[0].url) == f"http://avara.test{STUDY_PATH}"


# --- A bounded wait: no call outlives AVARA_CALL_DEADLINE, no action its deadline -------


@pytest.fixture
def clock(monkeypatch):
    """The retry layer's idea of now, moved by hand (each attempt below "takes" 5 s)."""
    now = [1000.0]
    monkeypatch.setattr(client.time, "monotonic", lambda: now[0])
    return now


def _slow_attempts(clock, timeouts):
    def attempt(request):
        timeouts.append(request.extensions["timeout"]["read"])
        clock[0] += 5.0
        raise httpx.ReadTimeout("no answer", request=request)

    return attempt


def test_no_attempt_starts_once_the_call_deadline_is_spent(avara, settings, clock):
    settings.AVARA_MAX_RETRIES = 10
    settings.AVARA_READ_TIMEOUT = 10.0
    settings.AVARA_CALL_DEADLINE = 12.0
    timeouts: list[float] = []
    route = avara.get(STUDY_PATH).mock(side_effect=_slow_attempts(clock, timeouts))

    with pytest.raises(upstream.Unavailable) as caught:
        upstream.study_get(study_id=STUDY_ID)

    # Attempts at 0, 5 and 10 s; a fourth would start at 15 s, past the 12 s deadline.
    assert route.call_count == 3
    assert timeouts == [10.0, 7.0, 2.0]  # each attempt gets only the time that is left
    assert "did not answer in time" in caught.value.message


def test_an_action_deadline_bounds_all_its_calls_together(avara, settings, clock):
    settings.AVARA_MAX_RETRIES = 10
    settings.AVARA_CALL_DEADLINE = 60.0
    timeouts: list[float] = []
    route = avara.get(STUDY_PATH).mock(side_effect=_slow_attempts(clock, timeouts))

    with upstream.deadline(8.0), pytest.raises(upstream.Unavailable):
        upstream.study_get(study_id=STUDY_ID)

    assert route.call_count == 2  # at 0 and 5 s; the third would start at 10 s
    assert timeouts[1] == 3.0
