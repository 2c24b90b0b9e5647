"""Fault injection: off by default; latency, a rate of 500/503/429, per-request headers."""

import pytest
from sandbox_helpers import STUDIES, error_of

from sandbox import faults
from sandbox.models import Study

pytestmark = pytest.mark.django_db

NEW = {"severity": "normal", "studyDescription": "CT", "studyInstanceUid": "1.2.3"}


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """Record the injected delays instead of sleeping."""
    calls: list[float] = []
    monkeypatch.setattr(faults.time, "sleep", calls.append)
    return calls


def test_faults_are_off_by_default(api, sleeps):
    assert all(api.get(STUDIES).status_code == 200 for _ in range(20))
    assert sleeps == []


@pytest.mark.parametrize(("status", "kind"), [(500, "api_error"), (503, "api_error")])
def test_rate_one_fails_every_call_with_the_configured_status(api, settings, status, kind):
    settings.SANDBOX_FAULT_RATE = 1.0
    settings.SANDBOX_FAULT_STATUSES = [status]
    for response in (api.get(STUDIES), api.post(STUDIES, NEW), api.get(f"{STUDIES}/by-uid/1.2")):
        assert response.status_code == status
        error = error_of(response)
        assert error["type"] == kind
        assert "injected" in error["message"]
        assert response["x-should-retry"] == "true"
    assert not Study.objects.exists()


def test_injected_429_carries_retry_after(api, settings):
    settings.SANDBOX_FAULT_RATE = 1.0
    settings.SANDBOX_FAULT_STATUSES = [429]
    response = api.get(STUDIES)
    assert response.status_code == 429
    assert response["Retry-After"] == "1"
    assert error_of(response)["type"] == "rate_limit_error"


def test_rate_picks_among_statuses_reproducibly_with_a_seed(api, settings):
    settings.SANDBOX_FAULT_RATE = 0.5
    settings.SANDBOX_FAULT_STATUSES = [500, 503, 429]

    def run() -> list[int]:
        faults.rng.seed(1234)
        return [api.get(STUDIES).status_code for _ in range(60)]

    first = run()
    assert first == run()
    assert set(first) == {200, 500, 503, 429}
    assert 15 < first.count(200) < 45


def test_injected_failure_changes_no_state(api, settings, sandbox_factory):
    study = sandbox_factory.study(severity="normal")
    before = api.get(f"{STUDIES}/{study.study_id}").json()
    settings.SANDBOX_FAULT_RATE = 1.0
    settings.SANDBOX_FAULT_STATUSES = [503]
    assert api.post(STUDIES, NEW | {"studyInstanceUid": "9.9"}).status_code == 503
    assert api.patch(f"{STUDIES}/{study.study_id}", {"severity": "stat"}).status_code == 503
    assert api.post(f"{STUDIES}/cancel", {"studyId": study.study_id}).status_code == 503
    settings.SANDBOX_FAULT_RATE = 0.0
    assert api.get(f"{STUDIES}/{study.study_id}").json() == before
    assert Study.objects.count() == 1


def test_faults_come_before_authentication(anonymous, settings):
    settings.SANDBOX_FAULT_RATE = 1.0
    settings.SANDBOX_FAULT_STATUSES = [503]
    assert anonymous.get(STUDIES).status_code == 503


@pytest.mark.parametrize("status", [429, 500, 503])
def test_header_forces_a_fault(api, status):
    response = api.get(STUDIES, **{"X-Sandbox-Fault": str(status)})
    assert response.status_code == status
    assert ("Retry-After" in response) is (status == 429)
    assert api.get(STUDIES).status_code == 200


def test_forced_fault_changes_no_state(api):
    response = api.post(STUDIES, NEW, **{"X-Sandbox-Fault": "500"})
    assert response.status_code == 500
    assert not Study.objects.exists()


@pytest.mark.parametrize("value", ["404", "abc", "200", ""])
def test_invalid_fault_header_is_400(api, value):
    response = api.get(STUDIES, **{"X-Sandbox-Fault": value})
    assert response.status_code == 400
    assert error_of(response)["fields"] == {"X-Sandbox-Fault": "must be one of 429, 500, 503"}


def test_headers_are_ignored_when_disabled(api, settings, sleeps):
    settings.SANDBOX_FAULT_HEADERS = False
    response = api.get(STUDIES, **{"X-Sandbox-Fault": "503", "X-Sandbox-Latency-Ms": "200"})
    assert response.status_code == 200
    assert sleeps == []


def test_configured_latency_delays_every_request(api, settings, sleeps):
    settings.SANDBOX_FAULT_LATENCY_MS = 150
    assert api.get(STUDIES).status_code == 200
    assert api.post(STUDIES, NEW).status_code == 201
    assert sleeps == [0.15, 0.15]


def test_latency_header_overrides_the_setting(api, settings, sleeps):
    settings.SANDBOX_FAULT_LATENCY_MS = 150
    assert api.get(STUDIES, **{"X-Sandbox-Latency-Ms": "200"}).status_code == 200
    assert api.get(STUDIES, **{"X-Sandbox-Latency-Ms": "0"}).status_code == 200
    assert sleeps == [0.2]


@pytest.mark.parametrize("value", ["-5", "fast", "600000"])
def test_invalid_latency_header_is_400(api, value, sleeps):
    response = api.get(STUDIES, **{"X-Sandbox-Latency-Ms": value})
    assert response.status_code == 400
    assert "X-Sandbox-Latency-Ms" in error_of(response)["fields"]
    assert sleeps == []
